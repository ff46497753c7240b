"""`kneechain analyze` and `kneechain assess --video` on saved constructed trajectories."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kneechain.assess.protocols import constructed as c
from kneechain.cli import app
from kneechain.vision.trajectories import save
from tests.protocols.shapes import clock, dips

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture()
def squat_file(tmp_path: Path) -> Path:
    time = clock(11)
    depth = dips(time, 90.0, 5)
    traj = c.standing_front(time, depth=(depth, depth), fppa=(depth / 5, depth / 45))
    return save(traj, tmp_path / "squat.npz")


def test_analyze_prints_values_norms_and_quality(squat_file: Path) -> None:
    args = ["analyze", str(squat_file), "--test", "double_leg_squat"]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Frontal plane projection angle at the deepest point" in result.output
    assert "18 +- 6.1 deg" in result.output and "squat_fppa" not in result.output
    assert "problem if > 12 deg" in result.output


def test_analyze_json_is_case_measurements(squat_file: Path) -> None:
    args = ["analyze", str(squat_file), "--test", "double_leg_squat", "--format", "json"]
    result = CliRunner().invoke(app, [*args, "--side", "left"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    fppa = next(m for m in data["measurements"] if m["measure"] == "squat_fppa")
    assert fppa["side"] == "left" and fppa["value"] == pytest.approx(18.0, abs=0.2)
    assert fppa["provenance"] == "video" and 0 < fppa["quality"] <= 1
    assert fppa["source"]["frames"] and fppa["source"]["view"] == "front"


def test_analyze_wrong_view_says_how_to_refilm(squat_file: Path) -> None:
    result = CliRunner().invoke(app, ["analyze", str(squat_file), "--test", "knee_to_wall"])
    assert result.exit_code == 2
    assert "needs a side view" in result.output and "2 m to the side" in result.output


def test_analyze_unknown_test(squat_file: Path) -> None:
    result = CliRunner().invoke(app, ["analyze", str(squat_file), "--test", "palpation"])
    assert result.exit_code == 2 and "No video protocol" in result.output


def _new_findings(squat: Path) -> tuple[set[str], str]:
    case = EXAMPLES / "hip_not_the_cause.json"
    args = ["assess", "--input", str(case), "--format", "json"]
    plain = json.loads(CliRunner().invoke(app, args).output)
    result = CliRunner().invoke(app, [*args, "--video", f"double_leg_squat={squat}"])
    assert result.exit_code == 0, result.output
    merged = json.loads(result.output)
    return {f["id"] for f in merged["findings"]} - {f["id"] for f in plain["findings"]}, (
        result.output
    )


def test_assess_merges_video_measurements(tmp_path: Path) -> None:
    time = clock(11)
    depth = dips(time, 90.0, 5)  # FPPA 22.5 +- 6.1 degrees: beyond 12 by more than its +-
    traj = c.standing_front(time, depth=(depth, depth), fppa=(depth / 4, depth / 45))
    found, _ = _new_findings(save(traj, tmp_path / "valgus.npz"))
    assert "dynamic_knee_valgus" in found


def test_a_value_past_the_threshold_by_less_than_its_uncertainty_is_no_finding(
    squat_file: Path,
) -> None:
    found, output = _new_findings(squat_file)  # FPPA 18 +- 6.1 degrees, threshold 12
    assert "dynamic_knee_valgus" not in found
    assert "by less than its uncertainty (+- 6.1)" in output


def test_assess_bad_video_option(squat_file: Path) -> None:
    case = EXAMPLES / "hip_not_the_cause.json"
    result = CliRunner().invoke(app, ["assess", "--input", str(case), "--video", "nonsense"])
    assert result.exit_code == 2 and "TEST_ID=PATH" in result.output


def test_the_pixel_box_is_box_and_person_is_a_name(
    squat_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue #12: `--person` means a person's name in every command; the box has its own name."""
    for command in ("analyze", "pose"):
        help_text = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "200"}).output
        assert "--box" in help_text and "x,y,w,h in pixels" in help_text
    assert (
        "person's records (a name)"
        in CliRunner().invoke(app, ["analyze", "--help"], env={"COLUMNS": "200"}).output
    )
    args = ["analyze", str(squat_file), "--test", "double_leg_squat"]
    result = CliRunner().invoke(app, [*args, "--person", "600,200,400,800"], env={"COLUMNS": "200"})
    assert result.exit_code == 2
    assert "takes a person's name" in result.output and "--box 600,200,400,800" in result.output
    monkeypatch.setenv("KNEECHAIN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("KNEECHAIN_DATABASE_URL", raising=False)
    result = CliRunner().invoke(app, [*args, "--person", "Nobody"])
    assert result.exit_code != 0 and "Nobody" in result.output
    assert CliRunner().invoke(app, ["person", "add", "Ana"]).exit_code == 0
    result = CliRunner().invoke(app, [*args, "--person", "Ana"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Kept with Ana's records" in result.output


def test_warnings_name_measures_by_their_names() -> None:
    from kneechain.assess.protocols.cli_render import named

    names = {"knee_flexion_stance_peak": "Peak knee bend in stance"}
    text = named("knee_flexion_stance_peak (right): no usable repetition, so no value.", names)
    assert text == "Peak knee bend in stance (right): no usable repetition, so no value."
    assert named("left_knee stays as_is", names) == "left_knee stays as_is"
