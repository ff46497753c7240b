"""Models start once per process, quietly, and are reset between pieces of video."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from kneechain.vision import quiet
from kneechain.vision.backends import register_backend
from kneechain.vision.models import Models


def test_silenced_hides_native_writes_and_restores_stderr(capfd: pytest.CaptureFixture) -> None:
    with quiet.silenced():
        os.write(2, b"W0000 a native start-up line\n")
    os.write(2, b"after\n")
    assert capfd.readouterr().err == "after\n"


class _Counting:
    name, version, keypoints = "counting", "0", ("nose",)
    started = 0

    def __init__(self) -> None:
        type(self).started += 1
        self.frames: list[tuple[int, ...]] = []
        self.resets = 0

    def process(self, rgb: np.ndarray) -> None:
        self.frames.append(rgb.shape)

    def reset(self) -> None:
        self.resets += 1

    def close(self) -> None:
        return None


class _NoReset(_Counting):
    name = "no-reset"
    reset = None  # type: ignore[assignment]


def test_a_model_starts_once_on_its_warm_up_frames_and_is_reset_after() -> None:
    register_backend("counting", _Counting)
    models = Models()
    frame = np.zeros((10, 20, 3), np.uint8)
    first = models.pose_model("counting", (frame,))
    assert first.frames == [(10, 20, 3), (64, 64, 3)]  # warm-up, then a blank frame
    again = models.pose_model("counting")
    assert again is first and first.resets == 1 and _Counting.started == 1
    assert models.loaded == 1
    models.release()
    assert models.loaded == 0
    assert models.pose_model("counting") is not first
    models.release()


class _SeesBright(_Counting):
    """Finds a "person" in any frame that is not all black."""

    name = "sees-bright"

    def process(self, rgb: np.ndarray) -> object | None:  # type: ignore[override]
        self.frames.append(rgb.shape)
        return object() if rgb.any() else None


def test_warm_up_frames_are_read_only_until_one_shows_a_person() -> None:
    register_backend("sees-bright", _SeesBright)
    read: list[str] = []

    def frames(first_bright: bool):
        read.append("first")
        yield np.full((8, 8, 3), 255 if first_bright else 0, np.uint8)
        read.append("middle")  # costly to decode: only when the first showed nobody
        yield np.full((6, 6, 3), 255, np.uint8)

    models = Models()
    model = models.pose_model("sees-bright", frames(True))
    assert read == ["first"] and model.frames == [(8, 8, 3), (64, 64, 3)]
    models.release()
    read.clear()
    model = models.pose_model("sees-bright", frames(False))
    assert read == ["first", "middle"] and model.frames == [(8, 8, 3), (6, 6, 3), (64, 64, 3)]
    models.release()


def test_a_backend_without_reset_is_started_anew_for_each_piece() -> None:
    register_backend("no-reset", _NoReset)
    models = Models()
    one = models.pose_model("no-reset")
    assert models.pose_model("no-reset") is not one
    assert models.loaded == 1
    models.release()


@pytest.mark.slow
def test_pose_command_prints_no_model_start_up_lines(short_demo: Path, tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "kneechain", "pose", str(short_demo), "--out", str(tmp_path)]
    done = subprocess.run([*cmd, "--no-overlay", "--workers", "2"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    noise = ("W0000", "XNNPACK", "absl::InitializeLog", "landmark_projection")
    assert not [line for line in done.stderr.splitlines() if any(n in line for n in noise)]
