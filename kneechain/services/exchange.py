"""Use cases of moving data: export a person, import them elsewhere, back up the database."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from kneechain.errors import ErrorKind, KneechainError
from kneechain.services.context import ServiceContext
from kneechain.services.people import resolve
from kneechain.track.backup import backup as backup_store
from kneechain.track.exchange import export_person, import_person, parse_export, to_json, write_csv


class Exported(BaseModel):
    name: str
    path: Path
    csv_files: list[Path] = []


class Imported(BaseModel):
    name: str
    assessments: int
    sessions: int
    scores: int
    media_files: int
    links_not_restored: list[str]  # clinicians or clients who are not in this database


class BackedUp(BaseModel):
    path: Path
    size_bytes: int
    rows: dict[str, int]
    media_files: int | None


def export(
    ctx: ServiceContext,
    person: str | None,
    out: Path,
    *,
    csv_dir: Path | None = None,
    with_media: bool = True,
    overwrite: bool = False,
) -> Exported:
    """Everything stored about one person in one JSON file (and one CSV per table)."""
    if out.exists() and not overwrite:
        raise KneechainError(
            "file.exists",
            f"{out} already exists.",
            hint="Choose a new name, or allow it to be replaced.",
            kind=ErrorKind.conflict,
            field="out",
        )
    with ctx.db() as db:
        data = export_person(db, ctx.store.media, resolve(db, person), with_media=with_media)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(to_json(data), encoding="utf-8")
    files = write_csv(data, csv_dir) if csv_dir is not None else []
    return Exported(name=data.person.name, path=out, csv_files=files)


def import_file(ctx: ServiceContext, source: Path) -> Imported:
    """Recreate a person exported from this or another kneechain database."""
    try:
        text = source.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise KneechainError(
            "import.unreadable",
            f"{source} cannot be read as a kneechain export.",
            hint="Give the JSON file written by the export.",
            problems=[str(exc)],
        ) from exc
    data = parse_export(text, source.name)
    with ctx.db() as db:
        user, missing = import_person(db, ctx.store.media, data)
        name = user.name
    return Imported(
        name=name,
        assessments=len(data.assessments),
        sessions=len(data.sessions),
        scores=len(data.outcome_scores),
        media_files=len(data.media),
        links_not_restored=missing,
    )


def backup(
    ctx: ServiceContext, dest: Path, *, overwrite: bool = False, media: bool = False
) -> BackedUp:
    """A consistent copy of the SQLite database, safe while kneechain is in use."""
    report = backup_store(ctx.store, dest, overwrite=overwrite, media=media)
    return BackedUp(
        path=report.path,
        size_bytes=report.size_bytes,
        rows={t: n for t, n in report.rows.items() if t != "alembic_version"},
        media_files=report.media_files,
    )
