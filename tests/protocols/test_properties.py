"""Property tests: any angles the constructed figures can take come back, on the right side."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kneechain.assess.protocols import constructed as c
from kneechain.assess.protocols import hip_rotation, squat
from kneechain.assess.protocols.config import default_config
from tests.protocols.shapes import clock, dips, holds

angle = st.floats(-15.0, 30.0)


@settings(max_examples=20, deadline=None)
@given(left=angle, right=angle, depth=st.floats(50.0, 110.0), rear=st.booleans())
def test_squat_returns_each_knee_fppa(left: float, right: float, depth: float, rear: bool) -> None:
    time = clock(7)
    d = dips(time, depth, 3)
    traj = c.standing_front(time, (d, d), (d * left / depth, d * right / depth), rear=rear)
    got = {(m.measure, m.side): m.value for m in squat.analyse(traj, default_config()).measurements}
    assert got[("squat_fppa", "left")] == pytest.approx(left, abs=0.2)
    assert got[("squat_fppa", "right")] == pytest.approx(right, abs=0.2)
    assert got[("squat_depth", "left")] == pytest.approx(depth, abs=0.5)


@settings(max_examples=20, deadline=None)
@given(left=st.floats(10.0, 50.0), right=st.floats(10.0, 50.0), roll=st.floats(-10.0, 10.0))
def test_lying_turn_returns_each_leg(left: float, right: float, roll: float) -> None:
    time = clock(12.5)
    traj = c.lying_feet_end(time, (holds(time, left, 3), holds(time, right, 3)), roll_deg=roll)
    got = {
        (m.measure, m.side): m.value
        for m in hip_rotation.lying(traj, default_config()).measurements
    }
    assert got[("hip_ir_supine", "left")] == pytest.approx(left, abs=0.3)
    assert got[("hip_ir_supine", "right")] == pytest.approx(right, abs=0.3)
