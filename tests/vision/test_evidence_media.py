"""Evidence media: proof frames read in one pass, a bounded annotated clip made by a
threaded pipeline, in the background when asked."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from kneechain.vision import evidence
from kneechain.vision.evidence import OverlayJob, overlay_scale, write_overlay
from kneechain.vision.trajectories import from_points
from kneechain.vision.video import iter_frames, probe, read_frame, read_frames
from tests.vision import videos


@pytest.fixture()
def wide_video(tmp_path: Path) -> Path:
    return videos.synthetic(tmp_path / "wide.mp4", "noise", frames=120, size=(1280, 720))


def _skeleton(frames: np.ndarray, fps: float = 30.0):
    n = len(frames)
    pts = {
        "left_hip": np.tile([600.0, 300.0], (n, 1)),
        "left_knee": np.tile([610.0, 450.0], (n, 1)),
        "left_ankle": np.tile([600.0, 600.0], (n, 1)),
    }
    traj = from_points(pts, frames / fps)
    return dataclasses.replace(traj, frame=frames.astype(np.int64))


def test_read_frames_gives_the_same_pictures_as_one_read_each(wide_video: Path) -> None:
    wanted = [3, 5, 6, 40, 66, 119, 500]  # near, far apart, past the end
    got = read_frames(wide_video, wanted)
    assert sorted(got) == [3, 5, 6, 40, 66, 119]
    for index, frame in got.items():
        assert frame.index == index
        np.testing.assert_array_equal(frame.image, read_frame(wide_video, index).image)


def test_overlay_scale_bounds_the_long_side() -> None:
    assert overlay_scale(1768, 994, 960) == pytest.approx(960 / 1768)
    assert overlay_scale(1080, 1920, 960) == pytest.approx(0.5)
    assert overlay_scale(320, 240, 960) == 1.0  # never enlarged


def test_the_annotated_clip_is_bounded_and_has_every_analysed_frame(
    wide_video: Path, tmp_path: Path
) -> None:
    traj = _skeleton(np.arange(0, 120, 2))
    angles = {"left_knee_flexion_2d": np.full(len(traj), 12.0)}
    out = tmp_path / "clip.mp4"
    files = write_overlay(wide_video, traj, angles, out, max_side=640, key_folder=tmp_path / "k")
    assert files[0] == out and all(p.is_file() for p in files)
    info = probe(out)
    assert max(info.width, info.height) == 640 and info.frame_count == len(traj)
    key = cv2.imread(str(files[1]))
    assert key.shape[:2] == (540, 960)  # proof pictures: as large as a default clip
    alone = evidence.write_key_frames(wide_video, traj, angles, tmp_path / "alone")
    assert [p.name for p in alone] == [p.name for p in files[1:]]
    for a, b in zip(alone, files[1:], strict=True):  # the same picture, whichever way
        assert a.read_bytes() == b.read_bytes()
    first = next(iter_frames(out)).image
    assert first[:20, :100].mean() < first[200:, 300:].mean()  # the dark panel is drawn


def test_the_background_job_returns_the_files_or_the_failure(
    wide_video: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    traj = _skeleton(np.arange(0, 30))
    job = OverlayJob(wide_video, traj, {}, tmp_path / "bg.mp4")
    assert job.result() == [tmp_path / "bg.mp4"] and probe(tmp_path / "bg.mp4").frame_count == 30

    def broken(*args: object, **kwargs: object) -> np.ndarray:
        raise RuntimeError("drawing failed")

    monkeypatch.setattr(evidence, "draw", broken)
    with pytest.raises(RuntimeError, match="drawing failed"):
        OverlayJob(wide_video, traj, {}, tmp_path / "bad.mp4").result()


def test_knee_values_sit_on_the_outer_sides_and_never_overlap() -> None:
    """Issue #12: the two knee values printed over each other when the knees were close."""
    from kneechain.vision.evidence import label_spots

    sizes = {"left": (30, 14), "right": (30, 14)}
    for gap_between in (0, 3, 10, 40):
        knees = {"left": (320 + gap_between, 200), "right": (320, 202)}
        spots = label_spots(knees, sizes, 12)
        boxes = {s: (x, x + sizes[s][0]) for s, (x, _) in spots.items()}
        (_, a1), (b0, _) = sorted(boxes.values())
        assert a1 <= b0, (gap_between, spots)
        if gap_between:  # the knee further left in the picture is labelled to its left
            assert spots["right"][0] + 30 <= 320 - 12
            assert spots["left"][0] >= 320 + gap_between + 12


def test_knee_values_stay_inside_the_picture_at_its_edges() -> None:
    """A walker entering at the left edge had the left knee's value cut off by the frame."""
    from kneechain.vision.evidence import label_spots

    sizes = {"left": (30, 14), "right": (30, 14)}
    for xs in ((5, 60), (2, 8), (600, 636), (620, 630)):
        knees = {"left": (xs[0], 200), "right": (xs[1], 204)}
        spots = label_spots(knees, sizes, 12, width=640)
        for side, (x, _) in spots.items():
            assert x >= 0 and x + sizes[side][0] <= 640, (xs, spots)
        (xa, ya), (xb, yb) = sorted(spots.values())
        apart = xa + 30 <= xb or abs(ya - yb) >= 14
        assert apart, (xs, spots)
    inside = label_spots({"left": (300, 200), "right": (340, 200)}, sizes, 12, width=640)
    assert inside == label_spots({"left": (300, 200), "right": (340, 200)}, sizes, 12)


