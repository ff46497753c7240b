"""`kneechain pose --backend`: our LiteRT runtime from the command line, and its errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kneechain.cli import app
from kneechain.vision.backends import model_files


def test_unknown_backend_is_refused_with_the_choices(demo_video: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["pose", str(demo_video), "--out", str(tmp_path / "o"), "--backend", "openpose"]
    )
    assert result.exit_code == 2
    assert "litert-lite" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "o").exists()


def test_missing_model_names_the_setup_command(
    demo_video: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(model_files.ENV_VAR, str(tmp_path / "empty"))
    out = tmp_path / "o"
    result = CliRunner().invoke(
        app, ["pose", str(demo_video), "--out", str(out), "--backend", "litert-heavy"]
    )
    assert result.exit_code == 3, result.output  # the installation lacks it, not the input
    assert "make venv" in " ".join(result.output.split())
    assert "Traceback" not in result.output
    assert not out.exists()


@pytest.mark.slow
def test_pose_with_the_lite_model_on_two_processes(short_demo: Path, tmp_path: Path) -> None:
    try:
        model_files.landmark_model("lite")
    except model_files.ModelFileMissing as err:
        pytest.skip(f"BlazePose lite model unavailable: {err}")
    out = tmp_path / "lite"
    args = ["pose", str(short_demo), "--out", str(out), "--every", "2", "--no-overlay"]
    result = CliRunner().invoke(app, [*args, "--workers", "2", "--backend", "litert-lite"])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["frames_analysed"] == 45
    assert "litert-blazepose-lite" in json.dumps(summary)
