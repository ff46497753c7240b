"""Memory of a pose process stays flat over many pieces (glibc arenas capped, pages returned)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kneechain.vision import memory

pytestmark = pytest.mark.slow


def test_the_calls_work_here() -> None:
    assert memory.limit_arenas() and memory.give_back()


def test_six_pieces_cost_no_more_than_two(short_demo: Path) -> None:
    code = (
        "import resource, sys\n"
        "from pathlib import Path\n"
        "from kneechain.vision.runner import VisionRunner\n"
        "from kneechain.vision.pose import PoseJob\n"
        "peaks = []\n"
        "with VisionRunner(1, dedicated=True) as runner:\n"
        "    for k in range(6):\n"
        "        runner.pose(Path(sys.argv[1]), [(0, 40)], PoseJob(sample_every=30), None)\n"
        "        peaks.append(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)\n"
        "print(peaks)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(short_demo)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    peaks = eval(done.stdout.strip().splitlines()[-1])  # a printed list of ints
    print("peak RSS after each piece, MB:", peaks)
    assert peaks[-1] - peaks[1] < 40, peaks
