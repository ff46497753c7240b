"""Property tests: no valid case crashes the engine, and mirroring left/right mirrors the result."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kneechain.assess.case import Case
from kneechain.assess.engine import assess
from kneechain.assess.result import AssessmentResult
from kneechain.assess.rules import default_rules
from kneechain.knowledge.loader import default_knowledge
from tests import packaged
from tests.assess.helpers import SWAP, mirror

KB = default_knowledge()
MEASURES = [ms for t in KB.tests.values() for ms in t.measures]
SIDES = st.sampled_from(["left", "right"])


@st.composite
def measurements(draw: st.DrawFn) -> dict[str, Any]:
    spec = draw(st.sampled_from(MEASURES))
    value = draw(st.floats(spec.valid_min, spec.valid_max, allow_nan=False))
    out: dict[str, Any] = {"measure": spec.id, "value": value}
    if spec.per_side:
        out["side"] = draw(SIDES)
    out["provenance"] = draw(st.sampled_from(["manual", "video", "clinician"]))
    if draw(st.booleans()):
        out["quality"] = draw(st.floats(0, 1))
    if draw(st.booleans()):
        out["activity"] = draw(st.sampled_from(["walking", "running"]))
    return out


def optional(strategy: st.SearchStrategy) -> st.SearchStrategy:
    return st.none() | strategy


@st.composite
def cases(draw: st.DrawFn) -> Case:
    kinds = ["running", "cycling", "walking", "weight_lifting", "yoga"]
    activity = st.fixed_dictionaries(
        {"kind": st.sampled_from(kinds)},
        optional={
            "hours_per_week": st.floats(0, 60),
            "includes_mobility_work": st.booleans(),
            "includes_hip_strength_work": st.booleans(),
        },
    )
    person = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "age": st.integers(10, 110),
                "sex": st.sampled_from(["female", "male", "other"]),
                "activities": st.lists(activity, max_size=2),
                "sitting_hours_per_day": st.floats(0, 24),
                "high_heels_days_per_week": st.integers(0, 7),
                "tight_calves": st.booleans(),
                "previous_ankle_injury": st.lists(SIDES, max_size=2, unique=True),
                "previous_knee_injury": st.lists(SIDES, max_size=2, unique=True),
            },
        )
    )
    worst = draw(st.floats(0, 10))
    complaint = {
        "side": draw(optional(st.sampled_from(["left", "right", "both"]))),
        "nprs_worst": worst,
        "nprs_now": draw(st.floats(0, worst)),
        "started_with_injury": draw(optional(st.booleans())),
    }
    flags = draw(st.dictionaries(st.sampled_from(sorted(KB.red_flags)), st.booleans(), max_size=2))
    signs = draw(st.dictionaries(st.sampled_from(sorted(KB.signs)), st.booleans()))
    kujala = {
        item.id: draw(st.sampled_from([o.id for o in item.options]))
        for item in KB.outcomes["kujala"].items
        if draw(st.booleans())
    }
    return Case.model_validate(
        {
            "person": person,
            "complaint": complaint,
            "red_flags": flags,
            "signs": signs,
            "outcomes": {"kujala": kujala},
            "measurements": draw(st.lists(measurements(), max_size=14)),
        }
    )


def _signature(result: AssessmentResult, swap: bool = False) -> set[tuple]:
    def side(s: str | None) -> str | None:
        return SWAP[s] if swap else s

    return {(f.id, side(f.side), f.severity, f.confidence) for f in result.findings}


FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(cases())
def test_no_valid_case_crashes(case: Case) -> None:
    result = assess(case, packaged.rules, packaged.kb)
    assert result.refer is bool(result.red_flags)
    assert result.not_explained is (not result.findings and not result.refer)
    for f in result.findings:
        assert 0 <= f.confidence <= 1 and f.evidence and f.explanation
        assert any(e.kind in ("measurement", "asymmetry") and e.supports for e in f.evidence)
    AssessmentResult.model_validate_json(result.model_dump_json())


@FAST
@given(cases())
def test_swapping_sides_swaps_the_result(case: Case) -> None:
    result, mirrored = (
        assess(case, packaged.rules, packaged.kb),
        assess(mirror(case), packaged.rules, packaged.kb),
    )
    assert _signature(mirrored) == _signature(result, swap=True)
    assert [h.id for h in mirrored.red_flags] == [h.id for h in result.red_flags]
    assert {(u.measure, SWAP[u.side]) for u in result.unused_measurements} == {
        (u.measure, u.side) for u in mirrored.unused_measurements
    }


@FAST
@given(cases())
def test_low_quality_measurements_never_decide(case: Case) -> None:
    limit = default_rules().min_quality
    trusted = [x for x in case.measurements if x.quality is None or x.quality >= limit]
    result = assess(case, packaged.rules, packaged.kb)
    only_trusted = assess(
        case.model_copy(update={"measurements": trusted}), packaged.rules, packaged.kb
    )
    assert _signature(result) == _signature(only_trusted)
