"""`kneechain pose`: a thin shell over `kneechain.vision.pipeline.run_pose`."""

from __future__ import annotations

import json
import time
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

console = Console(stderr=True)

BOX_HELP = (
    "Which person in the clip to follow: a box x,y,w,h in pixels around them where they first "
    "appear (e.g. 600,200,400,800). Without it, the person the test is about is found."
)
BACKEND_HELP = (
    "Pose model: mediapipe (the MediaPipe graph, default) or our LiteRT runtime of the same "
    "models, litert-lite (fastest), litert-full, litert-heavy (most accurate)."
)
PROGRESS_FROM_FRAMES = 90  # show a bar for anything longer than about three seconds


def parse_box(text: str | None) -> tuple[int, int, int, int] | None:
    """'x,y,w,h' in pixels to a tuple; a clear error otherwise."""
    if text is None:
        return None
    try:
        x, y, w, h = (int(float(v)) for v in text.split(","))
    except ValueError:
        raise typer.BadParameter(
            "use four numbers x,y,w,h in pixels, e.g. 600,200,400,800", param_hint="--box"
        ) from None
    if w <= 0 or h <= 0 or x < 0 or y < 0:
        raise typer.BadParameter("x and y must be >= 0, width and height > 0", param_hint="--box")
    return x, y, w, h


class _Bars:
    """Progress bars drawn from the calling thread only (no refresh thread), so nothing is
    drawn while the pose model starts with stderr silenced (see vision/quiet.py)."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, TaskID] = {}
        self.drawn = 0.0

    def __call__(self, stage: str, advance: int, total: int) -> None:
        if stage not in self.tasks:
            if total < PROGRESS_FROM_FRAMES:
                return
            label = {"pose": "Measuring pose", "overlay": "Drawing overlay"}.get(stage, stage)
            self.tasks[stage] = self.progress.add_task(label, total=total)
        self.progress.advance(self.tasks[stage], advance)
        if time.monotonic() - self.drawn > 0.1:
            self.progress.refresh()
            self.drawn = time.monotonic()


def _fit_sentences(summary: Path | None) -> list[str]:
    """The 3D fit's and the view's lines of the run summary (summary.json), where the run
    fitted them."""
    if summary is None or not summary.is_file():
        return []
    data = json.loads(summary.read_text(encoding="utf-8"))
    return [data[key]["sentence"] for key in ("fit_3d", "view") if data.get(key)]


def pose(
    video: Path = typer.Argument(..., help="The video file (mp4, mov, avi...)."),
    out: Path = typer.Option(..., "--out", "-o", help="Folder for the results."),
    box: str = typer.Option(None, "--box", help=BOX_HELP),
    every: int = typer.Option(1, "--every", min=1, help="Analyse every N-th frame."),
    workers: int = typer.Option(0, "--workers", min=0, help="Pose processes (0: one per core)."),
    overlay: bool = typer.Option(True, "--overlay/--no-overlay", help="Write the annotated video."),
    cutoff: float = typer.Option(6.0, "--cutoff", min=0.1, help="Low-pass cut-off in Hz."),
    backend: str = typer.Option("mediapipe", "--backend", help=BACKEND_HELP),
    fit_3d: bool = typer.Option(
        False,
        "--fit-3d/--no-fit-3d",
        help="Also fit a 3D skeleton and write its knee flexion, hip flexion and knee "
        "frontal-plane angles with their +- in degrees, and where the camera stood "
        "(takes about twice as long as posing).",
    ),
) -> None:
    """Measure one person's joint trajectories and angles from a video."""
    from kneechain.services.context import ServiceContext
    from kneechain.services.video import pose_clip
    from kneechain.vision.backends import available_backends
    from kneechain.vision.pipeline import PoseOptions  # heavy: only when used

    if backend not in available_backends():
        raise typer.BadParameter(
            f"unknown pose model {backend!r}; choose one of {', '.join(available_backends())}",
            param_hint="--backend",
        )

    base = PoseOptions()
    options = PoseOptions(
        person=parse_box(box),
        every=every,
        workers=workers,
        backend=backend,
        overlay=overlay,
        fit_3d=fit_3d,
        cleaning=base.cleaning.model_copy(update={"cutoff_hz": cutoff}),
    )
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeRemainingColumn(),
    )
    with (
        ServiceContext.open() as ctx,
        Progress(*columns, console=console, transient=True, auto_refresh=False) as progress,
    ):
        done = pose_clip(ctx, video, out, options, _Bars(progress))
    for warning in done.warnings:
        console.print(f"[yellow]Warning:[/] {warning}")
    typer.echo(f"Analysed {done.frames} frames of {video.name}; results in {out}")
    for line in _fit_sentences(done.files.get("summary")):
        typer.echo(line)
    for path in sorted(set(done.files.values())):  # every file written, folders included
        typer.echo(f"  {path.relative_to(out) if path.is_relative_to(out) else path}")
