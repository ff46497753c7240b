"""Streaming video input: upright frames with real timestamps, one at a time.

Frames are never collected into a list: `iter_frames` yields them and forgets them, so memory
does not grow with the length of the video. Rotation metadata (portrait phone videos) is
honoured by OpenCV's FFmpeg back-end, and timestamps come from the container, so variable
frame rate is represented exactly.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from kneechain.vision.errors import VideoError

REFILM = "Film again with the phone's camera app and share the original file (mp4 or mov)."


@dataclass(frozen=True)
class VideoInfo:
    """What the container says about a video, after rotation (width/height are upright)."""

    path: Path
    width: int
    height: int
    fps: float
    frame_count: int
    rotation: int
    fourcc: str

    @property
    def duration_s(self) -> float:
        return self.frame_count / self.fps


@dataclass(frozen=True)
class Frame:
    """One decoded upright frame (BGR, uint8) with its index and timestamp in seconds."""

    index: int
    time: float
    image: np.ndarray


#: OpenCV reads this when its FFmpeg back-end starts (the first capture of a process) and sets
#: FFmpeg's log level from it; -8 is FFmpeg's AV_LOG_QUIET.
FFMPEG_LOG_VARIABLE = "OPENCV_FFMPEG_LOGLEVEL"
FFMPEG_QUIET = "-8"


@contextmanager
def quiet_ffmpeg() -> Iterator[None]:
    """FFmpeg's own lines ("partial file", "moov atom not found"...) stay off the console:
    kneechain says what is wrong with a clip in its own words. The variable is set only for the
    moment the capture opens (a value the person set, to debug, is kept) and the environment
    is left as it was."""
    if FFMPEG_LOG_VARIABLE in os.environ:
        yield
        return
    os.environ[FFMPEG_LOG_VARIABLE] = FFMPEG_QUIET
    try:
        yield
    finally:
        os.environ.pop(FFMPEG_LOG_VARIABLE, None)


def _capture(path: Path, threads: int = 0) -> cv2.VideoCapture:
    """An FFmpeg capture that turns frames upright; `threads` decoder threads (0: FFmpeg's
    choice, one per core, which only adds switching when every core already poses)."""
    params = [cv2.CAP_PROP_N_THREADS, threads] if threads > 0 else []
    with quiet_ffmpeg():
        cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG, params)
    cap.set(cv2.CAP_PROP_ORIENTATION_AUTO, 1)
    return cap


def _fourcc(value: float) -> str:
    code = int(value)
    chars = "".join(chr((code >> (8 * i)) & 0xFF) for i in range(4))
    return chars if chars.isprintable() else ""


def probe(path: str | Path) -> VideoInfo:
    """Open `path`, check that a first frame decodes, and describe the video.

    Raises `VideoError` for a missing file, a file that is not a video, or a video without a
    decodable frame.
    """
    path = Path(path)
    if not path.is_file():
        raise VideoError(f"No video file at {path}.", "Check the path and try again.")
    if path.stat().st_size == 0:
        raise VideoError(f"{path.name} is empty (0 bytes).", REFILM)
    cap = _capture(path)
    try:
        if not cap.isOpened():
            raise VideoError(
                f"{path.name} is not a video that can be read (unknown format or damaged file).",
                REFILM,
            )
        ok, image = cap.read()
        if not ok or image is None or image.size == 0:
            raise VideoError(f"{path.name} contains no decodable frame.", REFILM)
        fps = float(cap.get(cv2.CAP_PROP_FPS))
        count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        rotation = int(cap.get(cv2.CAP_PROP_ORIENTATION_META))
        fourcc = _fourcc(cap.get(cv2.CAP_PROP_FOURCC))
    finally:
        cap.release()
    if not np.isfinite(fps) or fps <= 0 or fps > 1000:
        raise VideoError(f"{path.name} reports no usable frame rate ({fps}).", REFILM)
    height, width = image.shape[:2]
    return VideoInfo(path, width, height, fps, max(count, 1), rotation % 360, fourcc)


def step_for_rate(fps: float, rate_hz: float | None) -> int:
    """The largest frame step that still keeps at least `rate_hz` frames a second of a
    `fps` video (1: every frame; also when no rate is asked for or the video is slower)."""
    if rate_hz is None or rate_hz <= 0 or not np.isfinite(fps) or fps <= rate_hz:
        return 1
    return max(1, int(np.floor(fps / rate_hz + 1e-9)))


def iter_frames(
    path: str | Path, start: int = 0, stop: int | None = None, every: int = 1, threads: int = 0
) -> Iterator[Frame]:
    """Yield upright frames `start <= index < stop`, keeping every `every`-th from `start`.

    Skipped frames are only grabbed (decoded, not converted), which is cheap. Timestamps come
    from the container (`CAP_PROP_POS_MSEC`); when a container gives none, index / fps is used.
    """
    if every < 1:
        raise ValueError("every must be >= 1")
    path = Path(path)
    cap = _capture(path, threads)
    if not cap.isOpened():
        raise VideoError(f"{path.name} is not a video that can be read.", REFILM)
    try:
        fps = float(cap.get(cv2.CAP_PROP_FPS)) or 30.0
        if start > 0:
            cap.set(cv2.CAP_PROP_POS_FRAMES, start)
        index = start
        while stop is None or index < stop:
            if (index - start) % every:
                if not cap.grab():
                    return
                index += 1
                continue
            ok, image = cap.read()
            if not ok or image is None:
                return
            msec = float(cap.get(cv2.CAP_PROP_POS_MSEC))
            time = msec / 1000.0 if msec > 0 or index == 0 else index / fps
            yield Frame(index, time, image)
            index += 1
    finally:
        cap.release()


SEEK_GAP = 16  # frames: a farther jump seeks (a VP9 seek costs ~120 ms of CPU, a frame ~7 ms)


class FrameSource:
    """Frames of one video read by one process across several pieces: the capture stays
    open between pieces and the last `keep` frames read stay at hand, so a process that
    poses the piece right after its previous one reads on without a seek, and the warm-up
    frames just before that piece (parallel.pose_piece) come back without decoding.

    OpenCV's seek backs up 16 frames and decodes on from the key frame before them (in the
    shared VP9 clip, key frames 2 s apart: a seek costs up to 60 decoded frames, 0.2 s of
    CPU); reading on costs one decode a frame. The frames are the same either way.
    """

    def __init__(self, path: str | Path, threads: int = 0, keep: int = 4) -> None:
        self.path, self.threads, self.keep = Path(path), threads, keep
        self._cap: cv2.VideoCapture | None = None
        self._next = 0  # index of the frame the capture returns next
        self._fps = 30.0
        self._recent: dict[int, Frame] = {}
        self.seeks = 0

    def frames(self, start: int, stop: int | None, every: int = 1) -> Iterator[Frame]:
        """Frames `start, start + every, ...` below `stop`, as `iter_frames` yields them."""
        if every < 1:
            raise ValueError("every must be >= 1")
        index = start
        while stop is None or index < stop:
            frame = self._frame(index)
            if frame is None:
                return
            yield frame
            index += every

    def _frame(self, index: int) -> Frame | None:
        held = self._recent.get(index)
        if held is not None:
            return held
        cap = self._cap
        if cap is None or index < self._next or index - self._next > SEEK_GAP:
            cap = self._open_at(index)
        while self._next < index:
            if not cap.grab():
                return None
            self._next += 1
        ok, image = cap.read()
        if not ok or image is None:
            return None
        msec = float(cap.get(cv2.CAP_PROP_POS_MSEC))
        time = msec / 1000.0 if msec > 0 or index == 0 else index / self._fps
        self._next = index + 1
        frame = Frame(index, time, image)
        self._recent[index] = frame
        while len(self._recent) > self.keep:
            del self._recent[min(self._recent)]
        return frame

    def _open_at(self, index: int) -> cv2.VideoCapture:
        if self._cap is None:
            self._cap = _capture(self.path, self.threads)
            if not self._cap.isOpened():
                self._cap = None
                raise VideoError(f"{self.path.name} is not a video that can be read.", REFILM)
            self._fps = float(self._cap.get(cv2.CAP_PROP_FPS)) or 30.0
            self._next = 0
        if index != self._next:
            self._cap.set(cv2.CAP_PROP_POS_FRAMES, index)
            self._next = index
            self.seeks += 1
        return self._cap

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None
        self._recent.clear()


def read_frames(path: str | Path, indices: list[int]) -> dict[int, Frame]:
    """The frames `indices` (those that decode) in one pass: nearby frames are reached by
    reading on (cheap grabs), distant ones by seeking, so a handful of proof frames costs one
    pass rather than a seek each (a seek in a VP9 clip costs 150-250 ms)."""
    wanted = sorted(set(indices))
    found: dict[int, Frame] = {}
    i = 0
    while i < len(wanted):
        j = i
        while j + 1 < len(wanted) and wanted[j + 1] - wanted[j] <= SEEK_GAP:
            j += 1
        group = set(wanted[i : j + 1])
        for frame in iter_frames(path, start=wanted[i], stop=wanted[j] + 1):
            if frame.index in group:
                found[frame.index] = frame
        i = j + 1
    return found


def read_frame(path: str | Path, index: int) -> Frame:
    """One frame by index (used for sampling and for key-frame pictures)."""
    for frame in iter_frames(path, start=index, stop=index + 1):
        return frame
    raise VideoError(f"Frame {index} of {Path(path).name} cannot be decoded.", REFILM)


def sha256_of(path: str | Path, chunk: int = 1 << 20) -> str:
    """SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def mean_brightness(image: np.ndarray) -> float:
    """Mean luma (0..255) of a BGR frame."""
    return float(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY).mean())


def sharpness(image: np.ndarray) -> float:
    """Variance of the Laplacian of a downscaled grey frame: low values mean a blurred frame."""
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    scale = 480.0 / max(grey.shape)
    if scale < 1.0:
        grey = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return float(cv2.Laplacian(grey, cv2.CV_64F).var())
