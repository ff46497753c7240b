"""Evidence media: proof frames read in one pass, a bounded annotated clip made by a
threaded pipeline, in the background when asked."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import cv2
import numpy as np
import pytest

from kneechain.vision import evidence
from kneechain.vision.evidence import OverlayJob, overlay_scale, write_overlay
from kneechain.vision.trajectories import from_points
from kneechain.vision.video import SEEK_GAP, iter_frames, probe, read_frame, read_frames
from tests.vision import videos


@pytest.fixture()
def wide_video(tmp_path: Path) -> Path:
    return videos.synthetic(tmp_path / "wide.mp4", "noise", frames=120, size=(1280, 720))


def _skeleton(frames: np.ndarray, fps: float = 30.0):
    n = len(frames)
    pts = {
        "left_hip": np.tile([600.0, 300.0], (n, 1)),
        "left_knee": np.tile([610.0, 450.0], (n, 1)),
        "left_ankle": np.tile([600.0, 600.0], (n, 1)),
    }
    traj = from_points(pts, frames / fps)
    return dataclasses.replace(traj, frame=frames.astype(np.int64))


def test_read_frames_gives_the_same_pictures_as_one_read_each(wide_video: Path) -> None:
    wanted = [3, 5, 6, 40, 40 + SEEK_GAP + 10, 119, 500]  # near, far apart, past the end
    got = read_frames(wide_video, wanted)
    assert sorted(got) == [3, 5, 6, 40, 40 + SEEK_GAP + 10, 119]
    for index, frame in got.items():
        assert frame.index == index
        np.testing.assert_array_equal(frame.image, read_frame(wide_video, index).image)


def test_overlay_scale_bounds_the_long_side() -> None:
    assert overlay_scale(1768, 994, 960) == pytest.approx(960 / 1768)
    assert overlay_scale(1080, 1920, 960) == pytest.approx(0.5)
    assert overlay_scale(320, 240, 960) == 1.0  # never enlarged


def test_the_annotated_clip_is_bounded_and_has_every_analysed_frame(
    wide_video: Path, tmp_path: Path
) -> None:
    traj = _skeleton(np.arange(0, 120, 2))
    angles = {"left_knee_flexion_2d": np.full(len(traj), 12.0)}
    out = tmp_path / "clip.mp4"
    files = write_overlay(wide_video, traj, angles, out, max_side=640, key_folder=tmp_path / "k")
    assert files[0] == out and all(p.is_file() for p in files)
    info = probe(out)
    assert max(info.width, info.height) == 640 and info.frame_count == len(traj)
    key = cv2.imread(str(files[1]))
    assert key.shape[:2] == (720, 1280)  # proof pictures stay full size
    first = next(iter_frames(out)).image
    assert first[:20, :100].mean() < first[200:, 300:].mean()  # the dark panel is drawn


def test_the_background_job_returns_the_files_or_the_failure(
    wide_video: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    traj = _skeleton(np.arange(0, 30))
    job = OverlayJob(wide_video, traj, {}, tmp_path / "bg.mp4")
    assert job.result() == [tmp_path / "bg.mp4"] and probe(tmp_path / "bg.mp4").frame_count == 30

    def broken(*args: object, **kwargs: object) -> np.ndarray:
        raise RuntimeError("drawing failed")

    monkeypatch.setattr(evidence, "draw", broken)
    with pytest.raises(RuntimeError, match="drawing failed"):
        OverlayJob(wide_video, traj, {}, tmp_path / "bad.mp4").result()
