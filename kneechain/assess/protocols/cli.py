"""`kneechain analyze`: measure one test from a video (or a saved trajectories file)."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console

from kneechain.vision.cli import PERSON_HELP

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
    person: str = typer.Option(None, "--person", help=PERSON_HELP),
    every: int = typer.Option(1, "--every", min=1, help="Analyse every N-th frame."),
    clip: bool = typer.Option(True, "--clip/--no-clip", help="Write the annotated clip."),
) -> None:
    """Measure a test from a phone clip: values with norms and quality, and proof frames."""
    from kneechain.assess.protocols import cli_render as render  # heavy imports
    from kneechain.assess.protocols import evidence, registry, run
    from kneechain.vision.cli import parse_box
    from kneechain.vision.errors import VideoError
    from kneechain.vision.pipeline import PoseOptions

    if not video.is_file():
        _fail(f"{video} does not exist.", "Give the path of the clip you filmed.")
    try:
        registry.protocol(test)
    except ValueError as err:
        _fail(str(err))
    options = PoseOptions(person=parse_box(person), every=every, overlay=False, key_frames=False)
    try:
        analysis = run.analyse_file(video, test, side.value if side else None, options)
    except VideoError as err:
        _fail(err.problem, err.advice)
    files: list[Path] = []
    if write and analysis.video is not None:
        folder = out or Path(f"{video.stem}-{test}-evidence")
        files = evidence.write_evidence(
            analysis.video, analysis.trajectories, analysis.result, folder, clip
        )
    if output_format is OutputFormat.json:
        data = analysis.result.model_dump(mode="json")
        data["pose_warnings"] = analysis.pose_warnings
        data["evidence_files"] = [str(f) for f in files]
        typer.echo(json.dumps(data, indent=2))
        return
    for warning in analysis.pose_warnings:
        console.print(f"[yellow]Warning:[/] {warning}", highlight=False)
    Console().print(render.report(analysis.result))
    if out is not None and analysis.video is None:
        typer.echo("No evidence pictures: the input is a trajectories file, not a video.")
    for f in files:
        typer.echo(f"Evidence: {f}")
