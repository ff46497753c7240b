"""Pose on every core, with results that do not depend on how many cores or how fast.

A pass over frame ranges is cut into pieces on a fixed grid (`plan_pieces`): the boundaries
depend on the ranges and the frame step alone, never on the number of processes or on when
one of them is ready. Every piece is posed by a model reset at its start (models.py) that
first runs `WARMUP_FRAMES` processed frames before the piece (dropped afterwards) to settle
its tracking, so a piece's landmarks are a function of the video's frames only: one process
posing every piece in turn and three processes taking pieces in any order give bit-identical
results (tests/vision/test_determinism.py checks it with random delays).

The calling process starts posing at the first piece at once, while the helper processes
start (spawning a process and loading the model takes about a second); each process claims
the next free piece from a small work table in shared memory (workshare.py). Helpers are
started with "spawn" (no inherited threads or model state), serve every pass until their
pool is closed, keep file descriptor 2 on the null device (their errors reach the caller
through a queue), cap glibc's malloc arenas and hand freed pages back after each piece
(memory.py), so what a process holds does not grow with the video. The pool belongs to a
`VisionRunner` (runner.py), which decides whether helpers may be started at all.
"""

from __future__ import annotations

import bisect
import gc
import itertools
import os
import queue
import random
import sys
import time
import traceback
import types
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from multiprocessing import get_context, resource_tracker, synchronize, util
from multiprocessing.context import SpawnContext, SpawnProcess
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from kneechain.vision import memory, quiet, workshare
from kneechain.vision.models import Models
from kneechain.vision.person import Sample
from kneechain.vision.pose import PoseJob, Progress, RawPose, pose_range
from kneechain.vision.survey import SurveyJob, survey_range
from kneechain.vision.video import FrameSource

Job = PoseJob | SurveyJob
Part = RawPose | list[Sample]

WARMUP_FRAMES = 3  # processed frames posed before a piece (not at frame 0) and dropped
MIN_PIECE_FRAMES = 40  # a range is cut into at most TARGET_PIECES pieces at least this long
TARGET_PIECES = 8
MAX_PIECE_FRAMES = 450  # longer ranges get more pieces (memory per piece stays bounded)
MIN_PARALLEL_FRAMES = 120  # below this, a helper would start about when the work is done
CAPACITY = 1024
POLL_S = 0.25


