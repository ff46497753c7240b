"""The video reader: metadata, timestamps, rotation, and every unreadable file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kneechain.vision.errors import VideoError
from kneechain.vision.video import (
    SEEK_COST_FRAMES,
    BgrConverter,
    FrameIndex,
    FrameSource,
    iter_frames,
    mean_brightness,
    probe,
    read_frame,
    sharpness,
    worth_seeking,
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


def _opencv_frames(path: Path) -> list[tuple[float, np.ndarray]]:
    """Every frame as OpenCV's capture reads it (upright), with its time as video.py took it
    before it decoded with PyAV."""
    import cv2

    cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    cap.set(cv2.CAP_PROP_ORIENTATION_AUTO, 1)
    frames = []
    try:
        while True:
            ok, image = cap.read()
            if not ok:
                return frames
            msec = cap.get(cv2.CAP_PROP_POS_MSEC)
            frames.append((msec / 1000.0 if msec > 0 or not frames else np.nan, image))
    finally:
        cap.release()


def _same_as_opencv(path: Path, stop: int | None = None) -> None:
    want = _opencv_frames(path)[:stop]
    got = list(iter_frames(path, stop=stop))
    assert [f.index for f in got] == list(range(len(want)))
    for frame, (time, image) in zip(got, want, strict=True):
        assert frame.time == time  # the same floating-point steps, the same bits
        np.testing.assert_array_equal(frame.image, image)
    source = FrameSource(path, keep=2)  # by jumps, forwards and back: the same frames
    try:
        for start, step in ((30, 7), (2, 11), (0, 40), (17, 1)):
            for frame in source.frames(start, min(start + 25, len(want)), step):
                np.testing.assert_array_equal(frame.image, want[frame.index][1])
                assert frame.time == want[frame.index][0]
    finally:
        source.close()


def _h264_with_b_frames(path: Path, frames: int = 50) -> Path:
    """A phone-like clip: H.264 with B-frames (presentation order differs from decoding
    order) and open groups of pictures, written by PyAV's libx264."""
    import av

    rng = np.random.default_rng(3)
    base = rng.integers(0, 256, (96, 128, 3), dtype=np.uint8)
    with av.open(str(path), "w") as box:
        options = {"bf": "3", "g": "12", "x264-params": "open-gop=1:log-level=none"}
        stream = box.add_stream("libx264", rate=30, options=options)
        stream.width, stream.height, stream.pix_fmt = 128, 96, "yuv420p"
        for i in range(frames):
            image = np.ascontiguousarray(np.roll(base, 3 * i, axis=1))
            box.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="bgr24")))
        box.mux(stream.encode())
    return path


def _ten_bit(path: Path, frames: int = 12) -> Path:
    """A 10-bit H.264 clip, as phones film in HDR."""
    import av

    rng = np.random.default_rng(4)
    base = rng.integers(0, 256, (78, 102, 3), dtype=np.uint8)
    with av.open(str(path), "w") as box:
        stream = box.add_stream("libx264", rate=30, options={"x264-params": "log-level=none"})
        stream.width, stream.height, stream.pix_fmt = 102, 78, "yuv420p10le"
        for i in range(frames):
            image = np.ascontiguousarray(np.roll(base, 2 * i, axis=1))
            frame = av.VideoFrame.from_ndarray(image, format="bgr24").reformat(format="yuv420p10le")
            box.mux(stream.encode(frame))
        box.mux(stream.encode())
    return path


def test_frames_are_bit_for_bit_those_of_opencvs_capture(noise_video: Path, tmp_path: Path) -> None:
    _same_as_opencv(noise_video)
    _same_as_opencv(videos.rotated_copy(noise_video, tmp_path / "turned.mp4"))
    _same_as_opencv(_h264_with_b_frames(tmp_path / "b_frames.mp4"))


def test_ten_bit_frames_are_opencvs_but_for_the_bottom_rows(tmp_path: Path) -> None:
    # PyAV's swscale (9.5) and OpenCV's (6.7) part only on the last three rows of a 10-bit
    # picture; PyAV's to_ndarray with the same flags differed on every row
    path = _ten_bit(tmp_path / "ten_bit.mp4")
    want = _opencv_frames(path)
    got = list(iter_frames(path))
    assert [f.index for f in got] == list(range(len(want))) and len(got) == 12
    for frame, (_, image) in zip(got, want, strict=True):
        np.testing.assert_array_equal(frame.image[:-3], image[:-3])


@pytest.mark.slow
def test_the_shared_clip_decodes_bit_for_bit_as_with_opencv(demo_video: Path) -> None:
    # VP9 in BT.709: OpenCV converts with the ITU-R 601 matrix, and so must we
    _same_as_opencv(demo_video, stop=40)


def test_frame_index_from_packets() -> None:
    # packets in decoding order (a B-frame after its reference), one repeated
    index = FrameIndex.of([(0, True), (3000, False), (1500, False), (4500, True), (3000, False)])
    assert index.pts == (0, 1500, 3000, 4500)
    assert index.position[3000] == 2 and index.keys == (0, 3)
    assert index.key_before(2) == 0 and index.key_before(3) == 3 and index.key_before(99) == 3
    assert index.key_frame_before(3) == 0 and index.key_frame_before(0) is None
    assert FrameIndex.of([]).key_before(5) is None


def test_seeking_only_where_it_decodes_fewer_frames() -> None:
    assert worth_seeking(5, 10, 0)  # behind: only a seek gets there
    assert not worth_seeking(20, 10, 0)  # the key frame is behind the decoder: read on
    assert not worth_seeking(20, 10, 10 + SEEK_COST_FRAMES)  # as dear either way
    assert worth_seeking(40, 10, 36)  # 4 decodes after the seek instead of 30
    assert not worth_seeking(40, 10, None)


def test_sparse_frames_are_reached_by_seeking_to_key_frames(noise_video: Path) -> None:
    plain = {f.index: f.image for f in iter_frames(noise_video)}
    keys = FrameSource(noise_video)
    try:
        got = list(keys.frames(0, None, 14))  # key frames every 12 (OpenCV's mp4v writer)
        assert [f.index for f in got] == [0, 14, 28, 42]
        assert keys.seeks == 3  # each sample from the key frame before it
        for frame in got:
            np.testing.assert_array_equal(frame.image, plain[frame.index])
    finally:
        keys.close()


def test_the_converter_gives_swscales_pixels_also_when_the_frame_size_changes() -> None:
    import av

    rng = np.random.default_rng(5)
    convert = BgrConverter()
    for width, height in ((64, 48), (64, 48), (96, 32), (64, 48)):  # a new graph each change
        rgb = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
        frame = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p")
        want = frame.to_ndarray(format="bgr24", interpolation="BICUBIC", src_colorspace="ITU601")
        got = convert(frame)
        assert got.shape == (height, width, 3)
        np.testing.assert_array_equal(got, want)
