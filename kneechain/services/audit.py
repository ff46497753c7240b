"""The audit log of people's records: who read or changed whose record, when, and through what.

Written in the same unit of work as the permission check (`accounts.open_record`), so an
access that was allowed is never missing from the trail and a refused one never reaches a
record. What is noted:

- every change (a state-changing request: a session logged, a program edited, a check-up
  answered, a clinician linked or unlinked), by anyone, the person included;
- every read by someone other than the person (a clinician opening a client's pages); the
  person reading their own record is not noted, it would drown the trail.

The person and the clinicians linked to them see the trail (`trail`); nobody else.

    audit.trail(ctx, viewer, person_uid) -> AuditTrail
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kneechain.base import Frozen
from kneechain.services.accounts import PersonRef, Viewer, person_for
from kneechain.services.context import ServiceContext
from kneechain.services.models import StoredTime
from kneechain.track.audit import Action
from kneechain.track.audit import note as write_note
from kneechain.track.models import AuditEventRecord, PersonRecord

#: the most events a trail shows, newest first
TRAIL_MAX = 500


class AuditEvent(Frozen):
    """One access to a person's record."""

    at: StoredTime
    actor_name: str
    actor_role: str
    own: bool
    action: Action
    what: str


class AuditTrail(Frozen):
    """The accesses to one person's record, newest first."""

    person: PersonRef
    events: list[AuditEvent]
    truncated: bool


def note(db: Session, viewer: Viewer, person: PersonRecord, action: Action, what: str) -> bool:
    """Note one access of `viewer` to `person`'s record in the caller's unit of work (see
    `kneechain.track.audit.note` for what is noted). Returns whether an event was written."""
    return write_note(
        db,
        person,
        actor_uid=viewer.person_uid,
        actor_name=viewer.name,
        actor_role=viewer.role,
        action=action,
        what=what,
    )


def trail(ctx: ServiceContext, viewer: Viewer, person_uid: str) -> AuditTrail:
    """Who read or changed the record of `person_uid`, newest first: for the person and their
    linked clinicians only (the one permission check)."""
    with ctx.db() as db:
        person = person_for(db, viewer, person_uid)
        rows = list(
            db.scalars(
                select(AuditEventRecord)
                .where(AuditEventRecord.person_id == person.id)
                .order_by(AuditEventRecord.at.desc(), AuditEventRecord.id.desc())
                .limit(TRAIL_MAX + 1)
            )
        )
        events = [
            AuditEvent(
                at=row.at,
                actor_name=row.actor_name,
                actor_role=row.actor_role,
                own=row.actor_id == person.id,
                action=row.action,  # type: ignore[arg-type]
                what=row.what,
            )
            for row in rows[:TRAIL_MAX]
        ]
        role = "clinician" if person.role == "clinician" else "person"
        return AuditTrail(
            person=PersonRef(uid=person.uid, name=person.name, role=role),
            events=events,
            truncated=len(rows) > TRAIL_MAX,
        )
