"""Use cases of accounts: sign up, log in (rate-limited), signed-in browsers, log out, links
between a client and a clinician, and the one permission check every front end asks.

An account is an e-mail address and an argon2 password hash linked to one tracked person or
clinician. A browser that logs in gets a random token; only its SHA-256 is stored, next to the
CSRF token that every state-changing request of that browser must carry.

Who may see whose record is decided by `person_for` and nowhere else: a person sees their own
record, a clinician their own and those of clients linked to them.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from kneechain.errors import ErrorKind, KneechainError, invalid
from kneechain.services.context import ServiceContext
from kneechain.track import audit
from kneechain.track.models import (
    AccountRecord,
    CareLinkRecord,
    LoginAttemptRecord,
    LoginSessionRecord,
    PersonRecord,
    utcnow,
)
from kneechain.track.people import add_person, clients_of

Role = Literal["person", "clinician"]
MIN_PASSWORD = 10
MAX_PASSWORD = 256
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_HASHER = PasswordHasher()
#: verified against when no account has the e-mail, so a wrong e-mail costs as long as a wrong
#: password and timing does not tell which addresses have accounts
_DUMMY_HASH = _HASHER.hash(secrets.token_hex(16))


def normalise_email(email: str) -> str:
    return email.strip().lower()


class SignUp(BaseModel):
    """A new account: the e-mail to log in with, a password and the name shown to a clinician."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    email: str = Field(max_length=254, description="e-mail address used to log in")
    password: str = Field(min_length=MIN_PASSWORD, max_length=MAX_PASSWORD)
    name: str = Field(min_length=1, max_length=200, description="name shown in the record")
    role: Role = "person"

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        value = normalise_email(value)
        if not _EMAIL.match(value):
            raise ValueError("is not an e-mail address (it should look like name@example.org)")
        return value


class Viewer(BaseModel):
    """Who is signed in: their account and the tracked person (or clinician) it belongs to."""

    model_config = ConfigDict(frozen=True)

    account_id: int
    email: str
    person_uid: str
    name: str
    role: Role


class SignedIn(BaseModel):
    """A browser that has just logged in: the cookie token (shown once) and its CSRF token."""

    model_config = ConfigDict(frozen=True)

    token: str
    csrf_token: str
    expires_at: datetime
    viewer: Viewer


class BrowserSession(BaseModel):
    """A signed-in browser as found from its cookie token."""

    model_config = ConfigDict(frozen=True)

    viewer: Viewer
    csrf_token: str


class PersonRef(BaseModel):
    """A person's public identity as shown in lists."""

    model_config = ConfigDict(frozen=True)

    uid: str
    name: str
    role: Role


def _viewer(account: AccountRecord, user: PersonRecord) -> Viewer:
    return Viewer(
        account_id=account.id,
        email=account.email,
        person_uid=user.uid,
        name=user.name,
        role=_role(user.role),
    )


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def sign_up(ctx: ServiceContext, data: SignUp | dict[str, object]) -> Viewer:
    """Create an account and the tracked person (or clinician) it belongs to."""
    try:
        request = data if isinstance(data, SignUp) else SignUp.model_validate(data)
    except ValidationError as exc:
        raise invalid("account.invalid", "The account details need a change.", exc, SignUp) from exc
    with ctx.db() as db:
        taken = db.scalar(select(AccountRecord.id).where(AccountRecord.email == request.email))
        if taken is not None:
            raise KneechainError(
                "account.exists",
                "An account with this e-mail address already exists.",
                hint="Log in instead, or use another address.",
                field="email",
                kind=ErrorKind.conflict,
            )
        user = add_person(db, request.name, role=request.role)
        account = AccountRecord(
            user_id=user.id, email=request.email, password_hash=_HASHER.hash(request.password)
        )
        db.add(account)
        db.flush()
        return _viewer(account, user)


def _recent_failures(db: Session, email: str, client: str, since: datetime) -> int:
    query = select(func.count(LoginAttemptRecord.id)).where(
        LoginAttemptRecord.at >= since,
        or_(LoginAttemptRecord.email == email, LoginAttemptRecord.client == client),
    )
    return int(db.scalar(query) or 0)


def _refused(minutes: int) -> KneechainError:
    return KneechainError(
        "login.rate_limited",
        "Too many failed log-ins in a short time.",
        hint=f"Wait {minutes} minutes, then try again.",
        kind=ErrorKind.rate_limited,
    )


