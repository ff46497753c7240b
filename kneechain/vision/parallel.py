"""Pose on every core: the main process and one spawned helper per other core share the frames.

The main process starts posing at the first frame straight away, while the helpers start
(spawning a process and loading the model takes about a second). Each helper that is ready
takes the back half of the largest unfinished segment (see workshare.py), so late starters
and slow processes still finish together, and nobody waits at the end. A piece that starts
after a video's first frame begins `WARMUP_FRAMES` processed frames early: those frames only
let the tracker settle on the person and are dropped, so the joined trajectories have no seam
(tests check them against a one-process run). Helpers are started with "spawn" (no
inherited threads or model state), serve every pose pass of one analysis, and stop with it.
Segments are at most MAX_CHUNK_FRAMES long, each finished piece is sent back at once and its
memory handed back (memory.py), so what a process holds does not grow with the video.
"""

from __future__ import annotations

import itertools
import os
import queue
import traceback
from collections.abc import Iterator
from dataclasses import replace
from multiprocessing import get_context
from multiprocessing.context import SpawnContext, SpawnProcess
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from kneechain.vision import memory, models, quiet, workshare
from kneechain.vision.pose import PoseJob, Progress, RawPose, pose_range

WARMUP_FRAMES = 10
MIN_SPLIT_FRAMES = 8  # neither half of a split is shorter (the taker's warm-up is credited)
START_FRAMES = 5  # a piece starts with a whole-frame person search (and maybe a model start)
MAX_CHUNK_FRAMES = 1800
MIN_PARALLEL_FRAMES = 120  # below this, a helper would start about when the work is done
CAPACITY = 1024
POLL_S = 0.25


