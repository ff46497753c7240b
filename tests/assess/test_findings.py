"""Hand-computed cases for every finding id, severities, sides, confidence and quality rules."""

from __future__ import annotations

import pytest

from kneechain.assess.rules import default_rules
from kneechain.knowledge.loader import default_knowledge
from tests.assess.helpers import both, m, run

ADULT = {"age": 30, "sex": "female"}
RUNNER = {**ADULT, "activities": [{"kind": "running", "hours_per_week": 4}]}

# finding id -> (person, measurements, expected side); values worked out by hand from tests.yaml
HAND_CASES: dict[str, tuple[dict, list[dict], str]] = {
    "hip_ir_deficit": (ADULT, both("hip_ir_supine", 30, 14), "right"),
    "hip_rotation_asymmetry": (ADULT, both("hip_ir_seated", 42, 30), "right"),
    "hip_flexor_tightness": (ADULT, both("thomas_thigh_angle", 8, -3), "left"),
    "rectus_femoris_tightness": (ADULT, both("thomas_knee_flexion", 60, 55), "both"),
    "ankle_dorsiflexion_deficit": (ADULT, both("ktw_distance", 8, 12), "left"),
    "ankle_dorsiflexion_asymmetry": (ADULT, both("ktw_distance", 13, 11), "right"),
    "dynamic_knee_valgus": (ADULT, both("sls_fppa", 6, 17), "right"),
    "pelvic_drop": (ADULT, both("sls_pelvic_drop", 7, 2), "left"),
    "trunk_lateral_lean": (ADULT, both("sls_trunk_lean", 3, 12), "right"),
    "poor_single_leg_balance": (ADULT, both("balance_time", 30, 20), "right"),
    "overstride": (RUNNER, both("overstride_shank_angle", 12, 4, activity="running"), "left"),
    "low_cadence": (RUNNER, [m("cadence", 150, activity="running")], "both"),
    "hip_soft_tissue_restriction": (
        ADULT,
        both("tender_regions", 0, 2, provenance="clinician"),
        "right",
    ),
}


def test_hand_cases_cover_every_finding_id() -> None:
    assert set(HAND_CASES) == set(default_knowledge().findings)


@pytest.mark.parametrize("finding_id", sorted(HAND_CASES))
def test_hand_case_finds_it_on_the_right_side(finding_id: str) -> None:
    person, measurements, side = HAND_CASES[finding_id]
    result = run(person=person, measurements=measurements)
    found = result.finding(finding_id)
    assert found is not None, [f.id for f in result.findings]
    assert found.side == side
    assert 0 < found.confidence <= 1
    assert found.explanation and found.evidence
    assert found.mechanism_ids == default_knowledge().findings[finding_id].mechanism_ids
    assert not result.not_explained


def test_hip_ir_explanation_names_values_norm_and_chain() -> None:
    result = run(person=ADULT, measurements=both("hip_ir_supine", 30, 14))
    text = result.finding("hip_ir_deficit").explanation
    assert text.startswith("Your right hip turns in 14 degrees lying on your back;")
    assert "the norm is about 29.6 degrees" in text  # photographic norm, adults 20-60
    assert "your thigh cannot follow at the hip" in text
    right = next(e for e in result.finding("hip_ir_deficit").evidence if e.side == "right")
    assert (right.value, right.threshold, right.comparator, right.severe_value) == (14, 25, "<", 15)
    assert right.norm == "29.6 deg (healthy adults lying on their back)"
    assert right.reference_id == "lying_leg_turn.deficit" and "altman_1991" in right.source_ids
    older = run(person={"age": 70}, measurements=both("hip_ir_supine", 30, 14))
    assert "the norm is about 30 degrees" in older.finding("hip_ir_deficit").explanation


@pytest.mark.parametrize(
    ("value", "severity"),
    [(24.9, "mild"), (19.6, "mild"), (19.5, "moderate"), (15, "moderate"), (14.9, "marked")],
)
def test_hip_ir_severity_bands(value: float, severity: str) -> None:
    # threshold < 25, MDC 5.4 (mild while 25 - value <= 5.4), marked below 15
    result = run(person=ADULT, measurements=[m("hip_ir_supine", value, "left")])
    assert result.finding("hip_ir_deficit").severity == severity


