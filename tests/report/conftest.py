"""Shared by the report tests that store people: their own data folder and a runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from kneechain.cli import app


@pytest.fixture
def own_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh data folder (SQLite) for this test, and a wide terminal."""
    monkeypatch.setenv("KNEECHAIN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("KNEECHAIN_DATABASE_URL", raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    return tmp_path / "data"


def run(*args: str) -> tuple[int, str]:
    """`kneechain ARGS`: exit code and everything printed."""
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output
