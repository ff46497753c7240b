"""The start page of a person's record, gathered in one unit of work: the check-ups (latest
first), the program in use, the sessions with adherence and pain, and the re-tests due.

Every figure is the one the separate use cases give (`assessment.assessments`,
`programs.current`, `tracking.history`, `tracking.retests`); asked together, the person is
looked up once and the database is visited in one transaction instead of four."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict

from kneechain.services import assessment, programs, tracking
from kneechain.services.context import ServiceContext
from kneechain.services.people import resolve
from kneechain.track.records import current_program


class StartPage(BaseModel):
    """A person's start page: check-ups (latest first), the program, sessions and re-tests."""

    model_config = ConfigDict(frozen=True)

    checkups: list[assessment.AssessmentSummary]
    program: programs.ProgramVersion | None
    history: tracking.HistoryOut
    retests: tracking.RetestsOut | None
    sessions_last_7_days: int


def start_page(ctx: ServiceContext, person: str | None, today: date | None = None) -> StartPage:
    """What the start page of `person`'s record shows (re-tests only once there is a check-up)."""
    today = today or date.today()
    with ctx.db(read_only=True) as db:
        who = resolve(db, person)
        checkups = list(reversed(assessment.assessments_of(db, who)))
        program = current_program(db, who)  # a large document: read and decoded once
        history = tracking.history_of(ctx, db, who, today, program)
        return StartPage(
            checkups=checkups,
            program=programs.current_of(db, who, program),
            history=history,
            retests=tracking.retests_of(ctx, db, who, today, program) if checkups else None,
            sessions_last_7_days=sum(
                1 for s in history.sessions if 0 <= (today - s.performed_on).days < 7
            ),
        )
