"""Kinematics against hand-computed geometry, including degenerate cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kneechain.vision import kinematics as k

finite = st.floats(-500, 500, allow_nan=False)


def test_joint_angle_right_angle_and_straight() -> None:
    assert k.joint_angle([0, 0], [1, 0], [1, 1]) == pytest.approx(90)
    assert k.joint_angle([0, 0], [1, 0], [2, 0]) == pytest.approx(180)
    assert k.joint_angle([0, 0, 0], [0, 0, 1], [1, 0, 1]) == pytest.approx(90)


def test_knee_flexion_from_a_constructed_leg() -> None:
    hip, knee = np.array([0.0, 0.0]), np.array([0.0, 40.0])
    for flex in (0, 30, 60, 90, 120):
        r = math.radians(flex)
        ankle = knee + 40 * np.array([-math.sin(r), math.cos(r)])
        assert k.knee_flexion(hip, knee, ankle) == pytest.approx(flex, abs=1e-9)


def test_degenerate_segments_give_nan() -> None:
    assert np.isnan(k.joint_angle([1, 1], [1, 1], [2, 2]))
    assert np.isnan(k.knee_flexion([0, 0], [0, 0], [0, 0]))
    assert np.isnan(k.signed_angle_2d([0, 0], [1, 0]))
    assert np.isnan(k.pelvic_drop([3, 3], [3, 3]))
    assert np.isnan(k.frontal_plane_projection_angle([0, 0], [0, 1], [0, 2], [0, 0]))
    assert np.isnan(k.joint_angle([np.nan, 0], [0, 0], [1, 0]))


def test_signed_angle_is_clockwise_on_screen() -> None:
    # image y points down: turning right (+x) to down (+y) is clockwise on screen
    assert k.signed_angle_2d([1, 0], [0, 1]) == pytest.approx(90)
    assert k.signed_angle_2d([0, 1], [1, 0]) == pytest.approx(-90)


@pytest.mark.parametrize("facing", [1, -1])
def test_hip_flexion_and_inclinations_are_anatomical_for_both_directions(facing: int) -> None:
    shoulder, hip = np.array([0.0, -50.0]), np.array([0.0, 0.0])
    knee_forward = np.array([40.0 * facing, 0.0])  # thigh horizontal, in front
    assert k.hip_flexion_2d(shoulder, hip, knee_forward, facing) == pytest.approx(90)
    knee_back = np.array([-20.0 * facing, 20.0 * math.sqrt(3)])  # 30 deg behind vertical
    assert k.hip_flexion_2d(shoulder, hip, knee_back, facing) == pytest.approx(-30)
    assert k.thigh_inclination(hip, knee_back, facing) == pytest.approx(-30)
    ankle, knee = np.array([0.0, 0.0]), np.array([10.0 * facing, -10.0])
    assert k.inclination_from_vertical(ankle, knee, facing) == pytest.approx(45)


def test_fppa_sign_is_valgus_positive_for_both_legs_and_views() -> None:
    # front view: the person's right leg is on the image left
    r_hip, l_hip = np.array([-10.0, 0.0]), np.array([10.0, 0.0])
    r_knee_valgus = np.array([-5.0, 40.0])  # knee moved towards the midline
    r_ankle = np.array([-10.0, 80.0])
    fppa = k.frontal_plane_projection_angle(r_hip, r_knee_valgus, r_ankle, l_hip)
    expected = 180 - math.degrees(2 * math.atan2(40, 5))
    assert fppa == pytest.approx(expected)
    assert fppa > 0
    l_knee_varus = np.array([15.0, 40.0])
    l_ankle = np.array([10.0, 80.0])
    assert k.frontal_plane_projection_angle(l_hip, l_knee_varus, l_ankle, r_hip) < 0
    # rear view swaps image sides but medial still points to the other hip
    assert k.frontal_plane_projection_angle(-r_hip, -r_knee_valgus, -r_ankle, -l_hip) > 0


def test_pelvic_drop_and_trunk_lean() -> None:
    stance, swing = np.array([0.0, 0.0]), np.array([30.0, 30.0 * math.tan(math.radians(8))])
    assert k.pelvic_drop(stance, swing) == pytest.approx(8)
    assert k.pelvic_drop(swing, stance) == pytest.approx(-8)
    mid_hip, left_hip, right_hip = (
        np.array([0.0, 0.0]),
        np.array([10.0, 0.0]),
        np.array([-10.0, 0.0]),
    )
    shoulder = np.array([50 * math.sin(math.radians(10)), -50 * math.cos(math.radians(10))])
    assert k.lateral_trunk_lean(mid_hip, shoulder, left_hip, right_hip) == pytest.approx(10)
    assert k.lateral_trunk_lean(mid_hip, shoulder, right_hip, left_hip) == pytest.approx(-10)


def test_facing_direction_and_velocity() -> None:
    assert k.facing_direction([5, 0], [0, 0], [0, 0], [3, 0]) == 1
    assert k.facing_direction([-5, 0], [0, 0], [0, 0], [-3, 0]) == -1
    t = np.linspace(0, 1, 101)
    v = k.velocity(3 * t**2, t)
    assert v[50] == pytest.approx(3.0, rel=1e-6)
    assert np.isnan(k.velocity(np.array([1.0]), np.array([0.0]))).all()


def test_body_height_proxy_and_normalise() -> None:
    n = 20
    chain = [np.tile([0.0, y], (n, 1)) for y in (100.0, 60.0, 20.0)]
    chain[1][3] = np.nan
    assert k.body_height_proxy(chain) == pytest.approx(80)
    assert k.normalise(np.array([40.0]), 80)[0] == pytest.approx(0.5)
    assert np.isnan(k.normalise(np.array([1.0]), 0)).all()
    assert np.isnan(k.body_height_proxy([np.full((3, 2), np.nan), np.zeros((3, 2))]))


@given(finite, finite, finite, finite, finite, finite)
def test_joint_angle_is_bounded_and_symmetric(ax, ay, bx, by, cx, cy) -> None:
    a, b, c = np.array([ax, ay]), np.array([bx, by]), np.array([cx, cy])
    angle = k.joint_angle(a, b, c)
    if np.isfinite(angle):
        assert 0 <= angle <= 180
        assert angle == pytest.approx(k.joint_angle(c, b, a), abs=1e-6)


@given(finite, finite, finite, finite, finite, finite, st.floats(-3, 3))
def test_angles_do_not_change_with_translation_and_rotation(ax, ay, bx, by, cx, cy, theta) -> None:
    pts = np.array([[ax, ay], [bx, by], [cx, cy]])
    rot = np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]])
    moved = pts @ rot.T + np.array([7.0, -3.0])
    before, after = k.joint_angle(*pts), k.joint_angle(*moved)
    if (
        np.isfinite(before)
        and min(np.linalg.norm(pts[0] - pts[1]), np.linalg.norm(pts[2] - pts[1])) > 1e-3
    ):
        assert after == pytest.approx(before, abs=1e-4)


@given(finite, finite, finite, finite, finite, finite)
def test_mirroring_keeps_fppa_sign(hx, hy, kx, ky, ax, ay) -> None:
    hip, knee, ankle, other = (
        np.array([hx, hy]),
        np.array([kx, ky]),
        np.array([ax, ay]),
        np.array([hx + 20, hy]),
    )
    flip = np.array([-1.0, 1.0])
    a = k.frontal_plane_projection_angle(hip, knee, ankle, other)
    b = k.frontal_plane_projection_angle(hip * flip, knee * flip, ankle * flip, other * flip)
    if np.isfinite(a) and np.isfinite(b):
        assert b == pytest.approx(a, abs=1e-6)
