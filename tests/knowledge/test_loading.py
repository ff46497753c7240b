"""Loading the packaged knowledge base, and clear errors for malformed files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from kneechain.knowledge.loader import (
    DATA_DIR,
    FILES,
    KnowledgeError,
    default_knowledge,
    load_knowledge,
    parse_entries,
)
from kneechain.knowledge.models import Exercise, Test
from kneechain.knowledge.validate import check_links

REQUIRED_EXERCISES = {
    "glute_ball_release", "hip_flexor_ball_release", "thigh_foam_roll", "tfl_ball_release",
    "soft_tissue_prep", "three_way_hip_flexor_release", "modified_pigeon", "figure_four_stretch",
    "ankle_mobility_stretch", "glute_bridge", "lateral_lunge", "single_leg_calf_toe_raise",
    "side_lying_leg_lift",
}  # fmt: skip
REQUIRED_FINDINGS = {
    "hip_ir_deficit", "hip_rotation_asymmetry", "hip_flexor_tightness", "rectus_femoris_tightness",
    "ankle_dorsiflexion_deficit", "dynamic_knee_valgus", "pelvic_drop", "poor_single_leg_balance",
    "overstride", "low_cadence",
}  # fmt: skip
REQUIRED_TESTS = {
    "lying_leg_turn", "seated_hip_rotation", "thomas_test", "knee_to_wall", "double_leg_squat",
    "single_leg_squat", "single_leg_balance", "gait", "palpation",
}  # fmt: skip
REQUIRED_MECHANISMS = {
    "hip_ir_tug_of_war", "ankle_stiffness_transfer", "weak_hip_valgus", "anterior_hip_tightness",
    "core_hip_knee_link",
}  # fmt: skip


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of the packaged data folder to break on purpose."""
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def test_packaged_knowledge_loads_and_links() -> None:
    kb = default_knowledge()
    assert check_links(kb) == []
    assert set(kb.exercises) >= REQUIRED_EXERCISES
    assert set(kb.findings) >= REQUIRED_FINDINGS
    assert set(kb.tests) == REQUIRED_TESTS
    assert set(kb.mechanisms) >= REQUIRED_MECHANISMS
    assert {s.kind for s in kb.sources.values()} == {"seed", "clinical"}
    assert sorted(s.seed_file[:3] for s in kb.sources.values() if s.seed_file) == [
        "000", "001", "002", "003", "004"
    ]  # fmt: skip


def test_every_filmable_test_tells_a_person_alone_where_to_put_the_phone() -> None:
    for test in default_knowledge().tests.values():
        if test.filmable:
            assert test.camera is not None and len(test.camera.instructions) >= 1
            assert test.performer == "self", test.id
        for measure in test.measures:
            refs = [r for r in test.references if r.measure == measure.id]
            for ref in refs:
                assert ref.source_ids, (test.id, ref.id)


def test_findings_are_detected_and_addressed() -> None:
    kb = default_knowledge()
    for finding in kb.findings.values():
        assert finding.detected_by and finding.addressed_by
        assert all(kb.exercises[e].variant_of is None for e in finding.addressed_by)


def test_malformed_field_names_file_entry_and_field(data_copy: Path) -> None:
    path = data_copy / "exercises.yaml"
    entries = yaml.safe_load(path.read_text())
    entries[3]["dosage"]["hold_seconds"] = {"min": "long"}
    path.write_text(yaml.safe_dump(entries))
    with pytest.raises(KnowledgeError) as err:
        load_knowledge(data_copy)
    message = str(err.value)
    assert "exercises.yaml" in message
    assert f"entry 3 (id {entries[3]['id']!r})" in message
    assert "dosage.hold_seconds.min" in message


def test_unknown_field_is_rejected(data_copy: Path) -> None:
    path = data_copy / "tests.yaml"
    entries = yaml.safe_load(path.read_text())
    entries[0]["colour"] = "blue"
    path.write_text(yaml.safe_dump(entries))
    with pytest.raises(KnowledgeError, match=r"tests.yaml: entry 0 .*field colour"):
        load_knowledge(data_copy)


def test_invalid_yaml_and_wrong_shape() -> None:
    with pytest.raises(KnowledgeError, match="not valid YAML"):
        parse_entries(Path("bad.yaml"), Exercise, text="- id: [unclosed")
    with pytest.raises(KnowledgeError, match="expected a list"):
        parse_entries(Path("bad.yaml"), Exercise, text="id: x")


def test_duplicate_ids_are_rejected(data_copy: Path) -> None:
    path = data_copy / "findings.yaml"
    entries = yaml.safe_load(path.read_text())
    path.write_text(yaml.safe_dump([*entries, entries[0]]))
    with pytest.raises(KnowledgeError, match="duplicate id"):
        load_knowledge(data_copy)


