"""Fixtures for the vision tests: the real demo clip and small synthetic videos.

The demo clip is located by `kneechain.vision.sample_data.demo_video` (environment variable,
shared data folder, or the sports2d wheel from the package index); tests that need it skip
with the reason when none of these works. Later stages reuse `demo_video` the same way.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kneechain.vision import sample_data
from tests.vision import videos


@pytest.fixture(scope="session")
def demo_video() -> Path:
    path = sample_data.demo_video()
    if path is None:
        pytest.skip(f"real demo video unavailable: {sample_data.last_failure()}")
    return path


@pytest.fixture(scope="session")
def short_demo(demo_video: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first 3 seconds of the demo clip (90 frames), re-encoded, for quicker real runs."""
    out = tmp_path_factory.mktemp("short") / "short_demo.mp4"
    return videos.copy_clip(demo_video, out, stop=90)


@pytest.fixture()
def noise_video(tmp_path: Path) -> Path:
    return videos.synthetic(tmp_path / "noise.mp4", kind="noise")


@pytest.fixture()
def blank_video(tmp_path: Path) -> Path:
    return videos.synthetic(tmp_path / "blank.mp4", kind="blank")


@pytest.fixture()
def dark_video(tmp_path: Path) -> Path:
    return videos.synthetic(tmp_path / "dark.mp4", kind="dark")
