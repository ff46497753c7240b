"""Downsized copies of the posed frames, kept while posing, for the annotated clip.

The annotated clip needs every posed frame again. Decoding the video a second time costs
about as much as the frames' first decode (10-16 ms a frame at 1768x994, and a clip posed at
10 frames a second still decodes every frame in between), so each pose piece also writes
its posed frames, shrunk to the clip's size (`OVERLAY_MAX_SIDE`), into a small Motion-JPEG
file in a temporary folder: one file per piece, with the frame numbers beside it. The clip
is then drawn from these (a 960-px JPEG decodes in 2-3 ms). Helper processes write their
pieces into the same folder. Whatever is missing or unreadable, the clip falls back to the
video itself. The folder is removed when the stash is closed or collected.
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

OVERLAY_MAX_SIDE = 960  # pixels on the annotated clip's long side (proof pictures: full size)
QUALITY = 90


def overlay_size(width: int, height: int, max_side: int = OVERLAY_MAX_SIDE) -> tuple[int, int]:
    """(width, height) of a frame brought down to `max_side` on its long side, even numbers
    (video encoders want them); never enlarged."""
    scale = min(1.0, max_side / max(width, height, 1))
    if scale >= 1.0:
        return width, height
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


def shrink(image: np.ndarray, max_side: int = OVERLAY_MAX_SIDE) -> np.ndarray:
    """`image` at `overlay_size` (linear: area resampling costs 5 times more at 1768 px)."""
    h, w = image.shape[:2]
    size = overlay_size(w, h, max_side)
    if size == (w, h):
        return image
    return cv2.resize(image, size, interpolation=cv2.INTER_LINEAR)


class PieceWriter:
    """Writes one piece's frames (from frame `keep_from` on) into the stash folder."""

    def __init__(self, folder: Path, keep_from: int) -> None:
        self.folder, self.keep_from = folder, keep_from
        self._writer: cv2.VideoWriter | None = None
        self._indices: list[int] = []
        self._name = ""

    def add(self, index: int, image: np.ndarray) -> None:
        if index < self.keep_from:
            return
        small = shrink(image)
        if self._writer is None:
            self._name = f"piece_{index:09d}"
            fourcc = cv2.VideoWriter_fourcc(*"MJPG")
            size = (small.shape[1], small.shape[0])
            path = str(self.folder / f"{self._name}.avi")
            self._writer = cv2.VideoWriter(path, fourcc, 30.0, size)
            self._writer.set(cv2.VIDEOWRITER_PROP_QUALITY, QUALITY)
        self._writer.write(small)
        self._indices.append(index)

    def close(self) -> None:
        """Finish the file; its frame numbers are written last, marking it complete."""
        if self._writer is None:
            return
        self._writer.release()
        self._writer = None
        np.save(self.folder / f"{self._name}.tmp.npy", np.array(self._indices, np.int64))
        (self.folder / f"{self._name}.tmp.npy").rename(self.folder / f"{self._name}.npy")


class FrameStash:
    """A temporary folder of downsized posed frames (see the module docstring)."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="kneechain-frames-"))
        self._cleanup = weakref.finalize(self, shutil.rmtree, str(self.folder), True)

    def close(self) -> None:
        """Remove the folder (idempotent)."""
        self._cleanup()

    def frames(self, wanted: np.ndarray) -> Iterator[tuple[int, np.ndarray]] | None:
        """The stashed frames `wanted` (sorted frame numbers) in order, or None when the
        stash does not hold every one of them."""
        if not self.folder.is_dir():
            return None
        pieces = sorted(self.folder.glob("piece_*[0-9].npy"))
        held = {int(i): (p, k) for p in pieces for k, i in enumerate(np.load(p))}
        if not all(int(i) in held for i in wanted):
            return None
        return self._read(wanted, held)

    @staticmethod
    def _read(
        wanted: np.ndarray, held: dict[int, tuple[Path, int]]
    ) -> Iterator[tuple[int, np.ndarray]]:
        cap: cv2.VideoCapture | None = None
        current: Path | None = None
        position = 0
        try:
            for index in wanted:
                path, k = held[int(index)]
                if path != current or k < position:
                    if cap is not None:
                        cap.release()
                    cap = cv2.VideoCapture(str(path.with_suffix(".avi")), cv2.CAP_FFMPEG)
                    current, position = path, 0
                assert cap is not None
                while position < k:
                    cap.grab()
                    position += 1
                ok, image = cap.read()
                position += 1
                if not ok or image is None:
                    raise OSError(f"stashed frame {int(index)} cannot be read")
                yield int(index), image
        finally:
            if cap is not None:
                cap.release()
