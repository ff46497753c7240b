"""Evidence media: an annotated video and key-frame pictures that show what was measured.

The overlay draws the cleaned skeleton, the knee angle arcs, and a panel with the per-frame
values, so anyone can check a number against the picture it came from. Proof pictures and
the annotated clip are bounded (`OVERLAY_MAX_SIDE`) and drawn from the posed frames kept while
posing (stash.py) when there are; the clip is made by a decode / draw / encode pipeline on
threads (encoder: clipwriter.py), and can be written in the background (`OverlayJob`) while
the proof pictures are written, so evidence costs a fraction of the pose time
(docs/vision.md, "Evidence").
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import numpy as np

from kneechain.vision.cleaning import even_grid
from kneechain.vision.clipwriter import ClipWriter
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
#: values of the frontal plane: read from a front or rear view only, never drawn on a side view
FRONTAL = frozenset(
    {"left_fppa_2d", "right_fppa_2d", "pelvic_obliquity_2d", "trunk_lateral_lean_2d"}
)
#: the info box never covers more than this share of the frame's width
PANEL_MAX_WIDTH = 0.3
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


def panel_for(traj: Trajectories) -> tuple[tuple[str, str], ...]:
    """The values worth drawing for this clip: frontal-plane ones (knee alignment, FPPA,
    pelvis and trunk tilt) are left out when the camera looks from the side, where a 2D
    reading of them means nothing."""
    from kneechain.vision.view import estimate_view, turn_from

    estimate = estimate_view(traj)
    bearing = estimate.bearing_deg
    if estimate.known and turn_from(bearing, "side") < turn_from(bearing, "front_or_rear"):
        return tuple(p for p in PANEL if p[1] not in FRONTAL)
    return PANEL


def label_spots(
    knees: dict[str, tuple[int, int]],
    sizes: dict[str, tuple[int, int]],
    gap: int,
    width: int | None = None,
) -> dict[str, tuple[int, int]]:
    """Where each knee's value is written (bottom-left corner of its text): beside its circle
    on the outer side, the knee further left in the picture labelled to its left and the other
    to its right, so the two texts never overlap, however close the knees are. With the
    picture's `width`, a text that would leave the picture is moved back inside it (a knee at
    the edge of the frame); should the two texts then meet, the second goes below the first."""
    order = sorted(knees, key=lambda side: knees[side][0])
    spots = {}
    for i, side in enumerate(order):
        (x, y), (w, h) = knees[side], sizes[side]
        to_left = i == 0 and len(order) == 2
        at = x - gap - w if to_left else x + gap
        if width is not None:
            at = max(0, min(at, width - w))
        spots[side] = (at, y + h // 2)
    if len(order) == 2 and width is not None:
        first, second = order
        (x1, y1), (x2, y2) = spots[first], spots[second]
        if x1 + sizes[first][0] > x2 and abs(y2 - y1) < max(sizes[first][1], sizes[second][1]):
            spots[second] = (x2, y1 + sizes[second][1] + max(2, gap // 3))
    return spots


def _knee_labels(
    out: np.ndarray, knees: dict[str, tuple[tuple[int, int], float]], size: float, thick: int
) -> None:
    font, scale = cv2.FONT_HERSHEY_SIMPLEX, 0.6 * size
    texts = {side: f"{value:.0f}" for side, (_, value) in knees.items()}
    sizes = {side: cv2.getTextSize(t, font, scale, thick)[0] for side, t in texts.items()}
    where = {side: point for side, (point, _) in knees.items()}
    for side, at in label_spots(where, sizes, int(18 * size), out.shape[1]).items():
        cv2.putText(out, texts[side], at, font, scale, COLOURS[side], thick, cv2.LINE_AA)


def draw(
    image: np.ndarray,
    traj: Trajectories,
    row: int,
    angles: dict[str, np.ndarray],
    scale: float = 1.0,
    panel: tuple[tuple[str, str], ...] = PANEL,
) -> np.ndarray:
    """Draw row `row` of `traj` and its angles onto a copy of `image`, which is the video
    frame resized by `scale` (positions are in the video's pixels). `panel` names the values
    of the info box (see `panel_for`); the box is sized to its text, at most
    `PANEL_MAX_WIDTH` of the frame's width."""
    out = image.copy()
    size = max(out.shape[:2]) / 1000.0
    thick = max(1, round(2 * size))
    for a, b in BONES:
        pa, pb = _pt(traj.xy(a)[row], scale), _pt(traj.xy(b)[row], scale)
        if pa and pb:
            cv2.line(out, pa, pb, _colour(a, b), thick, cv2.LINE_AA)
    knees = {}
    for side in ("left", "right"):
        knee = _pt(traj.xy(f"{side}_knee")[row], scale)
        value = angles.get(f"{side}_knee_flexion_2d", np.array([np.nan] * len(traj)))[row]
        if knee and np.isfinite(value):
            cv2.circle(out, knee, int(14 * size), COLOURS[side], thick)
            knees[side] = (knee, float(value))
    _knee_labels(out, knees, size, thick)
    lines = [f"t {traj.time[row]:.2f} s, frame {int(traj.frame[row])}"]
    for label, name in panel:
        value = angles.get(name, np.array([np.nan] * len(traj)))[row]
        lines.append(f"{label}: {value:.1f} deg" if np.isfinite(value) else f"{label}: --")
    info_box(out, lines, size, max(1, thick - 1))
    return out


def info_box(
    out: np.ndarray, lines: list[str], size: float, thick: int, max_width: float = PANEL_MAX_WIDTH
) -> None:
    """White lines on a black box in the top-left corner, no wider than `max_width` of the
    frame's width (the text is made smaller to fit)."""
    font = cv2.FONT_HERSHEY_SIMPLEX
    scale = 0.5 * size
    widest = max(cv2.getTextSize(t, font, scale, thick)[0][0] for t in lines)
    limit = max_width * out.shape[1] - 12
    if widest > limit:
        scale *= limit / widest
        widest = max(cv2.getTextSize(t, font, scale, thick)[0][0] for t in lines)
    line_h = cv2.getTextSize("Ag", font, scale, thick)[0][1]
    step = int(line_h * 1.6) + 1
    cv2.rectangle(out, (0, 0), (widest + 12, step * len(lines) + 6), (0, 0, 0), -1)
    for i, text in enumerate(lines):
        at = (6, step * (i + 1))
        cv2.putText(out, text, at, font, scale, (255, 255, 255), thick, cv2.LINE_AA)


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
    """A clip of the analysed frames with skeleton and angle values drawn on them (WebM or
    mp4 by `path`'s suffix, encoded by clipwriter.py), at most `max_side` pixels on its long
    side, each frame at its own time where the frames are unevenly spaced (a variable frame
    rate; evenly spaced frames are written at the clip's rate); with `key_folder`, the key
    frames (see `key_rows`) are saved as full-size PNG too. Returns the files written (video
    first).

    The frames come from `stash` (the posed frames kept while posing, stash.py) when it
    holds them all, else from the video. Reading, drawing and encoding run as a pipeline:
    a reader thread and a writer thread beside the drawing one (OpenCV and PyAV release the
    interpreter lock while they decode, resize and encode)."""
    rows = {int(f): i for i, f in enumerate(traj.frame)}
    panel = panel_for(traj)
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
    elif keys and key_folder is not None:  # proof pictures first, from the kept frames
        keys = {}
        pictures_first = write_key_frames(video, traj, angles, key_folder, stash)
    written = [path, *pictures_first]
    frames: queue.Queue = queue.Queue(maxsize=PIPELINE_DEPTH)
    pictures: queue.Queue = queue.Queue(maxsize=PIPELINE_DEPTH)
    reader = _Stage(_read_into, source, frames)
    timed = even_grid(traj.time) is not None  # a variable frame rate: each frame at its time
    writer = _Stage(_encode_from, path, traj.meta.fps / every, timed, pictures)
    width = traj.meta.image_width
    try:
        while (item := frames.get()) is not _END:
            index, image = item
            row = rows.get(index)
            if row is None:
                continue
            small = shrink(image, max_side)
            picture = draw(small, traj, row, angles, small.shape[1] / width, panel)
            _put(pictures, (picture, float(traj.time[row])), writer)
            if row in keys and key_folder is not None:  # as write_key_frames draws it
                proof = small if max_side == OVERLAY_MAX_SIDE else shrink(image)
                key_path = key_folder / f"{keys[row]}_frame{index:05d}.png"
                scale = proof.shape[1] / width
                cv2.imwrite(str(key_path), draw(proof, traj, row, angles, scale, panel))
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


def _encode_from(stage: _Stage, path: Path, fps: float, timed: bool, inbox: queue.Queue) -> bool:
    writer: ClipWriter | None = None
    try:
        while (item := inbox.get()) is not _END:
            picture, at = item
            if writer is None:
                writer = ClipWriter(path, fps, picture.shape[1], picture.shape[0], timed)
            writer.write(picture, at if timed else None)
    finally:
        if writer is not None:
            writer.close()
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


def proof_frames(
    video: Path, indices: list[int], stash: FrameStash | None = None
) -> dict[int, np.ndarray]:
    """The frames `indices` (frame numbers; those that decode) for proof pictures, at most
    `OVERLAY_MAX_SIDE` pixels on their long side, like the annotated clip: from the posed
    frames kept while posing when `stash` holds them all (nothing decoded again: reading
    them from a 1768x994 VP9 clip cost 1.2 CPU s for 8 pictures, seeks included), else
    read from the video in one pass and shrunk the same way. Bounded pictures also cost a
    quarter of the PNG compression and storage (2.8 MB a picture at 1768x994)."""
    wanted = sorted(set(indices))
    kept = stash.frames(np.array(wanted, np.int64)) if stash is not None else None
    if kept is not None:
        return dict(kept)
    return {i: shrink(frame.image) for i, frame in read_frames(video, wanted).items()}


def write_key_frames(
    video: Path,
    traj: Trajectories,
    angles: dict[str, np.ndarray],
    folder: Path,
    stash: FrameStash | None = None,
) -> list[Path]:
    """PNG pictures of the key rows, annotated like the overlay (frames: `proof_frames`)."""
    folder.mkdir(parents=True, exist_ok=True)
    panel = panel_for(traj)
    picks = key_rows(angles)
    frames = proof_frames(video, [int(traj.frame[row]) for row in picks.values()], stash)
    written = []
    for label, row in picks.items():
        index = int(traj.frame[row])
        if index in frames:
            image = frames[index]
            path = folder / f"{label}_frame{index:05d}.png"
            scale = image.shape[1] / traj.meta.image_width
            cv2.imwrite(str(path), draw(image, traj, row, angles, scale, panel))
            written.append(path)
    return written
