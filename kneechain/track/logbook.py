"""Log exercise sessions and outcome scores, and read them back as time series."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from statistics import fmean

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from kneechain.knowledge.loader import KnowledgeBase, default_knowledge
from kneechain.track.documents import explain
from kneechain.track.errors import TrackError
from kneechain.track.models import (
    ExerciseSessionRecord,
    MeasurementRecord,
    OutcomeScoreRecord,
    PersonRecord,
    ProgramRecord,
    SessionExerciseRecord,
)

Pain = int


class ExerciseDone(BaseModel):
    """One exercise in a session: its knowledge id, sets completed, and an easier variant used."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    exercise_id: str
    sets_done: int = Field(ge=0, le=50)
    regression_id: str | None = None


class SessionEntry(BaseModel):
    """A session to log. Pain is rated 0 (none) to 10 (worst imaginable)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    performed_on: date
    exercises: list[ExerciseDone] = Field(min_length=1)
    pain_before: Pain | None = Field(default=None, ge=0, le=10)
    pain_after: Pain | None = Field(default=None, ge=0, le=10)
    note: str | None = Field(default=None, max_length=2000)


def parse_entry(data: dict[str, object]) -> SessionEntry:
    try:
        return SessionEntry.model_validate(data)
    except ValidationError as exc:
        raise explain(exc, "the session", SessionEntry) from exc


def variants(kb: KnowledgeBase, exercise_id: str) -> set[str]:
    """Exercises linked to this one as its regression, progression or variant (either way)."""
    ex = kb.exercises[exercise_id]
    linked = {ex.regression, ex.progression, ex.variant_of}
    for other in kb.exercises.values():
        if exercise_id in (other.regression, other.progression, other.variant_of):
            linked.add(other.id)
    return {i for i in linked if i is not None}


def check_exercises(entry: SessionEntry, kb: KnowledgeBase) -> None:
    """Every exercise must be known, and a regression must be a variant of its exercise."""
    for done in entry.exercises:
        if done.exercise_id not in kb.exercises:
            raise TrackError(
                f"unknown exercise {done.exercise_id!r}; see `kneechain knowledge list exercises`"
            )
        if done.regression_id is None:
            continue
        allowed = variants(kb, done.exercise_id)
        if done.regression_id not in allowed:
            options = ", ".join(sorted(allowed)) or "none"
            raise TrackError(
                f"{done.regression_id!r} is not a variant of {done.exercise_id!r}; "
                f"its variants are: {options}"
            )


def log_session(
    db: Session, user: PersonRecord, entry: SessionEntry, program: ProgramRecord | None = None
) -> ExerciseSessionRecord:
    """Store one session (checked against the knowledge base) and return it."""
    check_exercises(entry, default_knowledge())
    session = ExerciseSessionRecord(
        user_id=user.id,
        program_id=program.id if program else None,
        performed_on=entry.performed_on,
        pain_before=entry.pain_before,
        pain_after=entry.pain_after,
        note=entry.note,
        exercises=[
            SessionExerciseRecord(
                position=i,
                exercise_id=d.exercise_id,
                sets_done=d.sets_done,
                regression_id=d.regression_id,
            )
            for i, d in enumerate(entry.exercises)
        ],
    )
    db.add(session)
    db.flush()
    return session


def record_outcome(
    db: Session, user: PersonRecord, outcome_id: str, score: float, measured_on: date
) -> OutcomeScoreRecord:
    """Store an outcome score after checking it lies within the questionnaire's range."""
    outcomes = default_knowledge().outcomes
    spec = outcomes.get(outcome_id)
    if spec is None:
        raise TrackError(f"unknown outcome {outcome_id!r}; choose one of: {', '.join(outcomes)}")
    if not spec.min_score <= score <= spec.max_score:
        raise TrackError(
            f"{spec.name} must be between {spec.min_score:g} and {spec.max_score:g}; got {score:g}"
        )
    record = OutcomeScoreRecord(
        user_id=user.id, outcome_id=outcome_id, score=float(score), measured_on=measured_on
    )
    db.add(record)
    db.flush()
    return record


def sessions_of(db: Session, user: PersonRecord) -> list[ExerciseSessionRecord]:
    query = select(ExerciseSessionRecord).where(ExerciseSessionRecord.user_id == user.id)
    return list(
        db.scalars(query.order_by(ExerciseSessionRecord.performed_on, ExerciseSessionRecord.id))
    )


def outcome_series(db: Session, user: PersonRecord, outcome_id: str) -> list[tuple[date, float]]:
    """One score per day (the mean when a day has several), oldest first."""
    query = select(OutcomeScoreRecord.measured_on, OutcomeScoreRecord.score).where(
        OutcomeScoreRecord.user_id == user.id, OutcomeScoreRecord.outcome_id == outcome_id
    )
    return _daily_means(db.execute(query).all())


def measure_series(
    db: Session, user: PersonRecord, measure_id: str
) -> dict[str, list[tuple[date, float]]]:
    """Per side ('left', 'right' or 'both'): one value per day (mean of repeats), oldest first."""
    query = select(
        MeasurementRecord.side, MeasurementRecord.taken_on, MeasurementRecord.value
    ).where(MeasurementRecord.user_id == user.id, MeasurementRecord.measure_id == measure_id)
    by_side: dict[str, list[tuple[date, float]]] = defaultdict(list)
    for side, day, value in db.execute(query).all():
        by_side[side].append((day, value))
    return {side: _daily_means(points) for side, points in sorted(by_side.items())}


def _daily_means(points: object) -> list[tuple[date, float]]:
    by_day: dict[date, list[float]] = defaultdict(list)
    for day, value in points:  # type: ignore[attr-defined]
        by_day[day].append(float(value))
    return [(day, fmean(values)) for day, values in sorted(by_day.items())]


def last_measured(db: Session, user: PersonRecord) -> dict[str, date]:
    """The latest day each test was measured on."""
    query = select(MeasurementRecord.test_id, MeasurementRecord.taken_on).where(
        MeasurementRecord.user_id == user.id
    )
    latest: dict[str, date] = {}
    for test_id, day in db.execute(query).all():
        latest[test_id] = max(day, latest.get(test_id, day))
    return latest
