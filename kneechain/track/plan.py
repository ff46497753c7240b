"""What tracking reads from a stored program document: planned sessions a week, re-test schedule.

Program documents are stored as the generator wrote them; these readers tolerate older documents
(missing keys give None, and the tracker falls back to its defaults).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from kneechain.knowledge.loader import KnowledgeBase
from kneechain.knowledge.models import Frequency

DAYS_PER_WEEK = 7


def weekly_times(frequency: Frequency) -> float | None:
    """Times a week for a daily or weekly frequency; None for 'per workout' or 'per run'."""
    if frequency.per == "day":
        return DAYS_PER_WEEK * frequency.times.min
    if frequency.per == "week":
        return frequency.times.upper
    return None


def exercise_ids(doc: Mapping[str, Any]) -> list[str]:
    items = doc.get("exercises") or []
    return [i["exercise_id"] for i in items if isinstance(i, Mapping) and "exercise_id" in i]


@dataclass(frozen=True)
class PlannedExercise:
    """An exercise of a stored program as its handout names it, with its easier variant."""

    exercise_id: str
    name: str
    easier_id: str | None = None
    easier_name: str | None = None


def program_exercises(doc: Mapping[str, Any]) -> list[PlannedExercise]:
    """The program's exercises in handout order, by the names the handout shows."""
    out = []
    for item in doc.get("exercises") or []:
        if not isinstance(item, Mapping) or "exercise_id" not in item:
            continue
        easier = item.get("regression") if isinstance(item.get("regression"), Mapping) else {}
        out.append(
            PlannedExercise(
                exercise_id=str(item["exercise_id"]),
                name=str(item.get("name") or item["exercise_id"]),
                easier_id=easier.get("exercise_id"),
                easier_name=easier.get("name"),
            )
        )
    return out


def planned_sessions_per_week(doc: Mapping[str, Any], kb: KnowledgeBase) -> float | None:
    """Days a week the program asks for: its own figure, else the most frequent exercise's.

    Capped at 7: a session is a day on which the program was done.
    """
    explicit = doc.get("sessions_per_week")
    if isinstance(explicit, int | float) and explicit > 0:
        return min(float(explicit), DAYS_PER_WEEK)
    times = [
        weekly_times(kb.exercises[i].dosage.frequency)
        for i in exercise_ids(doc)
        if i in kb.exercises
    ]
    known = [t for t in times if t is not None]
    return min(max(known), DAYS_PER_WEEK) if known else None


@dataclass(frozen=True)
class PlannedRetest:
    """A test the program repeats every `every_weeks`, on the days listed (from program weeks)."""

    test_id: str
    every_weeks: float
    days: tuple[date, ...]


def _program_days(start: date, weeks: object) -> tuple[date, ...]:
    """Program week n (1-based) starts n-1 weeks after the program's first day."""
    if not isinstance(weeks, list):
        return ()
    valid = (w for w in weeks if isinstance(w, int) and w >= 1)
    return tuple(sorted(start + timedelta(weeks=w - 1) for w in valid))


def retest_schedule(
    doc: Mapping[str, Any], started_on: date, kb: KnowledgeBase
) -> list[PlannedRetest] | None:
    """The program's re-tests, or None when it has none (tests unknown to `kb` are left out)."""
    tests = kb.tests
    start = _start(doc, started_on)
    plans = [
        PlannedRetest(i["test_id"], float(i["after_weeks"]), _program_days(start, i.get("weeks")))
        for i in doc.get("retests") or []
        if isinstance(i, Mapping) and i.get("test_id") in tests and i.get("after_weeks")
    ]
    return plans or None


def _start(doc: Mapping[str, Any], fallback: date) -> date:
    value = doc.get("start_date")
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return fallback
    return fallback
