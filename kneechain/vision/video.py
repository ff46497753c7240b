"""Streaming video input: upright frames with real timestamps, one at a time.

Frames are never collected into a list: `iter_frames` yields them and forgets them, so memory
does not grow with the length of the video. `probe` asks OpenCV's capture what the file
holds; frames are decoded by PyAV (`FrameSource`), which finds each frame by its number
from the container's packets and seeks to key frames only where that saves decoding, and
gives each frame exactly as OpenCV's capture did (the same pixels, rotation and timestamps).
Rotation metadata (portrait phone videos) is honoured, and timestamps come from the
container, so variable frame rate is represented exactly.
"""

from __future__ import annotations

import bisect
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import av.filter
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


#: Frames whose times are this close count as one step apart (float rounding of the times).
TIME_SLACK_S = 1e-6


def frames_by_time(times: np.ndarray, max_gap_s: float) -> tuple[int, ...]:
    """Frames (indices into `times`, sorted seconds) chosen by time: the first, then from
    each chosen frame the last one at most `max_gap_s` after it (the next frame when even
    that one is further). The clip is taken to go on at its last step, so its end is cut as
    a longer clip's would be. The largest steps that keep at least one frame every
    `max_gap_s`, as `step_for_rate` picks them by count on a constant-rate clip (30 frames a
    second and 0.1 s: every third frame, the same frames), but here a 10-a-second stretch
    keeps every frame."""
    times = np.asarray(times, float)
    if len(times) >= 2:
        times = np.append(times, 2 * times[-1] - times[-2])  # the frame that would come next
    chosen: list[int] = []
    at = 0
    while at < len(times) - 1 or (at == 0 and len(times) == 1):
        chosen.append(at)
        reach = int(np.searchsorted(times, times[at] + max_gap_s + TIME_SLACK_S, "right")) - 1
        at = max(reach, at + 1)
    return tuple(chosen)


def frame_times(path: str | Path) -> np.ndarray:
    """Each frame's time in seconds, from the container's packets (no decoding), as
    `FrameSource` gives them with the frames."""
    source = FrameSource(path, keep=0)
    try:
        return source.times()
    finally:
        source.close()


def iter_frames(
    path: str | Path, start: int = 0, stop: int | None = None, every: int = 1, threads: int = 0
) -> Iterator[Frame]:
    """Yield upright frames `start <= index < stop`, keeping every `every`-th from `start`
    (a `FrameSource` opened for the call: frames between are decoded, never converted).
    Timestamps come from the container; when a container gives none, index / fps is used.
    """
    source = FrameSource(path, threads, keep=0)
    try:
        yield from source.frames(start, stop, every)
    finally:
        source.close()


SEEK_COST_FRAMES = 2  # a seek (demuxer seek and decoder flush) costs about this many decodes


@dataclass(frozen=True)
class FrameIndex:
    """Where a video's frames are, from its packets alone (no decoding): each packet's
    presentation time in order (frame `i` is the `i`-th; `position` maps a time back) and
    the frames that are key frames (where decoding may start)."""

    pts: tuple[int, ...]
    keys: tuple[int, ...]
    position: dict[int, int]

    @classmethod
    def of(cls, packets: list[tuple[int, bool]]) -> FrameIndex:
        """From (presentation time, is key frame) of every packet, in any order."""
        key_at: dict[int, bool] = {}
        for time, key in packets:
            key_at[time] = key_at.get(time, False) or key
        pts = tuple(sorted(key_at))
        position = {p: i for i, p in enumerate(pts)}
        keys = tuple(position[p] for p in pts if key_at[p])
        return cls(pts, keys, position)

    def key_before(self, index: int) -> int | None:
        """The last key frame at or before frame `index` (None: none known)."""
        at = bisect.bisect_right(self.keys, index)
        return self.keys[at - 1] if at else None

    def key_frame_before(self, key: int) -> int | None:
        """The key frame before key frame `key`."""
        at = bisect.bisect_left(self.keys, key)
        return self.keys[at - 1] if at else None


def worth_seeking(index: int, at: int, key: int | None) -> bool:
    """Whether reaching frame `index` from the decoder's position `at` (the frame it gives
    next) costs fewer decodes by seeking to the key frame `key` before `index` than by
    decoding on (a frame behind `at` is reached by seeking only)."""
    if index < at:
        return True
    return key is not None and key > at + SEEK_COST_FRAMES


