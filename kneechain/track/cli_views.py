"""Terminal rendering of the tracking services' output models (rich tables and lines)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from kneechain.knowledge.render import number
from kneechain.services.assessment import AssessmentComparison
from kneechain.services.people import ClientSummary, PersonOut
from kneechain.services.tracking import (
    DueOut,
    HistoryOut,
    ProgressOut,
    RetestsOut,
    SessionOut,
    TrendOut,
)

NO_PROGRAM = "No program is stored, so adherence cannot be worked out."


def people_table(people: Sequence[PersonOut]) -> Table:
    table = Table("name", "role", "birth year", "sex", "added", title="People")
    for user in people:
        table.add_row(
            escape(user.name),
            user.role,
            str(user.birth_year or ""),
            user.sex or "",
            str(user.created_at.date()),
        )
    return table


def _exercises(session: SessionOut) -> str:
    parts = []
    for ex in session.exercises:
        easier = f" (as {ex.regression_name})" if ex.regression_name else ""
        parts.append(f"{ex.name} x{ex.sets_done}{easier}")
    return escape(", ".join(parts))


def _pain(value: int | None) -> str:
    return "-" if value is None else str(value)


def sessions_table(sessions: Sequence[SessionOut]) -> Table:
    table = Table("date", "exercises (sets)", "pain before", "pain after", "note", title="Sessions")
    for s in sessions:
        table.add_row(
            str(s.performed_on),
            _exercises(s),
            _pain(s.pain_before),
            _pain(s.pain_after),
            escape(s.note or ""),
        )
    return table


def adherence_table(hist: HistoryOut) -> Table:
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


def trend_line(label: str, trend: TrendOut, rule: tuple[int, int]) -> str:
    if trend.per_week is None:
        ratings, days = rule
        return (
            f"{label}: not enough ratings for a trend yet ({trend.n} so far; "
            f"needs {ratings} over at least {days} days)"
        )
    direction = "falling" if trend.per_week < 0 else "rising" if trend.per_week > 0 else "flat"
    return (
        f"{label}: {direction}, {trend.per_week:+.2f} points a week "
        f"({trend.n} ratings, {trend.first} to {trend.last})"
    )


def print_history(console: Console, hist: HistoryOut) -> None:
    console.print(f"[bold]{escape(hist.person.name)}[/]: {len(hist.sessions)} session(s) logged")
    if hist.sessions:
        console.print(sessions_table(hist.sessions))
    if hist.weeks:
        console.print(adherence_table(hist))
    elif hist.program_start is not None:
        console.print(f"The program starts on {hist.program_start}; adherence counts from then.")
    if hist.adherence is not None:
        console.print(f"Overall adherence: {hist.adherence:.0%}")
    elif hist.planned_per_week is None:
        console.print(NO_PROGRAM)
    console.print(trend_line("Pain before sessions", hist.pain_before, hist.trend_rule))
    console.print(trend_line("Pain after sessions", hist.pain_after, hist.trend_rule))
    if hist.pain_score is not None:
        console.print(f"Pain score (NPRS): {escape(hist.pain_score.description)}")


def print_progress(console: Console, progress: ProgressOut) -> None:
    name = escape(progress.person.name)
    if not progress.changes:
        console.print(f"No measurements or scores stored for {name} yet.")
        return
    table = Table(
        "what", "side", "first -> latest, change and verdict", title=f"Progress of {name}"
    )
    for change in progress.changes:
        table.add_row(escape(change.name), change.side, escape(change.description))
    console.print(table)


def _when(item: DueOut) -> str:
    days = item.days_left
    if item.last is None:
        return "due now (no measurement yet)"
    if days < 0:
        return f"overdue by {-days} day(s)"
    return "due today" if days == 0 else f"in {days} day(s)"


def print_due(console: Console, due: RetestsOut) -> None:
    source = (
        "the program's re-test schedule" if due.schedule == "program" else "the default schedule"
    )
    table = Table(
        "kind",
        "what",
        "every",
        "last done",
        "due on",
        "status",
        title=f"Re-tests for {escape(due.person.name)} ({source})",
    )
    for item in due.items:
        kind = "test" if item.kind == "test" else "questionnaire"
        table.add_row(
            kind, escape(item.name), f"{number(item.every_weeks)} wk", str(item.last or "-"),
            str(item.due_on), _when(item),
        )  # fmt: skip
    console.print(table)


def print_caseload(console: Console, clinician: str, lines: Sequence[ClientSummary]) -> None:
    if not lines:
        console.print(f"{escape(clinician)} follows no client yet.")
        return
    table = Table(
        "client", "last assessed", "adherence", "pain trend", "needs attention",
        title=f"Caseload of {escape(clinician)}",
    )  # fmt: skip
    for line in lines:
        adherence = "-" if line.adherence is None else f"{line.adherence:.0%}"
        trend = "-" if line.pain_per_week is None else f"{line.pain_per_week:+.1f} a week"
        alerts = "\n".join(escape(a.message) for a in line.alerts) or "nothing"
        table.add_row(
            escape(line.person.name), str(line.last_assessment or "never"), adherence, trend, alerts
        )
    console.print(table)


VERDICTS = {
    "improved": "improved",
    "worse": "worse",
    "no_clear_change": "no real change",
    "changed": "changed",
    "unjudged": "cannot judge",
    "only_one": "measured once",
}


def _value(value: float | None, unit: str) -> str:
    return "-" if value is None else f"{number(value)} {unit}".strip()


def print_comparison(console: Console, comparison: AssessmentComparison) -> None:
    first, second = comparison.first, comparison.second
    table = Table(
        "measure", "side", str(first.taken_on), str(second.taken_on), "change",
        "smallest real change", "verdict",
        title=f"{escape(comparison.person.name)}: {first.taken_on} against {second.taken_on}",
    )  # fmt: skip
    for v in comparison.values:
        change = "-" if v.delta is None else f"{v.delta:+g}"
        real = "-" if v.smallest_real_change is None else f"{number(v.smallest_real_change)}"
        table.add_row(
            escape(v.name), v.side, _value(v.before, v.unit), _value(v.after, v.unit), change,
            real, VERDICTS.get(v.verdict, v.verdict),
        )  # fmt: skip
    console.print(table)
    for label, items in (
        ("No longer found", comparison.findings_resolved),
        ("New", comparison.findings_new),
        ("Still found", comparison.findings_kept),
    ):
        if items:
            console.print(f"{label}: {escape(', '.join(items))}")
