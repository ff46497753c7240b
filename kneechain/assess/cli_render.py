"""The readable terminal report of an assessment (rich renderables; printing is the CLI's job)."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from kneechain.assess.result import AssessmentResult, FindingResult, OutcomeScore
from kneechain.knowledge.loader import KnowledgeBase, default_knowledge
from kneechain.knowledge.render import measure_names, number

URGENCY_WORDS = {
    "emergency": "now (emergency)",
    "same_day": "today",
    "soon": "within days",
}


def _red_flags(result: AssessmentResult, kb: KnowledgeBase) -> RenderableType:
    table = Table(show_header=True, header_style="bold red", expand=True)
    table.add_column("You answered yes to", ratio=3)
    table.add_column("Why it matters", ratio=3)
    table.add_column("See", ratio=2)
    table.add_column("When", min_width=11)
    for hit in result.red_flags:
        flag = kb.red_flags.get(hit.id)
        asked = flag.question if flag is not None else hit.reason
        table.add_row(asked, hit.reason, hit.refer_to, URGENCY_WORDS[hit.urgency])
    intro = Text(
        "Stop self-care: see a clinician before doing any of the exercises. "
        "This tool does not prescribe a program while a red flag is present.",
        style="bold red",
    )
    return Panel(Group(intro, table), title="Refer to a clinician", border_style="red")


def _finding(f: FindingResult) -> RenderableType:
    title = f"{f.name} - {f.side}, {f.severity}, confidence {number(round(f.confidence * 100))}%"
    body: list[RenderableType] = [Text(f.explanation)]
    evidence = Table(show_header=False, box=None, pad_edge=False)
    evidence.add_column(width=2)
    evidence.add_column()
    for e in f.evidence:
        mark = "+" if e.supports else "-"
        extra = ""
        if e.provenance:
            extra = f" [{', '.join(e.provenance)}"
            extra += f", quality {number(e.quality)}]" if e.quality is not None else "]"
        evidence.add_row(mark, e.text + extra)
    body.append(evidence)
    return Panel(Group(*body), title=title, title_align="left", border_style="cyan")


def _outcomes(scores: list[OutcomeScore]) -> RenderableType:
    table = Table(title="Outcome scores", title_justify="left", expand=False)
    table.add_column("Score")
    table.add_column("Value", justify="right")
    table.add_column("Range")
    for s in scores:
        incomplete = f"incomplete ({s.answered}/{s.total_items})"
        value = incomplete if s.score is None else number(s.score)
        table.add_row(s.label, value, f"{number(s.min_score)}-{number(s.max_score)}")
    return table


def _lines(title: str, lines: list[str], style: str) -> RenderableType:
    text = Text(f"{title}\n", style=f"bold {style}")
    for line in lines:
        text.append(f"  - {line}\n")
    return text


def _names(ids: list[str], names: dict[str, str]) -> str:
    """Ids as names, joined in plain words ('the Thomas test and the single-leg squat')."""
    words = [names.get(i, i.replace("_", " ")) for i in ids]
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} or {words[-1]}"


def report(result: AssessmentResult, kb: KnowledgeBase | None = None) -> RenderableType:
    """The whole report: red flags first, then findings, outcome scores and what to do next.
    Every knowledge-base id is shown by its name."""
    kb = kb or default_knowledge()
    parts: list[RenderableType] = []
    if result.refer:
        parts.append(_red_flags(result, kb))
    if result.findings:
        parts.append(Text("What explains the knee pain along the chain", style="bold"))
        parts.extend(_finding(f) for f in result.findings)
    elif not result.refer:
        parts.append(
            Text(
                "Nothing measured at the hip or ankle explains the knee pain.",
                style="bold yellow",
            )
        )
    if result.clinicians:
        parts.append(
            _lines("Who can help", [f"{c.name}: {c.why}" for c in result.clinicians], "green")
        )
    if result.suspicions:
        tests = {t.id: t.name for t in kb.tests.values()}
        lines = [
            f"{s.name}: your answers point to it; to check it: {_names(s.tests, tests)}"
            for s in result.suspicions
        ]
        parts.append(_lines("Worth testing next", lines, "blue"))
    if result.unused_measurements:
        measures = measure_names(kb.tests)
        lines = [
            f"{measures.get(u.measure, u.measure.replace('_', ' '))}"
            f"{'' if u.side is None else f' ({u.side})'} = {number(u.value)}: {u.reason}"
            for u in result.unused_measurements
        ]
        parts.append(_lines("Measurements not used", lines, "yellow"))
    if result.outcomes:
        parts.append(_outcomes(result.outcomes))
    if result.notes:
        parts.append(_lines("Notes", result.notes, "dim"))
    footer = f"knowledge {result.knowledge_version}, engine {result.engine_version}"
    parts.append(Text(footer, style="dim"))
    return Group(*parts)
