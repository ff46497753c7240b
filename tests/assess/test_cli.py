"""`kneechain assess` and `kneechain schema`, run through the real Typer app."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from kneechain.cli import app

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


def test_reports_show_names_never_ids() -> None:
    """Red flags by the question answered, tests and unused measurements by name, at 80
    columns as at 160 (issue #12: 'test with thomas_test', 'hot_swollen_fev...')."""
    from tests.plain_words import ids_shown

    for name in ("runner_right_valgus_pelvic_drop", "red_flag_hot_swollen_knee"):
        for width in ("80", "160"):
            path = EXAMPLES / f"{name}.json"
            result = runner.invoke(app, ["assess", "--input", str(path)], env={"COLUMNS": width})
            assert result.exit_code == 0, result.output
            assert ids_shown(result.output) == [], result.output
    runner_case = runner.invoke(
        app, ["assess", "-i", str(EXAMPLES / "runner_right_valgus_pelvic_drop.json")], env=WIDE
    )
    assert "to check it: Thomas test" in runner_case.output
    assert "Knee angle from behind at mid-stance (right) = 15" in runner_case.output
    flag = runner.invoke(
        app, ["assess", "-i", str(EXAMPLES / "red_flag_hot_swollen_knee.json")], env=WIDE
    )
    assert "Is the knee hot, red and swollen" in flag.output
