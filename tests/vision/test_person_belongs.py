"""A skeleton belongs to the followed person, all of it: frames that do not are found."""

from __future__ import annotations

import numpy as np
import pytest

from kneechain.vision.belongs import limb_outliers, off_track, ranges
from kneechain.vision.subject import Trail
from kneechain.vision.trajectories import BLAZEPOSE_KEYPOINTS

K = len(BLAZEPOSE_KEYPOINTS)


def _trail(time, x, y, size) -> Trail:
    n = len(time)
    return Trail(
        np.asarray(time, float),
        np.asarray(x, float),
        np.broadcast_to(np.asarray(y, float), (n,)).copy(),
        np.full(n, float(size)),
        np.zeros(n),
    )


def test_off_track_flags_a_skeleton_on_someone_else() -> None:
    # followed person detected at 0, 1, 2 s walking 100 px/s, body size 400
    followed = _trail([0.0, 1.0, 2.0], [500, 600, 700], 600, 400)
    time = np.array([0.0, 0.5, 1.0, 1.5, 2.0, 4.0])
    hips = np.array(
        [[505, 600], [550, 610], [1100, 600], [650, 600], [np.nan, np.nan], [1500, 600]], float
    )
    flags = off_track(time, hips, followed)
    # frame 2 is 500 px (1.25 sizes) off at a sample; frame 5 is 2 s from any sample: unjudged
    assert flags.tolist() == [False, False, True, False, False, False]


def test_off_track_tolerance_grows_between_samples() -> None:
    followed = _trail([0.0, 2.0], [0, 0], 0, 100)
    hips = np.array([[50.0, 0.0], [50.0, 0.0]])  # 0.5 sizes away
    # at a sample the tolerance is 0.35 sizes; 0.5 s from one, 0.35 + 0.6 sizes
    assert off_track(np.array([0.0, 0.5]), hips, followed).tolist() == [True, False]


def test_off_track_where_the_followed_person_is_unseen_but_someone_else_is() -> None:
    # the followed person is detected at 0 and 4 s only (mid-jump in between); a walker
    # passes below, detected every half second; at 2 s the skeleton is on the walker
    followed = _trail([0.0, 4.0], [300, 450], 130, 240)
    walker = _trail(np.arange(9) * 0.5, 800 - 80 * np.arange(9), 360, 230)
    time = np.array([0.0, 2.0, 2.0])
    hips = np.array([[300.0, 130.0], [480.0, 360.0], [380.0, 150.0]])
    assert off_track(time, hips, followed).tolist() == [False, False, False]  # unjudged alone
    assert off_track(time, hips, followed, (walker,)).tolist() == [False, True, False]


def _skeleton(frames: int) -> tuple[np.ndarray, np.ndarray]:
    """A standing figure (pixels) and its world landmarks (metres), identical every frame."""
    xy = np.full((frames, K, 2), np.nan)
    world = np.full((frames, K, 3), np.nan)
    joints = {
        "left_shoulder": (0.0, -0.5),
        "right_shoulder": (0.3, -0.5),
        "left_hip": (0.05, 0.0),
        "right_hip": (0.25, 0.0),
        "left_knee": (0.05, 0.45),
        "right_knee": (0.25, 0.45),
        "left_ankle": (0.05, 0.9),
        "right_ankle": (0.25, 0.9),
    }
    for name, (x, y) in joints.items():
        i = BLAZEPOSE_KEYPOINTS.index(name)
        xy[:, i] = (500 + 400 * x, 400 + 400 * y)
        world[:, i] = (x, y, 0.0)
    return xy, world


def test_limb_outliers_find_a_foot_from_another_person() -> None:
    xy, world = _skeleton(40)
    confident = np.isfinite(xy[..., 0])
    assert not limb_outliers(xy, world, confident, BLAZEPOSE_KEYPOINTS).any()
    ankle = BLAZEPOSE_KEYPOINTS.index("left_ankle")
    merged = xy.copy()
    merged[7, ankle] = (1100, 760)  # the ankle lands on someone 600 px away in the picture
    flags = limb_outliers(merged, world, confident, BLAZEPOSE_KEYPOINTS)
    assert np.flatnonzero(flags).tolist() == [7]
    stretched = world.copy()
    stretched[12, ankle, 1] = 2.0  # a shank of 1.55 m in 3D, three times its usual length
    flags = limb_outliers(xy, stretched, confident, BLAZEPOSE_KEYPOINTS)
    assert np.flatnonzero(flags).tolist() == [12]


def test_limbs_shortened_by_the_view_are_not_outliers() -> None:
    # a squat seen from the front: thighs point at the camera and look short in the picture
    xy, world = _skeleton(40)
    for side in ("left", "right"):
        knee = BLAZEPOSE_KEYPOINTS.index(f"{side}_knee")
        xy[20:30, knee, 1] = 400 + 400 * 0.1
    confident = np.isfinite(xy[..., 0])
    assert not limb_outliers(xy, world, confident, BLAZEPOSE_KEYPOINTS).any()


def test_ranges_of_flagged_frames() -> None:
    time = np.arange(8) * 0.5
    rows = np.array([0, 1, 1, 0, 0, 1, 0, 1], bool)
    assert ranges(rows, time) == [(0.5, 1.0), (2.5, 2.5), (3.5, 3.5)]
    assert ranges(np.zeros(3, bool), time[:3]) == []
    assert ranges(np.ones(2, bool), time[:2]) == [(0.0, pytest.approx(0.5))]
