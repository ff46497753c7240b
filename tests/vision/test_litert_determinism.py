"""Our LiteRT runtime in the parallel pipeline: same numbers whatever the number of pose
processes (pieces on a fixed grid, the model reset at each one; tests/vision/test_determinism.py
checks the same for the MediaPipe graph)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kneechain.vision.backends import model_files
from kneechain.vision.pipeline import PoseOptions, analyse
from kneechain.vision.runner import VisionRunner
from tests.vision import videos

pytestmark = pytest.mark.slow


def test_lite_runtime_gives_the_same_numbers_on_one_and_two_processes(
    demo_video: Path, tmp_path: Path
) -> None:
    try:
        model_files.landmark_model("lite")
    except model_files.ModelFileMissing as err:
        pytest.skip(f"BlazePose lite model unavailable: {err}")
    clip = videos.copy_clip(demo_video, tmp_path / "two.mp4", start=30, stop=180, scale=0.5)
    options = PoseOptions(backend="litert-lite", overlay=False, key_frames=False)
    results = []
    for workers, delay in ((1, 0.0), (2, 0.3)):
        with VisionRunner(workers, piece_delay_s=delay) as runner:
            results.append(analyse(clip, options, runner=runner))
            assert runner.processes == workers
    one, two = results
    assert one.raw.meta.backend == "litert-blazepose-lite"
    for name in ("frame", "position", "confidence", "world"):
        np.testing.assert_array_equal(getattr(two.raw, name), getattr(one.raw, name), name)
        np.testing.assert_array_equal(getattr(two.clean, name), getattr(one.clean, name), name)
