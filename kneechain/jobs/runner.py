"""The job runner: submit clips, follow them, get their results; on a local pool or on Ray.

    from kneechain.jobs.runner import open_runner
    from kneechain.jobs.models import ClipRequest

    with open_runner(settings) as runner:                 # settings.job_runner: local | ray
        job = runner.submit(ClipRequest(video=Path("squat.mp4"), test_id="double_leg_squat"))
        [done] = runner.wait([job.id], on_event=print)    # events: status, stage, progress
        done.result                                        # the result document

`submit` returns at once with the stored job (idempotent: a job with the same key that is
done is returned as it is, never computed again). A thread of the runner starts queued jobs
on the backend as slots free up, records every change in the database, retries an attempt
whose worker died (at most `max_attempts` attempts) and fails for good a job whose input is
bad. `status(job_id)` reads a job from the database, from any process (the web app polls it).
A job another live runner is running is followed, not started twice. Closing the runner
stops its workers; its unfinished jobs are marked interrupted, and the next runner given the
same work takes them over.
"""

from __future__ import annotations

import queue
import shutil
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from kneechain.errors import ErrorBody, ErrorKind, KneechainError
from kneechain.jobs import store as jobs_db
from kneechain.jobs.backend import Backend, Finished, Lost, Message, Progress, Refused, Task
from kneechain.jobs.key import clip_key, versions
from kneechain.jobs.models import ClipRequest, JobEvent, JobKind, JobStatus, JobView
from kneechain.jobs.work import ClipOutput, JobDomain, check_test
from kneechain.settings import Settings
from kneechain.track.db import Store, open_store
from kneechain.vision.video import sha256_of

if TYPE_CHECKING:
    from kneechain.assess.protocols.config import ProtocolConfig

EventHook = Callable[[JobEvent], None]

POLL_S = 0.1
HEARTBEAT_S = 10.0
WATCH_S = 1.0
PROGRESS_WRITE_S = 1.0
RESULTS_FOLDER = "jobs"


