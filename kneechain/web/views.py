"""What a page shows, gathered from the service layer (several use cases on one page); no rule
of the domain is decided here."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict

from kneechain.errors import KneechainError
from kneechain.services import assessment, programs, tracking
from kneechain.services.accounts import PersonRef
from kneechain.services.context import ServiceContext


class StartPage(BaseModel):
    """A person's start page: check-ups (latest first), the program, sessions and re-tests."""

    model_config = ConfigDict(frozen=True)

    checkups: list[assessment.AssessmentSummary]
    program: programs.ProgramVersion | None
    history: tracking.HistoryOut
    retests: tracking.RetestsOut | None
    sessions_last_7_days: int


def current_program(ctx: ServiceContext, name: str) -> programs.ProgramVersion | None:
    """The program in use, or None when the person has none yet."""
    try:
        return programs.current(ctx, name)
    except KneechainError as error:
        if error.code == "program.none":
            return None
        raise


def start_page(ctx: ServiceContext, subject: PersonRef, today: date | None = None) -> StartPage:
    today = today or date.today()
    checkups = list(reversed(assessment.assessments(ctx, subject.name)))
    history = tracking.history(ctx, subject.name, today)
    recent = sum(1 for s in history.sessions if 0 <= (today - s.performed_on).days < 7)
    return StartPage(
        checkups=checkups,
        program=current_program(ctx, subject.name),
        history=history,
        retests=tracking.retests(ctx, subject.name, today) if checkups else None,
        sessions_last_7_days=recent,
    )
