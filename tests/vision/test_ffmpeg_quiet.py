"""FFmpeg's own lines never reach the console (issue #12: a damaged file printed "partial file"
lines before kneechain's message), and opening a clip leaves the environment as it was."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from kneechain.vision import video
from tests.vision import videos


def test_opening_a_clip_leaves_the_environment_as_found(tmp_path: Path) -> None:
    clip = videos.synthetic(tmp_path / "n.mp4", "noise")
    before = dict(os.environ)
    video.probe(clip)
    assert dict(os.environ) == before
    os.environ[video.FFMPEG_LOG_VARIABLE] = "32"  # a person debugging keeps their level
    try:
        with video.quiet_ffmpeg():
            assert os.environ[video.FFMPEG_LOG_VARIABLE] == "32"
    finally:
        del os.environ[video.FFMPEG_LOG_VARIABLE]


def test_a_damaged_clip_prints_only_kneechains_message(tmp_path: Path, demo_video: Path) -> None:
    cut = videos.truncated_copy(demo_video, tmp_path / "cut.mp4", 0.2)
    env = {k: v for k, v in os.environ.items() if k != video.FFMPEG_LOG_VARIABLE}
    env |= {"KNEECHAIN_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200"}
    done = subprocess.run(
        [sys.executable, "-m", "kneechain", "pose", str(cut), "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    said = done.stdout + done.stderr
    assert done.returncode == 2, said
    assert "damaged or truncated" in said
    assert "partial file" not in said and "[mov," not in said and "@ 0x" not in said, said
