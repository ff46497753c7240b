"""Our LiteRT runtime on the full model against the MediaPipe graph, frame by frame (slow).

Both backends see the same RGB frames of the shared clips and track on their own; the
landmark distance is taken over every landmark of every frame where both found a pose. The
target of issue 18 is a median of at most 1 px. (On one image the two differ by 0.006 px
median; tracking feeds such differences forward, most in frames where the model itself is
unsure, so a few frames differ by more.)
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from kneechain.vision import sample_data
from kneechain.vision.backends import create_backend
from kneechain.vision.video import iter_frames

pytestmark = pytest.mark.slow


def _distances(video: Path) -> tuple[np.ndarray, int, int]:
    """Pixel distances (frames, 33) where both found a pose; frames where only one did;
    frames."""
    reference, ours = create_backend("mediapipe"), create_backend("litert-full")
    distances, disagree, frames = [], 0, 0
    try:
        for frame in iter_frames(video, 0, None, 1, 0):
            rgb = cv2.cvtColor(frame.image, cv2.COLOR_BGR2RGB)
            a, b = reference.process(rgb), ours.process(rgb)
            frames += 1
            if (a is None) != (b is None):
                disagree += 1
            elif a is not None and b is not None:
                size = rgb.shape[1::-1]
                distances.append(np.hypot(*((a.xy - b.xy) * size).T))
    finally:
        reference.close()
        ours.close()
    return np.array(distances), disagree, frames


def _single_person_video() -> Path:
    path = sample_data.single_person_video()
    if path is None:
        pytest.skip(f"pose2sim sample clip unavailable: {sample_data.last_failure()}")
    return path


@pytest.mark.parametrize("clip", ["demo", "pose2sim"])
def test_full_model_agrees_with_the_mediapipe_graph(
    clip: str, request: pytest.FixtureRequest
) -> None:
    video = request.getfixturevalue("demo_video") if clip == "demo" else _single_person_video()
    distances, disagree, frames = _distances(video)
    assert len(distances) > 0.7 * frames
    median = float(np.median(distances))
    print(f"{clip}: {frames} frames, median {median:.2f} px, disagree on {disagree}")
    assert median <= 1.0
    assert disagree <= max(2, 0.02 * frames)
