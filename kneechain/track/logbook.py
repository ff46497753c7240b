"""Log exercise sessions and outcome scores, and read them back as time series."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, Literal

from pydantic import Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from kneechain.base import Frozen
from kneechain.knowledge.loader import KnowledgeBase
from kneechain.track.dates import not_in_future
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


class CoachedSet(Frozen):
    """A set the camera coach counted in the person's browser: repetitions (None for a hold),
    seconds under tension, the side worked when known, and each form cue with how many times
    it was given."""

    reps: int | None = Field(default=None, ge=0, le=1000)
    seconds_under_tension: float = Field(ge=0, le=3600)
    side: Literal["left", "right"] | None = None
    cues: dict[str, int] = Field(default_factory=dict, max_length=20)


class ExerciseDone(Frozen):
    """One exercise in a session: its name (as the handout writes it, or its id), the sets
    completed, the easier variant used, if any (also by name), and the sets the camera coach
    counted, if any."""

    exercise_id: str
    sets_done: int = Field(ge=0, le=50)
    regression_id: str | None = None
    coached: list[CoachedSet] = Field(default_factory=list, max_length=50)


class SessionEntry(Frozen):
    """A session to log. Pain is rated 0 (none) to 10 (worst imaginable)."""

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


def _words(text: str) -> frozenset[str]:
    """The words of a name, whatever the case, order, spaces, underscores or punctuation:
    'Lateral lunge', 'lateral_lunge' and 'LUNGE, lateral' are the same name."""
    return frozenset(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


def _spellings(name: str) -> set[frozenset[str]]:
    """A name with and without its bracketed part ('Ball release ... (TFL)')."""
    plain = re.sub(r"\([^)]*\)", " ", name)
    return {k for k in (_words(name), _words(plain)) if k}


def _program_names(program_doc: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """(exercise id, name shown in the handout) for every exercise and variant of a program."""
    pairs: list[tuple[str, str]] = []
    for item in (program_doc or {}).get("exercises") or []:
        if not isinstance(item, Mapping):
            continue
        for entry in (item, item.get("regression"), item.get("progression")):
            if isinstance(entry, Mapping) and {"exercise_id", "name"} <= entry.keys():
                pairs.append((str(entry["exercise_id"]), str(entry["name"])))
    return pairs


def exercise_index(
    kb: KnowledgeBase, program_doc: Mapping[str, Any] | None = None
) -> dict[frozenset[str], str]:
    """Every way a person may name an exercise -> its id: the name in the knowledge base and in
    the handout (regressions included), and the id itself. A spelling two exercises share is
    left out rather than guessed."""
    found: dict[frozenset[str], set[str]] = {}
    pairs = [(e.id, e.name) for e in kb.exercises.values()] + [
        (e.id, e.id) for e in kb.exercises.values()
    ]
    for exercise_id, name in pairs + _program_names(program_doc):
        if exercise_id not in kb.exercises:
            continue
        for key in _spellings(name):
            found.setdefault(key, set()).add(exercise_id)
    return {key: next(iter(ids)) for key, ids in found.items() if len(ids) == 1}


def resolve_exercise(
    text: str,
    kb: KnowledgeBase,
    program_doc: Mapping[str, Any] | None = None,
    index: dict[frozenset[str], str] | None = None,
) -> str:
    """The id of the exercise a person named (see `exercise_index`; `index` is that index when
    the caller already built it), or a TrackError listing the names they can use."""
    if index is None:
        index = exercise_index(kb, program_doc)
    exercise_id = index.get(_words(text))
    if exercise_id is not None:
        return exercise_id
    shown = [name for _, name in _program_names(program_doc)] or [
        e.name for e in kb.primary_exercises()
    ]
    raise TrackError(
        f"There is no exercise called {text.strip()!r}.",
        hint="Use a name as your handout writes it, for example: " + "; ".join(shown[:8]) + ".",
        field="exercises",
    )


def _main_exercise_of(
    exercise_id: str, kb: KnowledgeBase, program_doc: Mapping[str, Any] | None
) -> str | None:
    """The program exercise that `exercise_id` is an easier or harder variant of, if exactly one."""
    program_ids = [
        str(i["exercise_id"])
        for i in (program_doc or {}).get("exercises") or []
        if isinstance(i, Mapping) and "exercise_id" in i
    ]
    if not program_ids or exercise_id in program_ids:
        return None
    mains = [p for p in program_ids if p in kb.exercises and exercise_id in variants(kb, p)]
    return mains[0] if len(mains) == 1 else None


def resolve_entry(
    entry: SessionEntry, kb: KnowledgeBase, program_doc: Mapping[str, Any] | None = None
) -> SessionEntry:
    """The session with every exercise named by its id. Names are read as a person writes them
    (see `exercise_index`); an easier variant logged on its own counts for the program exercise
    it replaces; an easier variant must be a variant of its exercise."""
    done = []
    index = exercise_index(kb, program_doc)  # built once per session, not once per exercise
    for item in entry.exercises:
        exercise_id = resolve_exercise(item.exercise_id, kb, program_doc, index)
        easier = (
            resolve_exercise(item.regression_id, kb, program_doc, index)
            if item.regression_id
            else None
        )
        main = _main_exercise_of(exercise_id, kb, program_doc) if easier is None else None
        if main is not None:
            exercise_id, easier = main, exercise_id
        if easier is not None and easier not in variants(kb, exercise_id):
            options = "; ".join(sorted(kb.exercises[v].name for v in variants(kb, exercise_id)))
            raise TrackError(
                f"{kb.exercises[easier].name} is not an easier or harder form of "
                f"{kb.exercises[exercise_id].name}.",
                hint=f"Its forms are: {options or 'none'}.",
                field="exercises",
            )
        done.append(item.model_copy(update={"exercise_id": exercise_id, "regression_id": easier}))
    return entry.model_copy(update={"exercises": done})


def log_session(
    db: Session,
    user: PersonRecord,
    entry: SessionEntry,
    program: ProgramRecord | None = None,
    *,
    kb: KnowledgeBase,
) -> ExerciseSessionRecord:
    """Store one session (exercises named as a person names them in `kb` or the program, see
    `resolve_entry`) and return it."""
    not_in_future(entry.performed_on, "The session date")
    entry = resolve_entry(entry, kb, program.doc if program else None)
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
                coached=[c.model_dump() for c in d.coached] or None,
            )
            for i, d in enumerate(entry.exercises)
        ],
    )
    db.add(session)
    db.flush()
    return session


#: the ratings of a questionnaire that has several; each is its own measure
OUTCOME_PARTS: dict[str, tuple[str, ...]] = {"nprs": ("now", "worst", "activity")}
PART_NAMES: dict[str, str] = {
    "now": "pain now",
    "worst": "worst pain in the last week",
    "activity": "pain with activity",
}


def record_outcome(
    db: Session,
    user: PersonRecord,
    outcome_id: str,
    score: float,
    measured_on: date,
    part: str | None = None,
    *,
    kb: KnowledgeBase,
) -> OutcomeScoreRecord:
    """Store an outcome score after checking it lies within the questionnaire's range. A
    questionnaire with several ratings (NPRS) needs the part; NPRS defaults to pain now."""
    outcomes = kb.outcomes
    spec = outcomes.get(outcome_id)
    if spec is None:
        raise TrackError(
            f"There is no outcome called {outcome_id!r}; choose one of: {', '.join(outcomes)}."
        )
    parts = OUTCOME_PARTS.get(outcome_id, ())
    if parts and part is None:
        part = parts[0]
    if part is not None and part not in parts:
        allowed = ", ".join(PART_NAMES[p] for p in parts) if parts else "none"
        raise TrackError(f"{spec.name} has no rating {part!r}; its ratings are: {allowed}.")
    if not spec.min_score <= score <= spec.max_score:
        raise TrackError(
            f"{spec.name} must be between {spec.min_score:g} and {spec.max_score:g}; got {score:g}."
        )
    record = OutcomeScoreRecord(
        user_id=user.id,
        outcome_id=outcome_id,
        part=part,
        score=float(score),
        measured_on=not_in_future(measured_on, "The date of the score"),
    )
    db.add(record)
    db.flush()
    return record


def sessions_of(db: Session, user: PersonRecord) -> list[ExerciseSessionRecord]:
    query = select(ExerciseSessionRecord).where(ExerciseSessionRecord.user_id == user.id)
    return list(
        db.scalars(query.order_by(ExerciseSessionRecord.performed_on, ExerciseSessionRecord.id))
    )


def outcome_series(
    db: Session, user: PersonRecord, outcome_id: str, part: str | None = None
) -> list[tuple[date, float]]:
    """One score per day of one outcome (and part: NPRS pain now unless another is named),
    oldest first. When a day has several, the one entered last counts: never an average."""
    parts = OUTCOME_PARTS.get(outcome_id, ())
    part = part or (parts[0] if parts else None)
    query = select(OutcomeScoreRecord.measured_on, OutcomeScoreRecord.score).where(
        OutcomeScoreRecord.user_id == user.id,
        OutcomeScoreRecord.outcome_id == outcome_id,
        OutcomeScoreRecord.part == part if part is not None else OutcomeScoreRecord.part.is_(None),
    )
    return last_of_each_day(db.execute(query.order_by(OutcomeScoreRecord.id)).all())


def measure_points(
    db: Session, user: PersonRecord, measure_id: str
) -> dict[str, list[tuple[date, float, float | None]]]:
    """Per side ('left', 'right' or 'both'): one (day, value, uncertainty) per day, the one
    entered last (never an average), oldest first; the uncertainty is None when none was
    stated."""
    query = select(
        MeasurementRecord.side,
        MeasurementRecord.taken_on,
        MeasurementRecord.value,
        MeasurementRecord.uncertainty,
    ).where(MeasurementRecord.user_id == user.id, MeasurementRecord.measure_id == measure_id)
    by_side: dict[str, dict[date, tuple[float, float | None]]] = {}
    for side, day, value, uncertainty in db.execute(query.order_by(MeasurementRecord.id)).all():
        by_side.setdefault(side, {})[day] = (float(value), uncertainty)
    return {
        side: [(day, v, u) for day, (v, u) in sorted(days.items())]
        for side, days in sorted(by_side.items())
    }


def measure_series(
    db: Session, user: PersonRecord, measure_id: str
) -> dict[str, list[tuple[date, float]]]:
    """Per side ('left', 'right' or 'both'): one value per day (the one entered last, never an
    average), oldest first."""
    return {
        side: [(day, value) for day, value, _ in points]
        for side, points in measure_points(db, user, measure_id).items()
    }


def last_of_each_day(points: Iterable[tuple[date, float]]) -> list[tuple[date, float]]:
    """One value per day, the last given for it (points in the order they were entered)."""
    by_day: dict[date, float] = {}
    for day, value in points:
        by_day[day] = float(value)
    return sorted(by_day.items())


def last_measured(db: Session, user: PersonRecord) -> dict[str, date]:
    """The latest day each test was measured on."""
    query = select(MeasurementRecord.test_id, MeasurementRecord.taken_on).where(
        MeasurementRecord.user_id == user.id
    )
    latest: dict[str, date] = {}
    for test_id, day in db.execute(query).all():
        latest[test_id] = max(day, latest.get(test_id, day))
    return latest
