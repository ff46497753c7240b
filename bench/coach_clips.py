"""Real clips for the camera coach's benchmark and browser tests, with repetitions counted by
hand BEFORE the coach was ever run on them (docs/coaching.md says how).

jumping_jacks: the jumper at the start of the shared Sports2D demo clip
(/work/shared/data/walk_and_jump_sports2d_demo.mp4, 1768x994, 30 fps), frames 0-89 (3.0 s),
cropped to him (x 470-854, y 0-480; the walker never enters that box in those frames).
Counted by hand from contact sheets of every 2nd frame: 2 jumping jacks; the feet leave
each other at about frames 11 and 45 and are back together at about frames 39 and 73
(+-2 frames). A jumping jack moves the feet apart and together like the lateral lunge's
step out and back, which is what the lunge's counter follows (stance width), so the clip is
fed to the lateral lunge's page; nobody lunges in it (the side the page "detects" for a jack
is whichever knee bent more on landing and means nothing here).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SHARED_CLIP = Path("/work/shared/data/walk_and_jump_sports2d_demo.mp4")


@dataclass(frozen=True)
class Clip:
    name: str
    source: Path
    first: int  # first frame used
    last: int  # last frame used (inclusive)
    crop: tuple[int, int, int, int]  # x0, y0, x1, y1
    fps: float
    exercise_id: str  # the coach page it is fed to
    reps: int  # counted by hand
    rep_times: tuple[tuple[float, float], ...]  # (start, end) in s from `first`, by hand


JUMPING_JACKS = Clip(
    name="jumping_jacks",
    source=SHARED_CLIP,
    first=0,
    last=89,
    crop=(470, 0, 854, 480),
    fps=30.0,
    exercise_id="lateral_lunge",
    reps=2,
    rep_times=((11 / 30, 39 / 30), (45 / 30, 73 / 30)),
)
CLIPS = (JUMPING_JACKS,)


def frames(clip: Clip) -> list[object]:
    """The clip's cropped BGR frames (OpenCV)."""
    import cv2

    capture = cv2.VideoCapture(str(clip.source))
    out = []
    index = 0
    x0, y0, x1, y1 = clip.crop
    while index <= clip.last:
        ok, frame = capture.read()
        if not ok:
            break
        if index >= clip.first:
            out.append(frame[y0:y1, x0:x1].copy())
        index += 1
    capture.release()
    if len(out) != clip.last - clip.first + 1:
        raise RuntimeError(f"{clip.source} has fewer frames than {clip.name} needs")
    return out


def write_y4m(clip: Clip, path: Path, slow: int = 1) -> Path:
    """The clip as a YUV4MPEG2 (4:2:0) file: what Chromium's fake camera plays, in a loop;
    `slow` > 1 plays it that many times slower (same frames, a lower frame rate)."""
    import cv2

    images = frames(clip)
    height, width = images[0].shape[:2]  # type: ignore[attr-defined]
    rate = f"F{int(clip.fps)}:{slow}"
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} {rate} Ip A1:1 C420jpeg\n".encode())
        for image in images:
            out.write(b"FRAME\n")
            out.write(cv2.cvtColor(image, cv2.COLOR_BGR2YUV_I420).tobytes())
    return path


def write_webm(clip: Clip, path: Path) -> Path:
    """The clip as a VP8 WebM file (what "use a video from this device" plays, frame-exact)."""
    import cv2

    images = frames(clip)
    height, width = images[0].shape[:2]  # type: ignore[attr-defined]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"VP80"), clip.fps, (width, height))
    if not writer.isOpened():
        raise RuntimeError("OpenCV cannot write VP8 WebM here")
    for image in images:
        writer.write(image)
    writer.release()
    return path
