"""Helpers that write small test videos: synthetic scenes, clips, mirrored and rotated copies.

The rotated copy stores every frame turned a quarter turn and writes a display matrix into
the mp4 track header ('tkhd' box) saying "turn it back", exactly what a phone held upright
does. OpenCV's writer cannot write that tag, so `set_rotation` edits the box in place.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from kneechain.vision.video import iter_frames

FOURCC = cv2.VideoWriter_fourcc(*"mp4v")
_CONTAINERS = {b"moov", b"trak"}


def _writer(path: Path, fps: float, size: tuple[int, int]) -> cv2.VideoWriter:
    writer = cv2.VideoWriter(str(path), FOURCC, fps, size)
    if not writer.isOpened():
        raise RuntimeError(f"OpenCV cannot write {path}")
    return writer


def synthetic(path: Path, kind: str, frames: int = 45, size: tuple[int, int] = (320, 240)) -> Path:
    """A short video with no person: 'noise' (random pixels), 'blank' (a plain wall with a
    soft gradient) or 'dark' (almost black)."""
    rng = np.random.default_rng(0)
    writer = _writer(path, 30.0, size)
    w, h = size
    gradient = np.tile(np.linspace(150, 200, w, dtype=np.uint8), (h, 1))
    for _ in range(frames):
        if kind == "noise":
            image = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        elif kind == "blank":
            image = np.dstack([gradient] * 3)
        elif kind == "dark":
            image = rng.integers(0, 6, (h, w, 3), dtype=np.uint8)
        else:
            raise ValueError(kind)
        writer.write(image)
    writer.release()
    return path


def copy_clip(
    src: Path,
    dst: Path,
    stop: int | None = None,
    mirror: bool = False,
    scale: float = 1.0,
    start: int = 0,
) -> Path:
    """Re-encode frames [start, stop) of `src`, optionally mirrored left-right and rescaled."""

    def transform(image: np.ndarray) -> np.ndarray:
        image = cv2.flip(image, 1) if mirror else image
        if scale != 1.0:
            image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        return image

    return _reencode(src, dst, transform, start, stop)


Transform = Callable[[np.ndarray], np.ndarray]


def _reencode(src: Path, dst: Path, transform: Transform, start: int, stop: int | None) -> Path:
    """Write `transform` of each frame [start, stop) of `src` to `dst` at the source's rate."""
    writer: cv2.VideoWriter | None = None
    for frame in iter_frames(src, start=start, stop=stop):
        image = transform(frame.image)
        if writer is None:
            cap = cv2.VideoCapture(str(src))
            fps = cap.get(cv2.CAP_PROP_FPS)
            cap.release()
            writer = _writer(dst, fps, (image.shape[1], image.shape[0]))
        writer.write(image)
    if writer is not None:
        writer.release()
    return dst


def rotated_copy(src: Path, dst: Path, stop: int | None = None) -> Path:
    """Store the frames turned 90 degrees counter-clockwise and tag the file so players
    (and our reader) turn them back clockwise: the same clip, stored like a portrait phone
    video."""
    _reencode(src, dst, lambda image: cv2.rotate(image, cv2.ROTATE_90_COUNTERCLOCKWISE), 0, stop)
    set_rotation(dst, 90)
    return dst


def _boxes(data: bytes, start: int, end: int):
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        header = 8
        if size == 1:
            size = struct.unpack(">Q", data[pos + 8 : pos + 16])[0]
            header = 16
        elif size == 0:
            size = end - pos
        yield pos, size, header, kind
        pos += size


def _find_tkhd(data: bytes, start: int, end: int) -> list[int]:
    found = []
    for pos, size, header, kind in _boxes(data, start, end):
        if kind in _CONTAINERS:
            found += _find_tkhd(data, pos + header, pos + size)
        elif kind == b"tkhd":
            found.append(pos + header)
    return found


def set_rotation(path: Path, degrees: int) -> None:
    """Write a clockwise display rotation of `degrees` (0/90/180/270) into every video track
    header of an mp4 file."""
    cos = {0: 1, 90: 0, 180: -1, 270: 0}[degrees]
    sin = {0: 0, 90: 1, 180: 0, 270: -1}[degrees]
    one = 0x10000
    matrix = [cos * one, sin * one, 0, -sin * one, cos * one, 0, 0, 0, 0x40000000]
    data = bytearray(path.read_bytes())
    offsets = _find_tkhd(bytes(data), 0, len(data))
    if not offsets:
        raise ValueError(f"{path} has no track header to tag")
    for body in offsets:
        version = data[body]
        matrix_at = body + 4 + (32 if version == 1 else 20) + 8 + 8
        data[matrix_at : matrix_at + 36] = struct.pack(">9i", *matrix)
    path.write_bytes(bytes(data))


def truncated_copy(src: Path, dst: Path, fraction: float) -> Path:
    """The first `fraction` of the bytes of `src` (a download cut short)."""
    data = src.read_bytes()
    dst.write_bytes(data[: int(len(data) * fraction)])
    return dst
