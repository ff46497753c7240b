"""A consistent copy of the SQLite database while the app (or another writer) keeps running.

SQLite's online backup API copies a single snapshot: writers in other processes are not stopped,
and the copy never holds half a transaction. The copy is checked, switched out of WAL mode so it
is one self-contained file, and only then moved into place.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from kneechain.errors import ErrorKind
from kneechain.track.db import SQLITE_BUSY_MS, Store, is_sqlite
from kneechain.track.errors import TrackError


@dataclass(frozen=True)
class BackupReport:
    path: Path
    size_bytes: int
    rows: dict[str, int]
    media_files: int | None


def _tables(conn: sqlite3.Connection) -> list[str]:
    query = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    return sorted(row[0] for row in conn.execute(query))


def copy_sqlite(source: Path, dest: Path) -> dict[str, int]:
    """Online-backup `source` into `dest` (a new file); returns the row count of each table."""
    tmp = dest.with_name(f".{dest.name}.partial")
    tmp.unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=SQLITE_BUSY_MS / 1000)
    out = sqlite3.connect(tmp)
    try:
        src.backup(out)  # all pages in one step: one consistent snapshot
        out.execute("PRAGMA journal_mode=DELETE")
        check = out.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            raise TrackError(f"the backup copy failed its integrity check ({check}); nothing kept")
        rows = {t: out.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in _tables(out)}
    finally:
        out.close()
        src.close()
    os.replace(tmp, dest)
    return rows


def backup(
    store: Store, dest: Path, *, overwrite: bool = False, media: bool = False
) -> BackupReport:
    """Copy the database to `dest` (and, with `media`, the media files to `dest` + '.media/')."""
    if not is_sqlite(store.engine):
        raise TrackError(
            "A backup copies the embedded SQLite database; a PostgreSQL database is backed up "
            "with PostgreSQL's own tool, pg_dump"
        )
    source = Path(store.engine.url.database or "")
    if not source.is_file():
        raise TrackError(f"there is no database file at {source} to back up yet")
    if dest.exists() and not overwrite:
        raise TrackError(
            f"{dest} already exists.",
            hint="Choose a new name, or say that it may be replaced.",
            kind=ErrorKind.conflict,
        )
    if dest.resolve() == source.resolve():
        raise TrackError("the backup cannot overwrite the live database; choose another path")
    dest.parent.mkdir(parents=True, exist_ok=True)
    rows = copy_sqlite(source, dest)
    copied = None
    if media:
        target = dest.with_name(dest.name + ".media")
        if store.media.root.is_dir():
            shutil.copytree(store.media.root, target, dirs_exist_ok=True)
        copied = sum(1 for p in target.rglob("*") if p.is_file()) if target.is_dir() else 0
    return BackupReport(path=dest, size_bytes=dest.stat().st_size, rows=rows, media_files=copied)
