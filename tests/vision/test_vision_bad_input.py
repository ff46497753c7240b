"""Every unusable clip ends with a clear message, a non-zero exit and nothing left behind."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from kneechain.cli import app
from kneechain.vision.errors import VideoError
from kneechain.vision.pipeline import PoseOptions, analyse, check_decoded
from kneechain.vision.quality import QualityConfig, check_clip
from kneechain.vision.trajectories import ProcessingStep, from_points
from kneechain.vision.video import VideoInfo
from tests.vision import videos

runner = CliRunner()
FAST = PoseOptions(workers=1, overlay=False, key_frames=False)


def _pose_cli(video: Path, out: Path) -> tuple[int, str]:
    result = runner.invoke(app, ["pose", str(video), "--out", str(out), "--workers", "1"])
    return result.exit_code, result.output


def _nothing_left(out: Path) -> bool:
    leftovers = [p for p in out.parent.iterdir() if p.name.startswith(f".{out.name}")]
    return not out.exists() and not leftovers


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda d: (d / "a.mp4").write_bytes(b"plain text, not a video\n" * 40), "not a video"),
        (lambda d: (d / "a.mp4").write_bytes(b""), "empty"),
        (
            lambda d: videos.truncated_copy(
                videos.synthetic(d / "n.mp4", "noise"), d / "a.mp4", 0.4
            ),
            "video",
        ),
    ],
    ids=["text-file", "empty-file", "truncated"],
)
def test_cli_rejects_unreadable_files(tmp_path: Path, make, expected: str) -> None:
    make(tmp_path)
    out = tmp_path / "result"
    code, output = _pose_cli(tmp_path / "a.mp4", out)
    assert code == 2
    assert expected in output and "How to fix" in output
    assert _nothing_left(out)


def test_cli_reports_no_person_on_a_noise_video(tmp_path: Path, noise_video: Path) -> None:
    out = tmp_path / "result"
    code, output = _pose_cli(noise_video, out)
    assert code == 2
    assert "No person" in output
    assert _nothing_left(out)


def test_blank_wall_has_no_person(blank_video: Path) -> None:
    with pytest.raises(VideoError, match="No person"):
        analyse(blank_video, FAST)


def test_dark_video_says_it_is_too_dark(dark_video: Path) -> None:
    with pytest.raises(VideoError, match="too dark") as err:
        analyse(dark_video, FAST)
    assert "light" in err.value.advice


def test_refuses_to_overwrite_a_foreign_folder(tmp_path: Path, blank_video: Path) -> None:
    out = tmp_path / "precious"
    out.mkdir()
    (out / "thesis.txt").write_text("keep me")
    code, output = _pose_cli(blank_video, out)
    assert code == 2 and "not an earlier kneechain pose result" in output
    assert (out / "thesis.txt").read_text() == "keep me"


def _standing(n: int, lower_y: float, blurred: bool = False) -> tuple:
    t = np.arange(n) / 30.0
    pts = {}
    for side, x in (("left", 520.0), ("right", 480.0)):
        pts[f"{side}_shoulder"] = [x, 300.0]
        pts[f"{side}_hip"] = [x, lower_y]
        pts[f"{side}_knee"] = [x, lower_y + 150]
        pts[f"{side}_ankle"] = [x, lower_y + 300]
    return from_points(pts, t, image_size=(1000, 800)), 120.0, 5.0 if blurred else 500.0


def test_person_partly_out_of_frame_is_an_error() -> None:
    traj, light, focus = _standing(60, lower_y=600)  # ankles at y=900, below the 800-px frame
    with pytest.raises(VideoError, match="partly in the frame") as err:
        check_clip(traj, light, focus, QualityConfig())
    assert "whole body" in err.value.advice


def test_missing_poses_and_blur_are_warnings_with_time_ranges() -> None:
    traj, light, focus = _standing(90, lower_y=400, blurred=True)
    conf = traj.confidence.copy()
    conf[30:60] = 0.0
    traj = traj.evolve(ProcessingStep(name="hide_person"), confidence=conf)
    warnings = check_clip(traj, light, focus, QualityConfig())
    assert any("blurred" in w for w in warnings)
    assert any("67%" in w and "1.0-2.0 s" in w for w in warnings)


def _info(frames: int) -> VideoInfo:
    return VideoInfo(Path("clip.mp4"), 640, 480, 30.0, frames, 0, "avc1")


CUT_SHORT = [(41, 1, True), (229, 1, False), (207, 1, False), (206, 1, True), (58, 2, True)]


@pytest.mark.parametrize(("decoded", "every", "refused"), [*CUT_SHORT, (115, 2, False)])
def test_a_partly_decoded_file_is_called_damaged(decoded: int, every: int, refused: bool) -> None:
    if refused:
        with pytest.raises(VideoError, match="damaged or truncated") as err:
            check_decoded(_info(230), decoded, every)
        assert f"only {decoded} of its" in err.value.problem and "Copy" in err.value.advice
    else:
        check_decoded(_info(230), decoded, every)


@pytest.mark.slow
def test_analyze_says_truncated_not_refilm(tmp_path: Path, demo_video: Path) -> None:
    """A copy of which only the first fifth decodes (about 40 of 230 frames) ends `analyze`
    with "damaged or truncated" and exit 2, not with a complaint about the filming."""
    cut = videos.truncated_copy(demo_video, tmp_path / "cut.mp4", 0.2)
    args = ["analyze", str(cut), "--test", "gait", "--no-evidence"]
    result = runner.invoke(app, args, env={"KNEECHAIN_DATA_DIR": str(tmp_path / "data")})
    assert result.exit_code == 2, result.output
    assert "damaged or truncated" in result.output and "No steps" not in result.output