def default_workers() -> int:
    """Every core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def piece_count(processed: int) -> int:
    """How many pieces a range of `processed` frames is cut into (its length alone decides):
    up to TARGET_PIECES of at least MIN_PIECE_FRAMES, more when pieces would exceed
    MAX_PIECE_FRAMES."""
    by_length = -(-processed // MAX_PIECE_FRAMES)
    return max(1, by_length, min(TARGET_PIECES, processed // MIN_PIECE_FRAMES))


def plan_pieces(
    ranges: list[tuple[int, int]], every: int, chosen: tuple[int, ...] = ()
) -> list[tuple[int, int]]:
    """Cut each (start, stop) frame range into pieces of nearly equal length whose starts
    lie on the range's `every` grid (with `chosen`, sorted frame numbers: on the chosen
    frames, each piece holding nearly as many of them). Depends on the ranges and `every`
    (or `chosen`) only."""
    pieces: list[tuple[int, int]] = []
    for start, stop in ranges:
        inside = chosen[bisect.bisect_left(chosen, start) : bisect.bisect_left(chosen, stop)]
        processed = len(inside) if chosen else -(-(stop - start) // every)
        if processed <= 0:
            continue
        count = piece_count(processed)
        rows = [round(i * processed / count) for i in range(count)]
        firsts = [inside[r] for r in rows] if chosen else [start + r * every for r in rows]
        bounds = [start, *firsts[1:], stop]
        pieces += [(a, b) for a, b in itertools.pairwise(bounds) if b > a]
    return pieces


class WorkTable:
    """The work table in shared memory, its lock, the pass it belongs to and a frame counter.

    Created before the helpers are spawned and handed to them at start.
    """

    def __init__(self, context: SpawnContext, capacity: int = CAPACITY) -> None:
        self._array = context.RawArray("q", capacity * 3)
        self._lock = context.Lock()
        self._pass = context.RawValue("q", 0)
        self._posed = context.RawValue("q", 0)
        self._view: np.ndarray | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_view"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, _view=None)

    @property
    def capacity(self) -> int:
        return len(self.table)

    @property
    def table(self) -> np.ndarray:
        if self._view is None:
            self._view = np.frombuffer(self._array, dtype=np.int64).reshape(-1, 3)
        return self._view

    def load(self, pieces: list[tuple[int, int]]) -> int:
        """Start a new pass over `pieces` (at most `capacity`); returns its number."""
        with self._lock:
            workshare.load(self.table, pieces)
            self._pass.value += 1
            return int(self._pass.value)

    def claim(self, worker: int, pass_id: int, after: int = -1) -> tuple[int, int, int] | None:
        """(row, start, stop) of a free piece of pass `pass_id` for `worker` (the one after
        row `after`, its last piece, when free), or None."""
        with self._lock:
            if self._pass.value != pass_id:
                return None
            row = workshare.claim(self.table, worker, after)
            if row is None:
                return None
            return row, int(self.table[row, workshare.START]), int(self.table[row, workshare.STOP])

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
        """(pieces finished, owners of claimed unfinished pieces) of the current pass."""
        with self._lock:
            owner = self.table[:, workshare.OWNER].copy()
        return int(np.sum(owner == workshare.DONE)), owner[owner >= 0]

    def unclaimed(self) -> int:
        with self._lock:
            return int(np.sum(self.table[:, workshare.OWNER] == workshare.FREE))


class _AfterWarmup:
    """Progress callback that ignores the first `skip` frames (the warm-up)."""

    def __init__(self, skip: int, progress: Progress) -> None:
        self.skip, self.progress = skip, progress

    def __call__(self, n: int) -> None:
        if self.skip > 0:
            self.skip -= n
            return
        self.progress(n)


def pose_piece(
    path: Path,
    start: int,
    stop: int,
    job: PoseJob,
    models: Models,
    progress: Progress,
    source: FrameSource | None = None,
) -> RawPose:
    """Landmarks of frames start..stop: the model is reset, poses the warm-up frames before
    `start` (none at the video's first frame), then the piece; warm-up rows are dropped.
    Frames come from `source` (the process's open reader) when given."""
    if job.chosen:  # the chosen frames before `start`
        at = bisect.bisect_left(job.chosen, start)
        first = job.chosen[max(0, at - WARMUP_FRAMES)] if at else start
        warmup = at - max(0, at - WARMUP_FRAMES)
    else:
        first = max(0, start - WARMUP_FRAMES * job.every)
        warmup = -(-(start - first) // job.every)
    tick = _AfterWarmup(warmup, progress)
    raw = pose_range(path, first, stop, job, tick, models, start, source)
    return raw.drop_before(start)


def pose_pieces(
    work: WorkTable,
    worker: int,
    pass_id: int,
    path: Path,
    job: Job,
    models: Models,
    progress: Progress,
    delay_s: float = 0.0,
) -> Iterator[tuple[int, Part]]:
    """Claim and pose pieces until none is left; yields (row, landmarks) of each (with a
    `SurveyJob`: survey them, yielding (row, samples), survey.py). A process
    takes the piece after its last one when it is free (workshare.claim), reading on from
    the same open video (no seek; the next piece's warm-up frames are still at hand).
    `delay_s` > 0 waits a random time up to it before each piece (tests of determinism)."""
    source = FrameSource(path, job.decode_threads, keep=WARMUP_FRAMES + 1)
    last = -1
    try:
        while (claimed := work.claim(worker, pass_id, last)) is not None:
            row, start, stop = claimed
            if delay_s > 0:
                time.sleep(random.uniform(0, delay_s))
            try:
                if isinstance(job, SurveyJob):
                    raw: Part = survey_range(source, start, stop, job, models, progress)
                else:
                    raw = pose_piece(path, start, stop, job, models, progress, source)
            finally:
                work.finish(row)
                memory.give_back()
            last = row
            yield row, raw
    finally:
        source.close()


def _helper(worker: int, work: WorkTable, commands: Any, results: Any, delay_s: float) -> None:
    """A helper process: pose pieces of each pass it is told about until told to stop."""
    cv2.setNumThreads(1)  # one process per core already: OpenCV's threads would oversubscribe
    memory.limit_arenas()
    quiet.silence_for_good()  # the model's start-up lines; errors go through `results`
    models = Models()
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
            for row, part in pose_pieces(
                work, worker, pass_id, path, job, models, work.tick, delay_s
            ):
                results.put(("part", pass_id, (row, part)))
        except BaseException as exc:  # the caller re-raises it
            results.put(("error", pass_id, _portable(exc)))
    models.release()


def _tracker_running() -> bool:
    """Whether this process already runs multiprocessing's resource tracker (a child
    process Python starts with the first semaphore a "spawn" context creates)."""
    tracker = getattr(resource_tracker, "_resource_tracker", None)
    return getattr(tracker, "_fd", None) is not None


def _stop_tracker() -> None:
    """Stop the resource tracker that this pool's semaphores started (so the calling
    process is left without a child), once every one of them is collected or unlinked."""
    gc.collect()
    _unlink_live_semaphores()
    tracker = getattr(resource_tracker, "_resource_tracker", None)
    stop = getattr(tracker, "_stop", None)
    if stop is not None:
        stop()


def _unlink_live_semaphores() -> None:
    """Unlink, by their own finalizers and while the tracker still runs, the semaphores that
    outlive the pool. The work table's lock does when a module imported during the first
    pose call (the model's code, loaded lazily) keeps that call's frames, whose callers hold
    the table: stopped first, the tracker unlinks it as leaked ("leaked semaphore objects"),
    and its finalizer at exit printed a `FileNotFoundError` traceback from `sem_unlink`. Only
    called when this pool started the tracker, so every semaphore it knows was made while
    the pool lived; an unlinked semaphore still works for the processes that hold it."""
    for finalizer in list(getattr(util, "_finalizer_registry", {}).values()):
        if getattr(finalizer, "_callback", None) is synchronize.SemLock._cleanup:
            finalizer()


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


def _our_front_end(main: types.ModuleType | None) -> bool:
    """Whether the main module is kneechain's own entry point (`python -m kneechain` or
    the `kneechain` command's script, which imports the terminal front end)."""
    spec = getattr(main, "__spec__", None)
    if spec is not None and str(getattr(spec, "name", "")).startswith("kneechain."):
        return True
    cli = sys.modules.get("kneechain.cli")
    return cli is not None and getattr(main, "main", None) is getattr(cli, "main", cli)


@contextmanager
def _bare_main() -> Iterator[None]:
    """While helpers start: a "spawn" child first imports the parent's main module, which
    for the `kneechain` command is the whole terminal front end (typer, rich, every
    command's module: 0.1-0.2 CPU-s and 0.4-0.6 s before a helper is ready, measured on a
    busy machine). A helper needs none of it (its target, `_helper`, is found in this
    module), so kneechain's own main module is hidden for the moment the process starts.
    Any other caller's main module is left to be imported as multiprocessing does (a
    script may register its own pose backend there)."""
    main = sys.modules.get("__main__")
    if not _our_front_end(main):
        yield
        return
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


def _portable(exc: BaseException) -> BaseException:
    """`exc` if it survives pickling, else a RuntimeError carrying its traceback."""
    import pickle

    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        text = "".join(traceback.format_exception(exc))
        return RuntimeError(f"A pose process failed:\n{text}")


class PosePool:
    """The calling process plus `helpers` spawned helper processes sharing pose passes.

    With no helpers nothing is started: the calling process poses every piece itself.
    `delay_s` (tests only) makes every process wait a random time before each piece.
    """

    def __init__(self, models: Models, helpers: int = 0, delay_s: float = 0.0) -> None:
        self.models = models
        self.delay_s = delay_s
        self._own_tracker = bool(helpers) and not _tracker_running()
        context = get_context("spawn")
        self.work = WorkTable(context)
        self._results = context.Queue() if helpers else None
        self._helpers: list[tuple[SpawnProcess, Any]] = []
        for worker in range(1, helpers + 1):
            commands = context.SimpleQueue()
            process = context.Process(
                target=_helper,
                args=(worker, self.work, commands, self._results, delay_s),
                daemon=True,
                name=f"kneechain-pose-{worker}",
            )
            with _bare_main():
                process.start()
            self._helpers.append((process, commands))

    @property
    def processes(self) -> int:
        """The calling process and its helpers."""
        return 1 + len(self._helpers)

    def close(self) -> None:
        """Stop the helpers: asked to, then (idle or still starting) stopped at once, since
        tearing down an interpreter with the model loaded takes a quarter of a second. A
        closed pool is not used again."""
        self._stop_helpers()
        if self._own_tracker:
            self._own_tracker = False
            del self.work  # every semaphore is collected before the tracker stops
            _stop_tracker()

    def _stop_helpers(self) -> None:
        for process, commands in self._helpers:
            if process.is_alive():
                commands.put(None)
        for process, _ in self._helpers:
            process.join(timeout=0.02)
            if process.is_alive():
                process.terminate()
            process.join()
            process.close()
        for _, commands in self._helpers:
            commands.close()
        self._helpers = []
        if self._results is not None:
            self._results.close()
            self._results.join_thread()
            self._results = None

    def run(
        self, path: Path, pieces: list[tuple[int, int]], job: Job, progress: Progress | None
    ) -> list[Part]:
        """Pose (or survey) the pieces (see `plan_pieces`, `survey_pieces`) on every
        process; pieces in frame order."""
        parts: dict[int, Part] = {}
        for start in range(0, len(pieces), self.work.capacity):
            batch = pieces[start : start + self.work.capacity]
            for row, part in self._run(path, batch, job, progress).items():
                parts[start + row] = part
        return [parts[i] for i in sorted(parts)]

    def _run(
        self, path: Path, pieces: list[tuple[int, int]], job: Job, progress: Progress | None
    ) -> dict[int, Part]:
        pass_id = self.work.load(pieces)
        if self._helpers:
            job = replace(job, decode_threads=1)
            for _, commands in self._helpers:
                commands.put((path, job, pass_id))
        reporter = _Reporter(self.work, progress)
        threads = cv2.getNumThreads()
        if self._helpers:
            cv2.setNumThreads(1)
        try:
            parts = dict(
                pose_pieces(
                    self.work, 0, pass_id, path, job, self.models, reporter.tick, self.delay_s
                )
            )
            if self._helpers:
                parts |= self._collect(pass_id, len(parts), reporter)
        finally:
            cv2.setNumThreads(threads)
        return parts

    def _collect(self, pass_id: int, own: int, reporter: _Reporter) -> dict[int, Part]:
        """The helpers' pieces of pass `pass_id`, once every piece is finished and received."""
        assert self._results is not None
        parts: dict[int, Part] = {}
        while True:
            done, owners = self.work.state()
            if not len(owners) and not self.work.unclaimed() and own + len(parts) >= done:
                return parts
            try:
                kind, got_pass, payload = self._results.get(timeout=POLL_S)
            except queue.Empty:
                self._check_alive(owners)
            else:
                if got_pass == pass_id and kind == "error":
                    raise payload
                if got_pass == pass_id:
                    row, part = payload
                    parts[row] = part
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
