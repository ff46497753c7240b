"""The local backend: a pool of worker processes that the runner owns.

Each worker is a spawned, non-daemonic process, set up once (work.Worker: heavy imports,
vision's per-process settings) and then given one task at a time through its own pipe; it
answers through one queue shared by all workers. Because it is not daemonic, vision may
still pose one clip on several processes from inside it (`pose_workers`).

Each worker leads its own process group: Ctrl-C in the terminal reaches the caller alone
(who then stops the workers), and a worker that dies takes the pose helpers it started with
it (the group is killed). A worker whose caller disappears stops by itself. When a worker
dies in the middle of a task, the task is reported `Lost` and a fresh worker takes its place.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import signal
import sys
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.context import SpawnProcess
from pathlib import Path
from typing import Any

from kneechain.jobs.backend import Backend, Finished, Lost, Message, Progress, Refused, Task
from kneechain.jobs.work import Worker, error_body

#: seconds a worker waits for work before checking that its caller is still there
IDLE_CHECK_S = 1.0
#: seconds a closing pool gives its workers to stop before they are killed
STOP_GRACE_S = 2.0

WorkerFactory = Callable[[int], Worker]


def _worker_main(
    index: int,
    inbox: Connection,
    outbox: Any,
    factory: WorkerFactory,
    pose_workers: int,
    log_file: Path | None,
) -> None:
    """One worker process: set up once, then run tasks until told to stop."""
    os.setpgrp()  # Ctrl-C goes to the caller's group only; the caller stops us
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if log_file is not None:  # decoder and model notices go to the log, not the caller's screen
        log_file.parent.mkdir(parents=True, exist_ok=True)
        sys.stderr.flush()
        handle = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(handle, 2)
        os.close(handle)
    parent = multiprocessing.parent_process()
    try:
        worker = factory(pose_workers)
    except BaseException:
        outbox.put(("broken", index, traceback.format_exc()))
        return
    try:
        while True:
            if not inbox.poll(IDLE_CHECK_S):
                if parent is not None and not parent.is_alive():
                    return
                continue
            task: Task | None = inbox.recv()
            if task is None:
                return
            _run_task(worker, task, outbox)
    finally:
        worker.close()


def _run_task(worker: Worker, task: Task, outbox: Any) -> None:
    def report(stage: str, done: int, total: int) -> None:
        outbox.put(Progress(task.job_id, task.attempt, stage, done, total))

    try:
        output = worker.analyse(task.request, task.request.video, report)
    except Exception as exc:  # final: the same input would fail the same way
        outbox.put(Refused(task.job_id, task.attempt, error_body(exc)))
    else:
        outbox.put(Finished(task.job_id, task.attempt, output))


class _Slot:
    def __init__(self, process: SpawnProcess, inbox: Connection) -> None:
        self.process, self.inbox = process, inbox
        self.task: Task | None = None


class LocalBackend(Backend):
    """`workers` processes, each running one task at a time; each task poses on
    `pose_workers` processes (the worker and pose_workers - 1 helpers it starts).

    `factory(pose_workers)` builds a worker's set-up (work.Worker; tests give their own).
    `log_file`: where the workers' standard error goes (decoder warnings, a crash's last
    words); None leaves it on the caller's.
    """

    name = "local"

    def __init__(
        self,
        workers: int = 1,
        pose_workers: int = 1,
        factory: WorkerFactory = Worker,
        log_file: Path | None = None,
    ) -> None:
        self.slots = max(1, workers)
        self.pose_workers = max(1, pose_workers)
        self._context = multiprocessing.get_context("spawn")
        self._outbox = self._context.Queue()
        self._factory = factory
        self.log_file = log_file
        self._slots: list[_Slot | None] = [None] * self.slots
        self._closed = False

    def _spawn(self, index: int) -> _Slot:
        mine, theirs = self._context.Pipe(duplex=False)
        process = self._context.Process(
            target=_worker_main,
            args=(index, mine, self._outbox, self._factory, self.pose_workers, self.log_file),
            name=f"kneechain-job-{index}",
            daemon=False,
        )
        process.start()
        mine.close()
        slot = _Slot(process, theirs)
        self._slots[index] = slot
        return slot

    @property
    def pids(self) -> list[int]:
        """Process ids of the live workers (started on first use)."""
        return [s.process.pid for s in self._slots if s is not None and s.process.pid]

    def free(self) -> int:
        return sum(1 for s in self._slots if s is None or s.task is None)

    def submit(self, task: Task) -> None:
        if self._closed:
            raise RuntimeError("the local job pool is closed")
        for index, slot in enumerate(self._slots):
            if slot is None or not slot.process.is_alive():
                slot = self._spawn(index)
            if slot.task is None:
                slot.task = task
                slot.inbox.send(task)
                return
        raise RuntimeError("no free worker")

    def poll(self, timeout: float) -> list[Message]:
        messages: list[Message] = []
        try:
            messages.append(self._unpack(self._outbox.get(timeout=timeout)))
            while True:
                messages.append(self._unpack(self._outbox.get_nowait()))
        except queue.Empty:
            pass
        messages = [m for m in messages if m is not None]
        for m in messages:
            if isinstance(m, Finished | Refused | Lost):
                self._release(m.job_id, m.attempt)
        return messages + self._check_dead()

    def _unpack(self, item: Any) -> Message | None:
        if isinstance(item, tuple) and item and item[0] == "broken":
            _, index, text = item
            slot = self._slots[index]
            task = slot.task if slot is not None else None
            if task is None:
                return None
            return Lost(task.job_id, task.attempt, f"a job worker could not start: {text}")
        return item

    def _release(self, job_id: str, attempt: int) -> None:
        for slot in self._slots:
            task = slot.task if slot is not None else None
            if (
                slot is not None
                and task is not None
                and (task.job_id, task.attempt) == (job_id, attempt)
            ):
                slot.task = None

    def _check_dead(self) -> list[Message]:
        """Tasks of workers that died: Lost (after anything they sent was read)."""
        lost: list[Message] = []
        for index, slot in enumerate(self._slots):
            if slot is None or slot.process.is_alive():
                continue
            _kill_group(slot.process.pid)  # pose helpers it left behind
            slot.process.join()
            self._slots[index] = None
            if slot.task is not None:
                code = slot.process.exitcode
                reason = f"its worker process stopped (exit code {code})"
                lost.append(Lost(slot.task.job_id, slot.task.attempt, reason))
        if lost:  # a result sent just before dying counts; the runner ignores a late Lost
            try:
                while True:
                    item = self._unpack(self._outbox.get_nowait())
                    if item is not None:
                        lost.insert(0, item)
            except queue.Empty:
                pass
        return lost

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for slot in self._slots:
            if slot is not None and slot.process.is_alive():
                with contextlib.suppress(OSError):
                    slot.inbox.send(None)
        for slot in self._slots:
            if slot is None:
                continue
            slot.process.join(timeout=STOP_GRACE_S if slot.task is None else 0.0)
            _kill_group(slot.process.pid)
            slot.process.join()
            slot.inbox.close()
        self._slots = [None] * self.slots
        self._outbox.close()
        self._outbox.join_thread()


def _kill_group(pid: int | None) -> None:
    """SIGKILL the process group that worker `pid` leads (it and its pose helpers)."""
    if not pid:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
