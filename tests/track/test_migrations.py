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


def test_stored_measurements_get_their_uncertainty_from_the_case(tmp_path: Path) -> None:
    """0007 adds measurements.uncertainty and fills it from the stored case that gave one."""
    import json

    from sqlalchemy import text

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    case = {
        "measurements": [
            {"measure": "hip_ir_supine", "side": "left", "value": 21.5, "uncertainty": 3.2},
            {"measure": "hip_ir_supine", "side": "right", "value": 18.0},
        ]
    }
    try:
        upgrade(engine, "0006_audit_log")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO users (id, uid, name, role, created_at) "
                    "VALUES (1, 'u1', 'Alex', 'person', '2026-01-01 00:00:00')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO assessments (id, uid, user_id, taken_on, case_schema_version, "
                    "case_doc, knowledge_fingerprint, created_at) VALUES (1, 'a1', 1, "
                    "'2026-01-05', '1.0', :doc, 'kb', '2026-01-05 00:00:00')"
                ),
                {"doc": json.dumps(case)},
            )
            for uid, side, value in (("m1", "left", 21.5), ("m2", "right", 18.0)):
                conn.execute(
                    text(
                        "INSERT INTO measurements (uid, user_id, assessment_id, taken_on, "
                        "test_id, measure_id, side, value, source) VALUES (:uid, 1, 1, "
                        "'2026-01-05', 'lying_leg_turn', 'hip_ir_supine', :side, :value, 'video')"
                    ),
                    {"uid": uid, "side": side, "value": value},
                )
        upgrade(engine)
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT side, uncertainty FROM measurements ORDER BY side"))
            assert rows.all() == [("left", 3.2), ("right", None)]
        downgrade(engine, "0006_audit_log")
        assert "uncertainty" not in {c["name"] for c in inspect(engine).get_columns("measurements")}
    finally:
        engine.dispose()