class JobRunner:
    """Runs `analyse_clip` jobs on `backend`, stored in `store`; results under
    `data_dir`/jobs/<key[:2]>/<key>/. `domain_versions`: the knowledge and engine versions of
    the domain the caller uses (`ctx.domain.versions`), hashed into every job's key so that a
    job asked with an edited knowledge base never reuses one done with another (the packaged
    domain's when None). `protocols`: the protocol parameters of the caller's domain
    (`ctx.domain.protocols`; the packaged ones when None): every job is analysed with them
    (they travel with the task to its worker) and its key hashes them."""

    def __init__(
        self,
        store: Store,
        backend: Backend,
        *,
        data_dir: Path,
        max_attempts: int = 3,
        own_store: bool = False,
        domain_versions: Mapping[str, str] | None = None,
        protocols: ProtocolConfig | None = None,
    ) -> None:
        from kneechain.assess.protocols.config import default_config

        self.store, self.backend = store, backend
        self.data_dir = data_dir
        self.max_attempts = max(1, max_attempts)
        self.owner = jobs_db.new_owner()
        self._config = protocols if protocols is not None else default_config()
        self._made_with = versions(domain_versions)
        # what each task's worker is given: the very objects the keys hash
        self._domain = JobDomain(self._config, dict(self._made_with))
        self._own_store = own_store
        self._lock = threading.Lock()
        self._pending: deque[tuple[str, ClipRequest, str, str]] = deque()
        self._running: dict[str, tuple[Task, str]] = {}
        self._watched: dict[str, ClipRequest] = {}
        self._labels: dict[str, str] = {}
        self._cached: set[str] = set()
        self._subscribers: list[queue.Queue[JobEvent | None]] = []
        self._last_write: dict[str, float] = {}
        self._fault: BaseException | None = None
        self._stop = threading.Event()
        self._closed = False
        self._thread = threading.Thread(target=self._drive, name="kneechain-jobs", daemon=True)
        self._thread.start()

    # ---- the caller's side -------------------------------------------------------------

    def submit(self, request: ClipRequest) -> JobView:
        """Store the job (or find the identical one) and queue it; returns at once.
        A clip that does not exist or a test without a video protocol is refused here."""
        if self._closed:
            raise RuntimeError("this job runner is closed")
        video = request.video
        if not video.is_file():
            raise KneechainError(
                "clip.not_found",
                f"{video} does not exist.",
                hint="Give the path of the clip you filmed.",
                field="video",
                kind=ErrorKind.not_found,
            )
        check_test(request.test_id)
        digest = sha256_of(video)
        key = clip_key(request, digest, self._config, made_with=self._made_with)
        inputs = {"request": request.model_dump(mode="json"), "video_sha256": digest}
        job, mine = jobs_db.enqueue(self.store, JobKind.analyse_clip, key, inputs, self.owner)
        with self._lock:
            self._labels[job.id] = request.label or video.name
            if job.status.finished:
                self._cached.add(job.id)
            elif mine:
                if job.id not in self._running and all(p[0] != job.id for p in self._pending):
                    self._pending.append((job.id, request, digest, key))
            else:
                self._watched[job.id] = request
        self.backend.wake()
        return job

    def status(self, job_id: str) -> JobView:
        """The job as stored now (a not_found KneechainError for an unknown id)."""
        return jobs_db.get(self.store, job_id)

    def result_folder(self, job: JobView) -> Path | None:
        """The folder of a done job's files (evidence), or None when it has none."""
        return self.data_dir / job.result_ref if job.result_ref else None

    def wait(
        self,
        job_ids: Iterable[str],
        on_event: EventHook | None = None,
        timeout: float | None = None,
        on_report: Callable[[str, ClipOutput], None] | None = None,
    ) -> list[JobView]:
        """Block until every job is done or failed, calling `on_event` (in this thread) for
        each event; the jobs as stored, in the order asked. `on_report(job_id, output)`:
        a job run in this thread (in-process backend) reports its measurements and proof
        pictures as soon as they are ready, before its annotated clip is made; the job is
        stored only when complete (other backends report only then). A KeyboardInterrupt goes to
        the caller (close the runner then: its unfinished jobs are marked interrupted).
        On the in-process backend the jobs run here, in this thread, while it waits (the
        timeout is then checked between jobs)."""
        ids = list(dict.fromkeys(job_ids))
        inbox: queue.Queue[JobEvent | None] = queue.Queue()
        with self._lock:
            self._subscribers.append(inbox)
        left = set(ids)

        def deliver(event: JobEvent | None) -> None:
            if event is None or event.job_id not in left:
                return
            if on_event:
                on_event(event)
            if event.status.finished:
                left.discard(event.job_id)

        def drain() -> None:
            while True:
                try:
                    deliver(inbox.get_nowait())
                except queue.Empty:
                    return

        try:
            for job_id in ids:  # finished before we listened (or an identical earlier job)
                job = self.status(job_id)
                if job.status.finished:
                    left.discard(job_id)
                    if on_event:
                        on_event(self._event_of(job))
            deadline = None if timeout is None else time.monotonic() + timeout
            while left:
                self._raise_fault()
                if self.backend.run_waiting(drain, on_report):
                    continue
                wait_s = 0.5 if deadline is None else min(0.5, deadline - time.monotonic())
                if wait_s <= 0:
                    raise KneechainError(
                        "job.timeout",
                        "The jobs did not finish in time.",
                        kind=ErrorKind.unavailable,
                    )
                try:
                    deliver(inbox.get(timeout=wait_s))
                except queue.Empty:
                    continue
        finally:
            with self._lock:
                self._subscribers.remove(inbox)
        return [self.status(job_id) for job_id in ids]

    def run(
        self, requests: Iterable[ClipRequest], on_event: EventHook | None = None
    ) -> list[JobView]:
        """Submit every request and wait for all of them."""
        jobs = [self.submit(r) for r in requests]
        return self.wait([j.id for j in jobs], on_event)

    def _event_of(self, job: JobView) -> JobEvent:
        message = job.error.message if job.error else None
        return JobEvent(
            job_id=job.id,
            label=self._labels.get(job.id, job.id),
            status=job.status,
            stage=job.progress.stage,
            done=job.progress.done,
            total=job.progress.total,
            attempt=job.attempts,
            cached=job.id in self._cached,
            message=message,
        )

    def _raise_fault(self) -> None:
        if self._fault is not None:
            raise KneechainError(
                "jobs.runner_failed",
                f"The job runner stopped: {self._fault}",
                hint="Check that the database can be written, then run the work again.",
                kind=ErrorKind.unavailable,
            ) from self._fault

    def close(self) -> None:
        """Stop the workers; unfinished jobs of this runner are marked interrupted."""
        if self._closed:
            return
        self._closed = True
        self._stop.set()
        self._thread.join()
        try:
            self.backend.close()
        finally:
            interrupted = ErrorBody(
                code="job.interrupted",
                kind=ErrorKind.unavailable,
                message="The job was stopped before it finished.",
                hint="Run it again: finished jobs are kept and not done twice.",
            )
            jobs_db.release(self.store, self.owner, interrupted)
            if self._own_store:
                self.store.close()

    def __enter__(self) -> JobRunner:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # ---- the runner's thread -----------------------------------------------------------

    def _emit(self, event: JobEvent) -> None:
        with self._lock:
            for inbox in self._subscribers:
                inbox.put(event)

    def _drive(self) -> None:
        beat = watch = time.monotonic()
        try:
            while not self._stop.is_set():
                self._start_pending()
                for message in self.backend.poll(POLL_S):
                    self._handle(message)
                now = time.monotonic()
                if now - beat >= HEARTBEAT_S:
                    beat = now
                    with self._lock:
                        held = list(self._running) + [p[0] for p in self._pending]
                    jobs_db.heartbeat(self.store, held, self.owner)
                if now - watch >= WATCH_S:
                    watch = now
                    self._follow_watched()
        except BaseException as exc:  # reported to every waiting caller
            self._fault = exc
            self._emit_none()

    def _emit_none(self) -> None:
        with self._lock:
            for inbox in self._subscribers:
                inbox.put(None)

    def _start_pending(self) -> None:
        while self.backend.free() > 0:
            with self._lock:
                if not self._pending:
                    return
                job_id, request, digest, key = self._pending.popleft()
            attempt = jobs_db.start(self.store, job_id, self.owner)
            if attempt is None:  # taken over meanwhile: follow it instead
                with self._lock:
                    self._watched[job_id] = request
                continue
            task = Task(job_id, attempt, request, digest, self._domain)
            self.backend.submit(task)
            with self._lock:
                self._running[job_id] = (task, key)
            self._emit(self._event(task, JobStatus.running, stage="starting"))

    def _event(self, task: Task, status: JobStatus, **extra: object) -> JobEvent:
        label = self._labels.get(task.job_id, task.request.video.name)
        return JobEvent(
            job_id=task.job_id, label=label, status=status, attempt=task.attempt, **extra
        )

    def _current(self, job_id: str, attempt: int) -> tuple[Task, str] | None:
        with self._lock:
            held = self._running.get(job_id)
        return held if held is not None and held[0].attempt == attempt else None

    def _handle(self, message: Message) -> None:
        held = self._current(message.job_id, message.attempt)
        if held is None:
            return  # a late message of an attempt already settled
        task, key = held
        if isinstance(message, Progress):
            self._progress(task, message)
            return
        with self._lock:
            del self._running[task.job_id]
        if isinstance(message, Finished):
            ref = self._keep_files(key, message.output.files)
            result = dict(message.output.result, video_sha256=task.video_sha256)
            jobs_db.complete(self.store, task.job_id, self.owner, task.attempt, result, ref)
            self._emit(self._event(task, JobStatus.done, stage="done"))
        elif isinstance(message, Refused):
            jobs_db.fail(self.store, task.job_id, self.owner, task.attempt, message.error)
            self._emit(self._event(task, JobStatus.failed, message=message.error.message))
        elif isinstance(message, Lost):
            self._lost(task, key, message.reason)

    def _progress(self, task: Task, message: Progress) -> None:
        now = time.monotonic()
        if message.done >= message.total or now - self._last_write.get(task.job_id, 0.0) >= (
            PROGRESS_WRITE_S
        ):
            self._last_write[task.job_id] = now
            jobs_db.progress(
                self.store,
                task.job_id,
                self.owner,
                task.attempt,
                message.stage,
                message.done,
                message.total,
            )
        self._emit(
            self._event(
                task,
                JobStatus.running,
                stage=message.stage,
                done=message.done,
                total=message.total,
            )
        )

    def _lost(self, task: Task, key: str, reason: str) -> None:
        if task.attempt < self.max_attempts:
            if jobs_db.requeue(self.store, task.job_id, self.owner, task.attempt):
                with self._lock:
                    self._pending.appendleft((task.job_id, task.request, task.video_sha256, key))
                text = f"Attempt {task.attempt} stopped ({reason}); trying again."
                self._emit(self._event(task, JobStatus.queued, message=text))
            return
        error = ErrorBody(
            code="job.worker_lost",
            kind=ErrorKind.internal,
            message=(
                f"The analysis stopped {task.attempt} times and was not tried again "
                f"(last time: {reason})."
            ),
            hint="Try again later; if it keeps stopping, report it with the clip.",
        )
        jobs_db.fail(self.store, task.job_id, self.owner, task.attempt, error)
        self._emit(self._event(task, JobStatus.failed, message=error.message))

    def _keep_files(self, key: str, files: dict[str, bytes]) -> str | None:
        """Write a result's files into its folder, all at once (a folder that exists holds
        the same files: same key, same result)."""
        if not files:
            return None
        relative = Path(RESULTS_FOLDER) / key[:2] / key
        target = self.data_dir / relative
        if not target.is_dir():
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=f".{key[:8]}-", dir=target.parent))
            try:
                for name, data in files.items():
                    (tmp / Path(name).name).write_bytes(data)
                tmp.rename(target)
            except OSError:
                shutil.rmtree(tmp, ignore_errors=True)
                if not target.is_dir():
                    raise
        return relative.as_posix()

    def _follow_watched(self) -> None:
        """Jobs another runner holds: report them when they finish; take them over when
        their runner is gone."""
        with self._lock:
            watched = dict(self._watched)
        for job_id, request in watched.items():
            job = self.status(job_id)
            if job.status.finished:
                with self._lock:
                    self._watched.pop(job_id, None)
                self._emit(self._event_of(job))
                continue
            _, mine = jobs_db.enqueue(
                self.store, JobKind.analyse_clip, job.key, job.inputs, self.owner
            )
            if mine:
                with self._lock:
                    self._watched.pop(job_id, None)
                    digest = str(job.inputs.get("video_sha256", ""))
                    self._pending.append((job_id, request, digest, job.key))