def test_the_info_box_is_small_on_a_640_pixel_frame() -> None:
    """Issue #12: the info box covered a quarter of a 640-px frame."""
    from kneechain.assess.protocols import constructed as c
    from kneechain.vision.angles import angle_table
    from kneechain.vision.evidence import PANEL, draw

    traj = c.standing_front(np.linspace(0, 1, 31), depth=(45.0, 45.0), fppa=(10.0, 10.0))
    frame = np.full((traj.meta.image_height, traj.meta.image_width, 3), 90, np.uint8)
    small = cv2.resize(frame, (640, 360))
    k = 640 / traj.meta.image_width
    picture = draw(small, traj, 15, angle_table(traj), k, PANEL)
    black = np.all(picture < 5, axis=2)
    ys, xs = np.nonzero(black)
    box = (xs.max() + 1) * (ys.max() + 1)
    assert xs.max() < 0.3 * 640 and box < 0.08 * 640 * 360, (xs.max(), ys.max())


def test_front_view_values_are_not_drawn_on_a_side_view(monkeypatch) -> None:
    from kneechain.vision import evidence, view
    from kneechain.vision.view import ViewEstimate

    def bearing(deg: float):
        return lambda traj: ViewEstimate(deg, 5.0, 30, ())

    monkeypatch.setattr(view, "estimate_view", bearing(85.0))
    side = [name for _, name in evidence.panel_for(None)]  # type: ignore[arg-type]
    assert side == ["left_knee_flexion_2d", "right_knee_flexion_2d"]
    monkeypatch.setattr(view, "estimate_view", bearing(-10.0))
    assert evidence.panel_for(None) == evidence.PANEL  # type: ignore[arg-type]
    monkeypatch.setattr(view, "estimate_view", bearing(float("nan")))
    assert evidence.panel_for(None) == evidence.PANEL  # type: ignore[arg-type]


def test_a_webm_clip_is_written_with_vp8_that_browsers_play(tmp_path: Path) -> None:
    """VP8 in WebM is what a browser's <video> plays (OpenCV's wheel has no H.264 encoder)."""
    from kneechain.vision.clipwriter import ClipWriter, encoder_for

    assert (
        encoder_for(tmp_path / "a.webm") == "libvpx" and encoder_for(tmp_path / "a.mp4") == "mpeg4"
    )
    path = tmp_path / "annotated.webm"
    with ClipWriter(path, 30.0, 65, 49) as writer:  # odd sizes lose a column and a row
        for shade in range(0, 200, 20):
            writer.write(np.full((49, 65, 3), shade, np.uint8))
    assert path.read_bytes()[:4] == b"\x1a\x45\xdf\xa3"  # the Matroska/WebM signature
    capture = cv2.VideoCapture(str(path))
    shades = []
    while (got := capture.read())[0]:
        assert got[1].shape == (48, 64, 3)
        shades.append(float(got[1].mean()))
    capture.release()
    assert len(shades) == 10 and shades == sorted(shades)
    assert abs(shades[-1] - 180) < 4
    with av.open(str(path)) as box:
        assert box.streams.video[0].codec_context.name == "vp8"


def test_the_same_frames_give_the_same_clip_bytes(tmp_path: Path) -> None:
    """Evidence is the same for the same input: libvpx at a fixed speed, the container
    written bit-exact (no random segment id, no writing application)."""
    from kneechain.vision.clipwriter import ClipWriter

    rng = np.random.default_rng(3)
    frames = [rng.integers(0, 255, (120, 160, 3), np.uint8) for _ in range(12)]
    for name in ("a.webm", "b.webm", "a.mp4", "b.mp4"):
        with ClipWriter(tmp_path / name, 29.97, 160, 120) as writer:
            for frame in frames:
                writer.write(frame)
    assert (tmp_path / "a.webm").read_bytes() == (tmp_path / "b.webm").read_bytes()
    assert (tmp_path / "a.mp4").read_bytes() == (tmp_path / "b.mp4").read_bytes()
    info = probe(tmp_path / "a.webm")
    assert info.frame_count in (12, 0) and abs(info.fps - 29.97) < 0.01


def test_the_clip_has_a_bounded_bit_rate(tmp_path: Path) -> None:
    """OpenCV's writer asked ~2.25 bits a pixel (17 MB for the shared 7.7-s clip); a busy
    scene panning for three seconds stays near the set rate."""
    from kneechain.vision.clipwriter import ClipWriter, bit_rate

    scene = cv2.GaussianBlur(
        np.random.default_rng(4).integers(0, 255, (240, 480, 3), np.uint8), (5, 5), 0
    )
    path = tmp_path / "pan.webm"
    with ClipWriter(path, 30.0, 320, 240) as writer:
        for i in range(90):
            writer.write(scene[:, 2 * i : 2 * i + 320])
    assert path.stat().st_size * 8 / 3.0 < 1.3 * bit_rate(320, 240, 30.0)
    assert probe(path).width == 320