@pytest.mark.parametrize(("right", "found"), [(20, False), (19.9, True)])
def test_asymmetry_boundary(right: float, found: bool) -> None:
    # noteworthy difference > 10 degrees
    result = run(person=ADULT, measurements=both("hip_ir_seated", 30, right))
    assert (result.finding("hip_rotation_asymmetry") is not None) is found


def test_asymmetry_severity_and_worse_side() -> None:
    # ktw asymmetry > 1.5 cm, MDC 1.9: 2.5 cm is mild (2.5 - 1.5 <= 1.9); over 3 cm (2 x 1.5) marked
    mild = run(measurements=both("ktw_distance", 12, 9.5)).finding("ankle_dorsiflexion_asymmetry")
    assert (mild.side, mild.severity) == ("right", "mild")
    marked = run(measurements=both("ktw_distance", 8, 12)).finding("ankle_dorsiflexion_asymmetry")
    assert (marked.side, marked.severity) == ("left", "marked")


def test_bilateral_deficit_is_one_finding_on_both_sides() -> None:
    result = run(person=ADULT, measurements=both("hip_ir_supine", 16, 14))
    found = result.finding("hip_ir_deficit")
    assert found.side == "both" and found.severity == "marked"
    assert found.explanation.startswith(
        "Lying on your back, your hips turn in 16 degrees (left) and 14 degrees (right);"
    )
    assert result.finding("hip_rotation_asymmetry") is None


def test_knee_ankle_ratio_is_a_both_legs_finding() -> None:
    result = run(measurements=[m("squat_knee_ankle_ratio", 0.7)])
    assert result.finding("dynamic_knee_valgus").side == "both"


def test_cadence_norm_applies_only_to_running() -> None:
    walker = {"age": 40, "activities": [{"kind": "walking", "hours_per_week": 5}]}
    assert run(person=walker, measurements=[m("cadence", 110)]).finding("low_cadence") is None
    walking = run(person=RUNNER, measurements=[m("cadence", 110, activity="walking")])
    assert walking.finding("low_cadence") is None
    unlabelled = run(person=RUNNER, measurements=[m("cadence", 150)])
    labelled = run(person=RUNNER, measurements=[m("cadence", 150, activity="running")])
    assert unlabelled.finding("low_cadence").confidence < labelled.finding("low_cadence").confidence
    assert any("activity unknown" in n for n in unlabelled.notes)


@pytest.mark.parametrize(
    ("age", "time", "found"),
    [(30, 26.9, True), (30, 27, False), (75, 20, False), (75, 16.9, True), (85, 8, True)],
)
def test_balance_threshold_by_age(age: int, time: float, found: bool) -> None:
    result = run(person={"age": age}, measurements=[m("balance_time", time, "left")])
    assert (result.finding("poor_single_leg_balance") is not None) is found


def test_low_quality_video_is_reported_but_never_decides() -> None:
    low = m("sls_fppa", 25, "right", provenance="video", quality=0.3)
    result = run(person=ADULT, measurements=[low])
    assert result.finding("dynamic_knee_valgus") is None
    (unused,) = result.unused_measurements
    assert unused.measure == "sls_fppa" and unused.quality == 0.3 and "re-film" in unused.reason
    at_limit = m("sls_fppa", 25, "right", provenance="video", quality=default_rules().min_quality)
    assert run(person=ADULT, measurements=[at_limit]).finding("dynamic_knee_valgus") is not None


def test_repeated_measurements_are_averaged() -> None:
    # 10 and 16 average to 13 > 12
    result = run(measurements=[m("sls_fppa", 10, "left"), m("sls_fppa", 16, "left")])
    (ev,) = [e for e in result.finding("dynamic_knee_valgus").evidence if e.kind == "measurement"]
    assert ev.value == 13


