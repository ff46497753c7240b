"""Pose on every core: the video is cut into chunks posed in separate processes.

Each chunk after the first starts `warmup` processed frames early; those frames only let the
tracker settle on the person and are dropped, so the joined trajectories have no seam (the
tests check chunked against sequential results). Processes are started with "spawn" (no
inherited threads or model state), one per chunk, so memory is returned after each chunk.
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
MAX_CHUNK_FRAMES = 1800

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


class _AfterWarmup:
    """Progress callback that ignores the first `skip` frames (the warm-up) and also feeds
    the shared counter when running inside a pose process."""

    def __init__(self, skip: int, progress: Progress | None) -> None:
        self.skip, self.progress = skip, progress

    def __call__(self, n: int) -> None:
        if self.skip > 0:
            self.skip -= n
            return
        _tick(n)
        if self.progress is not None:
            self.progress(n)


def pose_chunk(
    path: Path, start: int, stop: int, job: PoseJob, progress: Progress | None = None
) -> RawPose:
    """Pose frames [start, stop) after `WARMUP_FRAMES` processed frames of warm-up (dropped)."""
    first = max(0, start - WARMUP_FRAMES * job.every)
    warmup = -(-(start - first) // job.every)
    raw = pose_range(path, first, stop, job, _AfterWarmup(warmup, progress))
    return raw.drop_before(start)


def pose_batch(path: Path, ranges: list[tuple[int, int]], job: PoseJob) -> list[RawPose]:
    """`pose_chunk` for several ranges in turn (one process task)."""
    return [pose_chunk(path, a, b, job) for a, b in ranges]


def batches(ranges: list[tuple[int, int]], count: int) -> list[list[tuple[int, int]]]:
    """Share ranges among `count` tasks, longest first onto the least loaded task."""
    loads = [0] * count
    groups: list[list[tuple[int, int]]] = [[] for _ in range(count)]
    for a, b in sorted(ranges, key=lambda r: r[0] - r[1]):
        i = loads.index(min(loads))
        groups[i].append((a, b))
        loads[i] += b - a
    return [sorted(g) for g in groups if g]


class PosePool:
    """A started pool of pose processes; use as a context manager."""

    def __init__(self, workers: int) -> None:
        context = get_context("spawn")
        self.workers = workers
        self._counter: Synchronized = context.Value("q", 0)
        # a fresh process per chunk: memory goes back to the system after every chunk, so
        # the peak does not grow with the length of the video
        self._pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=_init_worker,
            initargs=(self._counter,),
            max_tasks_per_child=1,
        )

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
        share: bool = False,
    ) -> list[RawPose]:
        """Pose the (start, stop) frame ranges on every core; results in range order.

        Each range is one task (a fresh process), or with `share` (many small ranges posed
        again) the ranges are shared out so each process starts only once.
        """
        groups = batches(ranges, self.workers) if share else [[r] for r in ranges]
        futures: list[Future[list[RawPose]]] = [
            self._pool.submit(pose_batch, path, group, job) for group in groups
        ]
        reported = int(self._counter.value)
        while wait(futures, timeout=0.25, return_when=ALL_COMPLETED).not_done:
            reported = self._report(progress, reported)
        self._report(progress, reported)
        parts = [part for f in futures for part in f.result()]
        return sorted(parts, key=lambda p: int(p.frame[0]) if len(p.frame) else 0)

    def _report(self, progress: Progress | None, reported: int) -> int:
        done = int(self._counter.value)
        if progress is not None and done > reported:
            progress(done - reported)
        return done