def test_threshold_without_comparator_is_rejected() -> None:
    text = yaml.safe_dump([{
        "id": "t", "name": "T", "purpose": "p", "performer": "clinician", "filmable": False,
        "setup": ["do it"], "detects": ["x"], "source_ids": ["s"],
        "measures": [{"id": "m", "name": "M", "unit": "deg", "per_side": True,
                      "description": "d", "valid_min": 0, "valid_max": 90}],
        "references": [{"id": "r", "measure": "m", "kind": "threshold", "label": "l",
                        "value": 3, "source_ids": ["s"]}],
    }])  # fmt: skip
    with pytest.raises(KnowledgeError, match="needs a value and a comparator"):
        parse_entries(Path("tests.yaml"), Test, text=text)


@pytest.mark.parametrize(
    ("file", "mutate", "expected"),
    [
        ("findings", lambda e: e[0]["addressed_by"].append("no_such_exercise"),
         "names unknown exercise 'no_such_exercise'"),
        ("exercises", lambda e: e[0].update(regression="ghost"), "names unknown exercise 'ghost'"),
        ("exercises", lambda e: e[0].update(source_ids=["nobody_2020"]),
         "names unknown source 'nobody_2020'"),
        ("tests", lambda e: e[0]["detects"].append("low_cadence"),
         "finding 'low_cadence' does not list it in detected_by"),
        ("exercises", lambda e: e[0]["addresses"].remove("hip_ir_deficit"),
         "does not list it in addresses"),
    ],
)  # fmt: skip
def test_broken_links_are_reported(data_copy: Path, file: str, mutate, expected: str) -> None:
    path = data_copy / f"{file}.yaml"
    entries = yaml.safe_load(path.read_text())
    mutate(entries)
    path.write_text(yaml.safe_dump(entries))
    problems = check_links(load_knowledge(data_copy))
    assert any(expected in p for p in problems), problems


def test_orphan_finding_is_reported(data_copy: Path) -> None:
    path = data_copy / "findings.yaml"
    entries = yaml.safe_load(path.read_text())
    entries.append({**entries[0], "id": "lonely_finding", "addressed_by": ["glute_ball_release"]})
    path.write_text(yaml.safe_dump(entries))
    problems = check_links(load_knowledge(data_copy))
    assert "findings.lonely_finding: no exercise addresses it" in problems


def test_every_collection_has_a_file() -> None:
    assert sorted(p.stem for p in DATA_DIR.glob("*.yaml") if p.stem in FILES) == sorted(FILES)


def test_documents_are_read_one_way_with_file_and_field_named(tmp_path: Path) -> None:
    from pydantic import BaseModel

    from kneechain.knowledge.loader import load_document, parse_document

    class Doc(BaseModel):
        limit: int

    assert parse_document(Doc, "limit: 3", "doc.yaml") == Doc(limit=3)
    with pytest.raises(KnowledgeError, match=r"doc\.yaml: field limit: should be a whole number"):
        parse_document(Doc, "limit: many", "doc.yaml")
    with pytest.raises(KnowledgeError, match=r"doc\.yaml: not valid YAML"):
        parse_document(Doc, "limit: [", "doc.yaml")
    with pytest.raises(KnowledgeError, match="cannot be read"):
        load_document(Doc, tmp_path / "missing.yaml")


def _clinician_test(measure: dict[str, object]) -> str:
    return yaml.safe_dump([{
        "id": "t", "name": "T", "purpose": "p", "performer": "clinician", "filmable": False,
        "setup": ["do it"], "detects": ["x"], "source_ids": ["s"],
        "measures": [{"id": "m", "name": "M", "unit": "deg", "per_side": True,
                      "description": "d", "valid_min": 0, "valid_max": 90, **measure}],
    }])  # fmt: skip


def test_a_measure_nothing_could_measure_is_rejected() -> None:
    with pytest.raises(KnowledgeError, match="no by_hand how-to and the test is not filmable"):
        parse_entries(Path("tests.yaml"), Test, text=_clinician_test({}))
    how = {"by_hand": "Count the tender spots with a finger."}
    assert parse_entries(Path("tests.yaml"), Test, text=_clinician_test(how))[0].measures[0].by_hand


def test_video_only_measures_are_those_a_person_cannot_read_by_hand() -> None:
    kb = default_knowledge()
    by_hand = {m.id for t in kb.tests.values() for m in t.measures if m.by_hand}
    assert {"hip_ir_supine", "ktw_distance", "balance_time", "tender_regions"} <= by_hand
    video_only = {"squat_fppa", "sls_pelvic_drop", "overstride_ratio", "balance_sway_rms"}
    assert not video_only & by_hand
