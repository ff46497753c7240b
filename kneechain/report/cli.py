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


app = typer.Typer(
    invoke_without_command=True,
    no_args_is_help=False,
    help="Build the corrective program for a case (-i CASE.json), or change a stored one (edit).",
)


@app.callback()
def program(
    context: typer.Context,
    input: Path | None = typer.Option(
        None, "--input", "-i", help="Case file (JSON), or a result from `kneechain assess -f json`."
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
    program in the terminal. `kneechain program edit` changes a person's stored program."""
    if context.invoked_subcommand is not None:
        if input is not None:
            sub = context.invoked_subcommand
            raise fail(f"--input is for building a program, not for `program {sub}`.")
        return
    if input is None:
        raise fail(
            "Give the case to build the program for: kneechain program -i CASE.json.",
            hint="To change a stored program: kneechain program edit --help.",
        )
    from kneechain.services import programs
    from kneechain.services.context import ServiceContext

    with ServiceContext.open() as ctx:
        source = programs.read_source(input, ctx.domain)
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


def _pairs(values: list[str], option: str, example: str) -> list[tuple[str, str]]:
    pairs = []
    for text in values:
        old, sep, new = text.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise fail(f"{option} {text!r} should look like {example}.")
        pairs.append((old.strip(), new.strip()))
    return pairs


@app.command("edit")
def edit(
    person: str | None = typer.Option(
        None, "--person", "-p", help="Whose program (a name). May be left out when only one exists."
    ),
    swap: list[str] = typer.Option(
        [], "--swap", help="'OLD=NEW': replace an exercise by another (names as the handout)."
    ),
    remove: list[str] = typer.Option([], "--remove", help="An exercise to take out (its name)."),
    add: list[str] = typer.Option([], "--add", help="An exercise to add (its name)."),
    finding: str | None = typer.Option(
        None, "--for", help="With --add: the finding it treats (default: the main finding)."
    ),
    dose: list[str] = typer.Option(
        [],
        "--dose",
        help="'NAME=DOSE': a new dose in plain words, e.g. 'glute bridge=2 sets of 10'.",
    ),
    note: str = typer.Option("", "--note", help="Why: kept with the change in the history."),
    by: str | None = typer.Option(None, "--by", help="Who made the change (a clinician's name)."),
) -> None:
    """Change a person's stored program: swap, remove, add or re-dose exercises, with a note.
    The result is a new version; earlier versions stay stored."""
    from kneechain.program.edit import ProgramEdit
    from kneechain.services import programs
    from kneechain.services.context import ServiceContext

    changes: list[dict[str, object]] = []
    changes += [
        {"action": "swap", "exercise": a, "new_exercise": b}
        for a, b in _pairs(swap, "--swap", "'lateral lunge=glute bridge'")
    ]
    changes += [{"action": "remove", "exercise": name} for name in remove]
    changes += [{"action": "add", "exercise": name, "finding": finding} for name in add]
    changes += [
        {"action": "redose", "exercise": a, "dose": b}
        for a, b in _pairs(dose, "--dose", "'glute bridge=2 sets of 10 repetitions'")
    ]
    if not changes:
        raise fail(
            "Say what to change: --swap, --remove, --add or --dose.",
            hint="For example: kneechain program edit --remove 'lateral lunge' --note 'hurts'.",
        )
    edits = [_edit(ProgramEdit, {**c, "note": note}) for c in changes]
    with ServiceContext.open() as ctx:
        before = programs.current(ctx, person)
        after = programs.edit(ctx, person, edits, by=by, expected_version=before.version)
    from kneechain.report.cli_render import edit_view

    Console().print(edit_view(before.program, after.program))


def _edit(model: type, data: dict[str, object]) -> object:
    from pydantic import ValidationError

    from kneechain.errors import invalid

    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise invalid("program.edit_invalid", "The change is not complete.", exc, model) from exc


def client_report(
    person: str | None = typer.Option(
        None, "--person", "-p", help="Whose report (a name). May be left out when only one exists."
    ),
    pdf: Path | None = typer.Option(None, "--pdf", help="Write the report as PDF."),
    html: Path | None = typer.Option(None, "--html", help="Write the report as HTML."),
) -> None:
    """A clinician's printable report of one client: findings with their evidence,
    measurements over time against the smallest real change, the program's versions,
    adherence and the pain trend."""
    from kneechain.services import reports
    from kneechain.services.context import ServiceContext

    if pdf is None and html is None:
        raise fail("Say where to write the report: --pdf FILE and/or --html FILE.")
    with ServiceContext.open() as ctx:
        report = reports.client_report(ctx, person)
        files = reports.write_client_report(ctx, report, html=html, pdf=pdf)
    for path in files.written:
        Console().print(f"Wrote {path}", highlight=False)
