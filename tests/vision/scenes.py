"""Constructed clips with two or three real people, composed from the shared demo clip.

The demo clip has a woman walking right to left below and a man standing on a roof (the
first three seconds). A square window that follows each of them (their hip positions as the
person detector found them every half second) is cut out of every frame, scaled, and pasted
onto a plain background: the walker moving across it, the man standing still wherever the
scene puts him, mirrored if asked. So every person in a scene is a real person moving as
they did, and the scene says where each one is (for checking whom the pipeline followed).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from kneechain.vision.video import iter_frames

FPS = 15.0
# the woman's hip centre in the demo clip (1768 x 994), every half second from 1.5 s
WALKER_T = np.arange(1.5, 7.0, 0.5)
WALKER_X = np.array([1536, 1419, 1273, 1136, 974, 821, 682, 529, 376, 198, 41], float)
WALKER_Y = np.array([770, 740, 728, 735, 733, 727, 732, 720, 730, 750, 737], float)
WALKER_SIDE = 520  # source pixels around her hips: her whole body
WALKER_FRAMES = (60, 180)  # 2.0-6.0 s: she is in view, walking
MAN_XY = (645.0, 280.0)  # standing on the roof during the first three seconds
MAN_SIDE = 580
MAN_FRAMES = (0, 88)


@dataclass(frozen=True)
class Actor:
    """One person of a scene: 'walker' (crossing from `x0` to `x1`, canvas pixels of the
    hip centre) or 'stander' (at `x0`), at hip height `y`, scaled to `size` canvas pixels
    (their square), mirrored or not."""

    kind: str
    x0: float
    y: float
    size: int
    x1: float | None = None
    mirror: bool = False


def _frames(video: Path, span: tuple[int, int], count: int) -> list[tuple[float, np.ndarray]]:
    """`count` frames spread over frame numbers `span` of `video` (time, image)."""
    wanted = np.linspace(span[0], span[1] - 1, count).round().astype(int)
    got = {f.index: (f.time, f.image) for f in iter_frames(video, span[0], span[1])}
    return [got[int(i)] for i in wanted]


def _cut(image: np.ndarray, cx: float, cy: float, side: int, size: int, mirror: bool) -> np.ndarray:
    """The square of `side` source pixels around (cx, cy), scaled to `size`."""
    pad = side
    padded = cv2.copyMakeBorder(image, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    x0, y0 = round(cx - side / 2) + pad, round(cy - side / 2) + pad
    piece = cv2.resize(padded[y0 : y0 + side, x0 : x0 + side], (size, size), cv2.INTER_AREA)
    return cv2.flip(piece, 1) if mirror else piece


def _paste(canvas: np.ndarray, piece: np.ndarray, cx: float, cy: float) -> None:
    h, w = canvas.shape[:2]
    s = piece.shape[0]
    x0, y0 = round(cx - s / 2), round(cy - s / 2)
    a0, b0 = max(x0, 0), max(y0, 0)
    a1, b1 = min(x0 + s, w), min(y0 + s, h)
    if a1 > a0 and b1 > b0:
        canvas[b0:b1, a0:a1] = piece[b0 - y0 : b1 - y0, a0 - x0 : a1 - x0]


def compose(
    demo: Path,
    out: Path,
    actors: list[Actor],
    size: tuple[int, int] = (640, 360),
    seconds: float = 4.0,
) -> Path:
    """Write a scene of `actors` (pasted in order: later ones in front) to `out`."""
    count = round(seconds * FPS)
    walker = _frames(demo, WALKER_FRAMES, count)
    man = _frames(demo, MAN_FRAMES, count)
    w, h = size
    background = np.dstack([np.tile(np.linspace(90, 170, w, dtype=np.uint8), (h, 1))] * 3)
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"mp4v"), FPS, size)
    try:
        for k in range(count):
            canvas = background.copy()
            for actor in actors:
                if actor.kind == "walker":
                    t, image = walker[k]
                    cx = float(np.interp(t, WALKER_T, WALKER_X))
                    cy = float(np.interp(t, WALKER_T, WALKER_Y))
                    piece = _cut(image, cx, cy, WALKER_SIDE, actor.size, actor.mirror)
                    # she walks right to left in the source: mirrored, left to right
                    x1 = actor.x1 if actor.x1 is not None else actor.x0
                    x = actor.x0 + (x1 - actor.x0) * k / max(count - 1, 1)
                    _paste(canvas, piece, x, actor.y)
                else:
                    _, image = man[k]
                    piece = _cut(image, *MAN_XY, MAN_SIDE, actor.size, actor.mirror)
                    _paste(canvas, piece, actor.x0, actor.y)
            writer.write(canvas)
    finally:
        writer.release()
    return out


def walker_x(actor: Actor, time: np.ndarray, seconds: float = 4.0) -> np.ndarray:
    """Where a walker's hip centre is on the canvas at `time` (seconds from the start)."""
    x1 = actor.x1 if actor.x1 is not None else actor.x0
    count = round(seconds * FPS)
    k = np.clip(np.asarray(time) * FPS, 0, count - 1)
    return actor.x0 + (x1 - actor.x0) * k / max(count - 1, 1)
