"""The hostile upload corpus: broken and adversarial files a phone, a browser or an attacker
may send as a clip, made on the spot (small, deterministic, nothing downloaded).

    corpus(folder) -> {name: (path, file name to send)}
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import cv2
import numpy as np

CLIP = Path("/work/shared/data/walk_and_jump_sports2d_demo.mp4")


def _video(path: Path, size: tuple[int, int], frames: int, fps: float) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    assert writer.isOpened(), f"OpenCV cannot write {size} mp4v"
    frame = np.full((size[1], size[0], 3), 90, np.uint8)
    for i in range(frames):
        frame[:, :, 0] = i % 255
        writer.write(frame)
    writer.release()
    return path


def tiny_clip(folder: Path) -> Path:
    """A real, readable two-second clip with nobody in it."""
    return _video(folder / "tiny.mp4", (64, 48), 20, 10.0)


def corpus(folder: Path) -> dict[str, tuple[Path, str]]:
    folder.mkdir(parents=True, exist_ok=True)
    made: dict[str, tuple[Path, str]] = {}

    def put(name: str, data: bytes, sent_as: str) -> None:
        path = folder / name
        path.write_bytes(data)
        made[name] = (path, sent_as)

    put("zero-bytes", b"", "clip.mp4")
    real = tiny_clip(folder).read_bytes()
    put("truncated", real[: len(real) // 3], "clip.mp4")
    put("header-only", real[:16], "clip.mp4")
    put("renamed-pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n", "clip.mp4")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("clip.mp4", real)
    put("renamed-zip", buffer.getvalue(), "clip.mp4")
    put("renamed-html", b"<html><script>alert(1)</script></html>", "clip.mp4")
    put("mp4-magic-then-garbage", real[:12] + bytes(range(256)) * 64, "clip.mp4")
    # a decompression bomb: a small file whose frames are huge once decoded
    bomb = _video(folder / "huge-dimensions.mp4", (8000, 8000), 2, 1.0)
    made["huge-dimensions"] = (bomb, "clip.mp4")
    # two hours at one frame per second: a few kB, far past the length limit
    long = _video(folder / "two-hours.mp4", (32, 32), 7300, 1.0)
    made["two-hours"] = (long, "clip.mp4")
    return made


def _frames(source: Path, limit: int = 90):  # type: ignore[no-untyped-def]
    capture = cv2.VideoCapture(str(source))
    fps = capture.get(cv2.CAP_PROP_FPS) or 30.0
    frames = []
    while len(frames) < limit:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    capture.release()
    return frames, fps


def _write(path: Path, frames: list, fps: float) -> Path:  # type: ignore[type-arg]
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


def head_only(source: Path, folder: Path) -> Path:
    """The walking clip cut to its top fifth: a head (or nobody) and no legs."""
    frames, fps = _frames(source)
    cut = [f[: max(16, f.shape[0] // 5)] for f in frames]
    return _write(folder / "head-only.mp4", cut, fps)


def still_people(source: Path, folder: Path) -> Path:
    """Three copies of one frame side by side, held for three seconds: several people, none
    moving."""
    frames, fps = _frames(source, limit=30)
    one = frames[len(frames) // 2]
    small = cv2.resize(one, (one.shape[1] // 2, one.shape[0] // 2))
    row = np.concatenate([small, small, small], axis=1)
    return _write(folder / "still-people.mp4", [row] * int(3 * fps), fps)


SLOW_FROM = 80  # the variable-rate walker: every frame before this one, every third after


def variable_rate_walker(source: Path, folder: Path) -> tuple[Path, list[float]]:
    """The walking person of the demo clip (its frames 50-204, 30 frames a second) as a phone
    records in failing light: every frame for the first 80, then every third (10 a second),
    each frame kept at its own time. H.264 in MP4 written by PyAV (FFmpeg's libraries, a test
    dependency; OpenCV's writer makes constant-rate files only), one encoder thread so the file
    is the same on every run. Returns the clip and the true time of each of its frames."""
    import fractions

    import av

    from kneechain.assess.protocols.walker_clip import FIRST, STOP
    from kneechain.vision.video import iter_frames

    path = folder / "variable-rate.mp4"
    tick = fractions.Fraction(1, 30)
    times: list[float] = []
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=30)
        stream.pix_fmt = "yuv420p"
        stream.codec_context.time_base = tick
        stream.codec_context.thread_count = 1
        stream.options = {"crf": "23", "preset": "ultrafast"}
        for frame in iter_frames(source, start=FIRST, stop=STOP):
            n = frame.index - FIRST
            if n >= SLOW_FROM and n % 3:
                continue
            if not times:
                stream.height, stream.width = frame.image.shape[:2]
            picture = av.VideoFrame.from_ndarray(frame.image, format="bgr24")
            picture.pts, picture.time_base = n, tick
            container.mux(stream.encode(picture))
            times.append(float(n * tick))
        container.mux(stream.encode())
    return path, times