def log_in(ctx: ServiceContext, email: str, password: str, client: str) -> SignedIn:
    """Check the password and start a signed-in browser session.

    Failed tries are counted per e-mail and per client address; past the limit within the
    login window every try is refused (right password or not) until the window has passed."""
    settings = ctx.settings
    address = normalise_email(email)[:254]
    client = client[:64]
    now = utcnow()
    window = timedelta(minutes=settings.login_window_minutes)
    with ctx.db() as db:
        if _recent_failures(db, address, client, now - window) >= settings.login_max_failures:
            raise _refused(settings.login_window_minutes)
        account = db.scalar(select(AccountRecord).where(AccountRecord.email == address))
        stored = account.password_hash if account is not None else _DUMMY_HASH
        try:
            _HASHER.verify(stored, password)
            ok = account is not None
        except (VerificationError, InvalidHashError):
            ok = False
        if not ok or account is None:
            db.add(LoginAttemptRecord(email=address, client=client, at=now))
        else:
            if _HASHER.check_needs_rehash(account.password_hash):
                account.password_hash = _HASHER.hash(password)
            account.last_login_at = now
            db.execute(delete(LoginAttemptRecord).where(LoginAttemptRecord.email == address))
            token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
            expires = now + timedelta(hours=settings.web_session_hours)
            db.add(
                LoginSessionRecord(
                    token_hash=_token_hash(token),
                    account_id=account.id,
                    csrf_token=csrf,
                    expires_at=expires,
                )
            )
            user = db.get_one(PersonRecord, account.user_id)
            return SignedIn(
                token=token, csrf_token=csrf, expires_at=expires, viewer=_viewer(account, user)
            )
    raise KneechainError(
        "login.failed",
        "The e-mail address or the password is not right.",
        hint="Check both and try again.",
        kind=ErrorKind.unauthenticated,
    )


def browser_session(ctx: ServiceContext, token: str | None) -> BrowserSession | None:
    """The signed-in browser whose cookie holds `token` (None when unknown or expired)."""
    if not token:
        return None
    # every request asks this: one query for the session, account and person, read without
    # SQLite's write lock; an expired session is removed in a unit of work of its own
    # (only the columns needed, as plain rows: no ORM objects to build and track per request)
    with ctx.db(read_only=True) as db:
        row = db.execute(
            select(
                LoginSessionRecord.id,
                LoginSessionRecord.expires_at,
                LoginSessionRecord.csrf_token,
                AccountRecord.id,
                AccountRecord.email,
                PersonRecord.uid,
                PersonRecord.name,
                PersonRecord.role,
            )
            .join(AccountRecord, AccountRecord.id == LoginSessionRecord.account_id)
            .join(PersonRecord, PersonRecord.id == AccountRecord.user_id)
            .where(LoginSessionRecord.token_hash == _token_hash(token))
        ).first()
    if row is None:
        return None
    session_id, expires_at, csrf, account_id, email, uid, name, role = row
    if expires_at > utcnow():
        viewer = Viewer(
            account_id=account_id,
            email=email,
            person_uid=uid,
            name=name,
            role=_role(role),
        )
        return BrowserSession(viewer=viewer, csrf_token=csrf)
    with ctx.db() as db:
        db.execute(delete(LoginSessionRecord).where(LoginSessionRecord.id == session_id))
    return None


def log_out(ctx: ServiceContext, token: str | None) -> None:
    """End the browser session (the cookie's token no longer signs anybody in)."""
    if not token:
        return
    with ctx.db() as db:
        db.execute(
            delete(LoginSessionRecord).where(LoginSessionRecord.token_hash == _token_hash(token))
        )


def _no_access() -> KneechainError:
    return KneechainError(
        "person.forbidden",
        "This record is not yours to see.",
        hint="A person sees their own record; a clinician sees the clients linked to them.",
        kind=ErrorKind.forbidden,
    )


def may_see(db: Session, viewer: Viewer, person: PersonRecord) -> bool:
    """The permission rule: oneself, or a client linked to the clinician who asks."""
    if person.uid == viewer.person_uid:
        return True
    if viewer.role != "clinician":
        return False
    me = db.scalar(select(PersonRecord).where(PersonRecord.uid == viewer.person_uid))
    return me is not None and db.get(CareLinkRecord, (me.id, person.id)) is not None


def person_for(db: Session, viewer: Viewer | None, person_uid: str) -> PersonRecord:
    """The person whose record `viewer` asks for, or an error: the one permission check.

    Nobody signed in: unauthenticated. A record that does not exist and one that is not
    the viewer's to see give the same answer, so nobody learns which records exist."""
    if viewer is None:
        raise KneechainError(
            "login.required",
            "Please log in to see this page.",
            kind=ErrorKind.unauthenticated,
        )
    person = db.scalar(select(PersonRecord).where(PersonRecord.uid == person_uid))
    if person is None or not may_see(db, viewer, person):
        raise _no_access()
    return person