def test_second_test_agreeing_raises_and_normal_test_lowers_confidence() -> None:
    one = run(measurements=[m("hip_ir_supine", 18, "left")]).finding("hip_ir_deficit")
    agree = run(measurements=[m("hip_ir_supine", 18, "left"), m("hip_ir_seated", 22, "left")])
    disagree = run(measurements=[m("hip_ir_supine", 18, "left"), m("hip_ir_seated", 36, "left")])
    assert agree.finding("hip_ir_deficit").confidence > one.confidence
    assert disagree.finding("hip_ir_deficit").confidence < one.confidence
    against = [e for e in disagree.finding("hip_ir_deficit").evidence if not e.supports]
    assert [e.ref for e in against] == ["hip_ir_seated"]


def test_signs_and_risk_factors_raise_confidence_but_never_create_a_finding() -> None:
    meas = [m("thomas_thigh_angle", 5, "left")]
    plain = run(measurements=meas).finding("hip_flexor_tightness").confidence
    answers = {"sign_front_hip_tightness": True, "sign_pain_sitting_stairs": True}
    primed = run(measurements=meas, signs=answers, person={"sitting_hours_per_day": 9})
    assert primed.finding("hip_flexor_tightness").confidence > plain
    kinds = {e.kind for e in primed.finding("hip_flexor_tightness").evidence}
    assert {"measurement", "sign", "risk_factor"} <= kinds
    denied = run(measurements=meas, signs={"sign_front_hip_tightness": False})
    assert denied.finding("hip_flexor_tightness").confidence < plain
    only_answers = run(signs=answers, person={"sitting_hours_per_day": 9})
    assert only_answers.findings == []
    suspected = {s.finding_id for s in only_answers.suspicions}
    assert "hip_flexor_tightness" in suspected
    hf = next(s for s in only_answers.suspicions if s.finding_id == "hip_flexor_tightness")
    assert hf.tests == ["thomas_test"] and "prolonged_sitting" in hf.because


def test_old_ankle_injury_raises_only_that_side() -> None:
    meas = both("ankle_df_angle", 30, 30)
    plain = run(measurements=meas).finding("ankle_dorsiflexion_deficit").confidence
    injured = run(measurements=meas, person={"previous_ankle_injury": ["left"]})
    # 'both' takes the weaker side's confidence: the uninjured right is unchanged
    assert injured.finding("ankle_dorsiflexion_deficit").confidence == plain
    left_only = run(
        measurements=[m("ankle_df_angle", 30, "left")], person={"previous_ankle_injury": ["left"]}
    )
    assert (
        left_only.finding("ankle_dorsiflexion_deficit").confidence
        > run(measurements=[m("ankle_df_angle", 30, "left")])
        .finding("ankle_dorsiflexion_deficit")
        .confidence
    )


def test_nothing_explains_the_pain_suggests_clinicians() -> None:
    normal = both("hip_ir_supine", 32, 31) + both("ankle_df_angle", 40, 41)
    result = run(person={"age": 40}, measurements=normal)
    assert result.not_explained and result.findings == []
    assert [c.id for c in result.clinicians] == ["physiotherapist", "orthopaedic_specialist"]
    runner = run(person=RUNNER, measurements=normal)
    assert "running_clinician" in [c.id for c in runner.clinicians]


def test_empty_case_does_not_crash_and_says_what_is_missing() -> None:
    result = run()
    assert not result.refer and result.findings == [] and result.not_explained
    assert any("No measurements" in n for n in result.notes)


def test_results_are_deterministic() -> None:
    data = {
        "person": ADULT,
        "measurements": both("hip_ir_supine", 18, 14) + both("sls_fppa", 14, 9),
    }
    assert run(**data).model_dump() == run(**data).model_dump()


def test_findings_ordered_by_severity_then_confidence() -> None:
    result = run(measurements=[m("hip_ir_supine", 10, "left"), m("sls_fppa", 13, "left")])
    assert [f.id for f in result.findings] == ["hip_ir_deficit", "dynamic_knee_valgus"]
