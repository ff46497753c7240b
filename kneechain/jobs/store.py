"""Jobs in the tracking database (table `jobs`, track/models.py: JobRecord).

Every change of a job's state is one short transaction, and the ones that matter are
conditional: a result is recorded only by the attempt that holds the job (`status` running
with that attempt number), so a retried job that somehow finishes twice is recorded once.

The key is unique: `enqueue` of a key that exists returns the existing job (idempotent),
putting it back in the queue only when it may run again (never when it is done or failed
for bad input).
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kneechain.errors import ErrorBody, ErrorKind, KneechainError
from kneechain.jobs.models import JobKind, JobStatus, JobView, Progress
from kneechain.track.db import Store
from kneechain.track.models import JobRecord, utcnow

#: error kinds that say the input is at fault: running the same job again cannot help
FINAL_KINDS = frozenset(
    {ErrorKind.invalid_input, ErrorKind.bad_media, ErrorKind.not_found, ErrorKind.too_large}
)
#: a running job whose owner has not written for this long is taken over by another runner
LEASE = timedelta(seconds=60)


def new_owner() -> str:
    """host:pid:random, naming one runner in one process."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def owner_is_gone(owner: str | None) -> bool:
    """True when `owner` names a runner in a process of this machine that no longer exists."""
    if not owner:
        return True
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def view(row: JobRecord) -> JobView:
    return JobView(
        id=row.uid,
        kind=JobKind(row.kind),
        key=row.key,
        status=JobStatus(row.status),
        progress=Progress(stage=row.stage, done=row.progress_done, total=row.progress_total),
        attempts=row.attempts,
        error=ErrorBody.model_validate(row.error) if row.error else None,
        result=row.result,
        result_ref=row.result_ref,
        inputs=row.inputs,
        created_at=row.created_at,
        started_at=row.started_at,
        updated_at=row.updated_at,
        finished_at=row.finished_at,
    )


def _by_key(db: Session, key: str) -> JobRecord | None:
    return db.scalar(select(JobRecord).where(JobRecord.key == key))


def _may_run_again(row: JobRecord, owner: str, now: datetime) -> bool:
    """A job that is not done and not failed for good, and that nobody else is running."""
    status = JobStatus(row.status)
    if status is JobStatus.done:
        return False
    if status is JobStatus.failed:
        return ErrorKind((row.error or {}).get("kind", "internal")) not in FINAL_KINDS
    if row.owner == owner:
        return False  # already ours, queued or running
    return owner_is_gone(row.owner) or now - row.updated_at > LEASE


def enqueue(
    store: Store, kind: JobKind, key: str, inputs: dict[str, Any], owner: str
) -> tuple[JobView, bool]:
    """The job of `key`: created queued for `owner`; or the existing one, taken over by
    `owner` (queued again, attempts reset) when it may run again. The flag says whether
    `owner` holds it now."""
    for _ in range(2):  # a concurrent insert of the same key: read the winner's row
        try:
            with store.session() as db:
                now = utcnow()
                row = _by_key(db, key)
                if row is None:
                    row = JobRecord(
                        kind=kind.value,
                        key=key,
                        inputs=inputs,
                        status=JobStatus.queued.value,
                        owner=owner,
                        created_at=now,
                        updated_at=now,
                    )
                    db.add(row)
                    db.flush()
                elif _may_run_again(row, owner, now):
                    row.status = JobStatus.queued.value
                    row.owner, row.inputs, row.attempts = owner, inputs, 0
                    row.error = row.result = row.result_ref = None
                    row.stage, row.progress_done, row.progress_total = None, 0, 0
                    row.started_at = row.finished_at = None
                    row.updated_at = now
                    db.flush()
                return view(row), row.owner == owner and not JobStatus(row.status).finished
        except IntegrityError:
            continue
    raise KneechainError(
        "job.conflict", "Another runner keeps creating this job.", kind=ErrorKind.conflict
    )


def start(store: Store, job_id: str, owner: str) -> int | None:
    """Mark the job running for `owner` and count the attempt; None when it is not ours."""
    with store.session() as db:
        row = db.scalar(select(JobRecord).where(JobRecord.uid == job_id))
        if row is None or row.owner != owner or row.status != JobStatus.queued.value:
            return None
        now = utcnow()
        row.status, row.attempts, row.updated_at = JobStatus.running.value, row.attempts + 1, now
        row.started_at = row.started_at or now
        row.stage, row.progress_done, row.progress_total = "starting", 0, 0
        return row.attempts


