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

lateral_step: the single person of pose2sim's
demo (Demo_SinglePerson/videos/cam01.mp4 from the pinned pose2sim wheel, found by
kneechain.vision.sample_data.single_person_video; 1080x1920, 60 fps), frames 0-76 (1.28 s),
every 2nd frame (30 fps), the top 1400 rows scaled to 40 %. Counted by hand on 30 Nov 2026,
before the coach was run on it, from contact sheets of every 4th frame and then of every 2nd
frame around the step (frames 8-22 and 54-82): 1 repetition: standing with the feet hip width
apart (frames 0-12), he steps wide to his right (the image's left) and leans over the bent
leg, his right foot leaving the other at about frame 14 (0.23 s), stays wide (frames 22-56)
and brings the foot back, beside the other again at about frame 66 (1.10 s) (+-2 frames);
from frame 84 he starts walking forward. Fed to the lateral lunge's page (the same step out
and back, counted on stance width). The clip first ran to frame 80; in frames 78-80 he already
turns to walk and BlazePose lite puts his hips almost together (stance width 5-6 hip widths),
and looped, that glitch right before the cut back to frame 0 was, at about 10 frames a second
live, smoothed into a rep of its own or merged into the next (one extra, one early start in
two runs). The hand count is unchanged; the clip now stops at 76, feet together, where the
cut back to frame 0 is a small shift of a standing person. Live glitches spread by BlazePose's
smoothing remain a weakness of the counter at low frame rates (docs/coaching.md).

Tried and dropped, with the hand count above written before the run: the same step fed to the
side-lying leg lift's counter (the stepping leg's angle to the trunk line, hip abduction, an
angle between body segments that does not depend on lying or standing). It counted 0 of 1:
standing with the feet hip width apart is already 9-10 degrees (BlazePose lite), over the
lift's rest threshold of 8, and leaning over the stepping leg keeps the angle up on the way
back. A standing step is not a fair stand-in for a lift from side lying (legs stacked, about 0
degrees at rest), so no clip covers the side-lying leg lift.

Not covered by any real movement available (docs/coaching.md): the glute bridge (nobody
bridges; the only hip flexion-extension is a jumper landing in a crouch behind a tree), the
calf raise (heels rise only in walking push-offs and jumps, too small and quick to count by
hand reliably), and the holds of stretches (no one holds still long enough in either clip).
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
    step: int = 1  # every `step`th frame of the source (fps is the rate after stepping)
    scale: float = 1.0  # the crop is resized by this factor


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
LATERAL_STEP = Clip(
    name="lateral_step",
    source=Path("pose2sim:Demo_SinglePerson/videos/cam01.mp4"),
    first=0,
    last=76,
    crop=(0, 0, 1080, 1400),
    fps=30.0,
    exercise_id="lateral_lunge",
    reps=1,
    rep_times=((14 / 60, 66 / 60),),
    step=2,
    scale=0.4,
)
CLIPS = (JUMPING_JACKS, LATERAL_STEP)


def source_path(clip: Clip) -> Path | None:
    """The clip's video on this machine (pose2sim's is found or fetched, hash-checked, by
    kneechain.vision.sample_data), or None."""
    if str(clip.source).startswith("pose2sim:"):
        from kneechain.vision.sample_data import single_person_video

        return single_person_video()
    return clip.source if clip.source.is_file() else None


def frames(clip: Clip) -> list[object]:
    """The clip's cropped BGR frames (OpenCV)."""
    import cv2

    path = source_path(clip)
    if path is None:
        raise RuntimeError(f"the video of {clip.name} ({clip.source}) is not available")
    capture = cv2.VideoCapture(str(path))
    out = []
    index = 0
    x0, y0, x1, y1 = clip.crop
    while index <= clip.last:
        ok, frame = capture.read()
        if not ok:
            break
        if index >= clip.first and (index - clip.first) % clip.step == 0:
            image = frame[y0:y1, x0:x1]
            if clip.scale != 1.0:
                size = (
                    round((x1 - x0) * clip.scale) // 2 * 2,
                    round((y1 - y0) * clip.scale) // 2 * 2,
                )
                image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
            out.append(image.copy())
        index += 1
    capture.release()
    if len(out) != frame_count(clip):
        raise RuntimeError(f"{path} has fewer frames than {clip.name} needs")
    return out


def frame_count(clip: Clip) -> int:
    """Frames of the clip as played (after stepping)."""
    return (clip.last - clip.first) // clip.step + 1


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


LANDMARKS = (
    Path(__file__).resolve().parents[1] / "tests" / "web" / "js" / "data" / "coach_clips.json"
)


def landmarks(clip: Clip) -> list[list[list[float]]]:
    """BlazePose lite landmarks of every frame of the clip, in pixels: [x, y, visibility] for
    the 33 points ([] where nobody is found), from kneechain's own LiteRT run of the same model
    file the page runs (not the page's smoothed output: real poses, not the browser's)."""
    import cv2

    from kneechain.vision.backends import create_backend

    backend = create_backend("litert-lite")
    out = []
    for image in frames(clip):
        height, width = image.shape[:2]  # type: ignore[attr-defined]
        found = backend.process(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))  # type: ignore[call-overload]
        if found is None:
            out.append([])
            continue
        out.append(
            [
                [round(float(x) * width, 1), round(float(y) * height, 1), round(float(v), 2)]
                for (x, y), v in zip(found.xy, found.visibility, strict=True)
            ]
        )
    close = getattr(backend, "close", None)
    if close is not None:
        close()
    return out


def write_landmarks(path: Path = LANDMARKS) -> Path:
    """The test data of tests/web/js/clips.test.mjs: per clip, its hand count, the coaching
    entry of the page it is fed to (as coaching.yaml has it: a Python test checks it is not
    stale) and its landmarks."""
    import json

    from kneechain.knowledge.coaching import coaching
    from kneechain.knowledge.loader import default_knowledge

    entries = coaching(default_knowledge())
    data = {
        clip.name: {
            "exercise_id": clip.exercise_id,
            "fps": clip.fps,
            "reps": clip.reps,
            "rep_times": clip.rep_times,
            "coaching": entries[clip.exercise_id].model_dump(mode="json"),
            "frames": landmarks(clip),
        }
        for clip in CLIPS
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, separators=(",", ":")) + "\n", encoding="utf-8")
    return path


if __name__ == "__main__":
    print(f"wrote {write_landmarks()}")
