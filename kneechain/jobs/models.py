"""What a job is, as every front end sees it: the request, its status and the events it sends.

A job is one unit of long work. Today there is one kind, `analyse_clip`: one clip (a video,
or a trajectories `.npz` written by `kneechain pose`) measured for one test. The request names
the clip by path; the job's key names it by content (key.py), so the same clip under another
name is the same job.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from kneechain.base import Frozen
from kneechain.errors import ErrorBody

Box = tuple[int, int, int, int]


class JobKind(StrEnum):
    analyse_clip = "analyse_clip"


class JobStatus(StrEnum):
    """queued -> running -> done | failed. A job whose worker died goes back to queued (until
    its attempts are spent); bad input fails at once and is never retried."""

    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"

    @property
    def finished(self) -> bool:
        return self in (JobStatus.done, JobStatus.failed)


class ClipRequest(Frozen):
    """Analyse one clip for one test. Everything here except `video` and `label` is part of
    the job's key (with the clip's content, the test's parameters and the versions)."""

    video: Path = Field(description="the clip: a video file or a trajectories .npz")
    test_id: str = Field(description="knowledge-base test id with a video protocol")
    side: Literal["left", "right"] | None = Field(None, description="only this side's measures")
    person: Box | None = Field(None, description="x, y, w, h box around the person to follow")
    every: int = Field(1, ge=1, description="analyse every N-th frame")
    evidence: bool = Field(True, description="write one picture per measurement")
    clip: bool = Field(True, description="write the annotated clip too (with evidence)")
    label: str | None = Field(None, description="the caller's name for the clip (not keyed)")


class Progress(Frozen):
    stage: str | None = None
    done: int = 0
    total: int = 0


class JobView(Frozen):
    """A job as stored: what the web app's status query and the CLI's table show."""

    id: str = Field(description="public job id")
    kind: JobKind
    key: str
    status: JobStatus
    progress: Progress = Progress()
    attempts: int = 0
    error: ErrorBody | None = None
    result: dict[str, Any] | None = Field(None, description="the result document when done")
    result_ref: str | None = Field(None, description="folder of the result's files (data dir)")
    inputs: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime
    started_at: datetime | None = None
    updated_at: datetime
    finished_at: datetime | None = None


class JobEvent(Frozen):
    """What a runner tells its caller while jobs run (the CLI draws bars from these)."""

    job_id: str
    label: str = Field(description="the clip's name or the caller's label")
    status: JobStatus
    stage: str | None = None
    done: int = 0
    total: int = 0
    attempt: int = 0
    cached: bool = Field(False, description="an earlier identical job's result, not recomputed")
    message: str | None = None
