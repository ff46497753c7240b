"""Real-clip fixtures: the walking person of the shared demo clip, posed once per session.

The clip is found by the vision stage's `sample_data.demo_video` (environment variable,
shared data folder, or the sports2d wheel); tests skip with the reason when it is missing.
Only the stretch where the walker is in view (frames 50-204) is cut out and posed, and the
walker is picked with a box around her, because a second person jumps in the same clip.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kneechain.assess.protocols.walker_clip import WALKER_BOX, cut_walker, pose_walker
from kneechain.vision import sample_data
from kneechain.vision.trajectories import Trajectories


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`analyze` runs as a job stored in the tracking database: never the user's own."""
    data = tmp_path / "kneechain-data"
    monkeypatch.setenv("KNEECHAIN_DATA_DIR", str(data))
    monkeypatch.delenv("KNEECHAIN_DATABASE_URL", raising=False)
    return data


@pytest.fixture(scope="session")
def walker_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    video = sample_data.demo_video()
    if video is None:
        pytest.skip(f"real demo video unavailable: {sample_data.last_failure()}")
    return cut_walker(video, tmp_path_factory.mktemp("walker") / "walker.mp4")


@pytest.fixture(scope="session")
def walker(walker_clip: Path) -> Trajectories:
    return pose_walker(walker_clip, WALKER_BOX)


@pytest.fixture(scope="session")
def walker_mirrored(tmp_path_factory: pytest.TempPathFactory) -> Trajectories:
    video = sample_data.demo_video()
    if video is None:
        pytest.skip(f"real demo video unavailable: {sample_data.last_failure()}")
    clip = cut_walker(video, tmp_path_factory.mktemp("mirror") / "walker_m.mp4", mirror=True)
    return pose_walker(clip, WALKER_BOX, mirror=True)
