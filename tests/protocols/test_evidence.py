"""Evidence pictures: the measured joints drawn on the frame the value was read from."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from kneechain.assess.protocols import constructed as c
from kneechain.assess.protocols import squat
from kneechain.assess.protocols.config import default_config
from kneechain.assess.protocols.evidence import HIGHLIGHT, draw_evidence, write_evidence
from tests.protocols.shapes import clock, dips

#: the squat's measures as the packaged knowledge base names them (the captions' names, units)
SQUAT = default_config().test("double_leg_squat").measures


def _blank_video(path: Path, frames: int, size: tuple[int, int]) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 30.0, size)
    for _ in range(frames):
        writer.write(np.full((size[1], size[0], 3), 90, np.uint8))
    writer.release()
    return path


def _numbered_video(path: Path, frames: int, size: tuple[int, int]) -> Path:
    """Each frame shows its number in large digits on a soft gradient."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 30.0, size)
    ramp = np.tile(np.linspace(60, 200, size[0], dtype=np.uint8), (size[1], 1))
    for index in range(frames):
        image = np.dstack([ramp] * 3)
        cv2.putText(image, str(index), (200, 700), cv2.FONT_HERSHEY_SIMPLEX, 20, (0, 0, 0), 40)
        writer.write(image)
    writer.release()
    return path


def _squats(seconds: float, deepest: float):
    """A constructed front-view squat clip's trajectories and its protocol result."""
    time = clock(seconds)
    depth = dips(time, deepest, 1)
    traj = c.standing_front(time, depth=(depth, depth), fppa=(depth / 6, 0.0))
    return traj, squat.analyse(traj, default_config())


def test_key_frames_show_the_measured_angle(tmp_path: Path) -> None:
    traj, result = _squats(2.5, 90.0)
    video = _blank_video(tmp_path / "clip.mp4", len(traj), (1920, 1080))
    files = write_evidence(video, traj, result, tmp_path / "evidence", measures=SQUAT)
    pictures = [f for f in files if f.suffix == ".png"]
    assert len(pictures) == len(result.evidence) == len(result.measurements)
    assert (tmp_path / "evidence" / "annotated.webm").is_file()
    fppa = next(e for e in result.evidence if e.measure == "squat_fppa" and e.side == "left")
    image = cv2.imread(str(tmp_path / "evidence" / f"squat_fppa_left_frame{fppa.frame}.png"))
    assert image.shape[:2] == (540, 960)  # as large as the annotated clip, not 1920x1080
    x, y = (int(v * 960 / 1920) for v in traj.xy("left_knee")[fppa.row])
    patch = image[y - 4 : y + 5, x - 4 : x + 5].reshape(-1, 3)
    assert any(np.abs(patch.astype(int) - HIGHLIGHT).sum(axis=1) < 60)  # knee marked


def test_proof_pictures_come_from_the_kept_frames_without_decoding_again(tmp_path: Path) -> None:
    """With the posed frames kept (PoseOptions.keep_frames), the proof pictures never read
    the video again (reading 8 of them from the shared clip cost 1.2 CPU s); they show the
    same picture as when read from the video."""
    from kneechain.vision.stash import FrameStash, PieceWriter
    from kneechain.vision.video import iter_frames

    traj, result = _squats(2.5, 90.0)
    video = _numbered_video(tmp_path / "clip.mp4", len(traj), (1920, 1080))
    from_video = write_evidence(video, traj, result, tmp_path / "a", clip=False, measures=SQUAT)
    stash = FrameStash()
    writer = PieceWriter(stash.folder, 0)
    for frame in iter_frames(video):
        writer.add(frame.index, frame.image)
    writer.close()
    video.unlink()  # nothing left to decode: the pictures must come from the stash
    from_stash = write_evidence(
        video, traj, result, tmp_path / "b", clip=False, frames=stash, measures=SQUAT
    )
    stash.close()
    assert [p.name for p in from_stash] == [p.name for p in from_video]
    for a, b in zip(from_video, from_stash, strict=True):
        one, two = cv2.imread(str(a)), cv2.imread(str(b))
        assert one.shape == two.shape == (540, 960, 3)
        assert np.abs(one.astype(int) - two).mean() < 2  # the same frame, kept as JPEG


def test_the_same_input_gives_the_same_evidence_files(tmp_path: Path) -> None:
    traj, result = _squats(2.0, 80.0)
    video = _blank_video(tmp_path / "clip.mp4", len(traj), (1280, 720))
    runs = [
        write_evidence(video, traj, result, tmp_path / name, measures=SQUAT) for name in ("a", "b")
    ]
    assert [p.name for p in runs[0]] == [p.name for p in runs[1]]
    assert runs[0][-1].name == "annotated.webm"
    for a, b in zip(*runs, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_the_caption_names_the_measure_as_the_callers_knowledge_base_does() -> None:
    """The picture's caption comes from the measure facts it is given (the caller's knowledge
    base), not the packaged one: another name draws another caption, the same name the same
    picture."""
    traj, result = _squats(2.0, 80.0)
    ev = result.evidence[0]
    image = np.zeros((traj.meta.image_height, traj.meta.image_width, 3), np.uint8)
    packaged = SQUAT[ev.measure]
    renamed = packaged.model_copy(update={"name": "Kniebeuge"})
    first, again = (draw_evidence(image, traj, ev, packaged) for _ in range(2))
    other = draw_evidence(image, traj, ev, renamed)
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)
