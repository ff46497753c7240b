"""`kneechain export`, `import` and `backup`: moving a person's data and copying the database."""

from __future__ import annotations

from pathlib import Path

import typer

from kneechain.track.backup import backup as backup_store
from kneechain.track.cli_common import PERSON, fail, opened, out, resolve_person
from kneechain.track.exchange import export_person, import_person, parse_export, to_json, write_csv


def export(
    person: str | None = PERSON,
    output: Path = typer.Option(..., "--out", "-o", help="The JSON file to write."),
    csv_dir: Path | None = typer.Option(None, "--csv", help="Also write one CSV per table here."),
    no_media: bool = typer.Option(False, "--no-media", help="Leave video and frame files out."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing file."),
) -> None:
    """Export everything stored about one person to one JSON file (and CSVs)."""
    if output.exists() and not overwrite:
        raise fail(f"{output} already exists; choose a new name or add --overwrite")

    with opened() as store, store.session() as db:
        user = resolve_person(db, person)
        data = export_person(db, store.media, user, with_media=not no_media)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(to_json(data), encoding="utf-8")
    out().print(f"Exported {data.person.name} to {output}")
    if csv_dir is not None:
        files = write_csv(data, csv_dir)
        out().print(f"Wrote {len(files)} CSV files to {csv_dir}")


def import_(
    source: Path = typer.Argument(..., help="A file written by `kneechain export`."),
) -> None:
    """Import a person exported from this or another kneechain database."""
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"cannot read {source}: {exc}") from exc
    with opened() as store:
        data = parse_export(text, source.name)
        with store.session() as db:
            user, missing = import_person(db, store.media, data)
            name = user.name
    for other in missing:
        out().print(f"Care link with {other} not restored: they are not in this database.")
    out().print(
        f"Imported {name}: {len(data.assessments)} assessment(s), {len(data.sessions)} "
        f"session(s), {len(data.outcome_scores)} score(s), {len(data.media)} media file(s)."
    )


def backup(
    dest: Path = typer.Argument(..., help="Where to write the copy, e.g. kneechain-backup.db"),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing file."),
    media: bool = typer.Option(False, "--media", help="Also copy the media files (DEST.media/)."),
) -> None:
    """Make a consistent copy of the SQLite database, safe while kneechain is in use."""
    with opened() as store:
        report = backup_store(store, dest, overwrite=overwrite, media=media)
    counts = ", ".join(f"{n} {t}" for t, n in report.rows.items() if t != "alembic_version")
    out().print(f"Backed up to {report.path} ({report.size_bytes} bytes): {counts}")
    if report.media_files is not None:
        out().print(f"Copied {report.media_files} media file(s) to {dest}.media/")


def mount(app: typer.Typer) -> None:
    app.command("export")(export)
    app.command("import")(import_)
    app.command("backup")(backup)
