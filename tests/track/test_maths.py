"""Adherence, trends and change classification on constructed histories (hand-computed)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kneechain.track.maths import (
    WeekAdherence,
    classify_change,
    overall_adherence,
    real_change,
    slope,
    weekly_adherence,
    weekly_trend,
)

MON = date(2026, 1, 5)  # a Monday


def test_weekly_adherence_hand_computed() -> None:
    # Program of 3 days a week started on Thursday 8 Jan; evaluated through Sunday 18 Jan.
    thu = date(2026, 1, 8)
    done = [date(2026, 1, 6), thu, thu, date(2026, 1, 10), date(2026, 1, 16), date(2026, 1, 17)]
    weeks = weekly_adherence(done, 3, thu, date(2026, 1, 18))
    # program weeks start on the program's first day, never the Monday before it
    assert [w.week_start for w in weeks] == [thu, thu + timedelta(7)]
    # week 1, Thu 8 - Wed 14: two distinct days (the 6th is before the program and never counts)
    assert weeks[0].done == 2
    assert weeks[0].planned == pytest.approx(3)
    assert weeks[0].ratio == pytest.approx(2 / 3)
    # week 2 so far, Thu 15 - Sun 18 = 4 days -> 3 * 4/7 planned; two days done: capped at 1
    assert weeks[1].done == 2
    assert weeks[1].planned == pytest.approx(12 / 7)
    assert weeks[1].ratio == 1.0
    # overall: min(2, 3) + min(2, 12/7) over 3 + 12/7
    assert overall_adherence(weeks) == pytest.approx((2 + 12 / 7) / (3 + 12 / 7))


def test_adherence_without_a_plan_is_unknown() -> None:
    weeks = weekly_adherence([MON], None, MON, MON + timedelta(days=6))
    assert weeks == [WeekAdherence(MON, 1, None)]
    assert weeks[0].ratio is None
    assert overall_adherence(weeks) is None


def test_adherence_refuses_reversed_period() -> None:
    with pytest.raises(ValueError, match="end must not be before start"):
        weekly_adherence([], 3, MON, MON - timedelta(days=1))


@given(
    st.lists(st.integers(min_value=0, max_value=60), max_size=80),
    st.floats(min_value=0.5, max_value=7),
    st.integers(min_value=0, max_value=60),
)
def test_adherence_is_a_share(offsets: list[int], planned: float, length: int) -> None:
    start = date(2026, 3, 4)
    end = start + timedelta(days=length)
    weeks = weekly_adherence([start + timedelta(days=o) for o in offsets], planned, start, end)
    assert sum(w.done for w in weeks) == len({o for o in offsets if o <= length})
    assert sum(w.planned or 0 for w in weeks) == pytest.approx(planned * (length + 1) / 7)
    share = overall_adherence(weeks)
    assert share is not None
    assert 0 <= share <= 1


def test_slope_hand_computed() -> None:
    assert slope([(0, 1), (1, 3), (2, 5)]) == pytest.approx(2)
    assert slope([(0, 0), (1, 1), (2, 0), (3, 1)]) == pytest.approx(0.2)  # Sxy 1 / Sxx 5
    assert slope([(1, 4)]) is None
    assert slope([(1, 4), (1, 5)]) is None


@given(
    st.floats(min_value=-5, max_value=5),
    st.floats(min_value=-50, max_value=50),
    st.lists(st.integers(min_value=0, max_value=200), min_size=2, max_size=30, unique=True),
)
def test_weekly_trend_recovers_a_straight_line(
    per_week: float, start: float, days: list[int]
) -> None:
    series = [(MON + timedelta(days=d), start + per_week * d / 7) for d in days]
    trend = weekly_trend(series)
    assert trend.per_week == pytest.approx(per_week, abs=1e-6)
    assert trend.n == len(days)
    assert trend.first == MON + timedelta(days=min(days))


def test_pain_falling_half_a_point_a_week() -> None:
    series = [(MON + timedelta(weeks=w), 6 - 0.5 * w) for w in range(6)]
    assert weekly_trend(series).per_week == pytest.approx(-0.5)
    assert weekly_trend([]).per_week is None


@pytest.mark.parametrize(
    ("baseline", "latest", "threshold", "better_up", "expected"),
    [
        (22, 31, 5.4, True, "improved"),  # hip IR +9 deg beyond MDC 5.4
        (22, 26, 5.4, True, "no_clear_change"),  # +4 is within measurement error
        (30, 35.4, 5.4, True, "improved"),  # exactly the MDC counts (no float slip)
        (30, 24, 5.4, True, "worse"),
        (18, 9, 8, False, "improved"),  # FPPA falls 9 deg, SDD 8
        (6, 5, 1.2, False, "no_clear_change"),  # NPRS -1 < MCID 1.2
        (6, 4, 1.2, False, "improved"),
        (60, 75, 10, True, "improved"),  # Kujala +15 >= MCID 10
        (60, 66, 10, True, "no_clear_change"),
        (5, 15, 3, None, "changed"),
        (5, 15, None, True, "unjudged"),
    ],
)
def test_classify_change(
    baseline: float, latest: float, threshold: float | None, better_up: bool | None, expected: str
) -> None:
    assert classify_change(baseline, latest, threshold, better_up) == expected


@given(
    st.floats(min_value=-100, max_value=100),
    st.floats(min_value=-100, max_value=100),
    st.floats(min_value=0.1, max_value=20),
)
def test_no_claim_inside_the_threshold(baseline: float, latest: float, threshold: float) -> None:
    status = classify_change(baseline, latest, threshold, True)
    if abs(latest - baseline) < threshold * 0.999:
        assert status == "no_clear_change"
    if abs(latest - baseline) > threshold * 1.001:
        assert status == ("improved" if latest > baseline else "worse")
    # swapping the better direction swaps the verdict
    flipped = classify_change(baseline, latest, threshold, False)
    assert {status, flipped} in ({"no_clear_change"}, {"improved", "worse"})


def test_no_trend_from_too_little() -> None:
    two_close = [(MON, 5.0), (MON + timedelta(days=3), 3.0)]
    assert weekly_trend(two_close).per_week == pytest.approx(-14 / 3)
    assert weekly_trend(two_close, min_points=3, min_days=14).per_week is None
    three_spread = [*two_close, (MON + timedelta(days=14), 2.0)]
    assert weekly_trend(three_spread, min_points=3, min_days=14).per_week is not None


@pytest.mark.parametrize(
    ("mdc", "u1", "u2", "expected"),
    [
        (5.4, None, None, 5.4),  # no stated uncertainty: the MDC alone
        (5.4, 1.0, 1.0, 5.4),  # 1.96 * sqrt(2) = 2.77 < 5.4: the MDC governs
        (5.4, 4.0, 4.0, 11.087434),  # 1.96 * sqrt(16 + 16) = 1.96 * 5.656854 = 11.087434
        (5.4, 3.0, 4.0, 9.8),  # 1.96 * sqrt(9 + 16) = 1.96 * 5 = 9.8
        (5.4, None, 5.0, 9.8),  # one value without a +-: counts 0; 1.96 * 5
        (None, 4.0, 4.0, None),  # no MDC: nothing is claimed
    ],
)
def test_real_change_hand_computed(
    mdc: float | None, u1: float | None, u2: float | None, expected: float | None
) -> None:
    got = real_change(mdc, u1, u2)
    assert got == (None if expected is None else pytest.approx(expected, abs=1e-6))


def test_a_wide_uncertainty_holds_back_a_verdict() -> None:
    # hip rotation 20 -> 28 degrees (+8): improved against 5.4, not against +-3 and +-4 (9.8)
    assert classify_change(20, 28, real_change(5.4, None, None), True) == "improved"
    assert classify_change(20, 28, real_change(5.4, 3.0, 4.0), True) == "no_clear_change"
    assert classify_change(20, 30, real_change(5.4, 3.0, 4.0), True) == "improved"  # +10 > 9.8


uncertainties = st.one_of(st.none(), st.floats(min_value=0, max_value=30))


@given(
    st.floats(min_value=-100, max_value=100),
    st.floats(min_value=-100, max_value=100),
    st.floats(min_value=0.1, max_value=20),
    uncertainties,
    uncertainties,
    st.floats(min_value=0, max_value=30),
    st.booleans(),
)
def test_more_uncertainty_never_makes_a_change_real(
    baseline: float,
    latest: float,
    mdc: float,
    u1: float | None,
    u2: float | None,
    more: float,
    better_up: bool,
) -> None:
    """Growing either value's uncertainty never turns 'no clear change' into a verdict, and the
    threshold never falls below the measure's own MDC."""
    before = classify_change(baseline, latest, real_change(mdc, u1, u2), better_up)
    wider = real_change(mdc, (u1 or 0) + more, u2)
    assert wider is not None and wider >= mdc
    after = classify_change(baseline, latest, wider, better_up)
    if before == "no_clear_change":
        assert after == "no_clear_change"
    assert after in (before, "no_clear_change")
