"""Pose on every core: the video is cut into chunks posed in separate processes.

Each chunk after the first starts `warmup` processed frames early; those frames only let the
tracker settle on the person and are dropped, so the joined trajectories have no seam (the
tests check chunked against sequential results). Processes are started with "spawn" (no
inherited threads or model state) as soon as the pool is created, so their start-up overlaps
with the person search done meanwhile in the parent.
"""

from __future__ import annotations

import itertools
import os
from concurrent.futures import ALL_COMPLETED, Future, ProcessPoolExecutor, wait
from multiprocessing import get_context
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path

import cv2

from kneechain.vision.pose import PoseJob, Progress, RawPose, pose_range

WARMUP_FRAMES = 10
MIN_CHUNK_FRAMES = 60
MAX_CHUNK_FRAMES = 900

_counter: Synchronized | None = None


def default_workers() -> int:
    """Every core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def plan_chunks(frame_count: int, workers: int, every: int) -> list[tuple[int, int]]:
    """Split [0, frame_count) into (start, stop) chunks whose starts are multiples of `every`.

    At least one chunk per worker (when the video is long enough for MIN_CHUNK_FRAMES each),
    and none longer than MAX_CHUNK_FRAMES processed frames, so progress and memory stay smooth.
    """
    processed = -(-frame_count // every)
    count = max(1, min(workers, processed // MIN_CHUNK_FRAMES))
    count = max(count, -(-processed // MAX_CHUNK_FRAMES))
    bounds = [round(i * processed / count) * every for i in range(count + 1)]
    bounds[-1] = frame_count
    return [(a, b) for a, b in itertools.pairwise(bounds) if b > a]


def _init_worker(counter: Synchronized) -> None:
    global _counter
    _counter = counter
    # one process per core already: OpenCV's own thread pool would only oversubscribe
    cv2.setNumThreads(1)
    import mediapipe.python.solutions.pose  # noqa: F401  (load the model code before work)


def _tick(n: int) -> None:
    if _counter is not None:
        with _counter.get_lock():
            _counter.value += n


def _warm() -> int:
    return os.getpid()


def pose_chunk(
    path: Path, start: int, stop: int, job: PoseJob, progress: Progress | None = None
) -> RawPose:
    """Pose frames [start, stop) after `WARMUP_FRAMES` processed frames of warm-up (dropped)."""
    first = max(0, start - WARMUP_FRAMES * job.every)
    raw = pose_range(path, first, stop, job)
    kept = raw.drop_before(start)
    _tick(len(kept.frame))
    if progress is not None:
        progress(len(kept.frame))
    return kept


class PosePool:
    """A started pool of pose processes; use as a context manager."""

    def __init__(self, workers: int) -> None:
        context = get_context("spawn")
        self.workers = workers
        self._counter: Synchronized = context.Value("q", 0)
        self._pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=_init_worker,
            initargs=(self._counter,),
        )
        self._warmups = [self._pool.submit(_warm) for _ in range(workers)]

    def __enter__(self) -> PosePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def run(
        self,
        path: Path,
        ranges: list[tuple[int, int]],
        job: PoseJob,
        progress: Progress | None = None,
    ) -> list[RawPose]:
        """Pose each (start, stop) frame range in its own process; results in range order."""
        futures: list[Future[RawPose]] = [
            self._pool.submit(pose_chunk, path, a, b, job) for a, b in ranges
        ]
        reported = int(self._counter.value)
        while wait(futures, timeout=0.25, return_when=ALL_COMPLETED).not_done:
            reported = self._report(progress, reported)
        self._report(progress, reported)
        return [f.result() for f in futures]

    def _report(self, progress: Progress | None, reported: int) -> int:
        done = int(self._counter.value)
        if progress is not None and done > reported:
            progress(done - reported)
        return done