def _running(job_id: str, owner: str, attempt: int) -> Any:
    return (
        update(JobRecord)
        .where(
            JobRecord.uid == job_id,
            JobRecord.owner == owner,
            JobRecord.status == JobStatus.running.value,
            JobRecord.attempts == attempt,
        )
        .execution_options(synchronize_session=False)
    )


def progress(
    store: Store, job_id: str, owner: str, attempt: int, stage: str | None, done: int, total: int
) -> None:
    """Record where a running attempt stands (also its owner's sign of life)."""
    with store.session() as db:
        db.execute(
            _running(job_id, owner, attempt).values(
                stage=stage, progress_done=done, progress_total=total, updated_at=utcnow()
            )
        )


def heartbeat(store: Store, job_ids: list[str], owner: str) -> None:
    """`owner` is alive and still holds these jobs."""
    if not job_ids:
        return
    with store.session() as db:
        db.execute(
            update(JobRecord)
            .where(JobRecord.uid.in_(job_ids), JobRecord.owner == owner)
            .values(updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )


def complete(
    store: Store, job_id: str, owner: str, attempt: int, result: dict[str, Any], ref: str | None
) -> bool:
    """Record the result of this attempt; False (nothing written) when the job is no longer
    this attempt's (already finished, or taken over)."""
    now = utcnow()
    with store.session() as db:
        changed = db.execute(
            _running(job_id, owner, attempt).values(
                status=JobStatus.done.value,
                result=result,
                result_ref=ref,
                error=None,
                stage="done",
                updated_at=now,
                finished_at=now,
            )
        )
        return bool(changed.rowcount)


def fail(store: Store, job_id: str, owner: str, attempt: int, error: ErrorBody) -> bool:
    """Record that this attempt failed for good."""
    now = utcnow()
    with store.session() as db:
        changed = db.execute(
            _running(job_id, owner, attempt).values(
                status=JobStatus.failed.value,
                error=error.model_dump(mode="json"),
                updated_at=now,
                finished_at=now,
            )
        )
        return bool(changed.rowcount)


def requeue(store: Store, job_id: str, owner: str, attempt: int) -> bool:
    """This attempt was lost (its worker died): the job waits for its next attempt."""
    with store.session() as db:
        changed = db.execute(
            _running(job_id, owner, attempt).values(
                status=JobStatus.queued.value, stage="retrying", updated_at=utcnow()
            )
        )
        return bool(changed.rowcount)


def release(store: Store, owner: str, error: ErrorBody) -> list[str]:
    """`owner` stops: its unfinished jobs fail with `error` (one that may run again, so the
    next runner given the same work takes them over). Returns their ids."""
    with store.session() as db:
        rows = db.scalars(
            select(JobRecord).where(
                JobRecord.owner == owner,
                JobRecord.status.in_([JobStatus.queued.value, JobStatus.running.value]),
            )
        ).all()
        now = utcnow()
        for row in rows:
            row.status, row.error = JobStatus.failed.value, error.model_dump(mode="json")
            row.updated_at = row.finished_at = now
        return [row.uid for row in rows]


def get(store: Store, job_id: str) -> JobView:
    """The job with public id `job_id`; a not_found KneechainError otherwise."""
    with store.session() as db:
        row = db.scalar(select(JobRecord).where(JobRecord.uid == job_id))
        if row is None:
            raise KneechainError(
                "job.not_found",
                f"No job with id {job_id!r} is stored.",
                hint="Job ids are given when a job is submitted.",
                kind=ErrorKind.not_found,
            )
        return view(row)


def find(store: Store, key: str) -> JobView | None:
    with store.session() as db:
        row = _by_key(db, key)
        return view(row) if row is not None else None


def recent(store: Store, status: JobStatus | None = None, limit: int = 50) -> list[JobView]:
    """The newest jobs first (optionally only those with `status`)."""
    with store.session() as db:
        query = select(JobRecord).order_by(JobRecord.id.desc()).limit(limit)
        if status is not None:
            query = query.where(JobRecord.status == status.value)
        return [view(row) for row in db.scalars(query)]
