"""What tracking reads from a stored program document: planned sessions a week, re-test schedule.

Program documents are stored as the generator wrote them; these readers tolerate older documents
(missing keys give None, and the tracker falls back to its defaults).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kneechain.knowledge.loader import default_knowledge
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


def planned_sessions_per_week(doc: Mapping[str, Any]) -> float | None:
    """Days a week the program asks for: its own figure, else the most frequent exercise's.

    Capped at 7: a session is a day on which the program was done.
    """
    explicit = doc.get("sessions_per_week")
    if isinstance(explicit, int | float) and explicit > 0:
        return min(float(explicit), DAYS_PER_WEEK)
    kb = default_knowledge()
    times = [
        weekly_times(kb.exercises[i].dosage.frequency)
        for i in exercise_ids(doc)
        if i in kb.exercises
    ]
    known = [t for t in times if t is not None]
    return min(max(known), DAYS_PER_WEEK) if known else None


def retest_schedule(doc: Mapping[str, Any]) -> list[tuple[str, float]] | None:
    """(test id, weeks) pairs from the program's re-test schedule, or None when it has none."""
    tests = default_knowledge().tests
    items = doc.get("retests") or []
    pairs = [
        (i["test_id"], float(i["after_weeks"]))
        for i in items
        if isinstance(i, Mapping) and i.get("test_id") in tests and i.get("after_weeks")
    ]
    return pairs or None
