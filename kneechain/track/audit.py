"""Writing the audit log of people's records (the `audit_events` table): one row per access.

The rules of what is noted live here, beside the table: every change, by anyone; a read only
when the reader is not the person whose record it is. `kneechain.services.audit` calls this in
the same unit of work as the permission check and shows the trail."""

from __future__ import annotations

from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from kneechain.track.models import AuditEventRecord, PersonRecord

Action = Literal["read", "change"]
#: the longest description kept (the column's width)
WHAT_MAX = 300


def noted(action: Action, actor_uid: str, person_uid: str) -> bool:
    """Whether an access is noted: every change; a read only by someone else than the person."""
    return action == "change" or actor_uid != person_uid


def note(
    db: Session,
    person: PersonRecord,
    *,
    actor_uid: str,
    actor_name: str,
    actor_role: str,
    action: Action,
    what: str,
) -> bool:
    """Note one access to `person`'s record; a read of one's own record is not noted.
    Returns whether an event was written."""
    if not noted(action, actor_uid, person.uid):
        return False
    actor = (  # a person changing their own record is the row already loaded
        person
        if actor_uid == person.uid
        else db.scalar(select(PersonRecord).where(PersonRecord.uid == actor_uid))
    )
    db.add(
        AuditEventRecord(
            person_id=person.id,
            actor_id=actor.id if actor is not None else None,
            actor_name=actor_name[:200],
            actor_role=actor_role,
            action=action,
            what=what[:WHAT_MAX],
        )
    )
    return True
