"""The posed frames kept while posing: every posed frame once, in order, shrunk; the clip is
drawn from them; anything missing falls back to the video; the folder goes with the stash."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kneechain.vision.pipeline import PoseOptions, analyse
from kneechain.vision.runner import VisionRunner
from kneechain.vision.stash import FrameStash, PieceWriter, overlay_size
from kneechain.vision.video import iter_frames
from tests.vision import videos


def test_sizes_are_bounded_even_and_never_enlarged() -> None:
    assert overlay_size(1768, 994) == (960, 540)
    assert overlay_size(1080, 1920) == (540, 960)
    assert overlay_size(640, 480) == (640, 480)


def test_pieces_round_trip_and_a_gap_means_no_stash(tmp_path: Path) -> None:
    video = videos.synthetic(tmp_path / "n.mp4", "noise", frames=30, size=(1280, 720))
    stash = FrameStash()
    folder = stash.folder
    originals = {f.index: f.image for f in iter_frames(video)}
    for start, stop, keep_from in ((0, 12, 0), (9, 30, 12)):  # the second has a lead-in
        writer = PieceWriter(folder, keep_from)
        for index in range(start, stop):
            writer.add(index, originals[index])
        writer.close()
    got = list(stash.frames(np.arange(0, 30, 2)))
    assert [i for i, _ in got] == list(range(0, 30, 2))
    assert got[0][1].shape == (540, 960, 3)
    assert stash.frames(np.array([5, 31])) is None  # 31 was never posed
    stash.close()
    assert not folder.exists() and stash.frames(np.array([0])) is None


@pytest.mark.slow
def test_every_posed_frame_is_kept_once_by_every_process(demo_video: Path, tmp_path: Path) -> None:
    long_clip = videos.copy_clip(demo_video, tmp_path / "long.mp4", stop=150, scale=0.5)
    options = PoseOptions(overlay=False, key_frames=False, keep_frames=True, every=1)
    with VisionRunner(2) as runner:
        analysis = analyse(long_clip, options, runner=runner)
        assert runner.processes == 2
    assert analysis.frames is not None
    frames = [i for i, _ in analysis.frames.frames(analysis.clean.frame)]
    assert frames == analysis.clean.frame.tolist()
    analysis.frames.close()
