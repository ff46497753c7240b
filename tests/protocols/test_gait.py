"""Gait on constructed walkers: events, cadence and per-side values against dense truth."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from scipy.signal import find_peaks

from kneechain.assess.protocols import constructed as c
from kneechain.assess.protocols import gait, gait_events
from kneechain.assess.protocols.config import default_config
from kneechain.assess.protocols.errors import ProtocolError
from kneechain.assess.protocols.result import ProtocolResult
from kneechain.vision import kinematics as k
from kneechain.vision.trajectories import Trajectories
from tests.protocols.shapes import clock


def values(result: ProtocolResult) -> dict[tuple[str, str | None], float]:
    return {(m.measure, m.side): m.value for m in result.measurements}


def dense_truth(knee_contact: tuple[float, float], facing: float = 1.0) -> dict:
    """Knee flexion and shin angle at foot strike per side, from the same walker sampled at
    1 kHz with foot strike taken as the heel's farthest point ahead of the pelvis."""
    time = np.arange(0, 6, 0.001)
    traj = c.side_walker(time, knee_contact=knee_contact, facing=facing)
    truth = {}
    for side in ("left", "right"):
        heel = gait_events.along(traj, f"{side}_heel", np.full(len(time), facing), 400.0)
        rows, _ = find_peaks(heel, distance=500)
        hip, knee, ankle = (traj.xy(f"{side}_{j}") for j in ("hip", "knee", "ankle"))
        truth[("knee_flexion_contact", side)] = float(
            np.mean(k.knee_flexion(hip, knee, ankle)[rows])
        )
        shin = -k.inclination_from_vertical(ankle, knee, facing)
        truth[("overstride_shank_angle", side)] = float(np.mean(shin[rows]))
        truth[("overstride_ratio", side)] = float(np.mean(heel[rows]))
    return truth


@pytest.mark.parametrize("facing", [1.0, -1.0])
def test_side_view_values_and_sides(facing: float) -> None:
    knee = (3.0, 12.0)  # a stiffer left knee at foot strike
    traj = c.side_walker(clock(8), knee_contact=knee, facing=facing)
    result = gait.analyse(traj, default_config())
    got = values(result)
    truth = dense_truth(knee, facing)
    for key, expected in truth.items():
        tol = 0.03 if key[0] == "overstride_ratio" else 1.5
        assert got[key] == pytest.approx(expected, abs=tol), key
    assert got[("knee_flexion_contact", "left")] < got[("knee_flexion_contact", "right")] - 7
    assert got[("cadence", None)] == pytest.approx(108.0, abs=2.0)
    assert all(m.activity == "walking" for m in result.measurements)


