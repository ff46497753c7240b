"""`kneechain assess` and `kneechain schema`: the assessment engine's command-line shell."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console

from kneechain.cli_errors import fail


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


class SchemaName(StrEnum):
    case = "case"
    result = "result"


def assess(
    input: Path | None = typer.Option(None, "--input", "-i", help="Case file (JSON) to assess."),
    output_format: OutputFormat = typer.Option(
        OutputFormat.text, "--format", "-f", help="text: readable report; json: the full result."
    ),
    interactive: bool = typer.Option(
        False,
        "--interactive",
        help="Answer the questions in the terminal (red flags first); type b to go back one.",
    ),
    output: Path | None = typer.Option(
        None,
        "--output",
        "-o",
        help="With --interactive: where to save the case file (default case.json). Answers are "
        "kept in CASE.answers.json meanwhile; run again to continue an interrupted questionnaire.",
    ),
    video: list[str] = typer.Option(
        [], "--video", help="TEST_ID=PATH: measure a test from a clip and add its values."
    ),
) -> None:
    """Assess a case: red flags, outcome scores and the findings that explain the knee pain."""
    from kneechain.assess.cli_render import report
    from kneechain.services import assessment
    from kneechain.services.context import ServiceContext

    if interactive == (input is not None):
        raise fail("Give either --input CASE.json or --interactive.")
    with ServiceContext.open() as ctx:
        if interactive:
            from kneechain.assess.cli_questionnaire import interview

            case = interview(output or Path("case.json"))
        else:
            assert input is not None
            case = assessment.read_case(input, ctx)
        if video:
            from kneechain.assess.protocols.casevideo import add_videos

            case, _ = add_videos(case, video, ctx.domain.protocols)
        result = assessment.assess_case(ctx, case)
    if output_format is OutputFormat.json:
        typer.echo(result.model_dump_json(indent=2))
    else:
        Console().print(report(result))


def schema(
    name: SchemaName = typer.Argument(
        SchemaName.case, help="case: the input file; result: the output."
    ),
) -> None:
    """Print the JSON Schema of the case file (or of the assessment result)."""
    from kneechain.assess.case import Case
    from kneechain.assess.result import AssessmentResult

    model = Case if name is SchemaName.case else AssessmentResult
    typer.echo(json.dumps(model.model_json_schema(), indent=2))
