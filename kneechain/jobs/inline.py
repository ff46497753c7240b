"""The in-process backend: the job runs in the process that waits for it.

One clip analysed from the terminal spends longer starting a job worker (a spawned process
that imports the pipeline and MediaPipe again: about 1.2 s of a 8.4 s `analyze`) than the
worker saves. This backend skips it: the job is stored, keyed and recorded by the runner
exactly as on the local pool (a cached result answers at once, the result and its files are
written by the runner's thread once the analysis is complete, a failure is stored the same
way), but the analysis itself (`work.Worker`, made on the first task) runs in the thread
that called `JobRunner.wait`. Vision's runner still starts its helper processes for the
other cores, and `close` stops them.

A Ctrl-C (KeyboardInterrupt) stops the analysis where it is and reaches the caller, who
closes the runner: the helpers are stopped, nothing of the result is written, and the job
is marked interrupted like any unfinished job of a closed runner.

Only for a caller that waits for one job at a time (a terminal command): jobs run one after
the other, and only while the caller waits. The web app and batches keep the local pool.
"""

from __future__ import annotations

import queue
import signal
import sys
import threading
import traceback
from collections.abc import Callable
from multiprocessing import resource_tracker
from typing import Any

from kneechain.jobs.backend import Backend, Finished, Message, Progress, Refused, Task
from kneechain.jobs.work import ClipOutput, Report, Reported, Worker, error_body

WorkerFactory = Callable[[int], Worker]


def _caller_worker(pose_workers: int) -> Worker:
    """A worker set up in the caller's process: its malloc settings left as they are, and
    MediaPipe's pose code loaded the way vision's helpers load it, without what `import
    mediapipe` also loads and pose never uses (its drawing helpers pull in matplotlib: about
    0.7 s of a terminal command's start-up). Where the caller imported mediapipe before, that
    stays as it was; a caller that wants the whole package later must import it first."""
    if "mediapipe" not in sys.modules:
        from kneechain.vision.parallel import _load_model_code

        _load_model_code()
    return Worker(pose_workers, dedicated=False)


class _DeferredInterrupt:
    """Ctrl-C while the main thread analyses: noted, and raised as KeyboardInterrupt at the
    next progress report (`check`), never in the middle of an import, of starting a helper
    process or of a library's `except BaseException`, where it could be swallowed or turned
    into another error and stored as the job's failure.

    SIGINT is also blocked in the main thread meanwhile, so that the processes it starts
    (vision's helpers, which inherit the mask) never see the Ctrl-C that a terminal sends to
    its whole foreground group: a helper still starting would print a traceback, one at work
    would die on its own. This process still gets it: the kernel hands it to a thread that
    does not block it (the job runner's, started before), and Python runs the handler in the
    main thread. Outside the main thread, or where the caller has its own SIGINT handler,
    nothing is changed."""

    def __init__(self) -> None:
        self.asked = False
        self._previous: Any = None
        self._held = False

    def __enter__(self) -> _DeferredInterrupt:
        if threading.current_thread() is not threading.main_thread():
            return self
        if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
            return self
        self._previous = signal.signal(signal.SIGINT, self._note)
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        self._held = signal.SIGINT not in blocked
        return self

    def _note(self, signum: int, frame: object) -> None:
        self.asked = True

    def check(self) -> None:
        if self.asked or self._pending():
            raise KeyboardInterrupt

    def _pending(self) -> bool:
        """A Ctrl-C the kernel holds for this process: when every thread blocks SIGINT (no
        thread started before `__enter__` is left), none runs the handler until `__exit__`
        unblocks it, after the last check; it was then lost and the analysis ended as if
        nobody had asked (seen once on a quiet machine: exit 0 after the Ctrl-C)."""
        return self._held and signal.SIGINT in signal.sigpending()

    def __exit__(self, *exc: object) -> None:
        if self._held:  # a Ctrl-C still pending is delivered here, to `_note`, and ends there
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)


def _start_tracker() -> None:
    """Start Python's resource tracker (a child process that the first semaphore of the
    helpers' pool would start) now, before SIGINT is held: starting it unblocks SIGINT in
    the starting thread, which would hand the Ctrl-C to every helper started after it. It is
    Python's one tracker of this process, as any spawned process starts it: it is left
    running, and ends with the process (stopping it at close costs a garbage collection of
    the whole process, 0.3 s, before the result can be shown)."""
    resource_tracker.ensure_running()


class InProcessBackend(Backend):
    """One slot, run by the caller's waiting thread; each task poses on `pose_workers`
    processes (this one and pose_workers - 1 helpers that vision starts)."""

    name = "in_process"
    slots = 1

    def __init__(self, pose_workers: int = 1, factory: WorkerFactory = _caller_worker) -> None:
        self.pose_workers = max(1, pose_workers)
        self._factory = factory
        self._worker: Worker | None = None
        self._lock = threading.Lock()
        self._task: Task | None = None  # handed over by the runner, not started yet
        self._busy = False
        self._messages: queue.Queue[Message | None] = queue.Queue()
        self._closed = False

    def free(self) -> int:
        with self._lock:
            return 0 if self._task is not None or self._busy else 1

    def submit(self, task: Task) -> None:
        if self._closed:
            raise RuntimeError("the in-process backend is closed")
        with self._lock:
            if self._task is not None or self._busy:
                raise RuntimeError("no free slot")
            self._task = task

    def wake(self) -> None:
        self._messages.put(None)

    def poll(self, timeout: float) -> list[Message]:
        try:
            items = [self._messages.get(timeout=timeout)]
        except queue.Empty:
            return []
        while True:
            try:
                items.append(self._messages.get_nowait())
            except queue.Empty:
                break
        return [m for m in items if m is not None]

    def run_waiting(
        self,
        between: Callable[[], None],
        reported: Callable[[str, ClipOutput], None] | None = None,
    ) -> bool:
        with self._lock:
            task, self._task = self._task, None
            if task is None:
                return False
            self._busy = True
        if self.pose_workers > 1:
            _start_tracker()
        try:
            with _DeferredInterrupt() as interrupt:

                def report(stage: str, done: int, total: int) -> None:
                    interrupt.check()
                    self._messages.put(Progress(task.job_id, task.attempt, stage, done, total))
                    between()

                def early(output: ClipOutput) -> None:
                    interrupt.check()
                    if reported is not None:
                        reported(task.job_id, output)

                self._analyse(task, report, early, interrupt)
        except BaseException as exc:  # Ctrl-C: stop the helpers now, then tell the caller
            # let go of what the unwound frames hold (vision's work table, decoded frames)
            traceback.clear_frames(exc.__traceback__)
            self._close_worker()
            raise
        finally:  # an interrupted task is left unfinished: the runner's close says so
            with self._lock:
                self._busy = False
        return True

    def _analyse(
        self, task: Task, report: Report, early: Reported, interrupt: _DeferredInterrupt
    ) -> None:
        try:
            if self._worker is None:
                self._worker = self._factory(self.pose_workers)
            output = self._worker.analyse(
                task.request, task.request.video, task.domain, report, early
            )
        except Exception as exc:  # final: the same input would fail the same way
            interrupt.check()  # unless it went wrong because of the Ctrl-C
            self._messages.put(Refused(task.job_id, task.attempt, error_body(exc)))
        else:
            interrupt.check()  # asked after the last report: no result either
            self._messages.put(Finished(task.job_id, task.attempt, output))

    def close(self) -> None:
        """Stop vision's helpers and close the models."""
        if self._closed:
            return
        self._closed = True
        self._close_worker()

    def _close_worker(self) -> None:
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.close()
