"""The +- of a video measurement: hand-computed parts and how the assessment uses it."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kneechain.assess.case import Measurement
from kneechain.assess.measure import readings
from kneechain.assess.protocols import constructed as c
from kneechain.assess.protocols import squat
from kneechain.assess.protocols import uncertainty as u
from kneechain.assess.protocols.config import default_config
from tests.protocols.shapes import clock, dips


@given(st.floats(0.0, 170.0), st.floats(0.0, 80.0))
def test_view_part_is_the_gap_between_a_seen_angle_and_the_angle_it_came_from(
    true_deg: float, turn_deg: float
) -> None:
    """A plane turned by t shows the angle a as atan2(sin a cos t, cos a); given that reading,
    the view part is exactly how far it is from a."""
    a, t = math.radians(true_deg), math.radians(turn_deg)
    seen = math.degrees(math.atan2(math.sin(a) * math.cos(t), math.cos(a)))
    assert u.view_part(seen, turn_deg, 0.0) == pytest.approx(abs(true_deg - seen), abs=1e-6)


def test_pose_part_grows_as_visibility_falls() -> None:
    assert u.pose_part(1.0) == pytest.approx(6.0)
    assert u.pose_part(0.25) == pytest.approx(12.0)
    assert u.pose_part(0.0) == pytest.approx(6.0 / math.sqrt(0.1))


def test_view_part_is_the_foreshortening_of_the_angle() -> None:
    # 40 degrees in a plane turned 60 degrees: seen as atan(tan 40 x cos 60) = 22.76 degrees
    # the reading 40 came from atan2(sin 40, cos 40 cos 60) = 59.21 (turn 50 + 10)
    assert u.view_part(40.0, 50.0, 10.0) == pytest.approx(59.21 - 40.0, abs=0.01)
    assert u.view_part(40.0, 0.0, 0.0) == pytest.approx(0.0, abs=1e-9)
    assert u.view_part(90.0, 30.0, 0.0) == pytest.approx(0.0, abs=1e-9)  # a right angle stays
    assert u.view_part(-20.0, 20.0, 0.0) == u.view_part(20.0, 20.0, 0.0)
    assert u.view_part(30.0, float("nan"), float("nan")) == u.view_part(30.0, 80.0, 0.0)


def test_repetition_part_is_the_standard_error_with_a_floor() -> None:
    assert u.repetition_part(4.0, 4, 5.0) == pytest.approx(2.0)
    assert u.repetition_part(0.0, 4, 5.0) == pytest.approx(1.25)  # at least half the tolerance
    assert u.repetition_part(None, 1, 5.0) == pytest.approx(5.0)


def test_angles_combine_all_parts_other_units_only_repetitions() -> None:
    deg = u.measurement_uncertainty("deg", 40.0, 1.0, 0.0, 0.0, 4.0, 4, 5.0)
    assert deg == pytest.approx(math.hypot(6.0, 2.0))
    assert u.measurement_uncertainty("ratio", 0.9, 0.0, 70.0, 20.0, 0.05, 4, 0.1) == (
        pytest.approx(0.025)
    )


@given(st.floats(0, 170), st.floats(0, 1), st.floats(0, 60), st.floats(0, 20), st.integers(1, 10))
def test_more_repetitions_never_raise_and_a_worse_view_never_lowers_it(
    value: float, vis: float, turn: float, sigma: float, count: int
) -> None:
    base = u.measurement_uncertainty("deg", value, vis, turn, sigma, 3.0, count, 5.0)
    assert base > 0
    assert u.measurement_uncertainty("deg", value, vis, turn, sigma, 3.0, count + 1, 5.0) <= base
    assert u.measurement_uncertainty("deg", value, vis, turn + 5, sigma, 3.0, count, 5.0) >= (
        base - 1e-9
    )


def test_every_protocol_value_carries_its_uncertainty() -> None:
    time = clock(11)
    d = dips(time, 90.0, 5)
    result = squat.analyse(
        c.standing_front(time, depth=(d, d), fppa=(d / 5, d / 45)), default_config()
    )
    assert result.measurements and all(m.uncertainty for m in result.measurements)
    fppa = next(m for m in result.measurements if m.measure == "squat_fppa" and m.side == "left")
    # pose 6 (visibility 1), view 18 degrees seen 15 degrees off (image fallback +- 15),
    # repetitions: 5 identical, so half the 5-degree tolerance over sqrt(5)
    view = u.view_part(18.0, 0.0, 15.0)
    assert fppa.uncertainty == pytest.approx(math.sqrt(36 + view**2 + 1.25), abs=0.05)


def test_a_reading_of_several_measurements_has_the_mean_s_uncertainty() -> None:
    ms = [
        Measurement(measure="squat_fppa", value=v, side="left", provenance="video", uncertainty=s)
        for v, s in ((14.0, 6.0), (16.0, 8.0))
    ]
    reading = readings(ms)[("squat_fppa", "left")]
    assert reading.value == 15.0 and reading.uncertainty == pytest.approx(5.0)
    manual = Measurement(measure="squat_fppa", value=15.0, side="left")
    assert readings([*ms, manual])[("squat_fppa", "left")].uncertainty is None
