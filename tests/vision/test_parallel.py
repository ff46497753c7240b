"""The pose processes: a helper that dies or fails never costs frames or hangs the run."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from kneechain.vision.backends import register_backend
from kneechain.vision.models import Models
from kneechain.vision.parallel import PosePool, plan_pieces
from kneechain.vision.pose import PoseJob
from kneechain.vision.video import probe

pytestmark = pytest.mark.slow


def test_main_process_finishes_alone_when_the_helper_is_gone(short_demo: Path) -> None:
    count = probe(short_demo).frame_count
    pool = PosePool(Models(), helpers=1)
    try:
        helper = pool._helpers[0][0]
        helper.terminate()
        helper.join()
        parts = pool.run(short_demo, plan_pieces([(0, count)], 1), PoseJob(), None)
    finally:
        pool.close()
        pool.models.release()
    frames = np.concatenate([p.frame for p in parts])
    np.testing.assert_array_equal(frames, np.arange(count))


class _SlowNobody:
    """A backend registered in this process only: spawned helpers do not know it."""

    name, version, keypoints = "slow-nobody", "0", ("nose",)

    def process(self, rgb: np.ndarray) -> None:
        time.sleep(0.05)  # slow enough for the helper to start and claim work

    def close(self) -> None:
        return None


def test_a_failure_in_a_helper_reaches_the_caller(short_demo: Path) -> None:
    register_backend("slow-nobody", _SlowNobody)
    pool = PosePool(Models(), helpers=1)
    try:
        with pytest.raises(ValueError, match="Unknown pose backend"):
            pool.run(short_demo, plan_pieces([(0, 90)], 1), PoseJob(backend="slow-nobody"), None)
    finally:
        pool.close()
        pool.models.release()


def test_two_processes_cover_every_frame_once(short_demo: Path) -> None:
    count = probe(short_demo).frame_count
    seen = []
    pool = PosePool(Models(), helpers=1)
    try:
        parts = pool.run(short_demo, plan_pieces([(0, count)], 2), PoseJob(every=2), seen.append)
        again = pool.run(short_demo, plan_pieces([(3, 9), (40, 51)], 1), PoseJob(), None)
    finally:
        pool.close()
        pool.models.release()
    frames = np.concatenate([p.frame for p in parts])
    np.testing.assert_array_equal(frames, np.arange(0, count, 2))
    assert sum(seen) == len(frames)
    assert np.concatenate([p.frame for p in again]).tolist() == [*range(3, 9), *range(40, 51)]


def test_helpers_load_the_pose_code_without_drawing_and_task_modules() -> None:
    code = (
        "import sys, numpy as np\n"
        "from kneechain.vision.parallel import _load_model_code\n"
        "_load_model_code()\n"
        "from kneechain.vision.backends import create_backend\n"
        "from kneechain.vision.person import PeopleDetector\n"
        "create_backend().process(np.zeros((64, 64, 3), np.uint8))\n"
        "PeopleDetector().detect(np.zeros((64, 64, 3), np.uint8))\n"
        "print(sorted(m for m in ('matplotlib', 'mediapipe.tasks') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_closing_a_pool_prints_nothing_about_semaphores(short_demo: Path) -> None:
    """A pool whose first pose call loads the model's code (imported then, inside the call)
    and whose work table outlives it (that import keeps the call's frames): closing it and
    leaving the interpreter print no "leaked semaphore" warning and no FileNotFoundError
    traceback from sem_unlink (the tracker stopped before the table's lock was unlinked)."""
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from kneechain.vision.models import Models\n"
        "from kneechain.vision.parallel import PosePool, plan_pieces\n"
        "from kneechain.vision.pose import PoseJob\n"
        "if __name__ == '__main__':\n"
        "    pool = PosePool(Models(), helpers=1)\n"
        "    try:\n"
        "        pool.run(Path(sys.argv[1]), plan_pieces([(0, 20)], 2), PoseJob(every=2), None)\n"
        "    finally:\n"
        "        pool.close()\n"
        "        pool.models.release()\n"
        "    print('closed')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(short_demo)], capture_output=True, text=True
    )
    assert done.returncode == 0 and "closed" in done.stdout, done.stderr[-2000:]
    for line in ("sem_unlink", "FileNotFoundError", "leaked semaphore"):
        assert line not in done.stderr, done.stderr[-2000:]