def _note(
    db: Session, viewer: Viewer, person: PersonRecord, action: audit.Action, what: str
) -> None:
    """The access goes to the audit log (services.audit shows it) in this unit of work."""
    audit.note(
        db,
        person,
        actor_uid=viewer.person_uid,
        actor_name=viewer.name,
        actor_role=viewer.role,
        action=action,
        what=what,
    )


def _ref(user: PersonRecord) -> PersonRef:
    return PersonRef(uid=user.uid, name=user.name, role=_role(user.role))


def _role(stored: str) -> Role:
    return "clinician" if stored == "clinician" else "person"


def own_record(viewer: Viewer | None, person_uid: str, action: audit.Action) -> PersonRef | None:
    """The viewer's own record when they read it, decided without the database: the permission
    rule allows oneself (`may_see`), a read of one's own record is not noted (`audit.noted`), and
    the viewer was looked up together with their person (`browser_session`, `log_in`), so
    `person_for` would find that same person. None for anything else (another's record, a
    change, nobody signed in): those go through `open_record`'s unit of work."""
    if viewer is None or viewer.person_uid != person_uid:
        return None
    if audit.noted(action, viewer.person_uid, person_uid):
        return None
    return PersonRef(uid=viewer.person_uid, name=viewer.name, role=viewer.role)


def open_record(
    ctx: ServiceContext,
    viewer: Viewer | None,
    person_uid: str,
    action: audit.Action = "read",
    what: str = "",
) -> PersonRef:
    """The person whose record is asked for, once `person_for` allows it; the access is noted
    in the audit log (`services.audit`) in the same unit of work. `what` names the use case
    (the web gives its route, e.g. "GET /people/{uid}/progress").

    The person reading their own record (most pages) needs no unit of work (`own_record`), so
    on SQLite it does not queue for the write lock behind writers; every other access may be
    noted and takes it."""
    own = own_record(viewer, person_uid, action)
    if own is not None:
        return own
    with ctx.db() as db:
        person = person_for(db, viewer, person_uid)
        if viewer is not None:
            _note(db, viewer, person, action, what or "open the record")
        return _ref(person)


def clinicians_of(ctx: ServiceContext, viewer: Viewer) -> list[PersonRef]:
    """The clinicians who follow the signed-in person."""
    with ctx.db() as db:
        me = person_for(db, viewer, viewer.person_uid)
        query = (
            select(PersonRecord)
            .join(CareLinkRecord, CareLinkRecord.clinician_id == PersonRecord.id)
            .where(CareLinkRecord.client_id == me.id)
            .order_by(PersonRecord.name)
        )
        return [PersonRef(uid=u.uid, name=u.name, role="clinician") for u in db.scalars(query)]


def clients(ctx: ServiceContext, viewer: Viewer) -> list[PersonRef]:
    """The clients linked to the signed-in clinician (none for a person)."""
    if viewer.role != "clinician":
        return []
    with ctx.db() as db:
        me = person_for(db, viewer, viewer.person_uid)
        return [PersonRef(uid=u.uid, name=u.name, role="person") for u in clients_of(db, me)]


def link_clinician(ctx: ServiceContext, viewer: Viewer, clinician_email: str) -> PersonRef:
    """Let the clinician with this e-mail follow the signed-in person's record."""
    with ctx.db() as db:
        me = person_for(db, viewer, viewer.person_uid)
        account = db.scalar(
            select(AccountRecord).where(AccountRecord.email == normalise_email(clinician_email))
        )
        clinician = db.get(PersonRecord, account.user_id) if account is not None else None
        if clinician is None or clinician.role != "clinician":
            raise KneechainError(
                "clinician.not_found",
                "No clinician has an account with this e-mail address.",
                hint="Ask your clinician for the address they log in with.",
                field="clinician_email",
                kind=ErrorKind.not_found,
            )
        if db.get(CareLinkRecord, (clinician.id, me.id)) is None:
            db.add(CareLinkRecord(clinician_id=clinician.id, client_id=me.id))
            _note(db, viewer, me, "change", f"let {clinician.name} follow the record")
        return PersonRef(uid=clinician.uid, name=clinician.name, role="clinician")


def unlink_clinician(ctx: ServiceContext, viewer: Viewer, clinician_uid: str) -> None:
    """Stop a clinician from following the signed-in person's record."""
    with ctx.db() as db:
        me = person_for(db, viewer, viewer.person_uid)
        clinician = db.scalar(select(PersonRecord).where(PersonRecord.uid == clinician_uid))
        if clinician is not None:
            gone = db.execute(
                delete(CareLinkRecord).where(
                    CareLinkRecord.clinician_id == clinician.id, CareLinkRecord.client_id == me.id
                )
            )
            if gone.rowcount:
                _note(db, viewer, me, "change", f"stop {clinician.name} following the record")
