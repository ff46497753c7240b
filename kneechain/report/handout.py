"""The printable handout: a self-contained HTML page per section, pictures inline, and its PDF."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from kneechain.errors import ErrorKind, MessageError
from kneechain.knowledge.illustrations import IllustrationSet
from kneechain.knowledge.loader import KnowledgeBase
from kneechain.program.models import Prescription, Program, Reason
from kneechain.program.rules import ProgramRules
from kneechain.report.figures import illustration_svg
from kneechain.report.plan import plan_rows
from kneechain.report.texts import handout_texts

TEMPLATES = Path(__file__).parent / "templates"


@cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def svg_data_uri(svg: str) -> str:
    """An SVG as a data: URI, so the page needs no other file."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def pictures(program: Program, kb: KnowledgeBase, figures: IllustrationSet) -> dict[str, str]:
    """Data URIs of every exercise's and every re-test's picture in the program."""
    names = {p.exercise_id: p.name for p in program.exercises}
    names |= {t.test_id: kb.tests[t.test_id].name for t in program.retests}
    return {
        i: svg_data_uri(illustration_svg(i, figures, title=name))
        for i, name in sorted(names.items())
    }


@dataclass(frozen=True)
class WhyLine:
    """Findings that share a mechanism, named together with that mechanism once."""

    findings: str
    why: str
    chain: list[str]


def why_lines(p: Prescription) -> list[WhyLine]:
    """An exercise's reasons grouped by the chain behind them, in the order first named."""
    groups: dict[str, list[Reason]] = {}
    for r in p.reasons:
        groups.setdefault(r.why, []).append(r)
    return [
        WhyLine(
            findings="; ".join(
                r.finding_name + ("" if r.side == "both" else f" ({r.side} side)") for r in rs
            ),
            why=why,
            chain=rs[0].chain,
        )
        for why, rs in groups.items()
    ]


def render_html(
    program: Program, kb: KnowledgeBase, rules: ProgramRules, figures: IllustrationSet
) -> str:
    """The whole handout as one HTML document, in the words of the domain in use (services
    pass `ctx.domain`'s knowledge base, program rules and illustrations)."""
    texts = handout_texts()
    a = rules.adapt
    return (
        _environment()
        .get_template("handout.html")
        .render(
            program=program,
            plan_rows=plan_rows(program),
            title=texts.title,
            start=program.start_date.strftime("%A %d %B %Y"),
            css=(TEMPLATES / "handout.css").read_text(encoding="utf-8"),
            weekday=texts.weekday,
            urgency=texts.urgency,
            day_names={d.id: d.name for d in program.day_types},
            exercises={p.exercise_id: p for p in program.exercises},
            why={p.exercise_id: why_lines(p) for p in program.exercises},
            tests=kb.tests,
            pictures=pictures(program, kb, figures),
            adjust_down=texts.adjust_down.format(pain=f"{a.regress_when.pain_at_least:g}"),
            adjust_up=texts.adjust_up.format(
                sessions=a.progress_when.sessions_in_a_row,
                max_pain=f"{a.progress_when.pain_at_most:g}",
            ),
        )
    )


class PdfUnavailableError(MessageError, RuntimeError):
    """WeasyPrint cannot load the system libraries it draws text with."""

    default_code = "pdf.unavailable"
    default_kind = ErrorKind.unavailable


def render_pdf(html: str) -> bytes:
    """The handout as PDF, laid out by WeasyPrint from the same HTML and print CSS."""
    try:
        from weasyprint import HTML
    except OSError as exc:  # WeasyPrint loads Pango with ctypes at import time
        raise PdfUnavailableError(
            "PDF output needs the Pango text libraries: "
            "apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 "
            f"(WeasyPrint said: {exc})"
        ) from exc
    return HTML(string=html).write_pdf()
