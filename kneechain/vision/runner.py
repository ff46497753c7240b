"""Where vision runs: an explicit object that owns every process-level resource of posing.

    from kneechain.vision.pipeline import PoseOptions, analyse
    from kneechain.vision.runner import VisionRunner

    with VisionRunner(workers=2) as runner:          # created once (e.g. once per job worker)
        a = analyse(Path("a.mp4"), PoseOptions(), runner=runner)
        b = analyse(Path("b.mp4"), PoseOptions(), runner=runner)   # models and helpers reused

A runner owns the calling process's pose models (models.Models) and, when it may use more
than one process, a pool of spawned helper processes (parallel.PosePool), started on first
need and stopped by `close`. A library call without a runner (`analyse(video, options)`)
makes one for the call and closes it: the calling process is left as it was found (file
descriptor 2, malloc settings, no child process, no model left open).

Process-level changes happen only where the process is vision's to change: in the helpers
(stderr on the null device, malloc arenas capped), and in the calling process only when
the caller says it is a dedicated worker (`dedicated=True`, e.g. a job system's worker
process, set up once): then its malloc arenas are capped too, which keeps its memory flat
over many clips. Inside a daemonic process (a `multiprocessing.Pool` worker), which may not
have children, the runner poses in that process alone (`workers` is then 1); results do not
depend on the number of processes (parallel.py), only the time does.

Interface for job runners (kneechain/jobs):
    VisionRunner(workers=0, *, dedicated=False)      0: one process per core; 1: no children
    runner.workers -> int                            processes it may use (1 in a daemon)
    runner.processes -> int                          processes started so far (1 + helpers)
    runner.close() / with-statement                  stops helpers, closes models
    analyse(video, options, progress, runner=runner) the pipeline on this runner
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

import numpy as np

from kneechain.vision import memory
from kneechain.vision.models import Models
from kneechain.vision.parallel import (
    MIN_PARALLEL_FRAMES,
    PosePool,
    default_workers,
)
from kneechain.vision.person import Sample
from kneechain.vision.pose import PoseJob, Progress, RawPose
from kneechain.vision.survey import SurveyJob, survey_pieces


def in_daemon() -> bool:
    """True inside a daemonic process (which may not start child processes)."""
    return bool(multiprocessing.current_process().daemon)


class VisionRunner:
    """The processes and models vision poses with; close it (or use `with`) when done.

    workers: processes to pose with, the calling one included (0: one per core). 1 starts
    no child process. Inside a daemonic process it is always 1.
    dedicated: the calling process is a worker owned by the caller's job system: cap its
    malloc arenas once here (a process-level setting, never undone).
    piece_delay_s: for tests only: every process waits a random time up to this before
    each piece (results must not change).
    """

    def __init__(
        self, workers: int = 0, *, dedicated: bool = False, piece_delay_s: float = 0.0
    ) -> None:
        if workers < 0:
            raise ValueError("workers must be 0 (one per core) or more")
        wanted = workers or default_workers()
        self.workers = 1 if in_daemon() else wanted
        self.models = Models()
        self._pool: PosePool | None = None
        self._delay_s = piece_delay_s
        self._closed = False
        if dedicated:
            memory.limit_arenas()

    def __enter__(self) -> VisionRunner:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @property
    def processes(self) -> int:
        """Processes posing so far: the calling one plus any helpers started."""
        return self._pool.processes if self._pool is not None else 1

    def _pool_for(self, frames: int) -> PosePool:
        """The pool; helpers are started once a pass spans enough video frames (decoded,
        posed or not) to be worth them."""
        if self._closed:
            raise RuntimeError("this VisionRunner is closed")
        helpers = self.workers - 1 if frames >= MIN_PARALLEL_FRAMES else 0
        if self._pool is None or (helpers and self._pool.processes == 1):
            if self._pool is not None:
                self._pool.close()
            self._pool = PosePool(self.models, helpers, self._delay_s)
        return self._pool

    def prepare(
        self, backend: str, warm_up: Iterable[np.ndarray], detector: bool, frames: int = 0
    ) -> None:
        """Before a clip of `frames` video frames: start the helpers it is worth (they load
        while this process starts its models), then this process's models, quietly, on the
        `warm_up` RGB frames (see Models.pose_model)."""
        self._pool_for(frames)
        self.models.prepare(backend, warm_up, detector)

    def pose(
        self, path: Path, pieces: list[tuple[int, int]], job: PoseJob, progress: Progress | None
    ) -> list[RawPose]:
        """Landmarks of each piece (see parallel.plan_pieces), in order."""
        spanned = sum(b - a for a, b in pieces) if len(pieces) > 1 else 0
        pool = self._pool_for(spanned)
        return [p for p in pool.run(path, pieces, job, progress) if isinstance(p, RawPose)]

    def survey(
        self, path: Path, frames: int, job: SurveyJob, progress: Progress | None
    ) -> list[Sample]:
        """The samples of a clip of `frames` video frames (survey.py), its pieces shared
        among the processes like pose pieces; in frame order."""
        pool = self._pool_for(frames)
        parts = pool.run(path, survey_pieces(frames, job.every), job, progress)
        return [s for part in parts if isinstance(part, list) for s in part]

    def close(self) -> None:
        """Stop the helpers and close this process's models (idempotent)."""
        self._closed = True
        if self._pool is not None:
            self._pool.close()
            self._pool = None
        self.models.release()
        memory.give_back()
