"""Days a person gives the tracker are never in the future: a rating dated next month cannot
already count towards a change."""

from __future__ import annotations

from datetime import date

from kneechain.track.errors import TrackError


def not_in_future(day: date, what: str, today: date | None = None) -> date:
    """`day` itself, or a TrackError when it lies after `today` (today's date by default)."""
    limit = today or date.today()
    if day > limit:
        raise TrackError(
            f"{what} {day.isoformat()} is in the future (today is {limit.isoformat()}).",
            hint="Record things on or after the day they happen.",
            field="date",
        )
    return day
