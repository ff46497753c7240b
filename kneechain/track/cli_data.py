"""`kneechain export`, `import` and `backup`: moving a person's data and copying the database."""

from __future__ import annotations

from pathlib import Path

import typer

from kneechain.track.cli_common import PERSON, out


def export(
    person: str | None = PERSON,
    output: Path = typer.Option(..., "--out", "-o", help="The JSON file to write."),
    csv_dir: Path | None = typer.Option(None, "--csv", help="Also write one CSV per table here."),
    no_media: bool = typer.Option(False, "--no-media", help="Leave video and frame files out."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing file."),
) -> None:
    """Export everything stored about one person to one JSON file (and CSVs)."""
    from kneechain.services import exchange
    from kneechain.services.context import ServiceContext

    with ServiceContext.open() as ctx:
        done = exchange.export(
            ctx, person, output, csv_dir=csv_dir, with_media=not no_media, overwrite=overwrite
        )
    out().print(f"Exported {done.name} to {done.path}")
    if csv_dir is not None:
        out().print(f"Wrote {len(done.csv_files)} CSV files to {csv_dir}")


def import_(
    source: Path = typer.Argument(..., help="A file written by `kneechain export`."),
) -> None:
    """Import a person exported from this or another kneechain database."""
    from kneechain.services import exchange
    from kneechain.services.context import ServiceContext

    with ServiceContext.open() as ctx:
        done = exchange.import_file(ctx, source)
    for other in done.links_not_restored:
        out().print(f"Care link with {other} not restored: they are not in this database.")
    out().print(
        f"Imported {done.name}: {done.assessments} assessment(s), {done.sessions} "
        f"session(s), {done.scores} score(s), {done.media_files} media file(s)."
    )


def backup(
    dest: Path = typer.Argument(..., help="Where to write the copy, e.g. kneechain-backup.db"),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing file."),
    media: bool = typer.Option(False, "--media", help="Also copy the media files (DEST.media/)."),
) -> None:
    """Make a consistent copy of the SQLite database, safe while kneechain is in use."""
    from kneechain.services import exchange
    from kneechain.services.context import ServiceContext

    with ServiceContext.open() as ctx:
        report = exchange.backup(ctx, dest, overwrite=overwrite, media=media)
    counts = ", ".join(f"{n} {t}" for t, n in report.rows.items())
    out().print(f"Backed up to {report.path} ({report.size_bytes} bytes): {counts}")
    if report.media_files is not None:
        out().print(f"Copied {report.media_files} media file(s) to {dest}.media/")


def mount(app: typer.Typer) -> None:
    app.command("export")(export)
    app.command("import")(import_)
    app.command("backup")(backup)
