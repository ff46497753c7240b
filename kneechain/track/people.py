"""People and clinicians: add, find, link and delete (a deleted person's media goes with them)."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kneechain.errors import ErrorKind
from kneechain.track.errors import TrackError
from kneechain.track.media import MediaStore
from kneechain.track.models import ROLES, CareLinkRecord, MediaItemRecord, PersonRecord

MAX_NAME = 200


def _clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise TrackError("a person's name cannot be empty; give a name such as 'Alex'")
    if len(cleaned) > MAX_NAME:
        raise TrackError(f"a name may have at most {MAX_NAME} characters")
    return cleaned


def add_person(
    db: Session,
    name: str,
    *,
    role: str = "person",
    birth_year: int | None = None,
    sex: str | None = None,
) -> PersonRecord:
    """Create a person (or clinician) with a unique name."""
    cleaned = _clean_name(name)
    if role not in ROLES:
        raise TrackError(f"role {role!r} is not known; choose one of: {', '.join(ROLES)}")
    if db.scalar(select(PersonRecord).where(PersonRecord.name == cleaned)) is not None:
        raise TrackError(f"a person named {cleaned!r} already exists; choose another name")
    if birth_year is not None and not 1900 <= birth_year <= 2100:
        raise TrackError(f"birth year {birth_year} is not plausible; give a year like 1988")
    user = PersonRecord(name=cleaned, role=role, birth_year=birth_year, sex=sex)
    db.add(user)
    db.flush()
    return user


def list_people(db: Session) -> list[PersonRecord]:
    return list(db.scalars(select(PersonRecord).order_by(PersonRecord.name)))


def find_person(db: Session, name: str) -> PersonRecord:
    """The person with this name; a clear error listing who exists when there is none."""
    cleaned = " ".join(name.split())
    user = db.scalar(select(PersonRecord).where(PersonRecord.name == cleaned))
    if user is None:
        known = [u.name for u in list_people(db)]
        hint = (
            f"Known people: {', '.join(known)}."
            if known
            else "Nobody is stored yet: add the person first."
        )
        raise TrackError(
            f"No person named {cleaned!r} is stored.",
            hint=hint,
            code="person.not_found",
            kind=ErrorKind.not_found,
            field="person",
        )
    return user


def link_clinician(db: Session, clinician: PersonRecord, client: PersonRecord) -> CareLinkRecord:
    """Let a clinician follow a client (idempotent)."""
    if clinician.role != "clinician":
        raise TrackError(
            f"{clinician.name} is stored as a client, not a clinician, so cannot follow anyone.",
            hint="Add the clinician as a clinician (a separate entry) and link that one.",
            field="clinician",
        )
    if clinician.id == client.id:
        raise TrackError("a clinician cannot be their own client")
    link = db.get(CareLinkRecord, (clinician.id, client.id))
    if link is None:
        link = CareLinkRecord(clinician_id=clinician.id, client_id=client.id)
        db.add(link)
        db.flush()
    return link


def clients_of(db: Session, clinician: PersonRecord) -> list[PersonRecord]:
    query = (
        select(PersonRecord)
        .join(CareLinkRecord, CareLinkRecord.client_id == PersonRecord.id)
        .where(CareLinkRecord.clinician_id == clinician.id)
        .order_by(PersonRecord.name)
    )
    return list(db.scalars(query))


def delete_person(db: Session, user: PersonRecord) -> set[str]:
    """Delete a person and every record of theirs (by cascade).

    Returns the hashes of their media files; call `prune_media` with them after the commit, so a
    failed delete never leaves rows pointing at files already removed.
    """
    hashes = set(
        db.scalars(select(MediaItemRecord.sha256).where(MediaItemRecord.user_id == user.id))
    )
    db.execute(delete(PersonRecord).where(PersonRecord.id == user.id))
    db.flush()
    return hashes


def prune_media(db: Session, media: MediaStore, candidates: set[str]) -> list[str]:
    """Remove the candidate files no stored record refers to any more (shared content stays)."""
    still_used = set(
        db.scalars(select(MediaItemRecord.sha256).where(MediaItemRecord.sha256.in_(candidates)))
    )
    return media.remove_unreferenced(candidates, still_used)
