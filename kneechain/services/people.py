"""Use cases of people: add, list, find, link and delete people; a clinician's caseload."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from kneechain.errors import ErrorKind, KneechainError
from kneechain.services.context import ServiceContext
from kneechain.services.models import PersonOut, Role, Sex
from kneechain.track import people as store
from kneechain.track.history import build_history
from kneechain.track.models import AssessmentRecord, PersonRecord
from kneechain.track.progress import all_changes
from kneechain.track.records import current_program
from kneechain.track.retest import due_for


class Deleted(BaseModel):
    name: str
    media_files_removed: int


class Alert(BaseModel):
    """Something a clinician should look at: what, and why in plain words."""

    kind: Literal["red_flag", "pain_up", "inactive", "retest_due"]
    message: str


class ClientSummary(BaseModel):
    """One line of a clinician's caseload."""

    person: PersonOut
    last_assessment: date | None
    adherence: float | None  # share of planned sessions done since the program started
    pain_per_week: float | None  # change of pain after sessions per week (+ = worse)
    last_activity: date | None
    retests_due: list[str]  # names of tests and questionnaires due on or before today
    alerts: list[Alert]


def person_out(record: PersonRecord) -> PersonOut:
    return PersonOut.model_validate(record)


def resolve(db: Session, name: str | None) -> PersonRecord:
    """The named person, or the only person stored when no name is given."""
    if name is not None:
        return store.find_person(db, name)
    everyone = [u for u in store.list_people(db) if u.role == "person"]
    if len(everyone) == 1:
        return everyone[0]
    if not everyone:
        raise KneechainError(
            "person.none",
            "Nobody is stored yet.",
            hint="Add the person first.",
            kind=ErrorKind.not_found,
        )
    names = ", ".join(u.name for u in everyone)
    raise KneechainError(
        "person.ambiguous",
        f"Several people are stored ({names}).",
        hint="Say whose records these are.",
        field="person",
    )


def lock(db: Session, name: str | None) -> PersonRecord:
    """`resolve`, and hold the person's row until this unit of work ends: a use case that reads
    what is theirs and writes it back (a program's version, a check-up draft) makes a second
    one wait and read what the first stored, instead of overwriting it (PostgreSQL reads
    committed data without locks; SQLite's transactions already start with the write lock)."""
    who = resolve(db, name)
    db.execute(select(PersonRecord.id).where(PersonRecord.id == who.id).with_for_update())
    return who


def add(
    ctx: ServiceContext,
    name: str,
    role: Role = "person",
    birth_year: int | None = None,
    sex: Sex | None = None,
) -> PersonOut:
    """Add a person (or a clinician) with a unique name."""
    with ctx.db() as db:
        return person_out(store.add_person(db, name, role=role, birth_year=birth_year, sex=sex))


def list_all(ctx: ServiceContext) -> list[PersonOut]:
    with ctx.db() as db:
        return [person_out(p) for p in store.list_people(db)]


def get(ctx: ServiceContext, name: str | None) -> PersonOut:
    """One person by name (or the only one stored)."""
    with ctx.db() as db:
        return person_out(resolve(db, name))


def link(ctx: ServiceContext, clinician: str, client: str) -> None:
    """Let a clinician follow a client (linking twice changes nothing)."""
    with ctx.db() as db:
        store.link_clinician(db, store.find_person(db, clinician), store.find_person(db, client))


def unlink(ctx: ServiceContext, clinician: str, client: str) -> bool:
    """Stop a clinician following a client; False when they were not linked."""
    from kneechain.track.models import CareLinkRecord

    with ctx.db() as db:
        link = db.get(
            CareLinkRecord,
            (store.find_person(db, clinician).id, store.find_person(db, client).id),
        )
        if link is None:
            return False
        db.delete(link)
        return True


def delete(ctx: ServiceContext, name: str) -> Deleted:
    """Delete a person with every record and the media files no one else refers to.

    The rows go in one transaction first; files are removed only after it committed, so a
    failed delete never leaves records pointing at files already gone."""
    with ctx.db() as db:
        person = store.find_person(db, name)
        shown = person.name
        candidates = store.delete_person(db, person)
    with ctx.db() as db:
        removed = store.prune_media(db, ctx.store.media, candidates)
    return Deleted(name=shown, media_files_removed=len(removed))


def _alerts(
    ctx: ServiceContext,
    db: Session,
    client: PersonRecord,
    today: date,
    last_activity: date | None,
    due: list[str],
) -> list[Alert]:
    alerts = []
    latest = db.scalar(
        select(AssessmentRecord)
        .where(AssessmentRecord.user_id == client.id)
        .order_by(AssessmentRecord.taken_on.desc(), AssessmentRecord.id.desc())
        .limit(1)
    )
    if latest is not None and (latest.result_doc or {}).get("refer"):
        alerts.append(Alert(kind="red_flag", message="A red flag was answered: refer first."))
    d = ctx.domain
    for change in all_changes(db, client, d.knowledge, d.tracking):
        if change.kind == "outcome" and change.id == "nprs" and change.status == "worse":
            alerts.append(
                Alert(
                    kind="pain_up",
                    message=f"Pain rose from {change.baseline[1]:g} to {change.latest[1]:g} "
                    "(more than the smallest change that matters).",
                )
            )
    idle = ctx.domain.tracking.caseload.inactive_after_days
    if last_activity is None or (today - last_activity) >= timedelta(days=idle):
        since = f"since {last_activity}" if last_activity else "yet"
        alerts.append(Alert(kind="inactive", message=f"No session logged {since}."))
    if due:
        alerts.append(Alert(kind="retest_due", message="Due: " + ", ".join(due) + "."))
    return alerts


def caseload(ctx: ServiceContext, clinician: str, today: date | None = None) -> list[ClientSummary]:
    """Every client a clinician follows, with what needs their attention."""
    today = today or date.today()
    with ctx.db() as db:
        who = store.find_person(db, clinician)
        if who.role != "clinician":
            raise KneechainError(
                "person.not_clinician",
                f"{who.name} is not a clinician.",
                hint="A caseload belongs to a clinician.",
                kind=ErrorKind.forbidden,
            )
        lines = []
        for client in store.clients_of(db, who):
            d = ctx.domain
            program = current_program(db, client)  # read and decoded once per client
            history = build_history(db, client, today, d.knowledge, d.tracking, program=program)
            last_session = max((s.performed_on for s in history.sessions), default=None)
            last_assessment = db.scalar(
                select(AssessmentRecord.taken_on)
                .where(AssessmentRecord.user_id == client.id)
                .order_by(AssessmentRecord.taken_on.desc())
                .limit(1)
            )
            activity = [d for d in (last_session, last_assessment) if d is not None]
            last_activity = max(activity) if activity else None
            items, _ = due_for(
                db,
                client,
                today,
                kb=d.knowledge,
                program_rules=d.program_rules,
                config=d.tracking,
                program=program,
            )
            due = [d.name for d in items if d.due_on <= today]
            lines.append(
                ClientSummary(
                    person=person_out(client),
                    last_assessment=last_assessment,
                    adherence=history.adherence,
                    pain_per_week=history.pain_after.per_week,
                    last_activity=last_activity,
                    retests_due=due,
                    alerts=_alerts(ctx, db, client, today, last_activity, due),
                )
            )
    return lines
