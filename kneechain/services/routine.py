"""Use case: the routine of one day, as a person follows it: which session the program plans
that day, each exercise with its picture, dose, steps, cautions and hold time, and its easier
variant ready for when it is too hard or too painful (the session log records which was done).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from kneechain.base import Frozen
from kneechain.errors import ErrorKind, KneechainError
from kneechain.knowledge.loader import KnowledgeBase
from kneechain.program.models import Prescription, Program, Variant
from kneechain.program.rules import WEEKDAYS
from kneechain.services import programs, tracking
from kneechain.services.context import ServiceContext
from kneechain.track.logbook import SessionEntry


class Step(Frozen):
    """An exercise as done: what to do, how much, and what to watch."""

    exercise_id: str
    name: str
    dosage_text: str
    steps: list[str]
    cautions: list[str]
    hold_seconds: float | None
    per_side: bool


class RoutineExercise(Frozen):
    """One exercise of the day, with its easier variant (None when it has none)."""

    main: Step
    emphasis_text: str | None
    why: list[str]
    easier: Step | None
    easier_when: str | None
    harder_when: str | None


class SessionKind(Frozen):
    id: str
    name: str
    description: str
    minutes: float


class Routine(Frozen):
    """The day's session, or a rest day (no exercises), of the current program version."""

    program_uid: str
    version: int
    on: date
    session: SessionKind | None
    exercises: list[RoutineExercise]
    sessions: list[SessionKind]
    week: list[tuple[str, str | None]]


def _step(kb: KnowledgeBase, exercise_id: str, dosage_text: str, per_side: bool) -> Step:
    spec = kb.exercises[exercise_id]
    hold = spec.dosage.hold_seconds
    return Step(
        exercise_id=exercise_id,
        name=spec.name,
        dosage_text=dosage_text,
        steps=list(spec.steps),
        cautions=list(spec.cautions),
        hold_seconds=(hold.max or hold.min) if hold else None,
        per_side=per_side,
    )


def _variant(kb: KnowledgeBase, variant: Variant | None) -> Step | None:
    if variant is None or variant.exercise_id not in kb.exercises:
        return None
    spec = kb.exercises[variant.exercise_id]
    return _step(kb, variant.exercise_id, variant.dosage_text, spec.dosage.per_side)


def _exercise(kb: KnowledgeBase, p: Prescription) -> RoutineExercise:
    main = _step(kb, p.exercise_id, p.dosage_text, p.per_side)
    main = main.model_copy(update={"steps": list(p.steps), "cautions": list(p.cautions)})
    return RoutineExercise(
        main=main,
        emphasis_text=p.emphasis_text,
        why=[f"{r.finding_name}: {r.why}" for r in p.reasons],
        easier=_variant(kb, p.regression),
        easier_when=p.regression.when if p.regression else None,
        harder_when=p.progression.when if p.progression else None,
    )


def day_type_on(program: Program, on: date) -> str | None:
    """The session the program plans on a day (None: a rest day, or outside the program)."""
    weekday = WEEKDAYS[on.weekday()]
    if on < program.start_date:
        return None
    return next((d.day_type for d in program.week if d.weekday == weekday), None)


def routine(
    ctx: ServiceContext,
    person: str,
    on: date,
    session_id: str | None = None,
    current: programs.ProgramVersion | None = None,
) -> Routine:
    """The routine of `on` (or of the session `session_id`, to do another day's session), from
    `current`, the person's current program when the caller has just read it."""
    current = current or programs.current(ctx, person)
    program, kb = current.program, ctx.domain.knowledge
    kinds = {
        d.id: SessionKind(id=d.id, name=d.name, description=d.description, minutes=d.minutes)
        for d in program.day_types
    }
    chosen = session_id if session_id in kinds else day_type_on(program, on)
    day = next((d for d in program.day_types if d.id == chosen), None)
    by_id = {p.exercise_id: p for p in program.exercises}
    exercises = [_exercise(kb, by_id[i]) for i in (day.exercise_ids if day else []) if i in by_id]
    return Routine(
        program_uid=current.uid,
        version=current.version,
        on=on,
        session=kinds.get(chosen) if chosen else None,
        exercises=exercises,
        sessions=list(kinds.values()),
        week=[
            (d.weekday, kinds[d.day_type].name if d.day_type in kinds else None)
            for d in program.week
        ],
    )


def picture_svg(ctx: ServiceContext, picture_id: str) -> str:
    """The picture (SVG) of one exercise or test, by its knowledge-base id."""
    from kneechain.report.figures import illustration_svg

    kb = ctx.domain.knowledge
    item = kb.exercises.get(picture_id) or kb.tests.get(picture_id)
    if item is None:
        raise KneechainError(
            "picture.not_found", "There is no such picture.", kind=ErrorKind.not_found
        )
    try:
        return illustration_svg(picture_id, ctx.domain.illustrations, title=item.name)
    except KeyError as exc:
        raise KneechainError(
            "picture.not_found",
            f"No picture is drawn for {item.name} yet.",
            kind=ErrorKind.not_found,
        ) from exc


def log_day(
    ctx: ServiceContext,
    person: str,
    on: date,
    session_id: str | None,
    entry_for: Callable[[Routine], SessionEntry],
) -> tracking.SessionOut:
    """Log a session of the routine of `on` (or of the session `session_id`) in one unit of
    work: the current program is read once, `entry_for` makes the session from that routine
    (a front end reads its form against the exercises shown), and the session is stored against
    that same program version. `routine` and `tracking.log` in turn would read the program
    twice and open two units of work."""
    with ctx.db() as db:
        who, record, current = programs.current_in(db, person)
        entry = entry_for(routine(ctx, person, on, session_id, current))
        return tracking.log_in(ctx, db, who, entry, record)