def default_workers() -> int:
    """Every core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def plan_chunks(frame_count: int, every: int) -> list[tuple[int, int]]:
    """Split [0, frame_count) into segments of at most MAX_CHUNK_FRAMES processed frames whose
    starts are multiples of `every` (the processes then share them out, see workshare.py)."""
    processed = -(-frame_count // every)
    count = max(1, -(-processed // MAX_CHUNK_FRAMES))
    bounds = [round(i * processed / count) * every for i in range(count + 1)]
    bounds[-1] = frame_count
    return [(a, b) for a, b in itertools.pairwise(bounds) if b > a]


class WorkTable:
    """The work table in shared memory, its lock, the pass it belongs to and a frame counter.

    Created before the helpers are spawned and handed to them at start.
    """

    def __init__(self, context: SpawnContext, capacity: int = CAPACITY) -> None:
        self._array = context.RawArray("q", capacity * 4)
        self._lock = context.Lock()
        self._pass = context.RawValue("q", 0)
        self._posed = context.RawValue("q", 0)
        self._view: np.ndarray | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_view"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, _view=None)

    @property
    def table(self) -> np.ndarray:
        if self._view is None:
            self._view = np.frombuffer(self._array, dtype=np.int64).reshape(-1, 4)
        return self._view

    def load(self, ranges: list[tuple[int, int]]) -> int:
        """Start a new pass over `ranges`; returns its number."""
        with self._lock:
            workshare.load(self.table, ranges)
            self._pass.value += 1
            return int(self._pass.value)

    def claim(self, worker: int, every: int, pass_id: int) -> tuple[int, int] | None:
        """(row, first frame) of a piece for `worker` in pass `pass_id`, or None."""
        with self._lock:
            if self._pass.value != pass_id:
                return None
            row = workshare.claim(
                self.table, worker, every, MIN_SPLIT_FRAMES, WARMUP_FRAMES + START_FRAMES
            )
            return None if row is None else (row, int(self.table[row, workshare.START]))

    def advance(self, row: int, index: int) -> bool:
        with self._lock:
            return workshare.advance(self.table, row, index)

    def finish(self, row: int) -> None:
        with self._lock:
            workshare.finish(self.table, row)

    def tick(self, n: int) -> None:
        with self._lock:
            self._posed.value += n

    @property
    def posed(self) -> int:
        return int(self._posed.value)

    def state(self) -> tuple[int, np.ndarray]:
        """(pieces finished, owners of unfinished pieces) of the current pass."""
        with self._lock:
            owner = self.table[:, workshare.OWNER].copy()
        return int(np.sum(owner == workshare.DONE)), owner[owner >= 0]


class _AfterWarmup:
    """Progress callback that ignores the first `skip` frames (the warm-up)."""

    def __init__(self, skip: int, progress: Progress) -> None:
        self.skip, self.progress = skip, progress

    def __call__(self, n: int) -> None:
        if self.skip > 0:
            self.skip -= n
            return
        self.progress(n)


def pose_pieces(
    work: WorkTable, worker: int, pass_id: int, path: Path, job: PoseJob, progress: Progress
) -> Iterator[RawPose]:
    """Claim and pose pieces until none is left; yields each piece's landmarks."""
    while (claimed := work.claim(worker, job.every, pass_id)) is not None:
        row, start = claimed
        first = max(0, start - WARMUP_FRAMES * job.every)
        warmup = -(-(start - first) // job.every)

        def keep_going(index: int, row: int = row, start: int = start) -> bool:
            return index < start or work.advance(row, index)

        try:
            raw = pose_range(path, first, None, job, _AfterWarmup(warmup, progress), keep_going)
        finally:
            work.finish(row)
            memory.give_back()
        yield raw.drop_before(start)


def _helper(worker: int, work: WorkTable, commands: Any, results: Any) -> None:
    """A helper process: pose pieces of each pass it is told about until told to stop."""
    cv2.setNumThreads(1)  # one process per core already: OpenCV's threads would oversubscribe
    memory.limit_arenas()
    quiet.silence_for_good()  # the model's start-up lines; errors go through `results`
    failure: BaseException | None = None
    try:
        _load_model_code()
    except BaseException as exc:  # reported with the first task, not lost in a dead process
        failure = exc
    while (command := commands.get()) is not None:
        path, job, pass_id = command
        try:
            if failure is not None:
                raise failure
            for part in pose_pieces(work, worker, pass_id, path, job, work.tick):
                results.put(("part", pass_id, part))
        except BaseException as exc:  # the main process re-raises it
            results.put(("error", pass_id, _portable(exc)))


def _load_model_code() -> None:
    """Import MediaPipe's pose code before work, without what `import mediapipe` also loads
    and a helper never uses (the drawing helpers pull in matplotlib; the task APIs): 0.25 s
    instead of 0.9 s. The two package modules are registered bare, as namespaces over their
    folders, so only the modules pose needs are run. Done in helper processes only (the
    caller's own `import mediapipe` stays whole); any other layout gets the plain import."""
    import importlib.util
    import sys
    import types

    spec = importlib.util.find_spec("mediapipe")
    if "mediapipe" not in sys.modules and spec is not None and spec.origin:
        root = Path(spec.origin).parent
        solutions = root / "python" / "solutions"
        if (solutions / "pose.py").is_file():
            for name, folder in (("mediapipe", root), ("mediapipe.python.solutions", solutions)):
                module = types.ModuleType(name)
                module.__path__ = [str(folder)]
                sys.modules[name] = module
    import mediapipe.python.solutions.pose  # noqa: F401


def _portable(exc: BaseException) -> BaseException:
    """`exc` if it survives pickling, else a RuntimeError carrying its traceback."""
    import pickle

    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        text = "".join(traceback.format_exception(exc))
        return RuntimeError(f"A pose process failed:\n{text}")


class PoseWorkers:
    """The main process and `workers - 1` helper processes; use as a context manager."""

    def __init__(self, workers: int) -> None:
        context = get_context("spawn")
        memory.limit_arenas()  # this process poses too
        self.workers = max(1, workers)
        self.work = WorkTable(context)
        self._results = context.Queue()
        self._helpers: list[tuple[SpawnProcess, Any]] = []
        for worker in range(1, self.workers):
            commands = context.SimpleQueue()
            process = context.Process(
                target=_helper,
                args=(worker, self.work, commands, self._results),
                daemon=True,
                name=f"kneechain-pose-{worker}",
            )
            process.start()
            self._helpers.append((process, commands))

    def __enter__(self) -> PoseWorkers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the helpers: asked to, then (idle or still starting) stopped at once, since
        tearing down an interpreter with the model loaded takes a quarter of a second."""
        for process, commands in self._helpers:
            if process.is_alive():
                commands.put(None)
        for process, _ in self._helpers:
            process.join(timeout=0.02)
            if process.is_alive():
                process.terminate()
            process.join()
        self._helpers = []
        self._results.close()
        models.release()

    def run(
        self, path: Path, ranges: list[tuple[int, int]], job: PoseJob, progress: Progress | None
    ) -> list[RawPose]:
        """Pose the (start, stop) frame ranges on every core; pieces in frame order."""
        pass_id = self.work.load(ranges)
        if self._helpers:
            job = replace(job, decode_threads=1)
            for _, commands in self._helpers:
                commands.put((path, job, pass_id))
        reporter = _Reporter(self.work, progress)
        threads = cv2.getNumThreads()
        if self._helpers:
            cv2.setNumThreads(1)
        try:
            parts = list(pose_pieces(self.work, 0, pass_id, path, job, reporter.tick))
            parts += self._collect(pass_id, len(parts), reporter)
        finally:
            cv2.setNumThreads(threads)
        return sorted(parts, key=lambda p: int(p.frame[0]) if len(p.frame) else -1)

    def _collect(self, pass_id: int, own: int, reporter: _Reporter) -> list[RawPose]:
        """The helpers' pieces of pass `pass_id`, once every piece is finished and received."""
        parts: list[RawPose] = []
        while True:
            done, owners = self.work.state()
            if not len(owners) and own + len(parts) >= done:
                return parts
            try:
                kind, got_pass, payload = self._results.get(timeout=POLL_S)
            except queue.Empty:
                self._check_alive(owners)
            else:
                if got_pass == pass_id and kind == "error":
                    raise payload
                if got_pass == pass_id:
                    parts.append(payload)
            reporter.report()

    def _check_alive(self, owners: np.ndarray) -> None:
        for worker in set(owners.tolist()) - {0}:
            process = self._helpers[worker - 1][0]
            if not process.is_alive():
                raise RuntimeError(
                    f"A pose process stopped unexpectedly (exit code {process.exitcode}); "
                    "run again with --workers 1 to pose in one process."
                )


class _Reporter:
    """Turns the shared frame counter into calls of the caller's progress hook."""

    def __init__(self, work: WorkTable, progress: Progress | None) -> None:
        self.work, self.progress, self.reported = work, progress, work.posed

    def tick(self, n: int) -> None:
        self.work.tick(n)
        self.report()

    def report(self) -> None:
        done = self.work.posed
        if self.progress is not None and done > self.reported:
            self.progress(done - self.reported)
        self.reported = done
