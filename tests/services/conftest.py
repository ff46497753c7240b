"""Every service test gets its own data folder (SQLite) through an explicit context."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kneechain.services.context import ServiceContext
from kneechain.settings import Settings

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def ctx(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ServiceContext]:
    monkeypatch.delenv("KNEECHAIN_DATABASE_URL", raising=False)
    with ServiceContext.open(Settings(data_dir=tmp_path / "data")) as context:
        yield context
