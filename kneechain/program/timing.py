"""How long an exercise takes, estimated from its dose (pure functions, mid-points of ranges)."""

from __future__ import annotations

from typing import Literal

from kneechain.knowledge.models import Dosage, Range
from kneechain.program.rules import Timing

Unit = Literal["sets", "rounds", "holds", "minutes"]


def mid(r: Range | None, default: float = 1.0) -> float:
    """The middle of a range (its value when exact), or `default` when there is no range."""
    if r is None:
        return default
    return (r.min + r.upper) / 2


def one_side_seconds(d: Dosage, t: Timing) -> float:
    """Seconds of work for one side (or for the whole exercise when it is not done per side)."""
    if d.minutes_per_side is not None:
        return mid(d.minutes_per_side) * 60
    if d.min_seconds_per_side is not None:
        return d.min_seconds_per_side
    if d.work_seconds is not None:
        return mid(d.work_seconds) * mid(d.rounds)
    if d.reps is not None and d.hold_seconds is not None:
        return mid(d.reps) * mid(d.hold_seconds)
    if d.reps is not None:
        sets = mid(d.sets)
        return sets * mid(d.reps) * t.seconds_per_rep + (sets - 1) * t.rest_between_sets_seconds
    if d.hold_seconds is not None:
        return mid(d.hold_seconds)
    return 0.0


def session_seconds(d: Dosage, t: Timing) -> float:
    """Seconds one session of the exercise takes, both sides and setting up included.

    Doses done during another activity (a step-rate change on every run) take no session time.
    """
    if d.frequency.per == "run":
        return 0.0
    sides = 2 if d.per_side else 1
    return one_side_seconds(d, t) * sides + t.setup_seconds


def extra_unit(d: Dosage) -> Unit:
    """The unit of work to add on the side that needs more."""
    if d.sets is not None:
        return "sets"
    if d.rounds is not None or d.work_seconds is not None:
        return "rounds"
    if d.minutes_per_side is not None or d.min_seconds_per_side is not None:
        return "minutes"
    return "holds"


def extra_seconds(d: Dosage, t: Timing) -> float:
    """Seconds that one extra unit on one side adds."""
    unit = extra_unit(d)
    if unit == "minutes":
        return 60.0
    if unit == "sets":
        return mid(d.reps) * t.seconds_per_rep + t.rest_between_sets_seconds
    if unit == "rounds":
        return mid(d.work_seconds, 0.0)
    return mid(d.hold_seconds, 0.0)
