"""The video reader: metadata, timestamps, rotation, and every unreadable file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kneechain.vision.errors import VideoError
from kneechain.vision.video import (
    FrameSource,
    iter_frames,
    mean_brightness,
    probe,
    read_frame,
    sharpness,
)
from tests.vision import videos


def test_probe_and_timestamps_of_a_synthetic_clip(blank_video: Path) -> None:
    info = probe(blank_video)
    assert (info.width, info.height, info.fps, info.frame_count) == (320, 240, 30.0, 45)
    frames = list(iter_frames(blank_video, start=5, stop=20, every=5))
    assert [f.index for f in frames] == [5, 10, 15]
    np.testing.assert_allclose([f.time for f in frames], [5 / 30, 10 / 30, 15 / 30], atol=1e-3)


def test_dark_and_blurred_frames_are_measurable(dark_video: Path, noise_video: Path) -> None:
    assert mean_brightness(read_frame(dark_video, 0).image) < 10
    assert sharpness(read_frame(noise_video, 0).image) > sharpness(read_frame(dark_video, 0).image)


def test_rotation_tag_gives_upright_frames(tmp_path: Path, blank_video: Path) -> None:
    src = videos.synthetic(tmp_path / "wide.mp4", "noise", frames=5, size=(160, 96))
    rotated = videos.rotated_copy(src, tmp_path / "rot.mp4")
    info = probe(rotated)
    assert info.rotation == 90 and (info.width, info.height) == (160, 96)
    a, b = read_frame(src, 2).image.astype(float), read_frame(rotated, 2).image.astype(float)
    assert np.abs(a - b).mean() < 0.3 * np.abs(a - np.rot90(np.rot90(a))).mean()


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty"), (b"hello, I am a text file\n" * 50, "not a video")],
)
def test_files_that_are_not_videos(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "clip.mp4"
    path.write_bytes(content)
    with pytest.raises(VideoError, match=message) as err:
        probe(path)
    assert "Film again" in err.value.advice


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(VideoError, match="No video file"):
        probe(tmp_path / "nope.mp4")


def test_truncated_file_is_rejected(tmp_path: Path, noise_video: Path) -> None:
    cut = videos.truncated_copy(noise_video, tmp_path / "cut.mp4", 0.5)
    # mp4 keeps its index at the end when written by OpenCV: half a file has no index
    with pytest.raises(VideoError):
        probe(cut)


def test_zero_frame_video(tmp_path: Path) -> None:
    import cv2

    path = tmp_path / "zero.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 30.0, (64, 64))
    writer.release()
    with pytest.raises(VideoError):
        probe(path)


def test_a_frame_source_reads_pieces_on_without_seeking_and_gives_the_same_frames(
    noise_video: Path,
) -> None:
    plain = {f.index: f for f in iter_frames(noise_video)}
    source = FrameSource(noise_video, keep=4)
    try:
        got = []
        for start, stop in ((0, 15), (6, 30), (21, 45)):  # each with 3 warm-up frames of every 3
            got += [(f.index, f) for f in source.frames(start, stop, 3)]
        assert source.seeks == 0  # the warm-up frames were at hand, the rest read on
        for index, frame in got:
            assert frame.time == plain[index].time
            np.testing.assert_array_equal(frame.image, plain[index].image)
        back = [f.index for f in source.frames(3, 9, 3)]  # behind it: one seek
        assert back == [3, 6] and source.seeks == 1
        assert [f.index for f in source.frames(40, 100)] == [40, 41, 42, 43, 44]  # ends at the end
    finally:
        source.close()
