"""Evidence pictures: the measured joints drawn on the frame the value was read from."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from kneechain.assess.protocols import constructed as c
from kneechain.assess.protocols import squat
from kneechain.assess.protocols.evidence import HIGHLIGHT, write_evidence
from tests.protocols.shapes import clock, dips


def _blank_video(path: Path, frames: int, size: tuple[int, int]) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 30.0, size)
    for _ in range(frames):
        writer.write(np.full((size[1], size[0], 3), 90, np.uint8))
    writer.release()
    return path


def test_key_frames_show_the_measured_angle(tmp_path: Path) -> None:
    time = clock(2.5)
    depth = dips(time, 90.0, 1)
    traj = c.standing_front(time, depth=(depth, depth), fppa=(depth / 6, 0.0))
    result = squat.analyse(traj)
    video = _blank_video(tmp_path / "clip.mp4", len(time), (1920, 1080))
    files = write_evidence(video, traj, result, tmp_path / "evidence")
    pictures = [f for f in files if f.suffix == ".png"]
    assert len(pictures) == len(result.evidence) == len(result.measurements)
    assert (tmp_path / "evidence" / "annotated.webm").is_file()
    fppa = next(e for e in result.evidence if e.measure == "squat_fppa" and e.side == "left")
    image = cv2.imread(str(tmp_path / "evidence" / f"squat_fppa_left_frame{fppa.frame}.png"))
    x, y = (int(v) for v in traj.xy("left_knee")[fppa.row])
    patch = image[y - 4 : y + 5, x - 4 : x + 5].reshape(-1, 3)
    assert any(np.abs(patch.astype(int) - HIGHLIGHT).sum(axis=1) < 60)  # knee marked
