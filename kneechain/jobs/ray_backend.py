"""The Ray backend: each job is one Ray task that declares the CPUs it uses.

`ray.init(address)` joins a cluster (settings: ray_address, e.g. ray://head:10001); without
an address Ray is started on this machine with its CPUs. Every task declares `num_cpus`
(settings: ray_cpus_per_job) and poses its clip on exactly that many processes, so Ray's
placement matches the work and nothing runs in parallel behind its back. Ray's own retries
are off (`max_retries=0`): the runner counts attempts and retries a task whose worker died,
so an attempt is never run twice without the runner knowing.

The clip travels in Ray's object store (a worker on another machine cannot read the caller's
files); the evidence comes back as bytes in the result. A worker process sets itself up once
(work.Worker) and keeps that for every task it runs. Progress goes through a Ray queue (an
actor) that the runner drains.
"""

from __future__ import annotations

import contextlib
import tempfile
import time
from pathlib import Path
from typing import Any

from kneechain.errors import ErrorKind, KneechainError
from kneechain.jobs.backend import Backend, Finished, Lost, Message, Progress, Refused, Task
from kneechain.jobs.work import Worker, error_body

_worker: Worker | None = None


def _setup(pose_workers: int) -> Worker:
    """This Ray worker process's set-up, made by its first task and kept."""
    global _worker
    if _worker is not None and _worker.requested != pose_workers:
        _worker.close()
        _worker = None
    if _worker is None:
        _worker = Worker(pose_workers)
    return _worker


def run_task(task: Task, video: bytes, pose_workers: int, progress: Any) -> Message:
    """Body of the Ray task: the clip's bytes into a private folder, then the analysis."""
    worker = _setup(pose_workers)

    def report(stage: str, done: int, total: int) -> None:
        with contextlib.suppress(Exception):  # a full queue never stops the analysis
            progress.put_nowait(Progress(task.job_id, task.attempt, stage, done, total))

    with tempfile.TemporaryDirectory(prefix="kneechain-ray-") as folder:
        local = Path(folder) / task.request.video.name
        local.write_bytes(video)
        try:
            output = worker.analyse(task.request, local, task.domain, report)
        except Exception as exc:  # final: the same input would fail the same way
            return Refused(task.job_id, task.attempt, error_body(exc))
    return Finished(task.job_id, task.attempt, output)


class RayBackend(Backend):
    """Jobs as Ray tasks; `slots` tasks in flight (more wait in the runner's queue)."""

    name = "ray"

    def __init__(self, address: str | None, slots: int = 1, cpus_per_job: int = 1) -> None:
        try:
            import ray
            from ray.util.queue import Queue
        except ImportError as exc:  # pragma: no cover - ray is a dependency
            raise KneechainError(
                "jobs.ray_missing",
                "Ray is not installed.",
                hint="Reinstall kneechain (it depends on ray).",
                kind=ErrorKind.unavailable,
            ) from exc
        self._ray = ray
        self.cpus_per_job = max(1, cpus_per_job)
        self._started_here = not ray.is_initialized()
        if self._started_here:
            try:
                _init(ray, address)
            except Exception as exc:
                where = address or "this machine"
                raise KneechainError(
                    "jobs.ray_unavailable",
                    f"Ray could not be started or reached on {where}: {exc}",
                    hint="Check the address (ray://host:10001) and that the cluster is up.",
                    kind=ErrorKind.unavailable,
                ) from exc
        total = int(ray.cluster_resources().get("CPU", 1))
        self.slots = max(1, slots, total // self.cpus_per_job)
        self._progress = Queue(maxsize=10_000)
        self._remote = ray.remote(run_task).options(
            num_cpus=self.cpus_per_job, max_retries=0, name="kneechain-analyse-clip"
        )
        self._inflight: dict[Any, Task] = {}

    def free(self) -> int:
        return self.slots - len(self._inflight)

    def submit(self, task: Task) -> None:
        video = self._ray.put(task.request.video.read_bytes())
        ref = self._remote.remote(task, video, self.cpus_per_job, self._progress)
        self._inflight[ref] = task

    def poll(self, timeout: float) -> list[Message]:
        messages: list[Message] = []
        if self._inflight:
            ready, _ = self._ray.wait(list(self._inflight), num_returns=1, timeout=timeout)
            if ready:  # and every other one that is ready too
                refs = list(self._inflight)
                ready, _ = self._ray.wait(refs, num_returns=len(refs), timeout=0)
        else:
            ready = []
        with contextlib.suppress(Exception):
            messages += self._progress.get_nowait_batch(self._progress.qsize())
        for ref in ready:
            task = self._inflight.pop(ref)
            try:
                messages.append(self._ray.get(ref))
            except self._ray.exceptions.RayError as exc:  # the worker died, or Ray lost it
                messages.append(Lost(task.job_id, task.attempt, _short(exc)))
        if not self._inflight and not messages:
            time.sleep(timeout)
        return messages

    def close(self) -> None:
        for ref in list(self._inflight):
            with contextlib.suppress(Exception):
                self._ray.cancel(ref, force=True)
        self._inflight.clear()
        with contextlib.suppress(Exception):
            self._ray.kill(self._progress.actor)
        if self._started_here:
            self._ray.shutdown()


def _init(ray: Any, address: str | None) -> None:
    """Join the cluster at `address`, or start Ray here with this machine's CPUs."""
    quiet = {"log_to_driver": False, "logging_level": "ERROR"}
    if address:
        ray.init(address=address, **quiet)
    else:
        ray.init(include_dashboard=False, **quiet)


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"Ray lost the task ({type(exc).__name__}: {text[0] if text else ''})"
