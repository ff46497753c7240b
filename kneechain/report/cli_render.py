"""The program for the terminal: rich renderables (the CLI prints them; nothing prints here)."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from kneechain.program.models import DayType, EditNote, Program
from kneechain.report.plan import plan_rows
from kneechain.report.texts import handout_texts


def _week(program: Program) -> Table:
    texts = handout_texts()
    names = {d.id: d.name for d in program.day_types}
    table = Table(*(texts.weekday[d.weekday] for d in program.week), title="Your week")
    table.add_row(*(names.get(d.day_type or "", "rest") for d in program.week))
    return table


def _how(name: str, steps: list[str]) -> Text:
    """The exercise's name and its steps, numbered: how to do it, not only what it is."""
    text = Text(name, style="bold")
    for i, step in enumerate(steps, start=1):
        text.append(f"\n{i}. {step}")
    return text


def _day(program: Program, day: DayType) -> Panel:
    table = Table("#", "exercise: how to do it", "dose", "why", show_lines=True, expand=True)
    table.columns[1].ratio = 5
    table.columns[2].ratio = 3
    table.columns[3].ratio = 2
    for n, ex_id in enumerate(day.exercise_ids, start=1):
        p = program.exercise(ex_id)
        dose = Text(p.dosage_text)
        if p.emphasis_text:
            dose.append(f"\n{p.emphasis_text}", style="yellow")
        for caution in p.cautions:
            dose.append(f"\n! {caution}", style="red")
        why = "; ".join(
            r.finding_name + ("" if r.side == "both" else f" ({r.side})") for r in p.reasons
        )
        table.add_row(str(n), _how(p.name, p.steps), dose, why)
    title = f"{day.name} - about {day.minutes:g} min"
    return Panel(Group(Text(day.description, style="dim"), table), title=title)


def _retests(program: Program) -> Table:
    table = Table("test", "every", "on", title="Re-tests")
    for t in program.retests:
        table.add_row(t.name, f"{t.after_weeks} wk", ", ".join(d.isoformat() for d in t.dates))
    return table


def _plan(program: Program) -> Table:
    table = Table("week", "what changes", title="Week by week", show_lines=True, expand=True)
    for weeks, items in plan_rows(program):
        table.add_row(weeks, "\n".join(items))
    if program.plan_basis:
        table.caption = program.plan_basis
    return table


def _running(program: Program) -> Panel:
    assert program.running is not None
    lines = [f"- {a}" for a in program.running.advice] + [f"- {program.running.unsupported}"]
    return Panel("\n".join(lines), title="If you run", title_align="left", border_style="green")


def program_view(program: Program) -> RenderableType:
    """Everything a person needs from the program, for a terminal."""
    texts = handout_texts()
    heading = texts.title
    if program.exercises:
        heading += f": starts {program.start_date.isoformat()}, {program.weeks} weeks"
    parts: list[RenderableType] = [Text(heading, style="bold")]
    if program.message:
        style = "bold red" if program.refer else "cyan"
        parts.append(Panel(program.message, style=style))
    for r in program.referral:
        parts.append(Text(f"- {r.refer_to} ({texts.urgency[r.urgency]}): {r.reason}"))
    for c in program.clinicians:
        parts.append(Text(f"- {c.name}: {c.why}"))
    if program.week:
        parts.append(_week(program))
    parts += [_day(program, d) for d in program.day_types]
    parts += [Text(n, style="yellow") for n in program.notes]
    if program.plan:
        parts.append(_plan(program))
    if program.running is not None:
        parts.append(_running(program))
    if program.retests:
        parts.append(_retests(program))
    if program.stop_rule:
        parts.append(
            Panel(
                program.stop_rule,
                title="When to stop and see a clinician",
                title_align="left",
                border_style="red",
            )
        )
    return Group(*parts)


def edit_view(before: Program, after: Program) -> RenderableType:
    """What a clinician's change did: the new version, each change with its note, and the
    exercises now in the program."""
    names = {p.exercise_id: p.name for p in [*before.exercises, *after.exercises]}
    lines = Text(f"The program is now version {after.version}", style="bold")
    lines.append(f" (was {before.version}; earlier versions stay stored).\n")
    for e in after.edits[len(before.edits) :]:
        lines.append(f"- {edit_words(e, names)}\n")
    lines.append("Exercises now: " + "; ".join(p.name for p in after.exercises))
    return lines


def edit_words(e: EditNote, names: dict[str, str]) -> str:
    """One change in plain words: 'swapped Lateral lunge for Glute bridge: hurts (Dr A)'."""
    old = names.get(e.exercise_id or "", (e.exercise_id or "").replace("_", " "))
    new = names.get(e.new_exercise_id or "", (e.new_exercise_id or "").replace("_", " "))
    text = {
        "swap": f"swapped {old} for {new}",
        "remove": f"removed {old}",
        "add": f"added {new}",
        "redose": f"new dose for {old}: {e.dose}",
    }[e.action]
    if e.note:
        text += f"; why: {e.note}"
    who = ", ".join(x for x in (e.by, e.on.isoformat()) if x)
    return f"{text} ({who})"
