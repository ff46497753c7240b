"""Migrations: up to head and back down to nothing, on SQLite and on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from kneechain.track.db import (
    current_revision,
    downgrade,
    head_revision,
    make_engine,
    open_store,
    upgrade,
)
from kneechain.track.errors import StorageError
from kneechain.track.models import Base

TABLES = {
    "users",
    "care_links",
    "assessments",
    "video_analyses",
    "media_items",
    "measurements",
    "programs",
    "exercise_sessions",
    "session_exercises",
    "outcome_scores",
}


def test_up_down_up(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        assert current_revision(engine) is None
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        assert set(inspect(engine).get_table_names()) >= TABLES
        downgrade(engine, "base")
        assert current_revision(engine) is None
        assert not TABLES & set(inspect(engine).get_table_names())
        upgrade(engine)
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_migrations_match_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == []
    finally:
        engine.dispose()


def test_first_use_creates_the_sqlite_file_in_the_data_dir(_isolated_data_dir: Path) -> None:
    store = open_store()
    try:
        assert store.settings.data_dir == _isolated_data_dir
        assert (_isolated_data_dir / "kneechain.db").is_file()
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        store.close()


def test_database_url_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "elsewhere" / "other.db"
    monkeypatch.setenv("KNEECHAIN_DATABASE_URL", f"sqlite:///{target}")
    store = open_store()
    store.close()
    assert target.is_file()


def test_bad_database_url_is_explained() -> None:
    with pytest.raises(StorageError, match="not valid"):
        open_store("not a url")


def test_the_migrations_have_one_head() -> None:
    """Two branches that each added a migration after the same parent leave two heads, and no
    database can be upgraded: re-point the later one's down_revision before landing."""
    from alembic.script import ScriptDirectory

    from kneechain.track.db import alembic_config

    engine = make_engine("sqlite://")
    try:
        heads = ScriptDirectory.from_config(alembic_config(engine)).get_heads()
    finally:
        engine.dispose()
    assert len(heads) == 1, f"several migration heads: {sorted(heads)}"
