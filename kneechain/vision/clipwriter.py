"""Encoding the annotated clip, fast, at a bounded size, the same bytes for the same frames.

OpenCV's VideoWriter cannot be given an encoder's settings: it asks about 2.25 bits a pixel
(a 960x540 clip at 30 frames a second: 35 Mbit/s, near lossless) from libvpx at its slow
default speed, which made the shared 7.7-second clip a 17 MB WebM and cost 9.9 CPU seconds,
two thirds of the whole analysis. PyAV's FFmpeg takes the settings:

- VP8 (libvpx) in WebM, what browsers play: real-time mode at a fixed speed (`cpu-used`
  negative; a positive value lets libvpx choose its speed from how long frames take, so the
  bytes would depend on the machine's load), one thread (libvpx's second thread mostly waits
  and costs four times the CPU), `BITS_PER_PIXEL` of bit rate (about 2 Mbit/s at 960x540,
  30 frames a second: the values' text stays sharp). Speed -12: on the shared clip's
  annotated frames it encodes in 15-25% less CPU than -8 (0.74-0.83 against 0.98 s for
  230 frames) at 0.15 dB less PSNR (34.6 against 34.7) and the same size; -16 lost 0.35 dB
  for no further gain.
- MPEG-4 part 2 in .mp4 (desktop players), the same bit rate.

The container is written bit-exact (no writing-application name, no random segment id), so
the same frames always give the same file. Frames are evenly spaced at the given rate, or,
for the frames of a variable-frame-rate clip (`timed`), each at its own time (in
milliseconds), so the clip plays as it was filmed.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from types import TracebackType

import av
import numpy as np
from av.codec.context import Flags

BITS_PER_PIXEL = 0.13  # of each frame; 2.0 Mbit/s at 960x540 and 30 frames a second
TIMED_TICK = Fraction(1, 1000)  # a timed clip's frames are placed to the millisecond
VP8_OPTIONS = {"deadline": "realtime", "cpu-used": "-12"}


def encoder_for(path: Path) -> str:
    """The clip's encoder by its file type: VP8 in WebM (browsers play it), MPEG-4 part 2 in
    .mp4 (desktop players)."""
    return "libvpx" if path.suffix.lower() == ".webm" else "mpeg4"


def bit_rate(width: int, height: int, fps: float) -> int:
    """Bits a second for a clip of this size and frame rate (`BITS_PER_PIXEL`)."""
    return max(100_000, round(BITS_PER_PIXEL * width * height * fps))


class ClipWriter:
    """Writes BGR frames of one size (`write`) into `path`; `close` finishes the file. Odd
    sizes lose their last column or row (the encoders want even sizes). A `timed` writer
    places each frame at the time given with it (seconds; frames of a variable-frame-rate
    clip), to the millisecond and after the frame before; `fps` then is the clip's average
    rate, which sets the bit rate."""

    def __init__(
        self, path: Path, fps: float, width: int, height: int, timed: bool = False
    ) -> None:
        self.path = path
        self.timed = timed
        self._first: float | None = None
        self._last_pts = -1
        self.width, self.height = width - width % 2, height - height % 2
        if self.width < 2 or self.height < 2:
            raise ValueError(f"a clip cannot be {width}x{height} pixels")
        rate = Fraction(fps).limit_denominator(1001) if fps > 0 else Fraction(30)
        encoder = encoder_for(path)
        self._box = av.open(str(path), "w", options={"fflags": "+bitexact"})
        try:
            options = VP8_OPTIONS if encoder == "libvpx" else {}
            stream = self._box.add_stream(encoder, rate=rate, options=dict(options))
            stream.width, stream.height, stream.pix_fmt = self.width, self.height, "yuv420p"
            stream.bit_rate = bit_rate(self.width, self.height, float(rate))
            stream.thread_count = 1
            stream.codec_context.flags |= Flags.bitexact
            if timed:
                stream.codec_context.time_base = TIMED_TICK
        except BaseException:
            self._box.close()
            raise
        self._stream = stream
        self.frames = 0

    def write(self, image: np.ndarray, at: float | None = None) -> None:
        """Add a frame: the next at the clip's rate, or, for a `timed` writer, at `at`
        seconds (times count from the first frame's)."""
        frame = av.VideoFrame.from_ndarray(
            np.ascontiguousarray(image[: self.height, : self.width]), format="bgr24"
        )
        frame.pts = self.frames if not self.timed else self._timed_pts(at)
        self._box.mux(self._stream.encode(frame))
        self.frames += 1

    def _timed_pts(self, at: float | None) -> int:
        if at is None:
            raise ValueError("a timed clip needs each frame's time")
        if self._first is None:
            self._first = at
        pts = max(self._last_pts + 1, round((at - self._first) / TIMED_TICK))
        self._last_pts = pts
        return pts

    def close(self) -> None:
        """Flush the encoder and finish the file (idempotent)."""
        if self._box is None:
            return
        box, self._box = self._box, None
        try:
            box.mux(self._stream.encode(None))
        finally:
            box.close()

    def __enter__(self) -> ClipWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
