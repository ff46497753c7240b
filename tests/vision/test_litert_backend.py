"""The LiteRT pose backend: registry, model files, process hygiene, one real frame."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import cv2
import numpy as np
import pytest

from kneechain.vision.backends import (
    available_backends,
    create_backend,
    litert_backend,
    model_files,
)
from kneechain.vision.video import iter_frames

VARIANTS = ("lite", "full", "heavy")


def _need(variant: str) -> None:
    try:
        model_files.landmark_model(variant)
    except model_files.ModelFileMissing as err:
        pytest.skip(f"BlazePose {variant} model unavailable: {err}")


def _frame(video: Path, index: int) -> np.ndarray:
    frame = next(iter(iter_frames(video, index, index + 1, 1, 0)))
    return cv2.cvtColor(frame.image, cv2.COLOR_BGR2RGB)


def test_registry_offers_the_three_variants() -> None:
    names = available_backends()
    assert {"mediapipe", "litert-lite", "litert-full", "litert-heavy"} <= set(names)


def test_pinned_hashes_match_the_wheel_and_the_npm_package() -> None:
    # the wheel's full model is the npm package's full model, byte for byte
    assert (
        model_files.sha256(model_files.landmark_model("full"))
        == model_files.LANDMARK_SHA256["full"]
    )
    assert model_files.detector_model().is_file()


@pytest.mark.parametrize("variant", VARIANTS)
def test_each_variant_finds_the_person_in_a_real_frame(variant: str, demo_video: Path) -> None:
    _need(variant)
    rgb = _frame(demo_video, 100)
    model = create_backend(f"litert-{variant}")
    assert model.name == f"litert-blazepose-{variant}"
    assert "ai-edge-litert" in model.version
    first = model.process(rgb)
    assert first is not None
    assert first.xy.shape == (33, 2) and first.world.shape == (33, 3)
    assert ((first.visibility >= 0) & (first.visibility <= 1)).all()
    hips = first.xy[[23, 24]] * [rgb.shape[1], rgb.shape[0]]
    # the girl walking on the grass (looked at: hips near x = 1030 px), hips below shoulders
    assert ((hips[:, 0] > 950) & (hips[:, 0] < 1120)).all()
    assert ((hips[:, 1] > 600) & (hips[:, 1] < 900)).all()
    assert (first.xy[[23, 24], 1] > first.xy[[11, 12], 1]).all()
    # world landmarks: metres about the hip centre
    assert np.linalg.norm(first.world[[23, 24]].mean(axis=0)) < 0.05
    tracked = model.process(rgb)  # second frame: from the previous frame's landmarks
    assert tracked is not None
    # same image, new ROI: the same pose within a few pixels (person about 350 px tall)
    assert np.median(np.hypot(*((tracked.xy - first.xy) * rgb.shape[1::-1]).T)) < 8.0
    model.close()


def test_nobody_in_a_blank_frame_and_reset_searches_again(demo_video: Path) -> None:
    model = create_backend("litert-full")
    assert model.process(np.zeros((120, 160, 3), dtype=np.uint8)) is None
    rgb = _frame(demo_video, 100)
    assert model.process(rgb) is not None
    assert model._roi is not None  # tracking
    model.reset()
    assert model._roi is None
    assert model.process(rgb) is not None
    model.close()


def test_the_calling_process_is_left_as_it_was(demo_video: Path) -> None:
    rgb = _frame(demo_video, 100)
    env, threads, cv_threads = dict(os.environ), threading.active_count(), cv2.getNumThreads()
    native = _native_threads()
    model = litert_backend.LiteRTPose("full")
    assert model._landmarker.interpreter is not None
    model.process(rgb)
    model.process(rgb)
    assert _native_threads() == native  # one-thread interpreters start no threads of their own
    model.close()
    assert dict(os.environ) == env
    assert threading.active_count() == threads
    assert cv2.getNumThreads() == cv_threads
    assert _native_threads() == native
    assert litert_backend.NUM_THREADS == 1


def _native_threads() -> int | None:
    """Threads of this process as the OS counts them (Linux), None elsewhere."""
    tasks = Path("/proc/self/task")
    return len(list(tasks.iterdir())) if tasks.is_dir() else None


def test_missing_or_damaged_model_says_which_setup_command_fixes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(model_files.ENV_VAR, str(tmp_path))
    with pytest.raises(model_files.ModelFileMissing, match="make venv") as missing:
        create_backend("litert-lite")
    assert "missing" in str(missing.value) and "npm" in str(missing.value)
    folder = model_files.cache_dir()
    folder.mkdir(parents=True)
    (folder / "pose_landmark_heavy.tflite").write_bytes(b"not a model")
    with pytest.raises(model_files.ModelFileMissing, match="damaged"):
        create_backend("litert-heavy")
    with pytest.raises(ValueError, match="lite"):
        model_files.landmark_model("medium")


def test_fetch_without_npm_explains_how_to_get_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(model_files.shutil, "which", lambda name: None)
    with pytest.raises(model_files.ModelFileMissing, match="npm is not installed"):
        model_files.fetch(tmp_path / "models")


def test_fetch_leaves_verified_files_alone(tmp_path: Path) -> None:
    """With the three models in place and matching their hashes, fetch runs no npm at all."""
    for variant in VARIANTS:
        _need(variant)
    dest = tmp_path / "models"
    dest.mkdir()
    for variant in VARIANTS:
        source = model_files.landmark_model(variant)
        (dest / f"pose_landmark_{variant}.tflite").symlink_to(source)
    paths = model_files.fetch(dest)
    assert [p.name for p in paths] == [f"pose_landmark_{v}.tflite" for v in VARIANTS]


def test_a_reset_model_gives_the_numbers_of_a_new_one(demo_video: Path) -> None:
    """Pieces of video posed after `reset` match a fresh model bit for bit (the parallel
    pipeline reuses one model per process and resets it between pieces)."""
    frames = [
        cv2.cvtColor(f.image, cv2.COLOR_BGR2RGB) for f in iter_frames(demo_video, 95, 103, 1, 0)
    ]
    used = create_backend("litert-full")
    for rgb in frames[4:]:  # another piece first: tracking and filter state to forget
        used.process(rgb)
    used.reset()
    fresh = create_backend("litert-full")
    for rgb in frames:
        a, b = used.process(rgb), fresh.process(rgb)
        assert a is not None and b is not None
        np.testing.assert_array_equal(a.xy, b.xy)
        np.testing.assert_array_equal(a.visibility, b.visibility)
        np.testing.assert_array_equal(a.world, b.world)


def test_a_tampered_package_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fake_npm(cmd: list[str], **kwargs: object) -> None:
        folder = Path(cmd[cmd.index("--pack-destination") + 1])
        (folder / model_files.NPM_TARBALL).write_bytes(b"")

    monkeypatch.setattr(model_files.shutil, "which", lambda name: "/usr/bin/npm")
    monkeypatch.setattr(model_files.subprocess, "run", fake_npm)
    dest = tmp_path / "models"
    with pytest.raises(model_files.ModelFileMissing, match="does not match its pinned hashes"):
        model_files.fetch(dest)
    assert not any(dest.glob("*.tflite"))
    # npm's integrity string, checked by hand on the empty file (the well-known SHA-512)
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    assert model_files.npm_integrity(empty) == (
        "sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg=="
    )