def open_runner(
    settings: Settings | None = None,
    store: Store | None = None,
    *,
    runner: str | None = None,
    address: str | None = None,
    workers: int | None = None,
    domain_versions: Mapping[str, str] | None = None,
    protocols: ProtocolConfig | None = None,
) -> JobRunner:
    """A runner as the settings say (`job_runner`, `job_workers`, `pose_workers`,
    `ray_address`, `ray_cpus_per_job`, `job_max_attempts`); arguments override them.
    `runner="in_process"` runs each job in the thread that waits for it (inline.py).
    Without `store`, the tracking database of the settings is opened (and closed with the
    runner). `domain_versions`, `protocols`: see `JobRunner` (services pass
    `ctx.domain.versions` and `ctx.domain.protocols`)."""
    from kneechain.jobs.local import LocalBackend

    cfg = settings or Settings()
    kind = runner or cfg.job_runner
    count = workers or cfg.job_workers
    backend: Backend
    if kind == "ray":
        from kneechain.jobs.ray_backend import RayBackend

        backend = RayBackend(address or cfg.ray_address, count, cfg.ray_cpus_per_job)
    elif kind == "local":
        log = cfg.data_dir / RESULTS_FOLDER / "workers.log"
        backend = LocalBackend(count, pose_workers_per_job(cfg.pose_workers, count), log_file=log)
    elif kind == "in_process":  # one clip at a time, in the waiting caller (inline.py)
        from kneechain.jobs.inline import InProcessBackend

        backend = InProcessBackend(pose_workers_per_job(cfg.pose_workers, 1))
    else:
        raise KneechainError(
            "jobs.unknown_runner",
            f"There is no job runner called {kind!r}.",
            hint="Choose local or ray.",
            field="job_runner",
        )
    own = store is None
    opened = store or open_store(settings=cfg)
    return JobRunner(
        opened,
        backend,
        data_dir=cfg.data_dir,
        max_attempts=cfg.job_max_attempts,
        own_store=own,
        domain_versions=domain_versions,
        protocols=protocols,
    )


def pose_workers_per_job(pose_workers: int, job_workers: int) -> int:
    """Processes that pose one clip on the local runner: the setting when given, else the
    machine's cores shared between the jobs that run at once (at least one each)."""
    if pose_workers > 0:
        return pose_workers
    from kneechain.vision.parallel import default_workers

    return max(1, default_workers() // max(1, job_workers))
