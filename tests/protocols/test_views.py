"""View checks: each view recognised, wrong views and hidden parts refused with advice."""

from __future__ import annotations

from dataclasses import replace

import pytest

from kneechain.assess.protocols import constructed as c
from kneechain.assess.protocols import gait, hip_rotation, knee_to_wall, squat
from kneechain.assess.protocols.config import default_config
from kneechain.assess.protocols.errors import ProtocolError
from kneechain.assess.protocols.views import classify
from tests.protocols.shapes import clock, dips

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
    expected = 1.0 if turn <= 20 else (50 - turn) / 30
    assert report.score == pytest.approx(expected, abs=0.05)


def test_squat_filmed_from_the_side_is_refused_with_advice() -> None:
    with pytest.raises(ProtocolError) as err:
        squat.analyse(c.side_walker(clock(5)))
    assert "side view" in err.value.problem and "front view" in err.value.problem
    assert "3 m in front of you" in err.value.advice


def test_knee_to_wall_filmed_from_the_front_is_refused() -> None:
    with pytest.raises(ProtocolError, match="needs a side view"):
        knee_to_wall.analyse(c.standing_front(clock(5)))


def test_lying_turn_needs_the_feet_end_view() -> None:
    with pytest.raises(ProtocolError, match="along the legs from the feet"):
        hip_rotation.lying(c.standing_front(clock(5)))


def test_turned_too_far_is_refused() -> None:
    time = clock(8)
    d = dips(time, 80.0, 3)
    with pytest.raises(ProtocolError, match="degrees off"):
        squat.analyse(c.standing_front(time, depth=(d, d), turn_deg=60.0))


def test_hidden_parts_are_named() -> None:
    traj = c.side_walker(clock(5))
    col = traj.index("left_heel")
    conf = traj.confidence.copy()
    conf[:, col] = 0.1
    with pytest.raises(ProtocolError, match="left heel"):
        gait.analyse(replace(traj, confidence=conf))


def test_too_short_a_clip_is_refused() -> None:
    with pytest.raises(ProtocolError, match="frames"):
        squat.analyse(c.standing_front(clock(0.1)))


def test_partly_out_of_frame_is_refused() -> None:
    traj = c.standing_front(clock(3))
    pos = traj.position.copy()
    pos[:, traj.index("right_ankle"), 1] = 2000.0  # below the picture
    with pytest.raises(ProtocolError, match="right ankle"):
        squat.analyse(replace(traj, position=pos))
