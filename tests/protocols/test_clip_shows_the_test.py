"""A clip of another movement is refused, not measured: tests done in one place read nothing
while the person walks (base.travel_speed and the collector's exclusions), the Thomas test
nothing while the person is upright, knee-to-wall nothing while the feet take turns in front,
the double-leg squat nothing on one leg. A lunge with a walk before it keeps the lunges."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kneechain.assess.protocols import base, hip_rotation, knee_to_wall, squat, thomas
from kneechain.assess.protocols import constructed as c
from kneechain.assess.protocols.config import default_config
from kneechain.assess.protocols.errors import ProtocolError
from kneechain.vision.fit3d import default_focal
from kneechain.vision.trajectories import Trajectories
from tests.protocols.shapes import clock, dips, holds

WALKING = "walking in this clip"


def shifted(traj: Trajectories, dx: np.ndarray) -> Trajectories:
    """The whole figure moved across the picture by dx[t] pixels."""
    position = traj.position.copy()
    position[..., 0] += dx[:, None]
    return replace(traj, position=position)


def scaled(traj: Trajectories, factor: np.ndarray) -> Trajectories:
    """The whole figure grown by factor[t] about the picture's centre (coming closer)."""
    centre = np.array([c.CENTRE, 540.0])
    position = (traj.position - centre) * factor[:, None, None] + centre
    return replace(traj, position=position)


def test_speed_across_the_picture_in_leg_lengths() -> None:
    time = clock(6.0)
    still = c.side_lunge(time, 20.0)
    leg = base.leg_length(still)  # 400 px: thigh and shank 200 each
    speed = base.travel_speed(shifted(still, 300.0 * time), "side", 1.0)
    middle = slice(30, -30)  # the low-pass's ends aside
    assert speed[middle] == pytest.approx(300.0 / leg, rel=5e-3)
    assert base.travel_speed(still, "side", 1.0) == pytest.approx(0.0, abs=1e-9)


def test_speed_toward_the_camera_from_the_figure_growing() -> None:
    """A figure growing as e^(r t) is a person coming closer at r times the distance a
    second: r x focal / leg pixels leg lengths a second (the leg measured as the clip's
    median)."""
    time = clock(6.0)
    rate = 0.1
    traj = scaled(c.seated_front(time, (0.0, 0.0)), np.exp(rate * time))
    leg = base.leg_length(traj)
    focal = default_focal(traj.meta.image_width, traj.meta.image_height)
    speed = base.travel_speed(traj, "front", 1.0)
    # scaled about the picture's centre, on which the hips' middle lies: no travel across
    assert speed[30:-30].mean() == pytest.approx(rate * focal / leg, rel=0.02)
    # seen from the side the sizes are not used: only the (here absent) travel across
    assert base.travel_speed(traj, "side", 1.0)[30:-30] == pytest.approx(0.0, abs=1e-6)


def test_turning_or_leaning_is_not_coming_closer() -> None:
    """Turning narrows the hips and shoulders but not the trunk; leaning into a squat
    shortens the trunk but not the widths: neither is travel (the hips' width alone read a
    sideways step in place, Pose2Sim's camera 1 frames 0-76, as 1.2 leg lengths a second)."""
    time = clock(6.0)
    still = c.seated_front(time, (0.0, 0.0))
    centre = np.array([c.CENTRE, 540.0])
    turn = still.position.copy()
    turn[..., 0] = (turn[..., 0] - centre[0]) * np.exp(-0.3 * time)[:, None] + centre[0]
    lean = still.position.copy()
    lean[..., 1] = (lean[..., 1] - centre[1]) * np.exp(-0.3 * time)[:, None] + centre[1]
    for moved in (turn, lean):
        speed = base.travel_speed(replace(still, position=moved), "front", 1.0)
        assert speed[30:-30] == pytest.approx(0.0, abs=1e-6)


@settings(max_examples=25, deadline=None)
@given(offset=st.floats(-500, 500), zoom=st.floats(0.5, 2.0))
def test_speed_ignores_where_the_figure_stands_and_its_size(offset: float, zoom: float) -> None:
    time = clock(4.0)
    traj = shifted(c.side_lunge(time, holds(time, 30.0, 1)), 120.0 * time)
    before = base.travel_speed(traj, "side", 1.0)
    moved = shifted(scaled(traj, np.full(len(time), zoom)), np.full(len(time), offset))
    assert base.travel_speed(moved, "side", 1.0) == pytest.approx(before, rel=1e-6, abs=1e-9)


def test_a_walking_clip_is_not_measured_as_a_knee_to_wall_lunge() -> None:
    """The walker of the gait tests, crossing the picture at about 0.9 leg lengths a second:
    its shin swings like a lunge's, which the protocol used to measure (13 degrees with a
    quality warning on the shared clip's walker)."""
    time = clock(4.0)
    walker = c.side_walker(time, speed_px_s=350.0)
    with pytest.raises(ProtocolError, match="walking"):  # travelling, and the feet take turns
        knee_to_wall.analyse(walker, default_config())


