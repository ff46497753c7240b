"""The example cases in examples/: each gives the findings a clinician would expect."""

from __future__ import annotations

from pathlib import Path

import pytest

from kneechain.assess.caseio import load_case
from kneechain.assess.engine import assess
from tests import packaged

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

# file -> (refer, expected {finding id: side}, not_explained)
EXPECTED: dict[str, tuple[bool, dict[str, str], bool]] = {
    "desk_worker_bilateral_ir_deficit.json": (False, {"hip_ir_deficit": "both"}, False),
    "runner_right_valgus_pelvic_drop.json": (
        False,
        {"dynamic_knee_valgus": "right", "pelvic_drop": "right"},
        False,
    ),
    "stiff_ankle_after_sprain.json": (
        False,
        {"ankle_dorsiflexion_deficit": "left", "ankle_dorsiflexion_asymmetry": "left"},
        False,
    ),
    "cyclist_tight_hip_flexors.json": (
        False,
        {"hip_flexor_tightness": "both", "rectus_femoris_tightness": "both"},
        False,
    ),
    "red_flag_hot_swollen_knee.json": (True, {"hip_ir_deficit": "both"}, False),
    "hip_not_the_cause.json": (False, {}, True),
}


def test_every_example_has_expectations() -> None:
    assert {p.name for p in EXAMPLES.glob("*.json")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example(name: str) -> None:
    refer, findings, not_explained = EXPECTED[name]
    result = assess(load_case(EXAMPLES / name), packaged.rules, packaged.kb)
    assert result.refer is refer
    assert {f.id: f.side for f in result.findings} == findings
    assert result.not_explained is not_explained


def test_red_flag_example_names_reason_and_clinician() -> None:
    result = assess(
        load_case(EXAMPLES / "red_flag_hot_swollen_knee.json"), packaged.rules, packaged.kb
    )
    (hit,) = result.red_flags
    assert hit.id == "hot_swollen_fever" and hit.urgency == "emergency"
    assert "emergency" in hit.refer_to


def test_hip_not_the_cause_suggests_clinicians() -> None:
    result = assess(load_case(EXAMPLES / "hip_not_the_cause.json"), packaged.rules, packaged.kb)
    ids = [c.id for c in result.clinicians]
    assert ids[:2] == ["physiotherapist", "orthopaedic_specialist"] and "running_clinician" in ids


def test_desk_worker_kujala_is_hand_computed() -> None:
    result = assess(
        load_case(EXAMPLES / "desk_worker_bilateral_ir_deficit.json"), packaged.rules, packaged.kb
    )
    (kujala,) = [o for o in result.outcomes if o.id == "kujala"]
    # 100 - 2 (stairs) - 1 (squatting) - 2 (running) - 3 (jumping) - 6 (sitting) - 2 (pain)
    assert kujala.score == 84


def test_runner_low_quality_clip_is_reported_not_used() -> None:
    result = assess(
        load_case(EXAMPLES / "runner_right_valgus_pelvic_drop.json"), packaged.rules, packaged.kb
    )
    (unused,) = result.unused_measurements
    assert (unused.measure, unused.side, unused.quality) == ("gait_fppa_midstance", "right", 0.35)
    valgus = result.finding("dynamic_knee_valgus")
    assert all(e.ref != "gait_fppa_midstance" for e in valgus.evidence)
