"""`kneechain batch`: analyse a folder (or CSV list) of clips as jobs, into one results table."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kneechain.jobs.models import JobEvent

console = Console(stderr=True)


class RunnerChoice(StrEnum):
    local = "local"
    ray = "ray"


class _Display:
    """One bar for the whole batch; its text names the clip and stage seen last."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task = progress.add_task("submitting clips", total=None)
        self.finished: set[str] = set()

    def submitted(self, count: int) -> None:
        self.progress.update(self.task, total=count, description="analysing")
        self.progress.refresh()

    def __call__(self, event: JobEvent) -> None:
        text = f"{event.label}: {event.status.value}"
        if event.stage and not event.status.finished:
            text += f" ({event.stage}"
            text += f" {event.done}/{event.total})" if event.total else ")"
        if event.cached:
            text += " (earlier result)"
        if event.status.finished and event.job_id not in self.finished:
            self.finished.add(event.job_id)
            self.progress.advance(self.task)
            if event.message and event.status.value == "failed":
                self.progress.console.print(
                    f"[red]Failed:[/] {escape(event.label)}: {escape(event.message)}",
                    highlight=False,
                )
        self.progress.update(self.task, description=escape(text))
        self.progress.refresh()


def batch(
    source: Path = typer.Argument(
        ...,
        metavar="INPUT",
        help="Folder of clips, or a CSV: path,test,side,person_box,person_label.",
    ),
    test: str = typer.Option(
        None, "--test", "-t", help="Test id for every clip (a CSV's test column wins)."
    ),
    runner: RunnerChoice = typer.Option(
        None, "--runner", help="Where the jobs run (default: the job_runner setting, local)."
    ),
    address: str = typer.Option(
        None, "--address", help="Ray cluster address, e.g. ray://head:10001 (default: start here)."
    ),
    out: Path = typer.Option(
        Path("batch-results"), "--out", "-o", help="Folder for the results table and evidence."
    ),
    workers: int = typer.Option(
        None, "--workers", min=1, help="Jobs at once on the local runner (job_workers setting)."
    ),
    evidence: bool = typer.Option(
        True, "--evidence/--no-evidence", help="Copy each clip's evidence pictures."
    ),
    clip: bool = typer.Option(False, "--clip/--no-clip", help="Write annotated clips too."),
) -> None:
    """Analyse many clips as jobs: one results table (CSV, Parquet), evidence per clip. Run it
    again after an interruption: finished clips are not analysed again."""
    from kneechain.jobs.batch import read_input, run_batch
    from kneechain.jobs.runner import open_runner
    from kneechain.settings import load_settings

    rows = read_input(source, test)
    settings = load_settings()
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    kind = runner.value if runner else None
    console.print(f"{len(rows)} clips; results in {out}", highlight=False)
    with (
        open_runner(settings, runner=kind, address=address, workers=workers) as jobs,
        Progress(*columns, console=console, transient=True) as progress,
    ):
        display = _Display(progress)
        summary = run_batch(
            jobs,
            rows,
            out,
            evidence=evidence,
            clip=clip,
            on_event=display,
            on_submitted=display.submitted,
        )
    table = Table(title="Batch", title_justify="left", show_header=False)
    table.add_row("clips", str(summary.clips))
    table.add_row("done", f"{summary.done} ({summary.reused} from earlier runs)")
    table.add_row("failed", str(summary.failed))
    if summary.not_finished:
        table.add_row("not finished", str(summary.not_finished))
    Console().print(table)
    for name, message in summary.failures:
        Console().print(f"[red]{escape(name)}[/]: {escape(message)}", highlight=False)
    typer.echo(f"Table: {summary.table_csv} and {summary.table_parquet.name}")
    if summary.evidence_dir.is_dir():
        typer.echo(f"Evidence: {summary.evidence_dir}")
