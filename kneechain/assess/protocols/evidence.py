"""Evidence pictures: each measurement's key frame with the measured angle drawn on it, and an
annotated clip of the whole analysis (the vision stage's overlay)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from pathlib import Path

import cv2
import numpy as np

from kneechain.assess.protocols.config import MeasureFacts
from kneechain.assess.protocols.result import EvidenceFrame, ProtocolResult
from kneechain.vision.angles import angle_table
from kneechain.vision.errors import VideoError
from kneechain.vision.evidence import BONES, COLOURS, OverlayJob, info_box, proof_frames
from kneechain.vision.stash import FrameStash
from kneechain.vision.trajectories import Trajectories
from kneechain.vision.video import REFILM

HIGHLIGHT = (0, 230, 255)
#: the annotated clip's file name in the evidence folder
CLIP_NAME = "annotated.webm"


def _pt(p: np.ndarray, scale: float = 1.0) -> tuple[int, int] | None:
    if not np.isfinite(p).all():
        return None
    return int(np.rint(p[0] * scale)), int(np.rint(p[1] * scale))


def _colour(a: str, b: str) -> tuple[int, int, int]:
    for side in ("left", "right"):
        if a.startswith(side) and b.startswith(side):
            return COLOURS[side]
    return COLOURS["mid"]


def draw_evidence(
    image: np.ndarray,
    traj: Trajectories,
    ev: EvidenceFrame,
    spec: MeasureFacts,
    scale: float = 1.0,
) -> np.ndarray:
    """A copy of `image` (the video frame resized by `scale`) with the skeleton, the measured
    joints joined in a bright line and a caption with the value (the measure named as `spec`,
    the caller's knowledge base, names it)."""
    out = image.copy()
    size = max(out.shape[:2]) / 1000.0
    thick = max(1, round(2 * size))
    for a, b in BONES:
        pa, pb = _pt(traj.xy(a)[ev.row], scale), _pt(traj.xy(b)[ev.row], scale)
        if pa and pb:
            cv2.line(out, pa, pb, _colour(a, b), thick, cv2.LINE_AA)
    points = [p for p in (_pt(traj.xy(j)[ev.row], scale) for j in ev.joints) if p]
    for p, q in itertools.pairwise(points):
        cv2.line(out, p, q, HIGHLIGHT, 2 * thick + 1, cv2.LINE_AA)
    for p in points:
        cv2.circle(out, p, 3 * thick, HIGHLIGHT, -1, cv2.LINE_AA)
    unit = "" if spec.unit == "ratio" else f" {spec.unit}"
    title = f"{spec.name}{f' ({ev.side})' if ev.side else ''}"
    info_box(out, [title, f"{ev.value:.1f}{unit}, frame {ev.frame}"], size, thick, 0.6)
    return out


def write_evidence(
    video: Path,
    traj: Trajectories,
    result: ProtocolResult,
    folder: Path,
    clip: bool = True,
    frames: FrameStash | None = None,
    pictures_done: Callable[[list[Path]], None] | None = None,
    *,
    measures: Mapping[str, MeasureFacts],
) -> list[Path]:
    """Write one PNG per evidence frame (and, when `clip`, `annotated.webm`, which browsers
    play) into `folder`; each captioned with its measure's name and unit from `measures` (the
    test's facts in the caller's protocol parameters: `config.test(test_id).measures`).
    `pictures_done(pictures)` is called once the proof pictures are written, while the
    annotated clip may still be in the making: the report is complete then (what `analyze`
    shows first).

    The pictures are as large as the clip (at most `OVERLAY_MAX_SIDE` px) and drawn from the
    posed frames kept while posing (`frames`, PoseOptions.keep_frames) when given, else read
    from the video in one pass (kneechain.vision.evidence.proof_frames); the annotated clip
    is made meanwhile on a background thread (kneechain.vision.evidence.OverlayJob)."""
    folder.mkdir(parents=True, exist_ok=True)
    overlay = None
    if clip:
        angles = angle_table(traj)
        overlay = OverlayJob(video, traj, angles, folder / CLIP_NAME, stash=frames)
    written = []
    images = proof_frames(video, [ev.frame for ev in result.evidence], frames)
    for ev in result.evidence:
        if ev.frame not in images:
            raise VideoError(f"Frame {ev.frame} of {video.name} cannot be decoded.", REFILM)
        name = f"{ev.measure}{'_' + ev.side if ev.side else ''}_frame{ev.frame}.png"
        path = folder / name
        image = images[ev.frame]
        scale = image.shape[1] / traj.meta.image_width
        cv2.imwrite(str(path), draw_evidence(image, traj, ev, measures[ev.measure], scale))
        written.append(path)
    if pictures_done is not None:
        pictures_done(list(written))
    if overlay is not None:
        written += overlay.result()
    return written
