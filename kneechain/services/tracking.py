"""Use cases of tracking: log sessions, scores and re-measurements; history, progress, re-tests.

Each returns a plain output model (no database object leaves this module), so the terminal, the
web pages and the JSON API show the same figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from kneechain.assess.case import Measurement
from kneechain.services.context import ServiceContext
from kneechain.services.people import PersonOut, person_out, resolve
from kneechain.track.chartdata import Line, Panel
from kneechain.track.history import build_history
from kneechain.track.logbook import CoachedSet, SessionEntry, log_session, record_outcome
from kneechain.track.maths import Trend
from kneechain.track.models import ExerciseSessionRecord, PersonRecord, ProgramRecord
from kneechain.track.progress import Change, all_changes, describe
from kneechain.track.records import LOOK_UP, add_measurements, current_program
from kneechain.track.retest import Due, due_for


class Out(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)


class ExerciseDoneOut(Out):
    exercise_id: str
    name: str
    sets_done: int
    regression_id: str | None = None
    regression_name: str | None = None
    coached: list[CoachedSet] = []


class SessionOut(Out):
    performed_on: date
    exercises: list[ExerciseDoneOut]
    pain_before: int | None = None
    pain_after: int | None = None
    note: str | None = None


class WeekOut(Out):
    week_start: date
    done: int
    planned: float | None
    ratio: float | None


class TrendOut(Out):
    n: int
    first: date | None
    last: date | None
    per_week: float | None


class ChangeOut(Out):
    """First and latest value of one measure (or score), the change and the verdict."""

    kind: Literal["measure", "outcome"]
    id: str
    name: str
    side: str
    unit: str
    baseline_on: date
    baseline: float
    latest_on: date
    latest: float
    delta: float
    threshold: float | None = Field(
        description="what the change was judged against: the smallest real change (widened by "
        "the two values' uncertainties when they are larger) or the minimal important difference"
    )
    status: str
    description: str
    measurement_error: float | None = Field(
        default=None, description="the measure's own smallest real change (knowledge base)"
    )
    baseline_uncertainty: float | None = Field(default=None, description="+- of the first value")
    latest_uncertainty: float | None = Field(default=None, description="+- of the latest value")


class HistoryOut(Out):
    person: PersonOut
    sessions: list[SessionOut]
    program_start: date | None = None  # adherence counts from this day (no weeks before it)
    planned_per_week: float | None
    weeks: list[WeekOut]
    adherence: float | None
    pain_before: TrendOut
    pain_after: TrendOut
    pain_score: ChangeOut | None
    trend_rule: tuple[int, int]  # ratings and days a trend needs


class ProgressOut(Out):
    person: PersonOut
    changes: list[ChangeOut]


class DueOut(Out):
    kind: Literal["test", "outcome"]
    id: str
    name: str
    every_weeks: float
    last: date | None
    due_on: date
    days_left: int


class RetestsOut(Out):
    person: PersonOut
    today: date
    schedule: Literal["program", "default"]
    items: list[DueOut]


class Stored(Out):
    """What was stored, for whom, on which day."""

    person: PersonOut
    on: date
    count: int


def _session_out(ctx: ServiceContext, record: ExerciseSessionRecord) -> SessionOut:
    names = ctx.domain.knowledge.exercises

    def name(exercise_id: str | None) -> str | None:
        if exercise_id is None:
            return None
        entry = names.get(exercise_id)
        return entry.name if entry is not None else exercise_id

    return SessionOut(
        performed_on=record.performed_on,
        exercises=[
            ExerciseDoneOut(
                exercise_id=e.exercise_id,
                name=name(e.exercise_id) or e.exercise_id,
                sets_done=e.sets_done,
                regression_id=e.regression_id,
                regression_name=name(e.regression_id),
                coached=[CoachedSet.model_validate(c) for c in e.coached or []],
            )
            for e in record.exercises
        ],
        pain_before=record.pain_before,
        pain_after=record.pain_after,
        note=record.note,
    )


def _change_out(ctx: ServiceContext, change: Change) -> ChangeOut:
    return ChangeOut(
        kind=change.kind,
        id=change.id,
        name=change.name,
        side=change.side,
        unit=change.unit,
        baseline_on=change.baseline[0],
        baseline=change.baseline[1],
        latest_on=change.latest[0],
        latest=change.latest[1],
        delta=change.delta,
        threshold=change.threshold,
        status=change.status,
        description=describe(change, ctx.domain.tracking),
        measurement_error=change.mdc,
        baseline_uncertainty=change.baseline_uncertainty,
        latest_uncertainty=change.latest_uncertainty,
    )


def _trend(trend: Trend) -> TrendOut:
    return TrendOut(n=trend.n, first=trend.first, last=trend.last, per_week=trend.per_week)


def _due_out(item: Due, today: date) -> DueOut:
    return DueOut(
        kind=item.kind,
        id=item.id,
        name=item.name,
        every_weeks=item.every_weeks,
        last=item.last,
        due_on=item.due_on,
        days_left=item.days_left(today),
    )


def log(ctx: ServiceContext, person: str | None, entry: SessionEntry) -> SessionOut:
    """Store one exercise session against the person's current program."""
    with ctx.db() as db:
        who = resolve(db, person)
        return log_in(ctx, db, who, entry, current_program(db, who))


