"""`kneechain program`: build the corrective program for a case and write it out."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console

from kneechain.program.build import ProgramOptions, build_program, first_monday
from kneechain.program.models import Program
from kneechain.program.source import ProgramInputError, read_input


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


def _fail(message: str, problems: list[str] | None = None) -> typer.Exit:
    err = Console(stderr=True)
    err.print(f"[bold red]Error:[/bold red] {message}", highlight=False)
    for problem in problems or []:
        err.print(f"  - {problem}", highlight=False, markup=False)
    return typer.Exit(code=2)


def _minutes(text: str | None) -> tuple[float, float] | None:
    if text is None:
        return None
    try:
        low, high = (float(x) for x in text.split("-"))
    except ValueError:
        raise _fail(f"--minutes {text!r}: write a range such as 10-20") from None
    if not 0 < low <= high <= 120:
        raise _fail(f"--minutes {text!r}: need 0 < minimum <= maximum <= 120")
    return low, high


def _start(text: str | None, assessed_on: date | None) -> date:
    if text is None:
        return first_monday(assessed_on or date.today())
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _fail(f"--start {text!r}: give a date as YYYY-MM-DD, e.g. 2026-12-07") from None


def _write(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise _fail(f"cannot write {path}: {exc.strerror}") from exc


def _outputs(program: Program, html: Path | None, pdf: Path | None, ics: Path | None) -> None:
    if html or pdf:
        from kneechain.report.handout import PdfUnavailableError, render_html, render_pdf

        page = render_html(program)
        if html:
            _write(html, page.encode("utf-8"))
        if pdf:
            try:
                _write(pdf, render_pdf(page))
            except PdfUnavailableError as exc:
                raise _fail(str(exc)) from exc
    if ics:
        from kneechain.report.calendar import render_ics

        _write(ics, render_ics(program))


def program(
    input: Path = typer.Option(
        ..., "--input", "-i", help="Case file (JSON), or a result from `kneechain assess -f json`."
    ),
    output_format: OutputFormat = typer.Option(
        OutputFormat.text, "--format", "-f", help="text: readable; json: the program's structure."
    ),
    html: Path | None = typer.Option(None, "--html", help="Write the printable handout (HTML)."),
    pdf: Path | None = typer.Option(None, "--pdf", help="Write the handout as PDF."),
    ics: Path | None = typer.Option(None, "--ics", help="Write the sessions as a calendar (.ics)."),
    start: str | None = typer.Option(
        None, "--start", help="First day (YYYY-MM-DD); default the Monday on or after assessment."
    ),
    weeks: int | None = typer.Option(None, "--weeks", min=1, max=52, help="Program length."),
    minutes: str | None = typer.Option(
        None, "--minutes", help="Daily routine length range in minutes, e.g. 10-20."
    ),
) -> None:
    """Build the ordered, dosed, illustrated corrective program for a case."""
    try:
        source = read_input(input)
    except ProgramInputError as exc:
        raise _fail(str(exc), exc.problems) from exc
    options = ProgramOptions(
        start_date=_start(start, source.assessed_on), weeks=weeks, daily_minutes=_minutes(minutes)
    )
    result = build_program(source.result, options)
    _outputs(result, html, pdf, ics)
    if output_format is OutputFormat.json:
        typer.echo(result.model_dump_json(indent=2))
    else:
        from kneechain.report.cli_render import program_view

        Console().print(program_view(result))
