"""The case format: everything optional, invalid values rejected with the field and range named."""

from __future__ import annotations

import json

import pytest

from kneechain.assess.case import CASE_VERSION, Case
from kneechain.assess.caseio import CaseError, parse_case, validate_case
from tests.assess.helpers import m


def problems(data: object) -> list[str]:
    with pytest.raises(CaseError) as info:
        validate_case(data)
    return info.value.problems


def test_empty_case_is_valid_and_versioned() -> None:
    c = Case()
    assert c.case_version == CASE_VERSION
    assert c.measurements == [] and c.red_flags == {}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {"measurements": [m("hip_ir_supine", 140, "right")]},
            "measurements[0]: hip_ir_supine value 140 is outside the allowed range -30 to 90 deg",
        ),
        (
            {"complaint": {"nprs_now": 12}},
            "complaint.nprs_now: 12 is out of range; allowed 0 to 10",
        ),
        (
            {"complaint": {"nprs_worst": -1}},
            "complaint.nprs_worst: -1 is out of range; allowed 0 to 10",
        ),
        ({"person": {"age": -4}}, "person.age: -4 is out of range; allowed 10 to 110"),
        (
            {"person": {"sitting_hours_per_day": 25}},
            "person.sitting_hours_per_day: 25 is out of range; allowed 0 to 24",
        ),
        (
            {"person": {"activities": [{"kind": "running", "hours_per_week": 61}]}},
            "person.activities[0].hours_per_week: 61 is out of range; allowed 0 to 60",
        ),
        (
            {"measurements": [{**m("ktw_distance", 5, "left"), "quality": 1.5}]},
            "measurements[0].quality: 1.5 is out of range; allowed 0 to 1",
        ),
    ],
)
def test_out_of_range_names_field_and_range(data: dict, expected: str) -> None:
    assert expected in problems(data)


def test_unknown_side_is_named() -> None:
    (line,) = problems({"measurements": [m("hip_ir_supine", 20, "middle")]})
    assert line.startswith("measurements[0].side:") and "'left' or 'right'" in line
    (line,) = problems({"complaint": {"side": "up"}})
    assert line.startswith("complaint.side:") and "'both'" in line


def test_contradictory_pain_ratings_are_rejected() -> None:
    (line,) = problems({"complaint": {"nprs_now": 8, "nprs_worst": 5}})
    assert line.startswith("complaint:") and "nprs_now (8) cannot be above nprs_worst (5)" in line
    (line,) = problems({"complaint": {"nprs_activity": 6, "nprs_worst": 5.5}})
    assert "nprs_activity (6) cannot be above nprs_worst (5.5)" in line


def test_side_required_for_per_side_measures_and_refused_otherwise() -> None:
    (line,) = problems({"measurements": [m("hip_ir_supine", 20)]})
    assert "hip_ir_supine is measured per side" in line
    (line,) = problems({"measurements": [m("cadence", 170, "left")]})
    assert "cadence is one value for both legs" in line


def test_unknown_ids_are_named_with_the_choices() -> None:
    (line,) = problems({"measurements": [m("hip_flexion", 20, "left")]})
    assert "unknown measure 'hip_flexion'" in line and "hip_ir_supine" in line
    (line,) = problems({"red_flags": {"broken_leg": True}})
    assert line.startswith("red_flags:") and "locked_knee" in line
    (line,) = problems({"signs": {"sign_x": True}})
    assert line.startswith("signs:") and "sign_knees_cave" in line
    (line,) = problems({"outcomes": {"kujala": {"limp": "sometimes"}}})
    assert "Kujala item 'limp': unknown answer 'sometimes'" in line and "none" in line
    (line,) = problems({"outcomes": {"kujala": {"hopping": "none"}}})
    assert "unknown Kujala item 'hopping'" in line


def test_typos_and_duplicate_sides_and_versions_are_rejected() -> None:
    (line,) = problems({"person": {"agee": 30}})
    assert line.startswith("person.agee: unknown field")
    (line,) = problems({"person": {"previous_ankle_injury": ["left", "left"]}})
    assert "list each side at most once" in line
    (line,) = problems({"case_version": "2.0"})
    assert "case_version '2.0' is not supported" in line


def test_every_problem_is_listed_not_just_the_first() -> None:
    lines = problems({"person": {"age": 300}, "complaint": {"nprs_now": 11}})
    assert len(lines) == 2


def test_unreadable_json_and_wrong_shape() -> None:
    with pytest.raises(CaseError, match="not valid JSON"):
        parse_case("{not json")
    with pytest.raises(CaseError, match="expected a JSON object, got list"):
        parse_case("[1, 2]")


def test_schema_documents_the_fields() -> None:
    schema = Case.model_json_schema()
    assert {"person", "complaint", "red_flags", "signs", "outcomes", "measurements"} <= set(
        schema["properties"]
    )
    measurement = schema["$defs"]["Measurement"]["properties"]
    assert set(measurement["provenance"]["enum"]) == {"manual", "video", "clinician"}
    assert measurement["quality"]["anyOf"][0]["maximum"] == 1
    assert "hip_ir_supine" in measurement["measure"]["enum"]
    assert "locked_knee" in schema["properties"]["red_flags"]["propertyNames"]["enum"]
    assert len(schema["properties"]["signs"]["propertyNames"]["enum"]) == 5
    kujala = schema["$defs"]["Outcomes"]["properties"]["kujala"]["anyOf"][0]["properties"]
    assert len(kujala) == 13 and kujala["limp"]["enum"] == [
        "none",
        "slight_or_periodic",
        "constant",
    ]
    json.dumps(schema)


def test_a_measurement_is_checked_against_the_knowledge_base_it_is_given() -> None:
    """The validation context's measures replace the packaged ones: a range widened to 150
    takes 140 degrees, and an unknown measure id is refused with the given ids; a measurement
    already made (nested in a case) is not checked again against the packaged base."""
    from kneechain.assess.case import MEASURES, Measurement, measure_index

    packaged = measure_index()["hip_ir_supine"]
    widened = {"hip_ir_supine": packaged.model_copy(update={"valid_max": 150.0})}
    data = m("hip_ir_supine", 140, "right")
    made = Measurement.model_validate(data, context={MEASURES: widened})
    assert made.value == 140
    assert Case(measurements=[made]).measurements == [made]
    with pytest.raises(ValueError, match="outside the allowed range -30 to 90 deg"):
        Measurement.model_validate(data)
    with pytest.raises(ValueError, match="unknown measure 'squat_fppa'; choose one of: hip_ir"):
        Measurement.model_validate(m("squat_fppa", 7, "left"), context={MEASURES: widened})
