"""Choosing the test's subject among several people: the pure functions, on hand-made tracks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kneechain.vision.person import (
    Box,
    Sample,
    build_tracks,
    choose_person,
    non_max_suppression,
    people_count,
    same_person,
)
from kneechain.vision.subject import (
    AmbiguousSubject,
    Posture,
    Trail,
    decide,
    down_up,
    fit,
    lying,
    one_leg,
    posture_of,
    seated,
    travel,
)
from kneechain.vision.trajectories import BLAZEPOSE_KEYPOINTS

W, H = 1600, 900


def _trail(x, y, size=400.0, tilt=0.0, postures=()) -> Trail:
    x = np.asarray(x, float)
    return Trail(
        time=np.arange(len(x)) * 0.5,
        x=x,
        y=np.broadcast_to(np.asarray(y, float), x.shape).copy(),
        size=np.full(len(x), size),
        tilt=np.full(len(x), tilt),
        postures=tuple(postures),
    )


# --- travel: gait's subject walks across the picture at one height ---


def test_travel_is_the_longest_steady_run_in_body_sizes() -> None:
    walker = _trail([1500, 1350, 1200, 1050, 900, 750], 700)  # 750 px one way, size 400
    assert travel(walker) == pytest.approx(750 / 400)
    assert travel(_trail([600, 610, 590, 605, 600], 300)) < 0.1  # standing, jitter only


def test_a_back_step_beyond_the_tolerance_ends_the_run() -> None:
    # 0 -> 400 (1 size), back 200 (half a size: a new run), then 200 -> 1000 (2 sizes)
    assert travel(_trail([0, 200, 400, 200, 600, 1000], 500)) == pytest.approx(2.0)
    # a small back-step (detector jitter, 40 px = 0.1 size) does not break it
    assert travel(_trail([0, 200, 160, 400], 500)) == pytest.approx(1.0)


def test_a_jump_down_is_not_walking() -> None:
    # the demo's man: stands on a roof, jumps down (hip 520 px lower), walks a little
    jumper = Trail(
        time=np.array([0, 0.5, 1, 1.5, 2.0, 2.5]),
        x=np.array([650, 640, 960, 1060, 1250, 1530.0]),
        y=np.array([270, 300, 295, 790, 740, 766.0]),
        size=np.full(6, 450.0),
        tilt=np.zeros(6),
    )
    assert travel(jumper) == pytest.approx((1530 - 1060) / 450)


@settings(max_examples=60, deadline=None)
@given(
    steps=st.lists(st.floats(-200, 200), min_size=2, max_size=15),
    scale=st.floats(0.25, 3.0),
)
def test_travel_is_the_same_on_mirrored_and_rescaled_copies(steps, scale) -> None:
    x = 800 + np.cumsum(steps)
    y = 600 + 20 * np.sin(np.arange(len(x)))
    trail = _trail(x, y)
    mirrored = _trail(W - x, y)
    rescaled = _trail(x * scale, y * scale, size=400 * scale)
    assert travel(mirrored) == pytest.approx(travel(trail))
    assert travel(rescaled) == pytest.approx(travel(trail))


# --- down and up: squats and step-downs ---


def test_down_up_counts_cycles_of_a_person_staying_in_place() -> None:
    # hip 0, 60, 0, 60, 0 px below standing (size 400: 0.15 sizes deep): two squats
    assert down_up(_trail([800] * 5, [500, 560, 500, 560, 500])) == 2.0
    assert down_up(_trail([800] * 5, [500, 520, 500, 520, 500])) == 0.0  # 0.05: too shallow
    walker = _trail([100, 400, 700, 1000, 1300], [500, 560, 500, 560, 500])
    assert down_up(walker) == 0.0  # moves across: not squatting in place


@settings(max_examples=40, deadline=None)
@given(depths=st.lists(st.floats(0, 150), min_size=3, max_size=20), scale=st.floats(0.3, 3))
def test_down_up_does_not_depend_on_the_picture_size(depths, scale) -> None:
    y = 400 + np.asarray(depths)
    x = np.full(len(y), 700.0)
    assert down_up(_trail(x * scale, y * scale, size=400 * scale)) == down_up(_trail(x, y))


# --- postures ---


def _pose(points: dict[str, tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
    xy = np.full((len(BLAZEPOSE_KEYPOINTS), 2), np.nan)
    for name, p in points.items():
        xy[BLAZEPOSE_KEYPOINTS.index(name)] = p
    return xy, np.isfinite(xy[:, 0])


STANDING = {
    "left_shoulder": (90, 100),
    "right_shoulder": (110, 100),
    "left_hip": (95, 200),
    "right_hip": (105, 200),
    "left_knee": (95, 300),
    "right_knee": (105, 300),
    "left_ankle": (95, 400),
    "right_ankle": (105, 400),
}


def test_posture_of_standing_one_leg_and_seated() -> None:
    standing = posture_of(*_pose(STANDING), BLAZEPOSE_KEYPOINTS)
    assert standing.foot_lift == pytest.approx(0.0)
    assert standing.thigh_tilt == pytest.approx(90.0) and standing.trunk_tilt == pytest.approx(0)
    lifted = posture_of(
        *_pose(STANDING | {"right_knee": (125, 280), "right_ankle": (120, 360)}),
        BLAZEPOSE_KEYPOINTS,
    )
    assert lifted.foot_lift == pytest.approx(40 / 200)  # 40 px higher, legs 200 px long
    sitting = posture_of(
        *_pose(STANDING | {"left_knee": (195, 200), "right_knee": (205, 210)}),
        BLAZEPOSE_KEYPOINTS,
    )
    assert sitting.thigh_tilt == pytest.approx(0.0)  # the level thigh counts
    hidden = posture_of(*_pose({"left_hip": (0, 0)}), BLAZEPOSE_KEYPOINTS)
    assert np.isnan(hidden.foot_lift) and np.isnan(hidden.trunk_tilt)


def test_posture_shares() -> None:
    up, lift = Posture(0.0, 85.0, 5.0), Posture(0.2, 80.0, 5.0)
    sit = Posture(0.0, 10.0, 10.0)
    assert one_leg(_trail([0] * 4, 0, postures=[up, lift, lift, None])) == pytest.approx(2 / 3)
    assert seated(_trail([0] * 3, 0, postures=[sit, sit, up])) == pytest.approx(2 / 3)
    assert lying(_trail([0] * 4, 0, tilt=80.0)) == 1.0
    assert lying(_trail([0] * 4, 0, tilt=10.0)) == 0.0


# --- decision ---


def test_decide_chooses_a_clear_best_and_asks_on_a_tie() -> None:
    assert decide([3.4, 1.2], [1.0, 2.0], "travels").chosen == 0
    tie = decide([3.4, 3.0], [1.0, 2.0], "travels", [(0, 5), (1, 6)])
    assert tie.chosen is None and set(tie.tied) == {0, 1}
    # never in view together: the second may be the same person coming back
    assert decide([3.4, 3.0], [1.0, 2.0], "travels", [(0, 2), (3, 6)]).chosen == 0
    nobody = decide([0.0, 0.0], [1.0, 2.0], "travels")
    assert nobody.chosen == 1 and not nobody.fitting
    assert decide([5.0, 5.0], [5.0, 5.0], "any").chosen == 0  # `any` never asks


# --- the whole choice on samples ---


def _samples(people: list[dict[int, Box]], n: int) -> list[Sample]:
    return [Sample(0.5 * i, tuple(p[i] for p in people if i in p), index=15 * i) for i in range(n)]


def test_gait_follows_the_walker_not_the_bigger_central_person() -> None:
    stander = {i: Box(800, 450, 520) for i in range(10)}
    walker = {i: Box(1500 - 140 * i, 700, 380) for i in range(10)}
    samples = _samples([stander, walker], 10)
    assert np.allclose(choose_person(samples, W, H).crop.cx, 800)  # `any`: the big one
    choice = choose_person(samples, W, H, subject="travels")
    np.testing.assert_allclose(choice.crop.cx, [1500 - 140 * i for i in range(10)])
    assert choice.people_seen == 2 and choice.chosen_by.startswith("test movement")


def test_squat_follows_the_one_going_down_and_up() -> None:
    walker = {i: Box(1500 - 140 * i, 600, 500) for i in range(10)}
    squatter = {i: Box(500, 450 + (60 if i % 3 == 1 else 0), 400) for i in range(10)}
    choice = choose_person(_samples([walker, squatter], 10), W, H, subject="down_up")
    assert np.allclose(choice.crop.cx, 500)


def test_two_people_walking_alike_make_it_ask_for_a_box() -> None:
    a = {i: Box(1500 - 140 * i, 700, 400) for i in range(10)}
    b = {i: Box(100 + 130 * i, 650, 400) for i in range(10)}
    with pytest.raises(AmbiguousSubject) as err:
        choose_person(_samples([a, b], 10), W, H, subject="travels")
    assert "--box" in err.value.advice and "2 people" in err.value.problem
    # a box settles it
    choice = choose_person(_samples([a, b], 10), W, H, Box.from_xywh(0, 450, 300, 400), "travels")
    assert choice.chosen_by == "user box" and choice.crop.cx[0] == pytest.approx(100)


def test_the_subject_coming_back_is_followed_on_every_pass() -> None:
    # walks right to left, leaves; 2 s later passes again from the right (a second pass)
    first = {i: Box(1500 - 200 * i, 700, 400) for i in range(7)}
    back = {i: Box(1500 - 200 * (i - 10), 700, 400) for i in range(10, 17)}
    stander = {i: Box(800, 300, 300) for i in range(17)}
    choice = choose_person(_samples([first, back, stander], 17), W, H, subject="travels")
    assert len(choice.followed) == 2 and len(choice.crop.times) == 14
    assert choice.people_seen == 2  # the walker counts once


def test_people_side_by_side_or_one_in_front_are_not_merged() -> None:
    # body boxes of people side by side overlap a lot; their hips do not
    side_by_side = [Box(800, 500, 450, 0.9), Box(950, 500, 450, 0.8)]
    assert len(non_max_suppression(side_by_side)) == 2
    in_front = [Box(800, 560, 560, 0.9), Box(760, 420, 400, 0.8)]  # nearer, lower, bigger
    assert len(non_max_suppression(in_front)) == 2
    # the same person found on the whole frame and on a tile: one
    assert same_person(Box(649, 297, 491), Box(687, 420, 870))
    assert len(non_max_suppression([Box(649, 297, 491, 0.96), Box(687, 420, 870, 0.57)])) == 1


def test_a_partly_hidden_person_still_counts() -> None:
    # the second person is missed at samples 2-4 (behind the first) but is there throughout
    a = {i: Box(800, 500, 450) for i in range(8)}
    b = {i: Box(900 - 20 * i, 520, 420) for i in range(8) if i not in (2, 3, 4)}
    samples = _samples([a, b], 8)
    assert people_count(samples, build_tracks(samples)) == 2
    lone = _samples([{i: Box(500, 500, 400) for i in range(4)}], 4)
    assert people_count(lone, build_tracks(lone)) == 1


def test_nobody_fitting_falls_back_and_says_so() -> None:
    a = {i: Box(800, 450, 520) for i in range(6)}
    b = {i: Box(300, 450, 300) for i in range(6)}
    choice = choose_person(_samples([a, b], 6), W, H, subject="one_leg")
    assert choice.chosen_by.startswith("largest and most central (nobody seen to stand")
    assert np.allclose(choice.crop.cx, 800)


def test_balance_follows_the_person_on_one_leg() -> None:
    up, lift = Posture(0.0, 85.0, 5.0), Posture(0.2, 80.0, 5.0)
    boxes = (Box(800, 450, 520), Box(300, 450, 400))
    samples = [Sample(0.5 * i, boxes, 15 * i, postures=(up, lift)) for i in range(6)]
    choice = choose_person(samples, W, H, subject="one_leg")
    assert np.allclose(choice.crop.cx, 300)
    assert fit(choose_person(samples, W, H, subject="one_leg").people[1], "one_leg", W, H) == 1
