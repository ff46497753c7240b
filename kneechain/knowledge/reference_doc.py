"""Generate docs/knowledge.md from the knowledge base, so the documented norms cannot drift."""

from __future__ import annotations

from collections.abc import Iterator

from kneechain.knowledge.loader import KnowledgeBase
from kneechain.knowledge.render import dosage_text, reference_text

HEADER = """# Knowledge base reference

Generated from `kneechain/knowledge/data/*.yaml` by `kneechain knowledge docs`; do not edit by
hand (a test fails when this file and the data disagree).
"""


def _cell(text: str) -> str:
    return text.replace("|", "/").replace("\n", " ")


def _tests(kb: KnowledgeBase) -> Iterator[str]:
    yield "## Tests, norms and thresholds\n"
    for test in kb.tests.values():
        view = test.camera.view if test.camera else "not filmed"
        yield f"### {test.name} (`{test.id}`)\n"
        yield f"{test.purpose} Performed by: {test.performer}; camera: {view}.\n"
        yield "| measure | unit | kind | value | meaning | sources |"
        yield "|---|---|---|---|---|---|"
        units = {m.id: m.unit for m in test.measures}
        for ref in test.references:
            who = ref.population or ", ".join(
                x for x in (ref.sex, ref.activity, _ages(ref.age_min, ref.age_max)) if x
            )
            label = f"{ref.label} ({who})" if who else ref.label
            yield (
                f"| `{ref.measure}` | {units[ref.measure]} | {ref.kind} "
                f"| {reference_text(ref, units[ref.measure])} | {_cell(label)} "
                f"| {', '.join(f'`{s}`' for s in ref.source_ids)} |"
            )
        yield ""


def _ages(low: int | None, high: int | None) -> str:
    if low is None and high is None:
        return ""
    return f"ages {low if low is not None else 0}-{high if high is not None else ''}".rstrip("-")


def _exercises(kb: KnowledgeBase) -> Iterator[str]:
    yield "## Exercises and doses\n"
    yield "| id | category | dose | addresses | dose sources |"
    yield "|---|---|---|---|---|"
    for ex in kb.exercises.values():
        name = f"`{ex.id}`" + (f" (variant of `{ex.variant_of}`)" if ex.variant_of else "")
        yield (
            f"| {name} | {ex.category} | {dosage_text(ex.dosage)} | {', '.join(ex.addresses)} "
            f"| {', '.join(f'`{s}`' for s in ex.dosage.source_ids)} |"
        )
    yield ""


def _findings(kb: KnowledgeBase) -> Iterator[str]:
    yield "## Findings\n"
    yield "| id | mechanism | detected by | addressed by |"
    yield "|---|---|---|---|"
    for f in kb.findings.values():
        yield (
            f"| `{f.id}` | {', '.join(f.mechanism_ids)} | {', '.join(f.detected_by)} "
            f"| {', '.join(f.addressed_by)} |"
        )
    yield ""


def _red_flags(kb: KnowledgeBase) -> Iterator[str]:
    yield "## Red flags (stop self-care, refer)\n"
    yield "| id | urgency | refer to | sources |"
    yield "|---|---|---|---|"
    for rf in kb.red_flags.values():
        yield f"| `{rf.id}` | {rf.urgency} | {rf.refer_to} | {', '.join(rf.source_ids)} |"
    yield ""


def _sources(kb: KnowledgeBase) -> Iterator[str]:
    yield "## Sources\n"
    for src in kb.sources.values():
        detail = src.citation if src.kind == "clinical" else f"{src.author_role}, `{src.seed_file}`"
        yield f"- `{src.id}`: {_cell(src.title)}. {_cell(detail or '')}"
    yield ""


def knowledge_markdown(kb: KnowledgeBase) -> str:
    """The whole reference document as Markdown text."""
    parts = (_tests, _exercises, _findings, _red_flags, _sources)
    lines = [HEADER, *(line for part in parts for line in part(kb))]
    return "\n".join(lines).rstrip() + "\n"
