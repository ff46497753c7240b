"""`kneechain demo`: the main journey on embedded defaults, one stage after another.

knowledge -> assessment of an example case -> its program (handout, PDF, calendar). Every file
it writes goes under the output folder; nothing outside it is touched.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from rich.rule import Rule

from kneechain.assess.caseio import CaseError, load_case
from kneechain.assess.engine import assess
from kneechain.assess.render import report
from kneechain.knowledge.loader import default_knowledge
from kneechain.program.build import ProgramOptions, build_program, first_monday
from kneechain.program.models import Program
from kneechain.report.calendar import render_ics
from kneechain.report.handout import PdfUnavailableError, render_html, render_pdf
from kneechain.report.text import program_view

console = Console()

DEFAULT_CASE = Path("examples/runner_right_valgus_pelvic_drop.json")


def show_knowledge() -> None:
    """One line on what the tool knows; `kneechain knowledge list ...` shows it all."""
    kb = default_knowledge()
    main = len(kb.primary_exercises())
    console.print(Rule("1. What kneechain knows"))
    console.print(
        f"{len(kb.tests)} tests, {len(kb.findings)} findings, "
        f"{main} exercises (+{len(kb.exercises) - main} easier/harder variants), "
        f"{len(kb.red_flags)} red flags, {len(kb.sources)} sources. "
        "Try `kneechain knowledge list exercises`."
    )


def write_handout(program: Program, out: Path) -> list[Path]:
    """The printable handout (HTML, and PDF where WeasyPrint can run) and the calendar."""
    page = render_html(program)
    written = [out / "program.html", out / "program.ics"]
    written[0].write_text(page, encoding="utf-8")
    written[1].write_bytes(render_ics(program))
    try:
        (out / "program.pdf").write_bytes(render_pdf(page))
        written.append(out / "program.pdf")
    except PdfUnavailableError as exc:
        console.print(f"[yellow]PDF skipped:[/] {exc}")
    return written


def demo(
    case: Path = typer.Option(DEFAULT_CASE, "--case", help="Example case to assess."),
    out: Path = typer.Option(Path("out/demo"), "--out", help="Folder for the files it writes."),
) -> None:
    """Run the main journey on embedded defaults (no set-up, no network)."""
    show_knowledge()
    console.print(Rule(f"2. Assessment of {case.name}"))
    try:
        loaded = load_case(case)
    except CaseError as exc:
        console.print(f"[red]Cannot read the example case:[/] {'; '.join(exc.problems)}")
        raise typer.Exit(code=2) from exc
    result = assess(loaded)
    console.print(report(result))
    console.print(Rule("3. The corrective program"))
    start = first_monday(loaded.assessed_on or date.today())
    program = build_program(result, ProgramOptions(start_date=start))
    console.print(program_view(program))
    out.mkdir(parents=True, exist_ok=True)
    for path in write_handout(program, out):
        console.print(f"wrote {path}")