class FrameSource:
    """Frames of one video read by one process across several pieces, decoded by PyAV
    (FFmpeg), turned upright, in BGR bit for bit as OpenCV's capture gives them (the same
    swscale conversion: ITU-R 601 matrix, bicubic flags; the same timestamps).

    The packets are indexed first (`FrameIndex`: no decoding), so a frame is found by its
    number exactly, also after a seek and in variable-frame-rate clips, and the source
    seeks straight to the key frame before a wanted frame whenever that decodes fewer
    frames than reading on (`worth_seeking`): a survey sample every 0.5 s of a 60 fps clip
    with key frames every 12 decodes 6 frames on average instead of 29, and a pose pass at
    every 6th frame skips what lies after its last frame of each group. Frames that are
    only passed are decoded, never converted. The capture stays open between pieces and
    the last `keep` frames read stay at hand, so a process that poses the piece right after
    its previous one reads on, and the warm-up frames before that piece
    (parallel.pose_piece) come back without decoding. They are kept as decoded (YUV 4:2:0,
    half the memory of a BGR frame) and converted again when asked for: the four a pose
    process keeps held 25 MB as BGR frames of 1080x1920. `seeks` counts the seeks made.
    """

    def __init__(self, path: str | Path, threads: int = 0, keep: int = 4) -> None:
        self.path, self.threads, self.keep = Path(path), threads, keep
        self._container: av.container.InputContainer | None = None
        self._stream: av.video.stream.VideoStream | None = None
        self._index: FrameIndex | None = None
        self._decoded: Iterator[av.VideoFrame] | None = None
        self._next = 0  # index of the frame the decoder gives next
        self._fps = 30.0
        self._start_time = 0
        self._seconds = 0.0  # seconds per time-base unit, as OpenCV's r2d computes it
        self._recent: dict[int, tuple[float, av.VideoFrame]] = {}  # decoded, not converted
        self._convert = BgrConverter()
        self.seeks = 0

    def frames(
        self, start: int, stop: int | None, every: int = 1, chosen: tuple[int, ...] = ()
    ) -> Iterator[Frame]:
        """Frames `start, start + every, ...` below `stop` (those that decode), as
        `iter_frames` yields them; with `chosen` (sorted frame numbers, `frames_by_time`),
        the chosen frames from `start` below `stop` instead."""
        if chosen:
            yield from self._chosen(start, stop, chosen)
            return
        if every < 1:
            raise ValueError("every must be >= 1")
        index = start
        while stop is None or index < stop:
            frame = self._frame(index)
            if frame is None or (stop is not None and frame.index >= stop):
                return
            yield frame
            # the next frame on the grid (a frame that does not decode is passed over)
            index = start + (-(-(frame.index + 1 - start) // every)) * every

    def _chosen(self, start: int, stop: int | None, chosen: tuple[int, ...]) -> Iterator[Frame]:
        at = bisect.bisect_left(chosen, start)
        while at < len(chosen) and (stop is None or chosen[at] < stop):
            frame = self._frame(chosen[at])
            if frame is None or (stop is not None and frame.index >= stop):
                return
            yield frame
            at = bisect.bisect_right(chosen, frame.index)  # past a frame that did not decode

    def times(self) -> np.ndarray:
        """Each frame's time in seconds from the packet index (no decoding)."""
        if self._container is None:
            self._open()
        assert self._index is not None
        return np.array([self._time(p, i) for i, p in enumerate(self._index.pts)], float)

    def _open(self) -> None:
        try:
            container = av.open(str(self.path))
        except (av.FFmpegError, OSError) as exc:
            raise VideoError(f"{self.path.name} is not a video that can be read.", REFILM) from exc
        if not container.streams.video:
            container.close()
            raise VideoError(f"{self.path.name} is not a video that can be read.", REFILM)
        stream = container.streams.video[0]
        packets: list[tuple[int, bool]] = []
        try:
            for packet in container.demux(stream):
                if packet.pts is not None and packet.size:
                    packets.append((int(packet.pts), bool(packet.is_keyframe)))
        except av.FFmpegError:
            pass  # a damaged end: the frames before it
        stream.codec_context.thread_count = self.threads
        if self.threads != 1:
            stream.thread_type = "AUTO"
        base = stream.time_base
        self._seconds = base.numerator / base.denominator if base else 0.0
        self._start_time = int(stream.start_time or 0)
        rate = stream.guessed_rate or stream.average_rate
        self._fps = float(rate) if rate else 30.0
        self._container, self._stream = container, stream
        self._index = FrameIndex.of(packets)
        self._seek(0)
        self.seeks = 0  # rewinding after the index is not counted

    def _seek(self, index: int) -> None:
        """Position the decoder at key frame `index` (0: the start)."""
        assert self._container is not None and self._stream is not None
        index_ = self._index
        if index == 0 or index_ is None or not index_.pts:
            self._container.seek(0, backward=True, any_frame=False)
            index = 0
        else:
            self._container.seek(index_.pts[index], stream=self._stream, backward=True)
        self._decoded = self._decode()
        self._next = index
        self.seeks += 1

    def _decode(self) -> Iterator[av.VideoFrame]:
        """The decoder's frames from where the container stands; a packet that does not
        decode is passed over, a damaged end ends the frames."""
        assert self._container is not None and self._stream is not None
        try:
            for packet in self._container.demux(self._stream):
                try:
                    yield from packet.decode()
                except av.error.InvalidDataError:
                    continue
        except av.FFmpegError:
            return

    def _frame(self, index: int) -> Frame | None:
        """Frame `index`, else the first frame after it that decodes, else None."""
        held = self._recent.get(index)
        if held is not None:
            return Frame(index, held[0], self._convert(held[1]))
        if self._container is None:
            self._open()
        assert self._index is not None
        key = self._index.key_before(index) if self._index.pts else None
        if not worth_seeking(index, self._next, key):
            return self._read_to(index)
        key = key or 0
        self._seek(key)
        found = self._read_to(index)
        if found is not None and found.index > index and key > 0:
            # the decoder started beyond `index` after the seek (leading frames of an open
            # group of pictures are dropped): once more from the key frame before
            self._seek(self._index.key_frame_before(key) or 0)
            found = self._read_to(index)
        return found

    def _read_to(self, index: int) -> Frame | None:
        assert self._decoded is not None and self._index is not None
        for decoded in self._decoded:
            at = self._index.position.get(decoded.pts) if decoded.pts is not None else None
            at = self._next if at is None else at
            self._next = at + 1
            if at < index:
                continue
            frame = Frame(at, self._time(decoded.pts, at), self._convert(decoded))
            if self.keep:
                self._recent[at] = (frame.time, decoded)
                while len(self._recent) > self.keep:
                    del self._recent[min(self._recent)]
            return frame
        self._next = max(self._next, index + 1)
        return None

    def _time(self, pts: int | None, index: int) -> float:
        """Seconds from the stream's start, computed as OpenCV's CAP_PROP_POS_MSEC is (the
        same floating-point steps, so the same bits); index / fps when there is none."""
        msec = (pts - self._start_time) * self._seconds * 1000 if pts is not None else 0.0
        return msec / 1000.0 if msec > 0 or index == 0 else index / self._fps

    def close(self) -> None:
        if self._container is not None:
            self._decoded = None
            self._container.close()
            self._container = None
        self._recent.clear()
        self._convert = BgrConverter()  # the graph's pooled frames go with it


_ROTATE = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}


class BgrConverter:
    """Decoded frames to upright BGR arrays, bit for bit as OpenCV's capture converts them
    (swscale with OpenCV's flags and no colour-space details: ITU-R 601, bicubic), turned
    upright by their display matrix as OpenCV's CAP_PROP_ORIENTATION_AUTO does (clockwise
    by the tag's angle).

    The conversion runs in one FFmpeg filter graph (buffer -> scale -> format=bgr24) kept
    for the source's life: its scaler is set up once, and its output frames come from the
    graph's buffer pool, reused once the arrays over them are freed. `VideoFrame.to_ndarray`
    with the same arguments set up a new scaler for every frame and converted into freshly
    mapped memory (about 450 page faults a 1080x1920 frame): 600 such frames read in 1.8-1.9
    CPU-s this way against 1.15-1.25 with the graph (OpenCV's capture: 1.55-1.6). The graph
    is made again when a frame's size or pixel format differs from the one it was made for.
    """

    def __init__(self) -> None:
        self._graph: av.filter.Graph | None = None
        self._made_for: tuple[int, int, str] | None = None

    def __call__(self, frame: av.VideoFrame) -> np.ndarray:
        shape = (frame.width, frame.height, frame.format.name)
        if self._graph is None or shape != self._made_for:
            self._graph, self._made_for = _bgr_graph(frame), shape
        self._graph.push(frame)
        image = self._graph.pull().to_ndarray()
        turn = _ROTATE.get(round(-frame.rotation) % 360)
        return cv2.rotate(image, turn) if turn is not None else image


def _bgr_graph(frame: av.VideoFrame) -> av.filter.Graph:
    """A filter graph of one thread turning frames like `frame` into BGR: the scale filter
    with bicubic flags and the ITU-R 601 matrix (the colour range as the frame says, as
    swscale took it before)."""
    graph = av.filter.Graph()
    graph.threads = 1
    base = frame.time_base or Fraction(1, 1000)
    source = graph.add(
        "buffer",
        video_size=f"{frame.width}x{frame.height}",
        pix_fmt=str(int(frame.format)),
        time_base=str(base),
        pixel_aspect="1/1",
    )
    scale = graph.add("scale", "flags=bicubic:in_color_matrix=bt601")
    bgr = graph.add("format", "bgr24")
    sink = graph.add("buffersink")
    source.link_to(scale)
    scale.link_to(bgr)
    bgr.link_to(sink)
    graph.configure()
    return graph


def read_frames(path: str | Path, indices: list[int]) -> dict[int, Frame]:
    """The frames `indices` (those that decode) in one pass: nearby frames are reached by
    decoding on, distant ones by seeking to the key frame before them (`FrameSource`), on
    one decoder thread (more threads decode frames ahead that a few pictures never use)."""
    source = FrameSource(path, threads=1, keep=0)
    found: dict[int, Frame] = {}
    try:
        for index in sorted(set(indices)):
            for frame in source.frames(index, index + 1):
                found[index] = frame
    finally:
        source.close()
    return found


def read_frame(path: str | Path, index: int) -> Frame:
    """One frame by index (used for sampling and for key-frame pictures), on one decoder
    thread: FFmpeg's frame threads decode frames ahead of the one wanted (20 ms more CPU a
    call on the shared clip)."""
    for frame in iter_frames(path, start=index, stop=index + 1, threads=1):
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
