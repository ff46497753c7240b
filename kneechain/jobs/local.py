"""The local backend: a pool of worker processes that the runner owns.

Each worker is a spawned, non-daemonic process, set up once (work.Worker: heavy imports,
vision's per-process settings), then given one task at a time through its own pipe; it
answers (progress, result, error) through the same pipe, so there is no shared queue and no
semaphore to leak. Because it is not daemonic, vision may still pose one clip on several
processes from inside it (`pose_workers`).

Each worker leads its own process group: Ctrl-C in the terminal reaches the caller alone
(who then stops the workers), and a worker that dies takes the pose helpers it started with
it (the group is killed). A worker whose caller disappears, even killed, kills its group.
When a worker dies in the middle of a task, the task is reported `Lost` and a fresh worker
takes its place.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.context import SpawnProcess
from pathlib import Path
from typing import Any

from kneechain.jobs.backend import Backend, Finished, Lost, Message, Progress, Refused, Task
from kneechain.jobs.work import Worker, error_body

#: seconds a closing pool gives its workers to stop before they are killed
STOP_GRACE_S = 2.0

WorkerFactory = Callable[[int], Worker]


def _worker_main(
    index: int,
    pipe: Connection,
    factory: WorkerFactory,
    pose_workers: int,
    log_file: Path | None,
) -> None:
    """One worker process: set up once, then run tasks until told to stop."""
    os.setpgrp()  # Ctrl-C goes to the caller's group only; the caller stops us
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit_now)  # stopped mid-job: unwind, closing vision
    if log_file is not None:  # decoder and model notices go to the log, not the caller's screen
        log_file.parent.mkdir(parents=True, exist_ok=True)
        sys.stderr.flush()
        handle = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(handle, 2)
        os.close(handle)
    parent = multiprocessing.parent_process()
    if parent is not None:  # the caller gone (even killed): stop now, helpers included
        threading.Thread(target=_stop_with, args=(parent,), daemon=True).start()
    send = _Sender(pipe)
    try:
        worker = factory(pose_workers)
    except BaseException:
        send(("broken", index, traceback.format_exc()))
        return
    try:
        while (task := pipe.recv()) is not None:
            _run_task(worker, task, send)
    except EOFError:  # the caller closed the pipe
        pass
    finally:
        worker.close()


def _exit_now(signum: int, frame: object) -> None:
    raise SystemExit(0)


class _Sender:
    """Sends messages on the worker's pipe, one thread at a time."""

    def __init__(self, pipe: Connection) -> None:
        self.pipe, self.lock = pipe, threading.Lock()

    def __call__(self, message: object) -> None:
        with self.lock:
            self.pipe.send(message)


def _stop_with(parent: Any) -> None:
    """Wait for the caller's process to end, then kill this worker's process group."""
    multiprocessing.connection.wait([parent.sentinel])
    os.killpg(os.getpgrp(), signal.SIGKILL)


def _run_task(worker: Worker, task: Task, send: _Sender) -> None:
    def report(stage: str, done: int, total: int) -> None:
        send(Progress(task.job_id, task.attempt, stage, done, total))

    try:
        output = worker.analyse(task.request, task.request.video, task.domain, report)
    except Exception as exc:  # final: the same input would fail the same way
        send(Refused(task.job_id, task.attempt, error_body(exc)))
    else:
        send(Finished(task.job_id, task.attempt, output))


class _Slot:
    def __init__(self, process: SpawnProcess, pipe: Connection) -> None:
        self.process, self.pipe = process, pipe
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
        self._factory = factory
        self.log_file = log_file
        self._slots: list[_Slot | None] = [None] * self.slots
        self._closed = False

    def _spawn(self, index: int) -> _Slot:
        mine, theirs = self._context.Pipe(duplex=True)
        process = self._context.Process(
            target=_worker_main,
            args=(index, theirs, self._factory, self.pose_workers, self.log_file),
            name=f"kneechain-job-{index}",
            daemon=False,
        )
        process.start()
        theirs.close()
        slot = _Slot(process, mine)
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
                if slot is not None:
                    self._bury(index, slot)
                slot = self._spawn(index)
            if slot.task is None:
                slot.task = task
                slot.pipe.send(task)
                return
        raise RuntimeError("no free worker")

    def poll(self, timeout: float) -> list[Message]:
        live = [s for s in self._slots if s is not None]
        if not live:
            time.sleep(timeout)
            return []
        waitables = [s.pipe for s in live] + [s.process.sentinel for s in live]
        multiprocessing.connection.wait(waitables, timeout)
        messages: list[Message] = []
        for index, slot in enumerate(self._slots):
            if slot is None:
                continue
            messages += self._read(slot)
            if not slot.process.is_alive():
                messages += self._read(slot)  # anything it sent before it ended
                lost = self._bury(index, slot)
                if lost is not None:
                    messages.append(lost)
        return messages

    def _read(self, slot: _Slot) -> list[Message]:
        """Every message waiting on the slot's pipe; a settled task frees the slot."""
        found: list[Message] = []
        try:
            while slot.pipe.poll():
                item = slot.pipe.recv()
                message = self._unpack(slot, item)
                if message is None:
                    continue
                found.append(message)
                task = slot.task
                if (
                    isinstance(message, Finished | Refused | Lost)
                    and task is not None
                    and (task.job_id, task.attempt) == (message.job_id, message.attempt)
                ):
                    slot.task = None
        except (EOFError, OSError):
            pass
        return found

    @staticmethod
    def _unpack(slot: _Slot, item: Any) -> Message | None:
        if isinstance(item, tuple) and item and item[0] == "broken":
            task = slot.task
            if task is None:
                return None
            return Lost(task.job_id, task.attempt, f"a job worker could not start: {item[2]}")
        return item  # type: ignore[no-any-return]

    def _bury(self, index: int, slot: _Slot) -> Lost | None:
        """A worker that ended: its helpers killed, its slot emptied; its task, if it still
        held one, Lost."""
        _kill_group(slot.process.pid)
        slot.process.join()
        slot.pipe.close()
        self._slots[index] = None
        if slot.task is None:
            return None
        reason = f"its worker process stopped (exit code {slot.process.exitcode})"
        return Lost(slot.task.job_id, slot.task.attempt, reason)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for slot in self._slots:
            if slot is not None and slot.process.is_alive():
                with contextlib.suppress(OSError):
                    slot.pipe.send(None)
            if slot is not None and slot.task is not None and slot.process.pid:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(slot.process.pid, signal.SIGTERM)  # it closes vision, then ends
        for slot in self._slots:
            if slot is None:
                continue
            slot.process.join(timeout=STOP_GRACE_S)
            _kill_group(slot.process.pid)
            slot.process.join()
            slot.pipe.close()
        self._slots = [None] * self.slots


def _kill_group(pid: int | None) -> None:
    """SIGKILL the process group that worker `pid` leads (it and its pose helpers)."""
    if not pid:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