def test_walking_across_the_picture_gives_the_same_cadence() -> None:
    traj = c.side_walker(clock(8), stride_hz=1.0, speed_px_s=130.0)
    assert values(gait.analyse(traj, default_config()))[("cadence", None)] == pytest.approx(
        120.0, abs=2.5
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_events_survive_pixel_noise(seed: int) -> None:
    traj = c.add_noise(c.side_walker(clock(8), stride_hz=0.9), 2.0, seed)
    result = gait.analyse(traj, default_config())
    assert values(result)[("cadence", None)] == pytest.approx(108.0, abs=3.0)
    per_side = [sum(r.side == s for r in result.repetitions) for s in ("left", "right")]
    assert min(per_side) >= 6


def test_step_detection_counts_steps() -> None:
    time = clock(10)
    traj = c.side_walker(time, stride_hz=0.8)
    result = gait.analyse(traj, default_config())
    # 8 strides x 2 feet, less the foot strike at t=0 (no peak at the very first frame)
    assert len(result.repetitions) == 15
    assert all(r.rejected is None for r in result.repetitions)
    assert [r.side for r in result.repetitions] == ["right", "left"] * 7 + ["right"]
    assert result.extras["step_time_cv_percent"] < 5


def test_swapped_leg_labels_do_not_add_steps() -> None:
    """The pose model trades the legs' labels for half a second: cadence is unchanged and the
    steps in the swapped stretch are not used for per-side values."""
    time = clock(10)
    traj = c.side_walker(time, stride_hz=0.8, knee_contact=(3.0, 12.0))
    swapped = (time > 4.0) & (time < 4.6)
    pos = traj.position.copy()
    for part in ("hip", "knee", "ankle", "heel", "foot_index"):
        left, right = traj.index(f"left_{part}"), traj.index(f"right_{part}")
        pos[swapped, left], pos[swapped, right] = (
            traj.position[swapped, right],
            traj.position[swapped, left],
        )
    result = gait.analyse(replace(traj, position=pos), default_config())
    got = values(result)
    assert got[("cadence", None)] == pytest.approx(96.0, abs=2.0)
    assert got[("knee_flexion_contact", "left")] < got[("knee_flexion_contact", "right")] - 7


def test_no_steps_is_refused() -> None:
    traj = c.side_walker(clock(5), stride_hz=0.0)
    with pytest.raises(ProtocolError, match="No steps"):
        gait.analyse(traj, default_config())


def _frontal_walker(time: np.ndarray, drop: tuple[float, float], rear: bool) -> Trajectories:
    """Front or rear view: feet lifted in turn (left stance in the first half of each
    stride) with the free side of the pelvis dropping by drop[stance side]."""
    phase = (time * 0.9) % 1.0
    left_stance = phase < 0.5
    bump = np.sin(np.pi * (phase % 0.5) / 0.5)
    lift_l = np.where(left_stance, 0.0, 40 * bump)
    lift_r = np.where(left_stance, 40 * bump, 0.0)
    tilt = np.where(left_stance, drop[0] * bump, drop[1] * bump)
    traj_l = c.standing_front(
        time, lift=(0.0, lift_r), pelvic_drop=tilt, rear=rear, fppa=(6.0, 6.0)
    )
    traj_r = c.standing_front(
        time, lift=(lift_l, 0.0), pelvic_drop=tilt, rear=rear, fppa=(6.0, 6.0)
    )
    pos = np.where(left_stance[:, None, None], traj_l.position, traj_r.position)
    return replace(traj_l, position=pos)


@pytest.mark.parametrize("rear", [False, True])
def test_front_or_rear_view_pelvic_drop_per_side(rear: bool) -> None:
    traj = _frontal_walker(clock(9), (8.0, 3.0), rear)
    result = gait.analyse(traj, default_config())
    got = values(result)
    assert result.view == ("rear" if rear else "front")
    assert got[("gait_pelvic_drop", "left")] == pytest.approx(8.0, abs=0.5)
    assert got[("gait_pelvic_drop", "right")] == pytest.approx(3.0, abs=0.5)
    assert got[("gait_fppa_midstance", "left")] == pytest.approx(6.0, abs=0.5)
    assert got[("step_width", None)] == pytest.approx(220 / 400, abs=0.03)
    assert got[("cadence", None)] == pytest.approx(108.0, abs=3.0)


def test_steps_by_the_same_foot_are_not_trusted() -> None:
    sides = ["left", "right", "left", "left", "right", "left"]
    stances = [gait_events.Stance(s, 10 * i, 10 * i + 3, 10 * i + 6) for i, s in enumerate(sides)]
    trusted = [st.trusted for st in gait_events.alternation(stances)]
    assert trusted == [True, True, False, False, True, True]


def test_the_view_is_estimated_once_per_analysis(monkeypatch: pytest.MonkeyPatch) -> None:
    """Gait reads the view to choose its measures and then checks it: the estimate (with the
    3D fit behind it, the dearest step after pose) is worked out once, not twice."""
    from kneechain.assess.protocols import views

    calls = []
    real = views.estimate_view
    monkeypatch.setattr(views, "estimate_view", lambda *a, **kw: calls.append(1) or real(*a, **kw))
    traj = c.side_walker(clock(8), stride_hz=1.0, speed_px_s=130.0)
    first = values(gait.analyse(traj, default_config()))
    assert len(calls) == 1
    again = c.side_walker(clock(8), stride_hz=1.0, speed_px_s=130.0)  # another clip: estimated anew
    assert values(gait.analyse(again, default_config())) == first
    assert len(calls) == 2
