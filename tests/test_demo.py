"""`kneechain demo`: the whole journey runs on embedded defaults and writes only into --out."""

from __future__ import annotations

from pathlib import Path

import pytest
from icalendar import Calendar
from typer.testing import CliRunner

from kneechain.cli import app
from kneechain.vision.sample_data import demo_video

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_demo_runs_the_journey(tmp_path: Path) -> None:
    case = ROOT / "examples" / "runner_right_valgus_pelvic_drop.json"
    result = CliRunner().invoke(
        app, ["demo", "--case", str(case), "--out", str(tmp_path)], env={"COLUMNS": "160"}
    )
    assert result.exit_code == 0, result.output
    assert "What kneechain knows" in result.output
    assert "Knee dives inward under load" in result.output  # the assessment's finding
    assert "Glute bridge" in result.output  # the program
    html = (tmp_path / "program.html").read_text(encoding="utf-8")
    assert "<svg" in html or "data:image/svg" in html
    assert Calendar.from_ical((tmp_path / "program.ics").read_bytes()).walk("VEVENT")
    assert (tmp_path / "program.pdf").read_bytes().startswith(b"%PDF")
    assert "Re-tests for Example (demo)" in result.output  # stored and scheduled
    assert (tmp_path / "data" / "kneechain.db").exists()
    if demo_video(allow_download=False) is not None:  # the fixture cached or found it
        assert "Walking or running video - side view" in result.output
        assert list((tmp_path / "gait-evidence").glob("*.png"))
    else:
        assert "video step skipped" in result.output
    again = CliRunner().invoke(
        app,
        ["demo", "--case", str(case), "--out", str(tmp_path), "--no-video"],
        env={"COLUMNS": "160"},
    )
    assert again.exit_code == 0, again.output


def test_demo_reports_a_broken_case_clearly(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"complaint": {"nprs_now": 14}}', encoding="utf-8")
    result = CliRunner().invoke(app, ["demo", "--case", str(bad), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "nprs_now" in result.output
    assert not (tmp_path / "o").exists()
