"""Rich renderings of knowledge entries: tables for lists, a panel for one entry."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel
from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from kneechain.knowledge.loader import KnowledgeBase
from kneechain.knowledge.models import Exercise, Finding, Test
from kneechain.knowledge.render import dosage_text, reference_text, view_words

CATEGORY_LABEL = {
    "soft_tissue": "soft tissue",
    "mobility": "mobility",
    "stability": "stability",
    "gait": "gait",
}


def _table(title: str, *columns: str) -> Table:
    """A table whose id column is never cut short, so ids can be copied from it."""
    table = Table(title=title, show_lines=True)
    table.add_column(columns[0], no_wrap=True, style="cyan")
    for column in columns[1:]:
        table.add_column(column, overflow="fold")
    return table


def exercise_rows(entries: Sequence[BaseModel], kb: KnowledgeBase) -> Table:
    table = _table("exercises", "id", "name", "category", "dose", "addresses")
    for ex in entries:
        assert isinstance(ex, Exercise)
        name = ex.name if ex.variant_of is None else f"{ex.name}\n(variant of {ex.variant_of})"
        table.add_row(
            ex.id,
            name,
            CATEGORY_LABEL[ex.category],
            dosage_text(ex.dosage),
            "\n".join(ex.addresses),
        )
    return table


def test_rows(entries: Sequence[BaseModel], kb: KnowledgeBase) -> Table:
    table = _table("tests", "id", "name", "measures", "view", "detects")
    for t in entries:
        assert isinstance(t, Test)
        measures = "\n".join(
            f"{m.name} ({m.unit}{', per side' if m.per_side else ''})" for m in t.measures
        )
        view = t.camera.view if t.camera else "clinician"
        table.add_row(t.id, t.name, measures, view, "\n".join(t.detects))
    return table


def finding_rows(entries: Sequence[BaseModel], kb: KnowledgeBase) -> Table:
    table = _table("findings", "id", "name", "detected by", "addressed by")
    for f in entries:
        assert isinstance(f, Finding)
        table.add_row(f.id, f.name, "\n".join(f.detected_by), "\n".join(f.addressed_by))
    return table


def _sources(ids: Sequence[str], kb: KnowledgeBase) -> str:
    return "; ".join(
        kb.sources[i].title if kb.sources[i].kind == "seed" else (kb.sources[i].citation or i)
        for i in ids
    )


def _exercise(ex: Exercise, kb: KnowledgeBase) -> list[Text | str]:
    lines: list[Text | str] = [
        Text.assemble(("Category: ", "bold"), CATEGORY_LABEL[ex.category]),
        Text.assemble(("Works: ", "bold"), ", ".join(ex.targets)),
        Text.assemble(("You need: ", "bold"), ", ".join(ex.equipment) or "nothing"),
        Text("How to do it:", style="bold"),
        *[f"  {n}. {step}" for n, step in enumerate(ex.steps, 1)],
        Text.assemble(("Dose: ", "bold"), dosage_text(ex.dosage)),
    ]
    lines += [Text.assemble(("Caution: ", "bold yellow"), c) for c in ex.cautions]
    for label, other in (("Easier: ", ex.regression), ("Harder: ", ex.progression)):
        if other:
            lines.append(Text.assemble((label, "bold"), f"{kb.exercises[other].name} ({other})"))
    lines.append(Text.assemble(("Addresses: ", "bold"), ", ".join(ex.addresses)))
    lines.append(Text.assemble(("Dose from: ", "dim"), _sources(ex.dosage.source_ids, kb)))
    return lines


def _test(t: Test, kb: KnowledgeBase) -> list[Text | str]:
    lines: list[Text | str] = [Text(t.purpose), Text("Set-up:", style="bold")]
    lines += [f"  {n}. {step}" for n, step in enumerate(t.setup, 1)]
    if t.camera:
        lines.append(
            Text(f"Filming ({view_words(t.camera.view)}, {t.camera.height}):", style="bold")
        )
        lines += [f"  - {i}" for i in t.camera.instructions]
    units = {m.id: m.unit for m in t.measures}
    lines.append(Text("Measures and references:", style="bold"))
    for m in t.measures:
        lines.append(f"  {m.name} [{m.unit}{', per side' if m.per_side else ''}]")
        for ref in (r for r in t.references if r.measure == m.id):
            lines.append(
                f"    {ref.kind}: {reference_text(ref, units[m.id])} - {ref.label}"
                f" ({_sources(ref.source_ids, kb)[:90]})"
            )
    lines.append(Text.assemble(("Detects: ", "bold"), ", ".join(t.detects)))
    return lines


def _finding(f: Finding, kb: KnowledgeBase) -> list[Text | str]:
    lines: list[Text | str] = [Text(f.summary)]
    for m_id in f.mechanism_ids:
        mech = kb.mechanisms[m_id]
        lines += [Text(f"Why it matters - {mech.name}:", style="bold"), mech.explanation]
    lines.append(Text.assemble(("Found by: ", "bold"), ", ".join(f.detected_by)))
    lines.append(Text.assemble(("Helped by: ", "bold"), ", ".join(f.addressed_by)))
    return lines


def _generic(entry: BaseModel) -> list[Text | str]:
    lines: list[Text | str] = []
    for key, value in entry.model_dump(mode="json").items():
        if key in {"id", "name", "title"}:
            continue
        text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        lines.append(Text.assemble((f"{key.replace('_', ' ')}: ", "bold"), text))
    return lines


def entry_panel(kind: str, entry: BaseModel, kb: KnowledgeBase) -> Panel:
    """One entry, readable: steps numbered, doses in words, references with their sources."""
    if isinstance(entry, Exercise):
        body = _exercise(entry, kb)
    elif isinstance(entry, Test):
        body = _test(entry, kb)
    elif isinstance(entry, Finding):
        body = _finding(entry, kb)
    else:
        body = _generic(entry)
    title = getattr(entry, "name", None) or getattr(entry, "title", entry_id(entry))
    return Panel(Group(*body), title=f"{title}  [dim]({kind}: {entry_id(entry)})[/]", expand=False)


def entry_id(entry: BaseModel) -> str:
    return str(getattr(entry, "id", ""))
