"""Real-video properties of the whole pipeline on a 160-frame segment of the demo clip.

Tolerances (stated in docs/vision.md): chunked and sequential landmarks are identical; a
copy stored rotated gives angles within 4 degrees
median; on a mirrored copy the two legs' angles, taken as a pair (less and more bent), agree
within 8 degrees median in 2D and 15 in 3D, the two-knee mean within 3 (2D) and 10 (3D)
degrees, and the knees lie where the mirror puts them (as a pair, within 6 px). The model
labels legs less consistently than it places them (the walker's legs, seen from the side,
swap labels for stretches, differently in each copy), and its 3D depth is the weakest part,
hence the larger mirror tolerances.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kneechain.vision.angles import mirrored_name
from kneechain.vision.pipeline import PoseAnalysis, PoseOptions, analyse
from tests.vision import videos

pytestmark = pytest.mark.slow
SEQUENTIAL = PoseOptions(workers=1, overlay=False, key_frames=False)
CHUNKED = PoseOptions(workers=2, overlay=False, key_frames=False)
# median absolute difference allowed, per angle family (see docs/vision.md, 'Accuracy'). The
# person followed is the walker: seen from the side, her legs' left/right labels are exchanged
# for stretches of the clip, differently in each copy, so the angles of the two legs are
# compared as a pair (the more and the less bent), and the labels by the knees' positions.
MIRROR_DEG = {"2d": 8.0, "3d": 15.0}
MIRROR_MEAN_DEG = {"2d": 3.0, "3d": 10.0}
ANGLES = (
    "left_knee_flexion_2d",
    "right_knee_flexion_2d",
    "left_knee_flexion_3d",
    "right_hip_flexion_3d",
)


@pytest.fixture(scope="module")
def segment(demo_video: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Frames 40-200 (the walker crosses the whole frame, the jumper stays in view), half size."""
    folder = tmp_path_factory.mktemp("real")
    return videos.copy_clip(demo_video, folder / "segment.mp4", start=40, stop=200, scale=0.5)


@pytest.fixture(scope="module")
def sequential(segment: Path) -> PoseAnalysis:
    return analyse(segment, SEQUENTIAL)


def _both(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ok = np.isfinite(a) & np.isfinite(b)
    assert ok.mean() > 0.5, "too few frames measured in both runs to compare"
    return a[ok], b[ok]


def test_chunked_equals_sequential(segment: Path, sequential: PoseAnalysis) -> None:
    chunked = analyse(segment, CHUNKED)
    assert chunked.raw.meta.provenance[0].params["workers"] == 2
    np.testing.assert_array_equal(chunked.raw.frame, sequential.raw.frame)
    # pieces on a fixed grid: the same landmarks, bit for bit (test_determinism.py has more)
    np.testing.assert_array_equal(chunked.raw.position, sequential.raw.position)


def test_mirrored_video_swaps_sides_and_agrees(segment: Path, sequential: PoseAnalysis) -> None:
    flipped = videos.copy_clip(segment, segment.with_name("mirror.mp4"), mirror=True)
    mirrored = analyse(flipped, SEQUENTIAL)
    width = sequential.info.width
    for name in ("knee_flexion_2d", "knee_flexion_3d", "hip_flexion_3d"):
        for pick in (np.minimum, np.maximum):  # the less bent leg, then the more bent one
            a, b = _both(
                pick(sequential.angles[f"left_{name}"], sequential.angles[f"right_{name}"]),
                pick(mirrored.angles[f"left_{name}"], mirrored.angles[f"right_{name}"]),
            )
            print("mirror", name, pick.__name__, np.median(np.abs(a - b)))
            assert np.median(np.abs(a - b)) < MIRROR_DEG[name[-2:]], name
    # the mean of both knees does not care which leg got which label
    both = [(n, mirrored_name(n)) for n in ("left_knee_flexion_2d", "left_knee_flexion_3d")]
    for left, right in both:
        a, b = _both(
            (sequential.angles[left] + sequential.angles[right]) / 2,
            (mirrored.angles[left] + mirrored.angles[right]) / 2,
        )
        print("mirror mean", left, np.median(np.abs(a - b)))
        assert np.median(np.abs(a - b)) < MIRROR_MEAN_DEG[left[-2:]], left
    # the knees are where the mirror puts them (as a pair: which is labelled left is not
    # stable on this side view, see the module docstring)
    knees = [sequential.clean.xy(f"{side}_knee")[:, 0] for side in ("left", "right")]
    flipped_knees = [width - mirrored.clean.xy(f"{side}_knee")[:, 0] for side in ("left", "right")]
    for pick in (np.minimum, np.maximum):
        xa, xb = _both(pick(*knees), pick(*flipped_knees))
        print("mirror knee x px", pick.__name__, np.median(np.abs(xa - xb)))
        assert np.median(np.abs(xa - xb)) < 6.0


def test_rotated_storage_gives_the_same_angles(segment: Path, sequential: PoseAnalysis) -> None:
    rotated = analyse(videos.rotated_copy(segment, segment.with_name("rotated.mp4")), SEQUENTIAL)
    assert rotated.info.rotation == 90
    assert (rotated.info.width, rotated.info.height) == (
        sequential.info.width,
        sequential.info.height,
    )
    for name in ANGLES:
        a, b = _both(sequential.angles[name], rotated.angles[name])
        print("rotated", name, np.median(np.abs(a - b)))
        assert np.median(np.abs(a - b)) < 4.0, name
