"""SQLite under concurrent use: two processes logging at once lose nothing, and a backup taken
while a writer runs is a consistent snapshot."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kneechain.track.backup import backup
from kneechain.track.db import open_store
from kneechain.track.errors import StorageError, TrackError
from kneechain.track.models import ExerciseSessionRecord, PersonRecord, SessionExerciseRecord
from kneechain.track.people import add_person

from .factories import make_person
from .writer_proc import first_use, log_many

PER_WRITER = 60


def _counts(db_file: Path) -> tuple[int, int]:
    conn = sqlite3.connect(db_file)
    try:
        sessions = conn.execute("SELECT count(*) FROM exercise_sessions").fetchone()[0]
        exercises = conn.execute("SELECT count(*) FROM session_exercises").fetchone()[0]
    finally:
        conn.close()
    return sessions, exercises


def test_two_processes_logging_at_once_lose_nothing(tmp_path: Path) -> None:
    data = tmp_path / "shared"
    store = open_store(data_dir=data)
    make_person(store, "Alex")
    make_person(store, "Sam")
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    workers = [
        ctx.Process(target=log_many, args=(str(data), name, PER_WRITER, barrier))
        for name in ("Alex", "Sam")
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert [w.exitcode for w in workers] == [0, 0]
    with store.session() as db:
        assert db.scalar(select(func.count()).select_from(ExerciseSessionRecord)) == 2 * PER_WRITER
        assert db.scalar(select(func.count()).select_from(SessionExerciseRecord)) == 6 * PER_WRITER
    store.close()


def test_two_processes_creating_the_database_at_once(tmp_path: Path) -> None:
    data = tmp_path / "fresh"
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    workers = [
        ctx.Process(target=first_use, args=(str(data), name, barrier)) for name in ("Alex", "Sam")
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert [w.exitcode for w in workers] == [0, 0]
    conn = sqlite3.connect(data / "kneechain.db")
    names = sorted(row[0] for row in conn.execute("SELECT name FROM users"))
    conn.close()
    assert names == ["Alex", "Sam"]


def test_backup_while_a_writer_runs(tmp_path: Path) -> None:
    data = tmp_path / "live"
    store = open_store(data_dir=data)
    make_person(store, "Alex")
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    writer = ctx.Process(target=log_many, args=(str(data), "Alex", 3 * PER_WRITER, barrier))
    writer.start()
    barrier.wait(timeout=60)
    seen = []
    while writer.is_alive() and len(seen) < 300:
        report = backup(store, tmp_path / "copy.db", overwrite=True)
        sessions, exercises = _counts(report.path)
        assert exercises == 3 * sessions  # never half a session
        assert report.rows["exercise_sessions"] == sessions
        seen.append(sessions)
    writer.join(timeout=120)
    assert writer.exitcode == 0
    assert seen == sorted(seen)
    assert any(0 < s < 3 * PER_WRITER for s in seen), seen  # copies were taken mid-writing
    final = backup(store, tmp_path / "final.db")
    assert final.rows["exercise_sessions"] == 3 * PER_WRITER
    journal = sqlite3.connect(final.path).execute("PRAGMA journal_mode").fetchone()[0]
    assert journal == "delete"  # a single self-contained file
    store.close()


def test_backup_refuses_to_overwrite(tmp_path: Path) -> None:
    store = open_store(data_dir=tmp_path / "d")
    try:
        backup(store, tmp_path / "b.db")
        with pytest.raises(TrackError, match="already exists"):
            backup(store, tmp_path / "b.db")
        with pytest.raises(TrackError, match="cannot overwrite the live database"):
            backup(store, tmp_path / "d" / "kneechain.db", overwrite=True)
    finally:
        store.close()


def _hold_write_lock(db_file: Path) -> sqlite3.Connection:
    """Another writer in the middle of its transaction: it holds SQLite's write lock and has
    renamed Alex without committing yet."""
    conn = sqlite3.connect(db_file, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("UPDATE users SET name = 'Alexandra' WHERE name = 'Alex'")
    return conn


def test_a_read_only_unit_reads_while_a_writer_holds_the_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a short busy timeout: a unit that queued for the write lock fails at once instead of
    # after 30 s
    monkeypatch.setattr("kneechain.track.db.SQLITE_BUSY_MS", 300)
    store = open_store(data_dir=tmp_path / "data")
    make_person(store, "Alex")
    writer = _hold_write_lock(Path(store.engine.url.database or ""))
    try:
        with store.session(read_only=True) as db:  # the last committed state, not queued
            assert db.scalars(select(PersonRecord.name)).all() == ["Alex"]
        refused = pytest.raises(StorageError, match="cannot be reached")
        with refused, store.session() as db:  # a unit that may write still waits for the lock
            db.scalars(select(PersonRecord.name)).all()
    finally:
        writer.rollback()
        writer.close()
        store.close()


def test_a_read_only_unit_refuses_to_write(tmp_path: Path) -> None:
    store = open_store(data_dir=tmp_path / "data")
    with pytest.raises(RuntimeError, match="read-only"), store.session(read_only=True) as db:
        add_person(db, "Sam", birth_year=1990, sex="female")
    with store.session() as db:
        assert db.scalars(select(PersonRecord.name)).all() == []
    store.close()
