"""`kneechain assess` and `kneechain schema`, run through the real Typer app."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from kneechain.cli import app
from kneechain.knowledge.loader import default_knowledge

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
WIDE = {"COLUMNS": "160"}


def test_assess_text_report() -> None:
    path = EXAMPLES / "runner_right_valgus_pelvic_drop.json"
    result = runner.invoke(app, ["assess", "--input", str(path)], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "Knee dives inward under load - right" in result.output
    assert "On one leg your right knee falls inward 19 degrees" in result.output


def test_assess_json_has_the_documented_fields() -> None:
    path = EXAMPLES / "desk_worker_bilateral_ir_deficit.json"
    result = runner.invoke(app, ["assess", "--input", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["refer"] is False and data["red_flags"] == []
    (finding,) = data["findings"]
    assert {"id", "side", "severity", "confidence", "evidence", "explanation"} <= set(finding)
    assert finding["id"] == "hip_ir_deficit" and finding["side"] == "both"


def test_red_flag_report_says_stop_and_whom_to_see() -> None:
    path = EXAMPLES / "red_flag_hot_swollen_knee.json"
    result = runner.invoke(app, ["assess", "--input", str(path)], env=WIDE)
    assert result.exit_code == 0
    assert "Refer to a clinician" in result.output and "emergency department" in result.output


def _bad(tmp_path: Path, text: str) -> str:
    path = tmp_path / "case.json"
    path.write_text(text)
    result = runner.invoke(app, ["assess", "--input", str(path)], env=WIDE)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.output


def test_out_of_range_values_are_named(tmp_path: Path) -> None:
    case = {
        "complaint": {"nprs_now": 12},
        "measurements": [{"measure": "hip_ir_supine", "side": "left", "value": 140}],
    }
    out = _bad(tmp_path, json.dumps(case))
    assert "is not a valid case" in out
    assert "complaint.nprs_now: 12 is out of range; allowed 0 to 10" in out
    assert "hip_ir_supine value 140 is outside the allowed range -30 to 90 deg" in out


def test_unreadable_json_and_missing_file(tmp_path: Path) -> None:
    assert "not valid JSON" in _bad(tmp_path, "{oops")
    missing = runner.invoke(app, ["assess", "--input", str(tmp_path / "nope.json")])
    assert missing.exit_code == 2 and "cannot be read" in missing.output


def test_needs_input_or_interactive() -> None:
    result = runner.invoke(app, ["assess"])
    assert result.exit_code == 2 and "--input" in result.output


def test_schema_case_and_result() -> None:
    case = runner.invoke(app, ["schema", "case"])
    assert case.exit_code == 0
    assert "measurements" in json.loads(case.output)["properties"]
    result = runner.invoke(app, ["schema", "result"])
    assert "findings" in json.loads(result.output)["properties"]


def _answers(*lines: str) -> str:
    return "\n".join(lines) + "\n"


RED_FLAG_COUNT = len(default_knowledge().red_flags) - 1  # injury_age_55 is derived, not asked


def test_interactive_red_flag_stops_before_tests(tmp_path: Path) -> None:
    out_path = tmp_path / "case.json"
    answers = _answers(
        "-3",  # age: invalid, asked again
        "45",
        "n",  # injury
        *(["y"] + ["n"] * (RED_FLAG_COUNT - 1)),  # first red flag yes
        *[""] * 6,  # person: sex, sitting, heels, calves, ankle, knee injuries
        "",  # no activity
        *[""] * 6,  # complaint
    )
    result = runner.invoke(
        app, ["assess", "--interactive", "--output", str(out_path)], input=answers, env=WIDE
    )
    assert result.exit_code == 0, result.output
    assert "person.age: -3 is out of range; allowed 10 to 110" in result.output
    assert "please see a clinician" in result.output
    assert "Did you do the" not in result.output
    saved = json.loads(out_path.read_text())
    first = next(iter(default_knowledge().red_flags))
    assert saved["red_flags"][first] is True and saved["person"]["age"] == 45
    assert "Refer to a clinician" in result.output


def test_interactive_full_flow_validates_and_saves(tmp_path: Path) -> None:
    out_path = tmp_path / "case.json"
    kb = default_knowledge()
    test_answers: list[str] = []
    for test in kb.tests.values():
        if test.id == "lying_leg_turn":
            test_answers += ["y", "140", "18", "14"]  # 140 rejected, asked again
        else:
            test_answers.append("n")
    answers = _answers(
        "35",
        "n",
        *["n"] * RED_FLAG_COUNT,
        "female",
        "9",
        "0",
        "maybe",  # invalid yes/no, asked again
        "n",
        "",
        "",
        "running",
        "4",
        "n",
        "n",
        "",  # no more activities
        "right",
        "front,around_kneecap",
        "10",
        "5",
        "7",  # now above worst: rejected
        "3",
        "4",
        *["y", "n", "y", "n", "n"],  # signs
        "y",  # Kujala
        "9",  # the first item has three answers: rejected
        *["1"] * 13,  # best answer to every item
        *test_answers,
    )
    result = runner.invoke(
        app, ["assess", "--interactive", "--output", str(out_path)], input=answers, env=WIDE
    )
    assert result.exit_code == 0, result.output
    assert "hip_ir_supine value 140 is outside the allowed range -30 to 90 deg" in result.output
    assert "answer y or n" in result.output
    assert "nprs_now (7) cannot be above nprs_worst (5)" in result.output
    saved = json.loads(out_path.read_text())
    assert saved["complaint"]["nprs_now"] == 3 and saved["complaint"]["side"] == "right"
    assert saved["person"]["activities"] == [
        {
            "kind": "running",
            "hours_per_week": 4.0,
            "includes_mobility_work": False,
            "includes_hip_strength_work": False,
        }
    ]
    values = {(x["measure"], x["side"]): x["value"] for x in saved["measurements"]}
    assert values == {("hip_ir_supine", "left"): 18, ("hip_ir_supine", "right"): 14}
    assert "choose a number from 1 to 3" in result.output
    kujala = saved["outcomes"]["kujala"]
    assert len(kujala) == 13 and kujala["limp"] == "none" and kujala["flexion_loss"] == "none"
    assert "Limited hip internal rotation - both" in result.output
