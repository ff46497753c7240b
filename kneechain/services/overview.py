"""Use case: the start page of a person's record (what a person sees first, and what a clinician
sees when opening a client): the last check-up, a referral when it found a red flag, the
current program, this week's sessions, adherence, the pain trend and the re-tests due."""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from kneechain.services.accounts import PersonRef, Viewer, open_record, person_for
from kneechain.services.context import ServiceContext
from kneechain.track.history import build_history
from kneechain.track.models import Assessment
from kneechain.track.records import current_program
from kneechain.track.retest import due_for


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class ReferralLine(Frozen):
    """A red flag answered: why it matters and whom to see, how soon."""

    reason: str
    refer_to: str
    urgency: str


class CheckupLine(Frozen):
    """One stored check-up (assessment), as listed."""

    uid: str
    taken_on: date
    refer: bool
    findings: list[str]


class ProgramLine(Frozen):
    uid: str
    started_on: date
    weeks: int | None
    exercises: int
    sessions_per_week: int | None


class DueLine(Frozen):
    kind: str
    id: str
    name: str
    due_on: date
    last: date | None


class Overview(Frozen):
    person: PersonRef
    checkups: list[CheckupLine]
    referral: list[ReferralLine]
    program: ProgramLine | None
    sessions_last_7_days: int
    sessions_total: int
    adherence: float | None
    pain_per_week: float | None
    due: list[DueLine]


def checkup_line(record: Assessment) -> CheckupLine:
    result = record.result_doc or {}
    return CheckupLine(
        uid=record.uid,
        taken_on=record.taken_on,
        refer=bool(result.get("refer")),
        findings=[f.get("name", f.get("id", "")) for f in result.get("findings", [])],
    )


def overview(ctx: ServiceContext, viewer: Viewer, person_uid: str, today: date) -> Overview:
    """The record's start page for `viewer` (after the permission check)."""
    person = open_record(ctx, viewer, person_uid)
    with ctx.db() as db:
        user = person_for(db, viewer, person_uid)
        records = list(
            db.scalars(
                select(Assessment)
                .where(Assessment.user_id == user.id)
                .order_by(Assessment.taken_on.desc(), Assessment.id.desc())
            )
        )
        last = records[0] if records else None
        referral = []
        if last is not None and last.result_doc and last.result_doc.get("refer"):
            referral = [
                ReferralLine(reason=r["reason"], refer_to=r["refer_to"], urgency=r["urgency"])
                for r in last.result_doc.get("red_flags", [])
            ]
        program = current_program(db, user)
        program_line = None
        if program is not None:
            doc = program.doc
            program_line = ProgramLine(
                uid=program.uid,
                started_on=program.started_on,
                weeks=doc.get("weeks"),
                exercises=len(doc.get("exercises", [])),
                sessions_per_week=doc.get("sessions_per_week"),
            )
        history = build_history(db, user, today)
        due, _schedule = due_for(db, user, today) if records else ([], "")
        week_ago = today - timedelta(days=7)
        return Overview(
            person=person,
            checkups=[checkup_line(r) for r in records],
            referral=referral,
            program=program_line,
            sessions_last_7_days=sum(1 for s in history.sessions if s.performed_on > week_ago),
            sessions_total=len(history.sessions),
            adherence=history.adherence,
            pain_per_week=history.pain_after.per_week,
            due=[
                DueLine(kind=d.kind, id=d.id, name=d.name, due_on=d.due_on, last=d.last)
                for d in due
            ],
        )
