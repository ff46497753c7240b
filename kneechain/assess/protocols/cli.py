"""`kneechain analyze`: measure one test from a video (or a saved trajectories file)."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console

from kneechain.vision.cli import BOX_HELP

if TYPE_CHECKING:
    from kneechain.services import video as service

console = Console(stderr=True)


class SideChoice(StrEnum):
    left = "left"
    right = "right"


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


def _fail(problem: str, advice: str = "") -> None:
    console.print(f"[bold red]Cannot measure this clip.[/] {problem}", highlight=False)
    if advice:
        console.print(f"[yellow]How to fix:[/] {advice}", highlight=False)
    raise typer.Exit(code=2)


def analyze(
    video: Path = typer.Argument(..., help="Video file, or a trajectories .npz from `pose`."),
    test: str = typer.Option(..., "--test", "-t", help="Test id, e.g. gait, double_leg_squat."),
    side: SideChoice | None = typer.Option(None, "--side", help="Only this side's measures."),
    output_format: OutputFormat = typer.Option(OutputFormat.text, "--format", "-f"),
    out: Path | None = typer.Option(
        None,
        "--out",
        "-o",
        help="Evidence folder (default: VIDEO-TEST_ID-evidence in the current folder).",
    ),
    write: bool = typer.Option(
        True, "--evidence/--no-evidence", help="Write evidence pictures (video input only)."
    ),
    box: str = typer.Option(None, "--box", help=BOX_HELP),
    person: str | None = typer.Option(
        None,
        "--person",
        "-p",
        help="Keep the clip, its values and proof pictures with this person's records (a name).",
    ),
    every: int = typer.Option(1, "--every", min=1, help="Analyse every N-th frame."),
    clip: bool = typer.Option(True, "--clip/--no-clip", help="Write the annotated clip."),
) -> None:
    """Measure a test from a phone clip: values with norms and quality, and proof frames."""
    from kneechain.errors import ErrorKind, KneechainError
    from kneechain.services import video as service
    from kneechain.services.context import ServiceContext
    from kneechain.vision.cli import parse_box

    if not video.is_file():
        _fail(f"{video} does not exist.", "Give the path of the clip you filmed.")
    is_video = video.suffix.lower() != ".npz"
    request = service.ClipAnalysisRequest(
        video=video,
        test_id=test,
        side=side.value if side else None,
        person=parse_box(box),
        every=every,
        evidence=write and is_video,
        clip=clip,
        evidence_dir=(out or Path(f"{video.stem}-{test}-evidence")) if write and is_video else None,
    )
    if person is not None and _looks_like_box(person):
        from kneechain.cli_errors import fail

        raise fail(
            f"--person takes a person's name, not a box ({person}).",
            hint=f"To say which person in the clip to follow, use --box {person}.",
        )
    shown: list[service.ClipAnalysis] = []  # the report shown before the annotated clip

    def show(analysis: service.ClipAnalysis) -> None:
        shown.append(analysis)
        _show(analysis, output_format, ctx.domain, out is not None and not is_video)

    try:
        with ServiceContext.open() as ctx:  # the clip is analysed as a job
            if person is not None:
                from kneechain.services import people

                people.get(ctx, person)  # an unknown name is refused before the work
            analysis = service.analyse_clip(ctx, request, on_report=show)
            if not shown:
                show(analysis)
            elif [str(f) for f in analysis.evidence_files] != [
                str(f) for f in shown[0].evidence_files
            ]:
                console.print(
                    "[yellow]Warning:[/] the annotated clip could not be made.", highlight=False
                )
            if person is not None:
                analysis = service.store_analysis(ctx, analysis, person)
    except KneechainError as err:
        if err.kind is ErrorKind.bad_media:
            _fail(err.message, err.hint or "")
        if err.code == "test.no_protocol":
            _fail(f"{err.message} {err.hint or ''}".strip())
        raise
    if analysis.stored is not None and output_format is OutputFormat.text:
        kept = analysis.stored
        again = " (already kept before)" if kept.already_stored else ""
        typer.echo(
            f"Kept with {kept.person}'s records{again}: {kept.measurements} value(s), "
            f"{kept.evidence_files} proof picture(s)."
        )


def _show(
    analysis: service.ClipAnalysis, output_format: OutputFormat, domain: Any, npz_out: bool
) -> None:
    """The report: as JSON, or the warnings, the measurements with norms and the evidence
    files (the annotated clip may still be being written when this is shown)."""
    from kneechain.assess.protocols import cli_render as render

    files = analysis.evidence_files
    if output_format is OutputFormat.json:
        data = analysis.result.model_dump(mode="json")
        data["pose_warnings"] = analysis.pose_warnings
        data["evidence_files"] = [str(f) for f in files]
        typer.echo(json.dumps(data, indent=2))
        return
    for warning in analysis.pose_warnings:
        console.print(f"[yellow]Warning:[/] {warning}", highlight=False)
    Console().print(render.report(analysis.result, domain.knowledge.tests[analysis.result.test_id]))
    if npz_out:
        typer.echo("No evidence pictures: the input is a trajectories file, not a video.")
    for f in files:
        typer.echo(f"Evidence: {f}")


def _looks_like_box(text: str) -> bool:
    parts = text.split(",")
    return len(parts) == 4 and all(p.strip().replace(".", "", 1).isdigit() for p in parts)
