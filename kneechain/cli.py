"""The `kneechain` command: a thin shell that mounts each stage's commands on one Typer app."""

from __future__ import annotations

import typer

from kneechain import __version__
from kneechain.cli_errors import ReportingGroup

app = typer.Typer(
    name="kneechain",
    cls=ReportingGroup,
    help="Knee pain along the kinetic chain: assess, measure from video, prescribe, track.",
    no_args_is_help=True,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"kneechain {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Knee pain along the kinetic chain: assess, measure from video, prescribe, track."""


def _mount() -> None:
    """Attach every stage's command group. Each stage owns its own `cli` module."""
    from kneechain.demo import demo
    from kneechain.knowledge.cli import app as knowledge_app

    app.add_typer(knowledge_app, name="knowledge")
    app.command("demo")(demo)
    from kneechain.assess import cli as assess_cli

    app.command("assess")(assess_cli.assess)
    app.command("schema")(assess_cli.schema)
    from kneechain.vision.cli import pose

    app.command("pose")(pose)
    from kneechain.assess.protocols.cli import analyze

    app.command("analyze")(analyze)
    from kneechain.jobs.cli import batch

    app.command("batch")(batch)
    from kneechain.track.cli import mount as mount_track

    mount_track(app)
    from kneechain.report.cli import app as program_app

    app.add_typer(program_app, name="program")
    from kneechain.report.cli import client_report

    app.command("client-report")(client_report)
    from kneechain.cli_settings import settings

    app.command("settings")(settings)
    from kneechain.web.cli import serve

    app.command("serve")(serve)


_mount()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
