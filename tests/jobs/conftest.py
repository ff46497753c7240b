"""Fixtures: an isolated data folder and database per test, and small constructed clips saved
as trajectories files (`.npz`), so the job machinery is tested without posing a video."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kneechain.assess.protocols import constructed as c
from kneechain.settings import Settings
from kneechain.track.db import Store, open_store
from kneechain.vision.trajectories import save
from tests.protocols.shapes import clock, dips


@pytest.fixture()
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    data = tmp_path / "data"
    monkeypatch.setenv("KNEECHAIN_DATA_DIR", str(data))
    monkeypatch.delenv("KNEECHAIN_DATABASE_URL", raising=False)
    return Settings(data_dir=data)


@pytest.fixture()
def store(settings: Settings) -> Iterator[Store]:
    opened = open_store(settings=settings)
    yield opened
    opened.close()


def squat_npz(folder: Path, name: str = "squat.npz", depth_deg: float = 90.0) -> Path:
    """A constructed double-leg squat (5 reps), saved as a trajectories file."""
    time = clock(11)
    depth = dips(time, depth_deg, 5)
    traj = c.standing_front(time, depth=(depth, depth), fppa=(depth / 4, depth / 45))
    folder.mkdir(parents=True, exist_ok=True)
    return save(traj, folder / name)


@pytest.fixture()
def squat_file(tmp_path: Path) -> Path:
    return squat_npz(tmp_path / "clips")
