"""Which tests and questionnaires are due again: the stored program's re-test weeks when it has
them, otherwise the one re-test schedule of program/data/rules.yaml (questionnaires: the intervals
of data/tracking.yaml)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kneechain.knowledge.loader import KnowledgeBase
from kneechain.program.rules import ProgramRules
from kneechain.track.config import TrackingConfig
from kneechain.track.logbook import last_measured
from kneechain.track.models import OutcomeScoreRecord, PersonRecord, ProgramRecord
from kneechain.track.plan import retest_schedule
from kneechain.track.records import LOOK_UP, program_of

Kind = Literal["test", "outcome"]


@dataclass(frozen=True)
class Interval:
    kind: Kind
    id: str
    every_weeks: float
    days: tuple[date, ...] = ()


@dataclass(frozen=True)
class Due:
    """One test or questionnaire with the day it was last done and the day it is due."""

    kind: Kind
    id: str
    name: str
    every_weeks: float
    last: date | None
    due_on: date

    def days_left(self, today: date) -> int:
        return (self.due_on - today).days


def next_due(item: Interval, last: date | None, today: date) -> date:
    """Never done: due today. Otherwise the first program day after the last time it was done,
    or, past the program's days (or without them), the last time plus the interval."""
    if last is None:
        return today
    upcoming = [d for d in item.days if d > last]
    return upcoming[0] if upcoming else last + timedelta(days=round(item.every_weeks * 7))


def due_dates(
    intervals: list[Interval],
    last_done: dict[tuple[Kind, str], date],
    today: date,
    kb: KnowledgeBase,
) -> list[Due]:
    """Each test or questionnaire with its due day (named as in `kb`), soonest first."""
    items = []
    for item in intervals:
        last = last_done.get((item.kind, item.id))
        names = kb.tests if item.kind == "test" else kb.outcomes
        due = next_due(item, last, today)
        items.append(Due(item.kind, item.id, names[item.id].name, item.every_weeks, last, due))
    return sorted(items, key=lambda d: (d.due_on, d.kind, d.id))


def standard_intervals(
    measured_tests: set[str], program_rules: ProgramRules, config: TrackingConfig
) -> list[Interval]:
    """The re-test schedule of `program_rules`, limited to tests this person has a baseline for,
    plus the outcomes of `config`."""
    every_weeks = program_rules.retest.every_weeks
    tests = [Interval("test", t, weeks) for t, weeks in every_weeks.items()]
    outcomes = [Interval("outcome", o.outcome_id, o.every_weeks) for o in config.retest.outcomes]
    return [t for t in tests if t.id in measured_tests] + outcomes


def _last_scored(db: Session, user: PersonRecord) -> dict[str, date]:
    query = (
        select(OutcomeScoreRecord.outcome_id, func.max(OutcomeScoreRecord.measured_on))
        .where(OutcomeScoreRecord.user_id == user.id)
        .group_by(OutcomeScoreRecord.outcome_id)
    )
    return dict(db.execute(query).all())


def due_for(
    db: Session,
    user: PersonRecord,
    today: date,
    *,
    kb: KnowledgeBase,
    program_rules: ProgramRules,
    config: TrackingConfig,
    program: ProgramRecord | Literal["look up"] | None = LOOK_UP,
) -> tuple[list[Due], str]:
    """Everything due for `user`, and which schedule was used ('program' or 'default')."""
    tests_done = last_measured(db, user)
    last: dict[tuple[Kind, str], date] = {("test", k): v for k, v in tests_done.items()}
    last |= {("outcome", k): v for k, v in _last_scored(db, user).items()}
    program = program_of(db, user, program)
    from_program = retest_schedule(program.doc, program.started_on, kb) if program else None
    if from_program:
        intervals = [Interval("test", p.test_id, p.every_weeks, p.days) for p in from_program]
        defaults = standard_intervals(set(), program_rules, config)
        outcomes = [i for i in defaults if i.kind == "outcome"]
        return due_dates(intervals + outcomes, last, today, kb), "program"
    defaults = standard_intervals(set(tests_done), program_rules, config)
    return due_dates(defaults, last, today, kb), "default"
