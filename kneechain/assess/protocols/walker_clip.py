"""The walking person of the shared demo clip, cut out and posed: used by the real-video
tests and the accuracy bench (mirror test). Frames 50-204 show her walking right to left
in side view; a box around her picks her over the person jumping in the background."""

from __future__ import annotations

from pathlib import Path

import cv2

from kneechain.vision.pipeline import PoseOptions, analyse
from kneechain.vision.trajectories import Trajectories
from kneechain.vision.video import iter_frames, probe

FIRST, STOP = 50, 205
WALKER_BOX = (1100, 450, 350, 500)  # x, y, w, h in the 1768 x 994 demo frame, 1 s into the cut


def cut_walker(video: Path, target: Path, mirror: bool = False) -> Path:
    """Re-encode frames FIRST..STOP-1 of `video` (mirrored left-right if asked)."""
    info = probe(video)
    writer = cv2.VideoWriter(
        str(target), cv2.VideoWriter_fourcc(*"mp4v"), info.fps, (info.width, info.height)
    )
    try:
        for frame in iter_frames(video, start=FIRST, stop=STOP):
            writer.write(cv2.flip(frame.image, 1) if mirror else frame.image)
    finally:
        writer.release()
    return target


def pose_walker(clip: Path, box: tuple[int, int, int, int], mirror: bool = False) -> Trajectories:
    """Cleaned trajectories of the walker (10 Hz cut-off, as the gait protocol asks), posed
    in one process so that repeated runs agree exactly."""
    width = probe(clip).width
    x, y, w, h = box
    person = (width - x - w, y, w, h) if mirror else box
    base = PoseOptions()
    options = PoseOptions(
        person=person,
        workers=1,  # one sequential pass: the same numbers on every run
        overlay=False,
        key_frames=False,
        cleaning=base.cleaning.model_copy(update={"cutoff_hz": 10.0}),
    )
    return analyse(clip, options).clean
