"""`kneechain program`: build the corrective program for a case and write it out."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console

from kneechain.cli_errors import fail, parse_date


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


def _minutes(text: str | None) -> tuple[float, float] | None:
    if text is None:
        return None
    try:
        low, high = (float(x) for x in text.split("-"))
    except ValueError:
        raise fail(f"--minutes {text!r} is not a range.", hint="Write it like 10-20.") from None
    return low, high


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
    """Build the ordered, dosed, illustrated corrective program for a case.

    With --html, --pdf or --ics it writes those files and lists them; without, it shows the
    program in the terminal."""
    from kneechain.services import programs
    from kneechain.services.context import ServiceContext

    with ServiceContext.open() as ctx:
        source = programs.read_source(input)
        request = programs.ProgramRequest(
            start=parse_date(start, "--start"),
            weeks=weeks,
            daily_minutes=_minutes(minutes),
            runner=source.runner,
        )
        result = programs.build(ctx, source.result, request, source.assessed_on)
        files = programs.write_handout(ctx, result, html=html, pdf=pdf, ics=ics)
    if output_format is OutputFormat.json:
        typer.echo(result.model_dump_json(indent=2))
        return
    console = Console()
    if files.written:
        for path in files.written:
            console.print(f"Wrote {path}", highlight=False)
        return
    from kneechain.report.cli_render import program_view

    console.print(program_view(result))
