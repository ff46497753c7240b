"""Evidence media: an annotated video and key-frame pictures that show what was measured.

The overlay draws the cleaned skeleton, the knee angle arcs, and a panel with the per-frame
values, so anyone can check a number against the picture it came from. Proof pictures are
full size; the annotated clip is bounded (`OVERLAY_MAX_SIDE`), made by a decode / draw /
encode pipeline on threads, and can be written in the background (`OverlayJob`) while the
proof pictures are written, so evidence costs a fraction of the pose time.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import numpy as np

from kneechain.vision.stash import OVERLAY_MAX_SIDE, FrameStash, overlay_size, shrink
from kneechain.vision.trajectories import Trajectories
from kneechain.vision.video import iter_frames, read_frames

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
PIPELINE_DEPTH = 8  # frames in flight between the reader, drawing and the encoder
_END = object()


def _colour(a: str, b: str) -> tuple[int, int, int]:
    if a.startswith("left") and b.startswith("left"):
        return COLOURS["left"]
    if a.startswith("right") and b.startswith("right"):
        return COLOURS["right"]
    return COLOURS["mid"]


def _pt(p: np.ndarray, scale: float = 1.0) -> tuple[int, int] | None:
    return (round(p[0] * scale), round(p[1] * scale)) if np.isfinite(p).all() else None


def draw(
    image: np.ndarray,
    traj: Trajectories,
    row: int,
    angles: dict[str, np.ndarray],
    scale: float = 1.0,
) -> np.ndarray:
    """Draw row `row` of `traj` and its angles onto a copy of `image`, which is the video
    frame resized by `scale` (positions are in the video's pixels)."""
    out = image.copy()
    size = max(out.shape[:2]) / 1000.0
    thick = max(1, round(2 * size))
    for a, b in BONES:
        pa, pb = _pt(traj.xy(a)[row], scale), _pt(traj.xy(b)[row], scale)
        if pa and pb:
            cv2.line(out, pa, pb, _colour(a, b), thick, cv2.LINE_AA)
    for side in ("left", "right"):
        knee = _pt(traj.xy(f"{side}_knee")[row], scale)
        value = angles.get(f"{side}_knee_flexion_2d", np.array([np.nan] * len(traj)))[row]
        if knee and np.isfinite(value):
            cv2.circle(out, knee, int(14 * size), COLOURS[side], thick)
            cv2.putText(
                out,
                f"{value:.0f}",
                (knee[0] + int(18 * size), knee[1]),
                cv2.FONT_HERSHEY_SIMPLEX,
                0.6 * size,
                COLOURS[side],
                thick,
                cv2.LINE_AA,
            )
    lines = [f"t = {traj.time[row]:.2f} s  frame {int(traj.frame[row])}"]
    for label, name in PANEL:
        value = angles.get(name, np.array([np.nan] * len(traj)))[row]
        lines.append(f"{label}: {value:6.1f} deg" if np.isfinite(value) else f"{label}:    --")
    height = int(22 * size) + 4
    cv2.rectangle(out, (0, 0), (int(260 * size), height * len(lines) + 8), (0, 0, 0), -1)
    for i, text in enumerate(lines):
        cv2.putText(
            out,
            text,
            (6, height * (i + 1)),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.55 * size,
            (255, 255, 255),
            max(1, thick - 1),
            cv2.LINE_AA,
        )
    return out


def overlay_scale(width: int, height: int, max_side: int = OVERLAY_MAX_SIDE) -> float:
    """The factor that brings a frame's long side down to `max_side` (1: never enlarged)."""
    return overlay_size(width, height, max_side)[0] / max(width, 1)


def write_overlay(
    video: Path,
    traj: Trajectories,
    angles: dict[str, np.ndarray],
    path: Path,
    progress: Callable[[int], None] | None = None,
    key_folder: Path | None = None,
    max_side: int = OVERLAY_MAX_SIDE,
    stash: FrameStash | None = None,
) -> list[Path]:
    """An mp4 of the analysed frames with skeleton and angle values drawn on them, at most
    `max_side` pixels on its long side; with `key_folder`, the key frames (see `key_rows`)
    are saved as full-size PNG too. Returns the files written (video first).

    The frames come from `stash` (the posed frames kept while posing, stash.py) when it
    holds them all, else from the video. Reading, drawing and encoding run as a pipeline:
    a reader thread and a writer thread beside the drawing one (OpenCV releases the
    interpreter lock while it decodes, resizes and encodes)."""
    rows = {int(f): i for i, f in enumerate(traj.frame)}
    keys = {row: label for label, row in key_rows(angles).items()} if key_folder else {}
    if key_folder is not None:
        key_folder.mkdir(parents=True, exist_ok=True)
    every = int(np.min(np.diff(traj.frame))) if len(traj) > 1 else 1
    source = None
    if stash is not None and max_side == OVERLAY_MAX_SIDE:
        source = stash.frames(traj.frame)
    pictures_first: list[Path] = []
    if source is None:
        source = _video_frames(video, traj, every)
    elif keys and key_folder is not None:  # the stash is small: proof pictures from the video
        keys = {}
        picks = key_rows(angles)
        full = read_frames(video, [int(traj.frame[row]) for row in picks.values()])
        for label, row in picks.items():
            index = int(traj.frame[row])
            if index in full:
                key_path = key_folder / f"{label}_frame{index:05d}.png"
                cv2.imwrite(str(key_path), draw(full[index].image, traj, row, angles))
                pictures_first.append(key_path)
    written = [path, *pictures_first]
    frames: queue.Queue = queue.Queue(maxsize=PIPELINE_DEPTH)
    pictures: queue.Queue = queue.Queue(maxsize=PIPELINE_DEPTH)
    reader = _Stage(_read_into, source, frames)
    writer = _Stage(_encode_from, path, traj.meta.fps / every, pictures)
    width = traj.meta.image_width
    try:
        while (item := frames.get()) is not _END:
            index, image = item
            row = rows.get(index)
            if row is None:
                continue
            small = shrink(image, max_side)
            _put(pictures, draw(small, traj, row, angles, small.shape[1] / width), writer)
            if row in keys and key_folder is not None:
                key_path = key_folder / f"{keys[row]}_frame{index:05d}.png"
                cv2.imwrite(str(key_path), draw(image, traj, row, angles))
                written.append(key_path)
            if progress is not None:
                progress(1)
    finally:
        reader.stop(frames)
        _put(pictures, _END, writer)
        writer.join()
    reader.raise_failure()
    writer.raise_failure()
    return written if writer.wrote else written[1:]


def _video_frames(video: Path, traj: Trajectories, every: int) -> Iterator[tuple[int, np.ndarray]]:
    if not len(traj):
        return
    first, stop = int(traj.frame[0]), int(traj.frame[-1]) + 1
    for frame in iter_frames(video, start=first, stop=stop, every=every):
        yield frame.index, frame.image


class _Stage(threading.Thread):
    """A pipeline stage on its own thread; keeps the exception that ended it."""

    def __init__(self, target: Callable[..., object], *args: object) -> None:
        super().__init__(daemon=True, name="kneechain-overlay")
        self._work, self._args = target, args
        self.failure: BaseException | None = None
        self.halt = threading.Event()
        self.wrote = False
        self.start()

    def run(self) -> None:
        try:
            self.wrote = bool(self._work(self, *self._args))
        except BaseException as exc:
            self.failure = exc

    def stop(self, inbox: queue.Queue) -> None:
        """Ask a producer to stop and drain what it left, so it can finish."""
        self.halt.set()
        while self.is_alive():
            try:
                inbox.get(timeout=0.05)
            except queue.Empty:
                continue
        self.join()

    def raise_failure(self) -> None:
        if self.failure is not None:
            raise self.failure


def _put(box: queue.Queue, item: object, consumer: _Stage) -> None:
    """Put `item`, giving up if the consumer thread has ended (it failed)."""
    while consumer.is_alive():
        try:
            box.put(item, timeout=0.05)
            return
        except queue.Full:
            continue


def _read_into(stage: _Stage, source: Iterator[tuple[int, np.ndarray]], out: queue.Queue) -> bool:
    try:
        for item in source:
            if stage.halt.is_set():
                return False
            out.put(item)
    finally:
        out.put(_END)
    return True


def _encode_from(stage: _Stage, path: Path, fps: float, inbox: queue.Queue) -> bool:
    writer: cv2.VideoWriter | None = None
    try:
        while (picture := inbox.get()) is not _END:
            if writer is None:
                size = (picture.shape[1], picture.shape[0])
                writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
            writer.write(picture)
    finally:
        if writer is not None:
            writer.release()
    return writer is not None


class OverlayJob:
    """`write_overlay` on a background thread: start it, do other work (the proof
    pictures), then `result()` waits for the clip and returns its files (or raises)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        self._files: list[Path] = []
        self._failure: BaseException | None = None
        self._thread = threading.Thread(
            target=self._run, args=args, kwargs=kwargs, daemon=True, name="kneechain-overlay"
        )
        self._thread.start()

    def _run(self, *args: object, **kwargs: object) -> None:
        try:
            self._files = write_overlay(*args, **kwargs)  # type: ignore[arg-type]
        except BaseException as exc:
            self._failure = exc

    def result(self) -> list[Path]:
        self._thread.join()
        if self._failure is not None:
            raise self._failure
        return self._files


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
    picks = key_rows(angles)
    frames = read_frames(video, [int(traj.frame[row]) for row in picks.values()])
    written = []
    for label, row in picks.items():
        index = int(traj.frame[row])
        if index in frames:
            path = folder / f"{label}_frame{index:05d}.png"
            cv2.imwrite(str(path), draw(frames[index].image, traj, row, angles))
            written.append(path)
    return written
