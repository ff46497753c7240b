"""Pure arithmetic of tracking: weekly adherence, linear trends and honest change classification."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

Status = Literal["improved", "worse", "no_clear_change", "changed", "unjudged", "single"]
DAYS_PER_WEEK = 7
#: two-sided 95 % normal quantile, the same factor the minimal detectable change (MDC95) uses
Z95 = 1.96


@dataclass(frozen=True)
class WeekAdherence:
    """Sessions done in one program week (7 days from `week_start`) against the sessions the
    program planned for it. `planned` is pro-rated for a week cut short by the end of the period
    (today): 3 days into a week, 3/7 of its sessions are planned so far.
    """

    week_start: date
    done: int
    planned: float | None

    @property
    def ratio(self) -> float | None:
        """Share of planned sessions done, capped at 1: extra sessions never make up a lost week."""
        if self.planned is None or self.planned <= 0:
            return None
        return min(self.done / self.planned, 1.0)


def weekly_adherence(
    days_done: Sequence[date], planned_per_week: float | None, start: date, end: date
) -> list[WeekAdherence]:
    """One entry per program week from `start` (week 1 starts on the program's first day, as in
    the program itself) to `end` (inclusive); days before `start` never count. Several sessions
    on one day count once, because a program's frequency is counted in days."""
    if end < start:
        raise ValueError("end must not be before start")
    done_days = {d for d in days_done if start <= d <= end}
    weeks = []
    first = start
    while first <= end:
        last = min(first + timedelta(days=DAYS_PER_WEEK - 1), end)
        covered = (last - first).days + 1
        done = sum(1 for d in done_days if first <= d <= last)
        planned = None if planned_per_week is None else planned_per_week * covered / DAYS_PER_WEEK
        weeks.append(WeekAdherence(week_start=first, done=done, planned=planned))
        first += timedelta(days=DAYS_PER_WEEK)
    return weeks


def overall_adherence(weeks: Sequence[WeekAdherence]) -> float | None:
    """Done over planned across whole period, each week capped at its plan."""
    planned = sum(w.planned for w in weeks if w.planned)
    if not planned:
        return None
    return sum(min(w.done, w.planned) for w in weeks if w.planned) / planned


def slope(points: Sequence[tuple[float, float]]) -> float | None:
    """Least-squares slope of y on x; None with fewer than two distinct x values."""
    if len({x for x, _ in points}) < 2:
        return None
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in points)
    return sxy / sxx


@dataclass(frozen=True)
class Trend:
    """A linear trend over time: change per week, from the first to the last day."""

    n: int
    first: date | None
    last: date | None
    per_week: float | None


def weekly_trend(
    series: Sequence[tuple[date, float]], min_points: int = 2, min_days: int = 1
) -> Trend:
    """Least-squares change per week of a dated series; None when it has fewer than `min_points`
    values or spans fewer than `min_days` days (too little to speak of a trend)."""
    if not series:
        return Trend(n=0, first=None, last=None, per_week=None)
    first, last = min(d for d, _ in series), max(d for d, _ in series)
    points = [((d - first).days / DAYS_PER_WEEK, v) for d, v in series]
    enough = len(series) >= min_points and (last - first).days >= min_days
    return Trend(n=len(series), first=first, last=last, per_week=slope(points) if enough else None)


def classify_change(
    baseline: float, latest: float, threshold: float | None, higher_is_better: bool | None
) -> Status:
    """Call a change improved or worse only when it reaches the threshold (the measurement's
    smallest real change, or the outcome's minimal important difference); otherwise say there is
    no clear change yet. Without a threshold nothing is claimed; without a better direction a
    large change is only called a change."""
    if threshold is None:
        return "unjudged"
    delta = round(latest - baseline, 9)  # 35.4 - 30.0 is exactly the 5.4 it looks like
    if abs(delta) < threshold:
        return "no_clear_change"
    if higher_is_better is None:
        return "changed"
    return "improved" if (delta > 0) == higher_is_better else "worse"


def real_change(
    mdc: float | None, first_uncertainty: float | None, latest_uncertainty: float | None
) -> float | None:
    """The smallest real change between two values: the measure's minimal detectable change,
    widened when the two values' own one-sigma uncertainties say they are less sure than that.

    threshold = max(MDC, 1.96 * sqrt(u1^2 + u2^2))

    Built like the MDC itself: the knowledge base's MDCs are 1.96 * sqrt(2) * SEM (tests.yaml,
    e.g. `peeler_2008`: SEM 7 degrees -> 19.4), the 95 % limit of the difference of two values
    that each carry the method's usual error. A value's own one-sigma uncertainty u plays the
    SEM's part for that value, so the difference of two values has a standard deviation of
    sqrt(u1^2 + u2^2) and a real change must exceed 1.96 times that. Taking the larger of the
    two, not their sum in quadrature, is a product choice: the MDC already counts the method's
    usual error for both values, and adding it to the same values' stated uncertainty would count
    that error twice. A value without a stated uncertainty counts 0 (manual values: the MDC
    alone). Without an MDC nothing is claimed, as before.
    """
    if mdc is None:
        return None
    spread = math.hypot(first_uncertainty or 0.0, latest_uncertainty or 0.0)
    return max(mdc, Z95 * spread)
