"""A person's history: the sessions logged, adherence per week and the pain trend."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from sqlalchemy.orm import Session

from kneechain.knowledge.loader import KnowledgeBase
from kneechain.track.config import TrackingConfig
from kneechain.track.logbook import sessions_of
from kneechain.track.maths import (
    Trend,
    WeekAdherence,
    overall_adherence,
    weekly_adherence,
    weekly_trend,
)
from kneechain.track.models import ExerciseSessionRecord, PersonRecord, ProgramRecord
from kneechain.track.plan import planned_sessions_per_week
from kneechain.track.progress import Change, outcome_change
from kneechain.track.records import LOOK_UP, program_of


@dataclass(frozen=True)
class History:
    sessions: list[ExerciseSessionRecord]
    program_start: date | None
    planned_per_week: float | None
    weeks: list[WeekAdherence]
    adherence: float | None
    pain_before: Trend
    pain_after: Trend
    pain_score: Change | None


def build_history(
    db: Session,
    user: PersonRecord,
    today: date,
    kb: KnowledgeBase,
    config: TrackingConfig,
    *,
    program: ProgramRecord | Literal["look up"] | None = LOOK_UP,
) -> History:
    """Sessions oldest first; adherence from the program's first day (without a program, from the
    first session) to today. Sessions before the program started are listed but not counted, and
    a program that has not started yet has no weeks."""
    sessions = sessions_of(db, user)
    program = program_of(db, user, program)
    planned = planned_sessions_per_week(program.doc, kb) if program else None
    if program is not None:
        start = program.started_on
    else:
        start = sessions[0].performed_on if sessions else today
    days = [s.performed_on for s in sessions]
    weeks = weekly_adherence(days, planned, start, today) if start <= today else []
    before = [(s.performed_on, float(s.pain_before)) for s in sessions if s.pain_before is not None]
    after = [(s.performed_on, float(s.pain_after)) for s in sessions if s.pain_after is not None]
    rule = config.trend
    nprs = outcome_change(db, user, kb, config, "nprs", "now")  # the one change shown here
    return History(
        sessions=sessions,
        program_start=program.started_on if program else None,
        planned_per_week=planned,
        weeks=weeks,
        adherence=overall_adherence(weeks),
        pain_before=weekly_trend(before, rule.min_ratings, rule.min_days),
        pain_after=weekly_trend(after, rule.min_ratings, rule.min_days),
        pain_score=nprs,
    )
