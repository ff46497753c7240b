"""Knee-to-wall, hip rotation (lying and seated), Thomas test and balance on constructed clips."""

from __future__ import annotations

import numpy as np
import pytest

from kneechain.assess.protocols import balance, hip_rotation, knee_to_wall, thomas
from kneechain.assess.protocols import constructed as c
from kneechain.assess.protocols.config import default_config
from kneechain.assess.protocols.errors import ProtocolError
from kneechain.assess.protocols.result import ProtocolResult
from tests.protocols.shapes import clock, holds


def values(result: ProtocolResult) -> dict[tuple[str, str | None], float]:
    return {(m.measure, m.side): m.value for m in result.measurements}


@pytest.mark.parametrize(("side", "facing"), [("left", 1.0), ("right", -1.0)])
def test_knee_to_wall_shin_angle(side: str, facing: float) -> None:
    time = clock(12.5)
    traj = c.side_lunge(time, holds(time, 38.0, 3), test_side=side, facing=facing)
    result = knee_to_wall.analyse(traj, default_config())
    assert values(result) == {("ankle_df_angle", side): pytest.approx(38.0, abs=0.2)}
    assert result.measurements[0].repetitions == 3
    assert not result.warnings


def test_knee_to_wall_rejects_heel_lift_frames() -> None:
    time = clock(12.5)
    shin = holds(time, 45.0, 3)
    lift = np.clip(shin - 35.0, 0, None) * 6.0  # heel rises once the shin passes 35 degrees
    result = knee_to_wall.analyse(c.side_lunge(time, shin, heel_lift=lift), default_config())
    value = values(result)[("ankle_df_angle", "left")]
    # the limit is a rise of 0.1 foot length (11.5 px here): reached at 35 + 11.5 / 6 degrees
    assert 35.0 <= value <= 37.0
    assert result.measurements[0].repetitions == 3
    assert any("heel lifted" in w for w in result.warnings)


def test_knee_to_wall_early_heel_lift_caps_the_angle_at_the_lift() -> None:
    time = clock(12.5)
    shin = holds(time, 45.0, 3)
    lift = np.clip(shin - 20.0, 0, None) * 6.0
    result = knee_to_wall.analyse(c.side_lunge(time, shin, heel_lift=lift), default_config())
    assert 20.0 <= values(result)[("ankle_df_angle", "left")] <= 23.0


@pytest.mark.parametrize("roll", [0.0, 8.0])
def test_lying_leg_turn_one_sided_deficit(roll: float) -> None:
    time = clock(12.5)
    traj = c.lying_feet_end(time, (holds(time, 32.0, 3), holds(time, 18.0, 3)), roll_deg=roll)
    result = hip_rotation.lying(traj, default_config())
    got = values(result)
    assert got[("hip_ir_supine", "left")] == pytest.approx(32.0, abs=0.5)
    assert got[("hip_ir_supine", "right")] == pytest.approx(18.0, abs=0.5)
    assert result.extras["left_minus_right_deg"] == pytest.approx(14.0, abs=1.0)


def test_lying_leg_turn_with_noise() -> None:
    time = clock(12.5)
    traj = c.add_noise(c.lying_feet_end(time, (holds(time, 30.0, 3), holds(time, 30.0, 3))), 1.0)
    got = values(hip_rotation.lying(traj, default_config()))
    assert got[("hip_ir_supine", "left")] == pytest.approx(30.0, abs=1.5)
    assert got[("hip_ir_supine", "right")] == pytest.approx(30.0, abs=1.5)


def _swing(time: np.ndarray, out: float, inward: float) -> np.ndarray:
    """Three cycles of: foot out and hold, back, foot in and hold, back (8 s each)."""
    first = holds(time, out, 3, period=8.0) * ((time % 8.0) < 4.0)
    second = holds(time - 4.0, inward, 3, period=8.0) * ((time % 8.0) >= 4.0)
    return first - second


def test_seated_rotation_internal_and_external_for_the_moving_leg() -> None:
    time = clock(24.5)
    traj = c.seated_front(time, (0.0, _swing(time, 28.0, 44.0)))
    result = hip_rotation.seated(traj, default_config())
    assert values(result) == {
        ("hip_ir_seated", "right"): pytest.approx(28.0, abs=0.5),
        ("hip_er_seated", "right"): pytest.approx(44.0, abs=0.5),
    }


def test_seated_rotation_reports_a_moving_thigh() -> None:
    time = clock(24.5)
    traj = c.seated_front(time, (_swing(time, 35.0, 40.0), 0.0))
    knee = traj.index("left_knee")
    pos = traj.position.copy()
    pos[:, knee, 0] += 0.5 * _swing(time, 35.0, 40.0)
    from dataclasses import replace

    result = hip_rotation.seated(replace(traj, position=pos), default_config())
    assert any("left thigh" in w for w in result.warnings)


@pytest.mark.parametrize("side", ["left", "right"])
def test_thomas_hanging_leg(side: str) -> None:
    time = clock(6)
    result = thomas.analyse(c.lying_thomas(time, 8.0, 62.0, hanging=side), default_config())
    assert values(result) == {
        ("thomas_thigh_angle", side): pytest.approx(8.0, abs=0.2),
        ("thomas_knee_flexion", side): pytest.approx(62.0, abs=0.2),
    }


def test_thomas_needs_a_still_hold() -> None:
    time = clock(6)
    moving = 40.0 * np.sin(2 * np.pi * 0.5 * time)
    with pytest.raises(ProtocolError, match="still hold"):
        thomas.analyse(c.lying_thomas(time, moving, 70.0), default_config())


def test_balance_time_and_sway_per_side() -> None:
    time = clock(20)
    left_up = np.where((time > 1) & (time < 8), 60.0, 0.0)  # right leg stands 7 s
    right_up = np.where((time > 10) & (time < 13), 60.0, 0.0)  # left leg stands 3 s
    sway = 6.0 * np.sin(2 * np.pi * 0.4 * time)
    traj = c.standing_front(time, lift=(left_up, right_up), sway=(sway, 0.0))
    result = balance.analyse(traj, default_config())
    got = values(result)
    assert got[("balance_time", "right")] == pytest.approx(7.0, abs=0.1)
    assert got[("balance_time", "left")] == pytest.approx(3.0, abs=0.1)
    height = 12 + 200 + 200 + 270 + np.hypot(35, 100) - 0  # heel-knee-hip-shoulder-ear
    rms = 6.0 / np.sqrt(2) / height * 100
    assert got[("balance_sway_rms", "right")] == pytest.approx(rms, rel=0.1)
    path = 4 * 6.0 * 0.4 / height * 100
    assert got[("balance_sway_path", "right")] == pytest.approx(path, rel=0.1)


def test_balance_ends_when_a_hand_grabs_support() -> None:
    time = clock(12)
    up = np.where((time > 1) & (time < 10), 60.0, 0.0)
    traj = c.standing_front(time, lift=(up, 0.0))
    wrist = traj.index("left_wrist")
    pos = traj.position.copy()
    pos[time > 5, wrist, 0] += 400.0  # the left hand reaches out for the wall
    from dataclasses import replace

    result = balance.analyse(replace(traj, position=pos), default_config())
    assert values(result)[("balance_time", "right")] == pytest.approx(4.0, abs=0.1)
    assert any("support" in w for w in result.warnings)
