"""Double- and single-leg squats on constructed clips with known angles."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from kneechain.assess.protocols import constructed as c
from kneechain.assess.protocols import single_leg_squat, squat
from kneechain.assess.protocols.config import default_config
from kneechain.assess.protocols.errors import ProtocolError
from kneechain.assess.protocols.result import ProtocolResult
from kneechain.vision.trajectories import Trajectories, concatenate
from tests.protocols.shapes import clock, dips


def values(result: ProtocolResult) -> dict[tuple[str, str | None], float]:
    return {(m.measure, m.side): m.value for m in result.measurements}


@pytest.mark.parametrize("rear", [False, True])
def test_double_squat_one_sided_valgus(rear: bool) -> None:
    time = clock(11)
    depth = dips(time, 90.0, 5)
    traj = c.standing_front(time, depth=(depth, depth), fppa=(depth / 6, depth / 45), rear=rear)
    result = squat.analyse(traj, default_config())
    got = values(result)
    assert got[("squat_fppa", "left")] == pytest.approx(15.0, abs=0.2)
    assert got[("squat_fppa", "right")] == pytest.approx(2.0, abs=0.2)
    assert got[("squat_depth", "left")] == pytest.approx(90.0, abs=0.5)
    assert got[("squat_depth", "right")] == pytest.approx(90.0, abs=0.5)
    assert result.extras["fppa_left_minus_right_deg"] == pytest.approx(13.0, abs=0.3)
    assert len(result.repetitions) == 5
    assert all(m.provenance == "video" and m.repetitions == 5 for m in result.measurements)


def test_knee_ankle_ratio_matches_geometry() -> None:
    time = clock(7)
    depth = dips(time, 80.0, 3)
    traj = c.standing_front(time, depth=(depth, depth), fppa=(depth / 8, depth / 8))
    result = squat.analyse(traj, default_config())
    row = result.evidence[0].row
    knees = abs(traj.xy("left_knee")[row, 0] - traj.xy("right_knee")[row, 0])
    ankles = abs(traj.xy("left_ankle")[row, 0] - traj.xy("right_ankle")[row, 0])
    assert values(result)[("squat_knee_ankle_ratio", None)] == pytest.approx(
        knees / ankles, abs=0.01
    )
    assert values(result)[("squat_knee_ankle_ratio", None)] < 1.0


def test_double_squat_with_pixel_noise_stays_close() -> None:
    time = clock(11)
    depth = dips(time, 90.0, 5)
    traj = c.add_noise(c.standing_front(time, depth=(depth, depth), fppa=(12.0, 4.0)), 1.5)
    got = values(squat.analyse(traj, default_config()))
    assert got[("squat_fppa", "left")] == pytest.approx(12.0, abs=1.5)
    assert got[("squat_fppa", "right")] == pytest.approx(4.0, abs=1.5)


def test_one_squat_is_reported_with_a_low_repetition_score() -> None:
    time = clock(3)
    depth = dips(time, 90.0, 1)
    result = squat.analyse(c.standing_front(time, depth=(depth, depth)), default_config())
    assert all(m.quality is not None and m.quality <= 0.34 for m in result.measurements)
    assert any("Only 1 squat" in w for w in result.warnings)


def test_standing_still_is_no_squat() -> None:
    with pytest.raises(ProtocolError, match="No squat"):
        squat.analyse(c.standing_front(clock(5)), default_config())


def _single_leg(
    time: np.ndarray, stance: str, fppa: float, drop: float, lean: float
) -> Trajectories:
    depth = dips(time, 60.0, 4)
    lift = np.full(len(time), 80.0)
    i = 0 if stance == "left" else 1
    depths, fppas, lifts = [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]
    depths[i], fppas[i], lifts[1 - i] = depth, depth * fppa / 60, lift
    to_left = lean if stance == "left" else -lean
    return c.standing_front(
        time,
        depth=tuple(depths),
        fppa=tuple(fppas),
        lift=tuple(lifts),
        pelvic_drop=depth * drop / 60,
        trunk_lean=depth * to_left / 60,
    )


@pytest.mark.parametrize("stance", ["left", "right"])
def test_single_leg_squat_reads_the_standing_side(stance: str) -> None:
    time = clock(9)
    result = single_leg_squat.analyse(_single_leg(time, stance, 18.0, 7.0, 4.0), default_config())
    got = values(result)
    assert {side for _, side in got} == {stance}
    assert got[("sls_fppa", stance)] == pytest.approx(18.0, abs=0.3)
    assert got[("sls_pelvic_drop", stance)] == pytest.approx(7.0, abs=0.3)
    assert got[("sls_trunk_lean", stance)] == pytest.approx(4.0, abs=0.3)
    assert got[("sls_depth", stance)] == pytest.approx(60.0, abs=0.5)
    assert sum(r.side == stance for r in result.repetitions) == 4


def test_single_leg_squat_both_sides_in_one_clip_not_swapped() -> None:
    time = clock(9)
    left = _single_leg(time, "left", 20.0, 8.0, 3.0)
    right = _single_leg(time, "right", 5.0, 2.0, 1.0)
    joined = concatenate([left, _shift(right, time[-1] + 1 / 30)])
    got = values(single_leg_squat.analyse(joined, default_config()))
    assert got[("sls_fppa", "left")] == pytest.approx(20.0, abs=0.3)
    assert got[("sls_fppa", "right")] == pytest.approx(5.0, abs=0.3)
    assert got[("sls_pelvic_drop", "left")] > got[("sls_pelvic_drop", "right")]


def _shift(traj: Trajectories, offset: float) -> Trajectories:
    return replace(traj, time=traj.time + offset, frame=traj.frame + len(traj.frame))


def test_side_option_keeps_only_that_side() -> None:
    time = clock(11)
    depth = dips(time, 90.0, 5)
    result = squat.analyse(
        c.standing_front(time, depth=(depth, depth)), default_config(), side="right"
    )
    assert {m.side for m in result.measurements} == {"right", None}
