"""View checks: each view recognised, wrong views and hidden parts refused with advice."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from kneechain.assess.protocols import constructed as c
from kneechain.assess.protocols import gait, hip_rotation, knee_to_wall, squat
from kneechain.assess.protocols.config import default_config
from kneechain.assess.protocols.errors import ProtocolError
from kneechain.assess.protocols.views import classify
from tests.protocols.shapes import clock, dips
from tests.vision.skeleton3d import seen

COMMON = default_config().common


@pytest.mark.parametrize(
    ("traj", "view"),
    [
        (c.standing_front(clock(1)), "front"),
        (c.standing_front(clock(1), rear=True), "rear"),
        (c.side_walker(clock(1)), "side"),
        (c.side_lunge(clock(1), 10.0), "side"),
        (c.lying_thomas(clock(1), 0.0, 80.0), "side"),
        (c.lying_feet_end(clock(1), (0.0, 0.0)), "feet_end"),
        (c.seated_front(clock(1), (0.0, 0.0)), "front"),
    ],
)
def test_each_view_is_recognised(traj, view) -> None:
    assert classify(traj, COMMON, "front").view == view


@pytest.mark.parametrize("turn", [0.0, 15.0, 30.0, 40.0])
def test_view_score_falls_as_the_person_turns(turn: float) -> None:
    report = classify(c.standing_front(clock(1), turn_deg=turn), COMMON, "front")
    assert report.turn_deg == pytest.approx(turn, abs=1.0)
    expected = float(np.clip((30 - turn) / 20, 0, 1))  # square within 10, refused beyond 30
    assert report.score == pytest.approx(expected, abs=0.05)


def test_squat_filmed_from_the_side_is_refused_with_advice() -> None:
    with pytest.raises(ProtocolError) as err:
        squat.analyse(c.side_walker(clock(5)), default_config())
    assert "side view" in err.value.problem and "front view" in err.value.problem
    assert "3 m in front of you" in err.value.advice


def test_knee_to_wall_filmed_from_the_front_is_refused() -> None:
    with pytest.raises(ProtocolError, match="needs a side view"):
        knee_to_wall.analyse(c.standing_front(clock(5)), default_config())


def test_lying_turn_needs_the_feet_end_view() -> None:
    with pytest.raises(ProtocolError, match="along the legs from the feet"):
        hip_rotation.lying(c.standing_front(clock(5)), default_config())


def test_turned_too_far_is_refused() -> None:
    time = clock(8)
    d = dips(time, 80.0, 3)
    with pytest.raises(ProtocolError, match="degrees off"):
        squat.analyse(c.standing_front(time, depth=(d, d), turn_deg=60.0), default_config())


def test_hidden_parts_are_named() -> None:
    traj = c.side_walker(clock(5))
    col = traj.index("left_heel")
    conf = traj.confidence.copy()
    conf[:, col] = 0.1
    with pytest.raises(ProtocolError, match="left heel"):
        gait.analyse(replace(traj, confidence=conf), default_config())


def test_too_short_a_clip_is_refused() -> None:
    with pytest.raises(ProtocolError, match="frames"):
        squat.analyse(c.standing_front(clock(0.1)), default_config())


def test_partly_out_of_frame_is_refused() -> None:
    traj = c.standing_front(clock(3))
    pos = traj.position.copy()
    pos[:, traj.index("right_ankle"), 1] = 2000.0  # below the picture
    with pytest.raises(ProtocolError, match="right ankle"):
        squat.analyse(replace(traj, position=pos), default_config())


def _with_camera_at(traj, bearing: float, height: float = 1.0):
    """`traj` with the world landmarks of a figure filmed from `bearing` (see skeleton3d)."""
    world = seen(bearing, traj.time, height=height)[0].world
    return replace(traj, world=world)


@pytest.mark.parametrize(("bearing", "way"), [(35.0, "to your left"), (-40.0, "to your right")])
def test_squat_from_an_oblique_phone_is_refused_with_which_way_to_move(
    bearing: float, way: str
) -> None:
    # a figure filmed from `bearing`, its picture and world landmarks from the same camera
    # (the view check reads both: the model's 3D and the 3D fit to the picture)
    traj = seen(bearing, clock(8))[0]
    with pytest.raises(ProtocolError) as err:
        squat.analyse(traj, default_config())
    assert f"in front of you, {abs(bearing):.0f} degrees {way}" in err.value.problem
    assert "within 20 degrees" in err.value.problem
    assert f"move it about {abs(bearing):.0f} degrees round you" in err.value.advice
    assert "straight in front of you" in err.value.advice
    assert "3 m in front of you" in err.value.advice


def test_squat_from_a_nearly_square_phone_is_measured_with_the_view_in_degrees() -> None:
    time = clock(8)
    d = dips(time, 80.0, 3)
    result = squat.analyse(
        _with_camera_at(c.standing_front(time, depth=(d, d)), 8.0, 1.5), default_config()
    )
    assert result.view == "front" and result.measurements


def test_the_bearing_tells_rear_from_front_and_side() -> None:
    assert classify(seen(170.0, clock(2))[0], COMMON, "front").view == "rear"
    report = classify(seen(80.0, clock(2))[0], COMMON, "side")
    assert report.view == "side" and report.turn_deg == pytest.approx(10.0, abs=0.5)
    assert report.bearing_deg == pytest.approx(80.0, abs=0.5) and report.sigma_deg >= 10


def test_walking_back_and_forth_is_judged_per_phase() -> None:
    traj = c.side_walker(clock(4))
    n = len(traj) // 2
    there, back = seen(88.0, traj.time)[0].world, seen(-85.0, traj.time)[0].world
    report = classify(replace(traj, world=np.concatenate([there[:n], back[n:]])), COMMON, "side")
    assert report.view == "side" and report.turn_deg < 5
    assert len(report.phases) == 2
