"""Forward kinematics of the stick figure, checked against hand-computed positions."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kneechain.knowledge.illustrations import Anchor, Figure, Pose, default_illustrations
from kneechain.report.figures.body import heading, place_pose, pose_skeleton

BODY = default_illustrations().body
ORIGIN = Anchor(point="pelvis", at=(0.0, 0.0))


def close(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return math.dist(a, b) < 1e-9


def test_heading_moves_along_the_direction() -> None:
    assert close(heading((1.0, 1.0), 90, 2.0), (1.0, 3.0))
    assert close(heading((0.0, 0.0), 180, 1.0), (-1.0, 0.0))


def test_standing_leg_hangs_straight_below_the_hip() -> None:
    sk = pose_skeleton(BODY, Pose(anchor=ORIGIN), "side")
    assert close(sk["knee_near"], (0.0, -BODY.thigh))
    assert close(sk["ankle_near"], (0.0, -BODY.thigh - BODY.shin))
    # the foot points forward (the way the figure faces), the heel behind the ankle
    assert sk["toe_near"][0] == pytest.approx(BODY.foot)
    assert sk["heel_near"][0] == pytest.approx(-BODY.heel)
    assert close(sk["shoulder"], (0.0, BODY.trunk))


def test_sitting_hip_and_knee_at_right_angles() -> None:
    pose = Pose(anchor=ORIGIN, joints={"hip_near": 90, "knee_near": 90})
    sk = pose_skeleton(BODY, pose, "side")
    assert close(sk["knee_near"], (BODY.thigh, 0.0))
    assert close(sk["ankle_near"], (BODY.thigh, -BODY.shin))


def test_ankle_dorsiflexion_lifts_the_toes() -> None:
    pose = Pose(anchor=ORIGIN, joints={"ankle_near": 20})
    sk = pose_skeleton(BODY, pose, "side")
    ankle, toe = sk["ankle_near"], sk["toe_near"]
    angle = math.degrees(math.atan2(toe[1] - ankle[1], toe[0] - ankle[0]))
    assert angle == pytest.approx(20)


def test_front_view_abduction_is_symmetric() -> None:
    pose = Pose(anchor=ORIGIN, joints={"hip_near": 20, "hip_far": 20})
    sk = pose_skeleton(BODY, pose, "front")
    near, far = sk["ankle_near"], sk["ankle_far"]
    assert near[0] > BODY.hip_half_width and far[0] < -BODY.hip_half_width
    assert near[0] == pytest.approx(-far[0]) and near[1] == pytest.approx(far[1])


def test_anchor_puts_the_landmark_on_the_scene_point() -> None:
    fig = Figure(start=Pose(anchor=Anchor(point="heel_near", at=(0.3, 0.02))))
    assert close(place_pose(BODY, fig, fig.start)["heel_near"], (0.3, 0.02))


@given(
    st.floats(-120, 120), st.floats(0, 150), st.floats(-60, 60), st.sampled_from(["side", "front"])
)
def test_facing_left_is_the_mirror_image(hip: float, knee: float, trunk: float, view: str) -> None:
    pose = Pose(anchor=ORIGIN, trunk=90 + trunk, joints={"hip_near": hip, "knee_near": knee})
    right = place_pose(BODY, Figure(view=view, start=pose), pose)
    left = place_pose(BODY, Figure(view=view, facing="left", start=pose), pose)
    for name, (x, y) in right.points.items():
        assert left[name][0] == pytest.approx(-x, abs=1e-9)
        assert left[name][1] == pytest.approx(y, abs=1e-9)


@given(st.floats(-180, 180), st.floats(0, 160), st.floats(-50, 50))
def test_segment_lengths_never_change(hip: float, knee: float, ankle: float) -> None:
    pose = Pose(anchor=ORIGIN, joints={"hip_near": hip, "knee_near": knee, "ankle_near": ankle})
    sk = pose_skeleton(BODY, pose, "side")
    assert math.dist(sk["hip_near"], sk["knee_near"]) == pytest.approx(BODY.thigh)
    assert math.dist(sk["knee_near"], sk["ankle_near"]) == pytest.approx(BODY.shin)
    assert math.dist(sk["ankle_near"], sk["toe_near"]) == pytest.approx(BODY.foot)
