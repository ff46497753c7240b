"""What a runner asks of the place jobs execute (a local process pool, or Ray).

A backend takes `Task`s while it has free slots and answers with messages, in any order:

    Progress(job_id, attempt, stage, done, total)
    Finished(job_id, attempt, output)              the analysis and its files
    Refused(job_id, attempt, error)                the analysis failed: final, never retried
    Lost(job_id, attempt, reason)                  the worker died: may be retried

The runner (runner.py) records them in the database, retries lost attempts and tells the
caller. A backend never touches the database.

Most backends run tasks elsewhere (worker processes, Ray). The in-process backend
(inline.py) runs its task in the thread that waits for it: `JobRunner.wait` calls
`run_waiting` of every backend, which the others leave as a no-op.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass

from kneechain.errors import ErrorBody
from kneechain.jobs.models import ClipRequest
from kneechain.jobs.work import ClipOutput, JobDomain


@dataclass(frozen=True)
class Task:
    """One attempt of a job: the request, the clip's hash and what the caller's domain gives
    the worker (`domain`: the same objects the job's key hashes)."""

    job_id: str
    attempt: int
    request: ClipRequest
    video_sha256: str
    domain: JobDomain


@dataclass(frozen=True)
class Progress:
    job_id: str
    attempt: int
    stage: str
    done: int
    total: int


@dataclass(frozen=True)
class Finished:
    job_id: str
    attempt: int
    output: ClipOutput


@dataclass(frozen=True)
class Refused:
    job_id: str
    attempt: int
    error: ErrorBody


@dataclass(frozen=True)
class Lost:
    job_id: str
    attempt: int
    reason: str


Message = Progress | Finished | Refused | Lost


class Backend(ABC):
    """Where tasks run. `slots`: tasks it runs at the same time."""

    name: str = "backend"
    slots: int = 1

    @abstractmethod
    def submit(self, task: Task) -> None:
        """Start `task` (the runner never submits more than `free()` tasks)."""

    @abstractmethod
    def free(self) -> int:
        """Slots free now."""

    @abstractmethod
    def poll(self, timeout: float) -> list[Message]:
        """Messages that arrived, waiting at most `timeout` seconds for the first."""

    @abstractmethod
    def close(self) -> None:
        """Stop every worker (running tasks are abandoned)."""

    def wake(self) -> None:
        """A job was queued: a backend whose `poll` waits on something of its own returns
        now, so that the runner starts the job at once (no-op by default)."""
        return None

    def run_waiting(
        self,
        between: Callable[[], None],
        reported: Callable[[str, ClipOutput], None] | None = None,
    ) -> bool:
        """Run, in the calling thread, a task that waits for it; `between` is called after
        each progress message, `reported(job_id, output)` when its measurements and proof
        pictures are ready, before its annotated clip is made. True when a task ran (False
        by default: tasks run elsewhere, and report only when finished)."""
        return False
