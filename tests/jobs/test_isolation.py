"""Video analysis through the jobs runner leaves the calling process as it was: vision runs
in the runner's workers, so this process's stderr, malloc settings, modules and children are
untouched, and no process is left once the runner is closed."""

from __future__ import annotations

import os
import sys
from multiprocessing import resource_tracker
from pathlib import Path

import cv2
import numpy as np
import pytest

from kneechain.errors import ErrorKind
from kneechain.jobs.models import ClipRequest, JobStatus
from kneechain.jobs.runner import open_runner
from kneechain.settings import Settings
from kneechain.track.db import Store


def children() -> set[int]:
    """Process ids of this process's children (Linux)."""
    found: set[int] = set()
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        text = (task / "children").read_text()
        found |= {int(pid) for pid in text.split()}
    return found


def tiny_video(path: Path, frames: int = 12) -> Path:
    """A real, decodable clip of grey noise (nobody in it)."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 30.0, (96, 128))
    rng = np.random.default_rng(0)
    for _ in range(frames):
        writer.write(rng.integers(90, 160, (128, 96, 3), dtype=np.uint8))
    writer.release()
    return path


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
def test_the_calling_process_is_left_as_it_was(
    store: Store, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kneechain.vision import memory

    arena_calls: list[str] = []
    monkeypatch.setattr(memory, "limit_arenas", lambda *a: arena_calls.append("here") or True)
    video = tiny_video(tmp_path / "nobody.mp4")
    # Python's one resource tracker per process, started by the first spawned process and
    # kept until the interpreter ends, is not ours: start it first so it is not counted
    resource_tracker.ensure_running()
    stderr_before = os.fstat(2)
    children_before = children()
    loaded_before = "mediapipe" in sys.modules
    with open_runner(settings, store, runner="local", workers=1) as runner:
        job = runner.submit(ClipRequest(video=video, test_id="double_leg_squat"))
        [done] = runner.wait([job.id], timeout=120)
        assert children() - children_before  # the work ran in a worker of the runner
    # vision ran (in the worker) and said plainly why this clip gives no measurement
    assert done.status is JobStatus.failed and done.error is not None
    assert done.error.kind is ErrorKind.bad_media and done.attempts == 1
    after = os.fstat(2)
    assert (after.st_dev, after.st_ino) == (stderr_before.st_dev, stderr_before.st_ino)
    assert arena_calls == []
    assert ("mediapipe" in sys.modules) == loaded_before
    assert children() == children_before
