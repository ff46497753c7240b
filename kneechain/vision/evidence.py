"""Evidence media: an annotated video and key-frame pictures that show what was measured.

The overlay draws the cleaned skeleton, the knee angle arcs, and a panel with the per-frame
values, so anyone can check a number against the picture it came from.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from kneechain.vision.trajectories import Trajectories
from kneechain.vision.video import iter_frames

BONES = (
    ("left_shoulder", "right_shoulder"),
    ("left_hip", "right_hip"),
    *(
        (f"{s}_{a}", f"{s}_{b}")
        for s in ("left", "right")
        for a, b in (
            ("shoulder", "elbow"),
            ("elbow", "wrist"),
            ("shoulder", "hip"),
            ("hip", "knee"),
            ("knee", "ankle"),
            ("ankle", "heel"),
            ("heel", "foot_index"),
            ("ankle", "foot_index"),
        )
    ),
)
COLOURS = {"left": (255, 140, 0), "right": (0, 90, 255), "mid": (230, 230, 230)}
PANEL = (
    ("L knee flex", "left_knee_flexion_2d"),
    ("R knee flex", "right_knee_flexion_2d"),
    ("L FPPA", "left_fppa_2d"),
    ("R FPPA", "right_fppa_2d"),
    ("Pelvis", "pelvic_obliquity_2d"),
    ("Trunk lat", "trunk_lateral_lean_2d"),
)


def _colour(a: str, b: str) -> tuple[int, int, int]:
    if a.startswith("left") and b.startswith("left"):
        return COLOURS["left"]
    if a.startswith("right") and b.startswith("right"):
        return COLOURS["right"]
    return COLOURS["mid"]


def _pt(p: np.ndarray) -> tuple[int, int] | None:
    return (round(p[0]), round(p[1])) if np.isfinite(p).all() else None


def draw(
    image: np.ndarray, traj: Trajectories, row: int, angles: dict[str, np.ndarray]
) -> np.ndarray:
    """Draw row `row` of `traj` and its angles onto a copy of `image`."""
    out = image.copy()
    scale = max(out.shape[:2]) / 1000.0
    thick = max(1, round(2 * scale))
    for a, b in BONES:
        pa, pb = _pt(traj.xy(a)[row]), _pt(traj.xy(b)[row])
        if pa and pb:
            cv2.line(out, pa, pb, _colour(a, b), thick, cv2.LINE_AA)
    for side in ("left", "right"):
        knee = _pt(traj.xy(f"{side}_knee")[row])
        value = angles.get(f"{side}_knee_flexion_2d", np.array([np.nan] * len(traj)))[row]
        if knee and np.isfinite(value):
            cv2.circle(out, knee, int(14 * scale), COLOURS[side], thick)
            cv2.putText(
                out,
                f"{value:.0f}",
                (knee[0] + int(18 * scale), knee[1]),
                cv2.FONT_HERSHEY_SIMPLEX,
                0.6 * scale,
                COLOURS[side],
                thick,
                cv2.LINE_AA,
            )
    lines = [f"t = {traj.time[row]:.2f} s  frame {int(traj.frame[row])}"]
    for label, name in PANEL:
        value = angles.get(name, np.array([np.nan] * len(traj)))[row]
        lines.append(f"{label}: {value:6.1f} deg" if np.isfinite(value) else f"{label}:    --")
    height = int(22 * scale) + 4
    cv2.rectangle(out, (0, 0), (int(260 * scale), height * len(lines) + 8), (0, 0, 0), -1)
    for i, text in enumerate(lines):
        cv2.putText(
            out,
            text,
            (6, height * (i + 1)),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.55 * scale,
            (255, 255, 255),
            max(1, thick - 1),
            cv2.LINE_AA,
        )
    return out


def write_overlay(
    video: Path,
    traj: Trajectories,
    angles: dict[str, np.ndarray],
    path: Path,
    progress: Callable[[int], None] | None = None,
    key_folder: Path | None = None,
) -> list[Path]:
    """An mp4 of the analysed frames with skeleton and angle values drawn on them; with
    `key_folder`, the key frames (see `key_rows`) are saved as PNG in the same pass.
    Returns the files written (the video first)."""
    rows = {int(f): i for i, f in enumerate(traj.frame)}
    keys = {row: label for label, row in key_rows(angles).items()} if key_folder else {}
    if key_folder is not None:
        key_folder.mkdir(parents=True, exist_ok=True)
    stop = int(traj.frame[-1]) + 1 if len(traj) else 0
    every = int(np.min(np.diff(traj.frame))) if len(traj) > 1 else 1
    first = int(traj.frame[0]) if len(traj) else 0
    writer: cv2.VideoWriter | None = None
    written = [path]
    try:
        for frame in iter_frames(video, start=first, stop=stop, every=every):
            row = rows.get(frame.index)
            if row is None:
                continue
            if writer is None:
                size = (frame.image.shape[1], frame.image.shape[0])
                fourcc = cv2.VideoWriter_fourcc(*"mp4v")
                writer = cv2.VideoWriter(str(path), fourcc, traj.meta.fps / every, size)
            picture = draw(frame.image, traj, row, angles)
            writer.write(picture)
            if row in keys and key_folder is not None:
                key_path = key_folder / f"{keys[row]}_frame{frame.index:05d}.png"
                cv2.imwrite(str(key_path), picture)
                written.append(key_path)
            if progress is not None:
                progress(1)
    finally:
        if writer is not None:
            writer.release()
    return written


def key_rows(angles: dict[str, np.ndarray]) -> dict[str, int]:
    """Rows worth a picture: deepest knee flexion per side and the frame nearest mid-clip."""
    picks: dict[str, int] = {}
    for side in ("left", "right"):
        values = angles.get(f"{side}_knee_flexion_2d")
        if values is not None and np.isfinite(values).any():
            picks[f"{side}_knee_max_flexion"] = int(np.nanargmax(values))
    any_values = next(iter(angles.values()), np.array([]))
    if len(any_values):
        picks["middle"] = len(any_values) // 2
    return picks


def write_key_frames(
    video: Path, traj: Trajectories, angles: dict[str, np.ndarray], folder: Path
) -> list[Path]:
    """PNG pictures of the key rows, annotated like the overlay."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for label, row in key_rows(angles).items():
        index = int(traj.frame[row])
        for frame in iter_frames(video, start=index, stop=index + 1):
            path = folder / f"{label}_frame{index:05d}.png"
            cv2.imwrite(str(path), draw(frame.image, traj, row, angles))
            written.append(path)
    return written
