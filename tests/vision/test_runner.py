"""The vision runner: a plain library call leaves the calling process as it found it, and
vision works inside a daemonic worker process (a multiprocessing.Pool worker)."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import numpy as np
import pytest

from kneechain.vision import memory, runner
from kneechain.vision.pipeline import PoseOptions, analyse
from kneechain.vision.runner import VisionRunner

OPTIONS = PoseOptions(overlay=False, key_frames=False)


def _fd2() -> tuple[int, int, int]:
    st = os.fstat(2)
    return st.st_dev, st.st_ino, st.st_mode


def _children() -> set[int]:
    kids: set[int] = set()
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        text = (task / "children").read_text() if (task / "children").exists() else ""
        kids |= {int(pid) for pid in text.split()}
    return kids


def test_a_closed_runner_refuses_work_and_workers_are_checked(short_demo: Path) -> None:
    with pytest.raises(ValueError, match="workers"):
        VisionRunner(-1)
    done = VisionRunner(1)
    done.close()
    done.close()  # idempotent
    with pytest.raises(RuntimeError, match="closed"):
        analyse(short_demo, OPTIONS, runner=done)


@pytest.mark.slow
def test_a_library_call_leaves_the_process_as_it_found_it(
    demo_video: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    capped: list[int] = []
    monkeypatch.setattr(memory, "limit_arenas", lambda count=2: bool(capped.append(count)))
    made: list[VisionRunner] = []
    real = runner.VisionRunner.__init__

    def spy(self: VisionRunner, *args: object, **kwargs: object) -> None:
        real(self, *args, **kwargs)  # type: ignore[arg-type]
        made.append(self)

    monkeypatch.setattr(runner.VisionRunner, "__init__", spy)
    before_fd, before_kids = _fd2(), _children()
    analysis = analyse(demo_video, PoseOptions(workers=2, overlay=False, key_frames=False))
    assert analysis.raw.meta.provenance[0].params["workers"] == 2  # a helper was started
    assert _fd2() == before_fd  # stderr is where it was
    assert _children() == before_kids and not multiprocessing.active_children()
    assert capped == []  # malloc settings untouched in the calling process
    assert made and all(r.models.loaded == 0 for r in made)  # no model left open


def _in_pool_worker(path: str) -> tuple[bool, bool, int, int]:
    me = multiprocessing.current_process()
    plain = analyse(Path(path), PoseOptions(workers=2, overlay=False, key_frames=False))
    with VisionRunner(0, dedicated=True) as shared:  # set up once per worker, reused
        first = analyse(Path(path), OPTIONS, runner=shared)
        second = analyse(Path(path), OPTIONS, runner=shared)
    same = all(
        np.array_equal(a.clean.position, plain.clean.position, equal_nan=True)
        for a in (first, second)
    )
    return me.daemon, same, shared.workers, len(second.clean)


@pytest.mark.slow
def test_vision_runs_inside_a_daemonic_pool_worker(short_demo: Path) -> None:
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        daemon, same, workers, frames = pool.apply(_in_pool_worker, (str(short_demo),))
    assert daemon and same and workers == 1 and frames == 90