def log_in(
    ctx: ServiceContext,
    db: Session,
    who: PersonRecord,
    entry: SessionEntry,
    program: ProgramRecord | None,
) -> SessionOut:
    """Store one exercise session against `program` inside the caller's unit of work."""
    record = log_session(db, who, entry, program, kb=ctx.domain.knowledge)
    return _session_out(ctx, record)


def scores(ctx: ServiceContext, person: str | None, on: date, values: dict[str, float]) -> Stored:
    """Store outcome scores (e.g. {"nprs": 3, "kujala": 78}) for one day."""
    with ctx.db() as db:
        who = resolve(db, person)
        for outcome_id, value in values.items():
            record_outcome(db, who, outcome_id, value, on, kb=ctx.domain.knowledge)
        return Stored(person=person_out(who), on=on, count=len(values))


def measurements(
    ctx: ServiceContext, person: str | None, on: date, items: Sequence[Measurement]
) -> Stored:
    """Store re-measurements made at home or by a clinician."""
    with ctx.db() as db:
        who = resolve(db, person)
        add_measurements(db, who, on, list(items), ctx.domain.knowledge)
        return Stored(person=person_out(who), on=on, count=len(items))


def history(ctx: ServiceContext, person: str | None, today: date | None = None) -> HistoryOut:
    """Sessions logged, adherence per week from the program's start, and the pain trends."""
    with ctx.db() as db:
        return history_of(ctx, db, resolve(db, person), today or date.today())


def history_of(
    ctx: ServiceContext,
    db: Session,
    who: PersonRecord,
    today: date,
    program: ProgramRecord | Literal["look up"] | None = LOOK_UP,
) -> HistoryOut:
    """`history` inside a unit of work that already holds the person (the start page's), and
    maybe their current program."""
    d = ctx.domain
    hist = build_history(db, who, today, d.knowledge, d.tracking, program=program)
    rule = ctx.domain.tracking.trend
    return HistoryOut(
        person=person_out(who),
        sessions=[_session_out(ctx, s) for s in hist.sessions],
        program_start=hist.program_start,
        planned_per_week=hist.planned_per_week,
        weeks=[
            WeekOut(week_start=w.week_start, done=w.done, planned=w.planned, ratio=w.ratio)
            for w in hist.weeks
        ],
        adherence=hist.adherence,
        pain_before=_trend(hist.pain_before),
        pain_after=_trend(hist.pain_after),
        pain_score=_change_out(ctx, hist.pain_score) if hist.pain_score else None,
        trend_rule=(rule.min_ratings, rule.min_days),
    )


def progress(ctx: ServiceContext, person: str | None) -> ProgressOut:
    """How each measurement and score changed, judged against its measurement error."""
    with ctx.db() as db:
        who = resolve(db, person)
        changes = all_changes(db, who, ctx.domain.knowledge, ctx.domain.tracking)
        return ProgressOut(person=person_out(who), changes=[_change_out(ctx, c) for c in changes])


def retests(ctx: ServiceContext, person: str | None, today: date | None = None) -> RetestsOut:
    """Which tests and questionnaires are due again, and by which schedule."""
    with ctx.db() as db:
        return retests_of(ctx, db, resolve(db, person), today or date.today())


def retests_of(
    ctx: ServiceContext,
    db: Session,
    who: PersonRecord,
    today: date,
    program: ProgramRecord | Literal["look up"] | None = LOOK_UP,
) -> RetestsOut:
    """`retests` inside a unit of work that already holds the person (the start page's), and
    maybe their current program."""
    d = ctx.domain
    items, schedule = due_for(
        db,
        who,
        today,
        kb=d.knowledge,
        program_rules=d.program_rules,
        config=d.tracking,
        program=program,
    )
    return RetestsOut(
        person=person_out(who),
        today=today,
        schedule="program" if schedule == "program" else "default",
        items=[_due_out(i, today) for i in items],
    )


def chart(ctx: ServiceContext, person: str | None, out: Path) -> Path:
    """Draw the progress charts (.png or .svg) and return the file written."""
    from kneechain.errors import KneechainError
    from kneechain.track.charts import progress_chart

    if out.suffix.lower() not in (".png", ".svg"):
        raise KneechainError(
            "chart.format",
            f"The chart file {out.name!r} must end in .png or .svg.",
            field="chart",
        )
    with ctx.db() as db:
        d = ctx.domain
        return progress_chart(db, resolve(db, person), out, d.knowledge, d.tracking)


#: the progress panels as data: the chart's own models (one definition for the PNG and the web)
ChartLineOut = Line
ChartPanelOut = Panel


def chart_panels(ctx: ServiceContext, person: str | None) -> list[ChartPanelOut]:
    """The progress panels as data (what `chart` draws)."""
    from kneechain.track.chartdata import progress_panels

    with ctx.db() as db:
        return progress_panels(db, resolve(db, person), ctx.domain.knowledge, ctx.domain.tracking)
