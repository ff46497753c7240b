"""Downsized copies of the posed frames, kept while posing, for the annotated clip.

The annotated clip needs every posed frame again. Decoding the video a second time costs
about as much as the frames' first decode (10-16 ms a frame at 1768x994, and a clip posed at
10 frames a second still decodes every frame in between), so each pose piece also keeps its
posed frames, shrunk to the clip's size (`OVERLAY_MAX_SIDE`), as JPEG pictures appended to one
file per piece in a temporary folder, with their frame numbers and places beside it. JPEG by
`cv2.imencode` (libjpeg-turbo) costs 1.3 ms a 960-px frame, where OpenCV's Motion-JPEG
video writer took 5 ms; one decodes in 2-3 ms. Helper processes write their pieces into the
same folder. Whatever is missing or unreadable, the clip falls back to the video itself. The
folder is removed when the stash is closed or collected.
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import cv2
import numpy as np

OVERLAY_MAX_SIDE = 960  # pixels on the long side of the annotated clip and the proof pictures
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
        self._file: BinaryIO | None = None
        self._rows: list[tuple[int, int, int]] = []  # frame number, offset, length
        self._name = ""
        self._end = 0

    def add(self, index: int, image: np.ndarray) -> None:
        if index < self.keep_from:
            return
        ok, jpeg = cv2.imencode(".jpg", shrink(image), [cv2.IMWRITE_JPEG_QUALITY, QUALITY])
        if not ok:
            raise OSError(f"frame {index} could not be kept for the annotated clip")
        if self._file is None:
            self._name = f"piece_{index:09d}"
            self._file = (self.folder / f"{self._name}.jpgs").open("wb")
        self._file.write(jpeg.tobytes())
        self._rows.append((index, self._end, len(jpeg)))
        self._end += len(jpeg)

    def close(self) -> None:
        """Finish the file; its frame numbers and places are written last, marking it
        complete."""
        if self._file is None:
            return
        self._file.close()
        self._file = None
        rows = np.array(self._rows, np.int64).reshape(-1, 3)
        np.save(self.folder / f"{self._name}.tmp.npy", rows)
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
        held = {int(i): (p, int(at), int(n)) for p in pieces for i, at, n in np.load(p)}
        if not all(int(i) in held for i in wanted):
            return None
        return self._read(wanted, held)

    @staticmethod
    def _read(
        wanted: np.ndarray, held: dict[int, tuple[Path, int, int]]
    ) -> Iterator[tuple[int, np.ndarray]]:
        files: dict[Path, BinaryIO] = {}
        try:
            for index in wanted:
                path, at, length = held[int(index)]
                if path not in files:
                    files[path] = path.with_suffix(".jpgs").open("rb")
                source = files[path]
                source.seek(at)
                data = np.frombuffer(source.read(length), np.uint8)
                image = cv2.imdecode(data, cv2.IMREAD_COLOR) if len(data) == length else None
                if image is None:
                    raise OSError(f"stashed frame {int(index)} cannot be read")
                yield int(index), image
        finally:
            for source in files.values():
                source.close()