def test_a_walk_before_the_lunges_leaves_the_lunges() -> None:
    """Walking to the wall (first 2.8 s, no lunge read there), then three lunges in place."""
    time = clock(15.5)
    shin = holds(time - 3.5, 38.0, 3) * (time >= 3.5)
    traj = c.side_lunge(time, shin)
    walk = np.where(time < 2.8, -250.0 * (2.8 - time), 0.0)  # 0.6 leg lengths a second
    result = knee_to_wall.analyse(shifted(traj, walk), default_config())
    assert [(m.measure, m.value, m.repetitions) for m in result.measurements] == [
        ("ankle_df_angle", pytest.approx(38.0, abs=0.2), 3)
    ]
    assert not any("walking" in w for w in result.warnings)


def test_a_lunge_taken_while_walking_is_left_out_with_a_warning() -> None:
    time = clock(12.5)
    traj = c.side_lunge(time, holds(time, 38.0, 3))
    # the first lunge is taken while walking in at 0.6 leg lengths a second, until 2.8 s
    walk = np.where(time < 2.8, -250.0 * (2.8 - time), 0.0)
    result = knee_to_wall.analyse(shifted(traj, walk), default_config())
    (measurement,) = result.measurements
    assert measurement.repetitions == 2
    assert any("1 repetition(s) read while you were walking" in w for w in result.warnings)
    assert [r.rejected for r in result.repetitions].count("the person was walking") == 1


def test_coming_toward_a_front_camera_is_walking_for_the_seated_test() -> None:
    time = clock(5.0)
    seated = c.seated_front(time, (holds(time, 30.0, 1), holds(time, 30.0, 1)))
    assert hip_rotation.seated(seated, default_config()).measurements  # in place: measured
    # the same figure growing by 15 % a second: someone coming toward the phone at about
    # 0.8 leg lengths a second
    with pytest.raises(ProtocolError, match=WALKING):
        hip_rotation.seated(scaled(seated, np.exp(0.15 * time)), default_config())


def test_a_person_standing_side_on_is_not_a_thomas_test() -> None:
    """Standing still, seen from the side: the legs hang straight and still, which the
    protocol read as a hold with 0 degrees of knee flexion (a finding of a tight rectus
    femoris, from a clip of someone standing)."""
    time = clock(8.0)
    with pytest.raises(ProtocolError, match="does not lie down"):
        thomas.analyse(c.side_lunge(time, 0.0), default_config())
    lying = c.lying_thomas(time, 10.0, 80.0)
    assert {m.measure: m.value for m in thomas.analyse(lying, default_config()).measurements} == {
        "thomas_thigh_angle": pytest.approx(10.0, abs=0.2),
        "thomas_knee_flexion": pytest.approx(80.0, abs=0.2),
    }


def test_stepping_on_the_spot_is_not_a_knee_to_wall_lunge() -> None:
    """Walking on a treadmill seen from the side: the hips stay put, but the feet take
    turns in front (it read 16 degrees on each side before)."""
    time = clock(12.5)
    with pytest.raises(ProtocolError, match="feet take turns in front"):
        knee_to_wall.analyse(c.side_walker(time), default_config())


def test_a_squat_on_one_leg_is_not_a_double_leg_squat() -> None:
    time = clock(12.5)
    one_leg = c.standing_front(time, depth=(dips(time, 60, 5), 0.0), lift=(0.0, 40.0))
    with pytest.raises(ProtocolError, match="One foot is off the floor"):
        squat.analyse(one_leg, default_config())
    both = c.standing_front(time, depth=(dips(time, 80, 5), dips(time, 80, 5)))
    result = squat.analyse(both, default_config())
    assert {(m.measure, m.side): m.value for m in result.measurements}[
        ("squat_depth", "left")
    ] == pytest.approx(80.0, abs=0.5)


def test_a_standing_person_swinging_a_foot_is_not_seated() -> None:
    """The seated figure with its hips raised to standing height: the thighs look as long
    as the shins, which a seated person facing the phone never shows."""
    time = clock(12.5)
    seated = c.seated_front(time, (holds(time, 30.0, 3), holds(time, 30.0, 3)))
    position = seated.position.copy()
    for side in ("left", "right"):
        position[:, seated.index(f"{side}_hip"), 1] -= 150.0  # thigh 61 -> 210 px
    for name in ("left_shoulder", "right_shoulder", "nose", "left_ear", "right_ear"):
        position[:, seated.index(name), 1] -= 150.0
    standing = replace(seated, position=position)
    # thighs (10, 60) and (10, 210) px from hip to knee, shins 200 px
    assert hip_rotation.thigh_to_shank(seated) == pytest.approx(np.hypot(10, 60) / 200)
    assert hip_rotation.thigh_to_shank(standing) == pytest.approx(np.hypot(10, 210) / 200)
    with pytest.raises(ProtocolError, match="does not sit"):
        hip_rotation.seated(standing, default_config())
