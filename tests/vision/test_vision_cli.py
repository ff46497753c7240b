"""`kneechain pose` end to end on a real clip: files, summary, and the library call agree."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from kneechain.cli import app
from kneechain.vision.trajectories import load

pytestmark = pytest.mark.slow


def test_pose_command_writes_every_output(short_demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "result"
    result = CliRunner().invoke(
        app, ["pose", str(short_demo), "--out", str(out), "--every", "2", "--fit-3d"]
    )
    assert result.exit_code == 0, result.output
    names = {p.name for p in out.iterdir()}
    expected = {"trajectories.npz", "trajectories_raw.npz", "trajectories.csv", "angles.csv"}
    assert (
        expected | {"pose.json", "pose.trc", "overlay.mp4", "summary.json", "key_frames"} <= names
    )
    summary = json.loads((out / "summary.json").read_text())
    assert summary["frames_analysed"] == 45
    assert summary["provenance"][0]["params"]["every"] == 2
    assert [s["name"] for s in summary["provenance"]][-1] == "butterworth"
    traj = load(out / "trajectories.npz")
    assert np.all(np.diff(traj.frame) == 2)
    assert np.nanmax(traj.time) == pytest.approx(88 / 30, abs=0.02)
    assert any((out / "key_frames").glob("*.png"))
    listed = {line.strip() for line in result.output.splitlines() if line.startswith("  ")}
    on_disk = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()}
    assert listed == on_disk, "the list after pose names every file written"
    # the 3D fit's angles: beside the 2D ones with their +-, and one line in the terminal
    fitted = summary["fit_3d"]
    assert fitted["sentence"] in result.output
    assert fitted["angles_deg"]["knee_flexion"]["left"]["median_sd"] >= 14
    header = (out / "angles.csv").read_text().splitlines()[0].split(",")
    assert {"left_knee_flexion_2d", "left_knee_flexion_fit3d", "left_knee_flexion_fit3d_sd"} <= set(
        header
    )
    assert "hip_rotation" in fitted["not_reported"]
    assert summary["view"]["sentence"] in result.output  # where the camera stood, what holds
    # a second run replaces the earlier result in place
    again = CliRunner().invoke(
        app, ["pose", str(short_demo), "--out", str(out), "--every", "3", "--no-overlay"]
    )
    assert again.exit_code == 0, again.output
    assert not (out / "overlay.mp4").exists()
    # without --fit-3d: no fitted columns, no 3D line (the fit costs about twice the posing)
    assert json.loads((out / "summary.json").read_text())["fit_3d"] is None
    assert "_fit3d" not in (out / "angles.csv").read_text().splitlines()[0]
    assert fitted["sentence"] not in again.output
    assert json.loads((out / "summary.json").read_text())["frames_analysed"] == 30
