"""Terminal rendering of tracking data (rich tables and lines); no storage logic here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from rich.console import Console
from rich.table import Table

from kneechain.knowledge.render import number
from kneechain.track.config import tracking_config
from kneechain.track.errors import TrackError
from kneechain.track.history import History
from kneechain.track.maths import Trend
from kneechain.track.models import ExerciseSessionRecord, PersonRecord
from kneechain.track.progress import Change, describe
from kneechain.track.retest import Due


def parse_day(text: str | None) -> date:
    """A YYYY-MM-DD day, today when not given."""
    if text is None:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise TrackError(
            f"{text!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-03-14"
        ) from exc


def people_table(people: Sequence[PersonRecord]) -> Table:
    table = Table("name", "role", "birth year", "sex", "added", title="People")
    for user in people:
        table.add_row(
            user.name,
            user.role,
            str(user.birth_year or ""),
            user.sex or "",
            str(user.created_at.date()),
        )
    return table


def _exercises(session: ExerciseSessionRecord) -> str:
    parts = []
    for ex in session.exercises:
        easier = f" (as {ex.regression_id})" if ex.regression_id else ""
        parts.append(f"{ex.exercise_id} x{ex.sets_done}{easier}")
    return ", ".join(parts)


def _pain(value: int | None) -> str:
    return "-" if value is None else str(value)


def sessions_table(sessions: Sequence[ExerciseSessionRecord]) -> Table:
    table = Table("date", "exercises (sets)", "pain before", "pain after", "note", title="Sessions")
    for s in sessions:
        table.add_row(
            str(s.performed_on),
            _exercises(s),
            _pain(s.pain_before),
            _pain(s.pain_after),
            s.note or "",
        )
    return table


def adherence_table(hist: History) -> Table:
    planned = hist.planned_per_week
    title = (
        f"Adherence per week (program: {number(planned)} days a week)"
        if planned
        else "Sessions per week"
    )
    table = Table("week of", "days done", "planned", "adherence", title=title)
    for week in hist.weeks:
        ratio = "-" if week.ratio is None else f"{week.ratio:.0%}"
        plan = "-" if week.planned is None else f"{week.planned:.1f}"
        table.add_row(str(week.week_start), str(week.done), plan, ratio)
    return table


def trend_line(label: str, trend: Trend) -> str:
    if trend.per_week is None:
        need = tracking_config().trend
        return (
            f"{label}: not enough ratings for a trend yet ({trend.n} so far; "
            f"needs {need.min_ratings} over at least {need.min_days} days)"
        )
    direction = "falling" if trend.per_week < 0 else "rising" if trend.per_week > 0 else "flat"
    return (
        f"{label}: {direction}, {trend.per_week:+.2f} points a week "
        f"({trend.n} ratings, {trend.first} to {trend.last})"
    )


def print_history(console: Console, user: PersonRecord, hist: History) -> None:
    console.print(f"[bold]{user.name}[/]: {len(hist.sessions)} session(s) logged")
    if hist.sessions:
        console.print(sessions_table(hist.sessions))
    console.print(adherence_table(hist))
    if hist.adherence is not None:
        console.print(f"Overall adherence: {hist.adherence:.0%}")
    elif hist.planned_per_week is None:
        console.print(tracking_config().wording.no_program)
    console.print(trend_line("Pain before sessions", hist.pain_before))
    console.print(trend_line("Pain after sessions", hist.pain_after))
    if hist.pain_score is not None:
        console.print(f"Pain score (NPRS): {describe(hist.pain_score)}")


def print_progress(console: Console, user: PersonRecord, changes: Sequence[Change]) -> None:
    if not changes:
        console.print(f"No measurements or scores stored for {user.name} yet.")
        return
    table = Table(
        "what", "side", "first -> latest, change and verdict", title=f"Progress of {user.name}"
    )
    for change in changes:
        table.add_row(change.name, change.side, describe(change))
    console.print(table)


def _when(item: Due, today: date) -> str:
    days = item.days_left(today)
    if item.last is None:
        return "due now (no measurement yet)"
    if days < 0:
        return f"overdue by {-days} day(s)"
    return "due today" if days == 0 else f"in {days} day(s)"


def print_due(
    console: Console, user: PersonRecord, items: Sequence[Due], schedule: str, today: date
) -> None:
    source = "the program's re-test schedule" if schedule == "program" else "the default schedule"
    table = Table(
        "kind",
        "what",
        "every",
        "last done",
        "due on",
        "status",
        title=f"Re-tests for {user.name} ({source})",
    )
    for item in items:
        table.add_row(
            item.kind, item.name, f"{number(item.every_weeks)} wk", str(item.last or "-"),
            str(item.due_on), _when(item, today),
        )  # fmt: skip
    console.print(table)
