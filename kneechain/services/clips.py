"""Use cases of a clip filmed for a check-up question: accept an upload (size and length
limits, type sniffed from the content, stored by content hash, never under the name given),
analyse it as a job, follow the job, and when it is done give its values and proof pictures to
the check-up as the question's answer.

The job runner is the caller's (a web process keeps one): jobs survive a reload of the page,
and a server restart (the job is stored; submitting the same clip again finds it).
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from kneechain.assess import flow
from kneechain.errors import ErrorBody, ErrorKind, KneechainError
from kneechain.jobs.models import JobStatus
from kneechain.jobs.runner import JobRunner
from kneechain.services import checkups, video
from kneechain.services.context import ServiceContext
from kneechain.services.people import resolve
from kneechain.track.models import CheckupDraftRecord, MediaItemRecord

#: (offset, magic bytes, kind): what a video container's first bytes look like
_MAGIC: tuple[tuple[int, bytes, str], ...] = (
    (4, b"ftyp", "mp4"),  # MP4, MOV (QuickTime), 3GP: an ISO base media file
    (0, b"\x1a\x45\xdf\xa3", "webm"),  # WebM / Matroska (what browsers record)
)
SNIFF_BYTES = 16
#: the largest picture accepted: 4K either way up (a bigger one is a decompression bomb for the
#: pose workers, which decode every frame)
MAX_SIDE = 4096
MAX_PIXELS = 4096 * 2304
_UNSHOWN = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def shown_name(file_name: str) -> str:
    """The file name a person gave, as it may be shown and stored: its last part only (either
    slash), without control characters, at most 120 characters ("clip" when nothing is left)."""
    last = re.split(r"[/\\]", file_name)[-1]
    return _UNSHOWN.sub("", last).strip()[:120] or "clip"


def sniff_video(head: bytes) -> str | None:
    """The container a file's first bytes announce (mp4 or webm), or None for anything else
    (the name and the type a browser claims are never trusted)."""
    for offset, magic, kind in _MAGIC:
        if head[offset : offset + len(magic)] == magic:
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "avi"
    return None


class PendingClip(BaseModel):
    """A clip being analysed for a check-up question."""

    model_config = ConfigDict(frozen=True)

    question_id: str
    test_id: str
    job_id: str
    file_name: str
    sha256: str


class ClipProgress(BaseModel):
    """How the analysis of the pending clip goes: the check-up's next step once it is done,
    or the clip's problem and how to film it again when it failed."""

    model_config = ConfigDict(frozen=True)

    status: Literal["queued", "running", "done", "failed", "none"]
    stage: str | None = None
    done: int = 0
    total: int = 0
    file_name: str | None = None
    test_id: str | None = None
    error: ErrorBody | None = None


def _refuse(code: str, message: str, hint: str, kind: ErrorKind) -> KneechainError:
    return KneechainError(code, message, hint=hint, field="clip", kind=kind)


def check_clip(ctx: ServiceContext, path: Path) -> str:
    """The clip's container, once its size, type and length are within the limits."""
    settings = ctx.settings
    size = path.stat().st_size
    if size == 0:
        raise _refuse(
            "clip.empty", "The clip is empty.", "Film the test again.", ErrorKind.bad_media
        )
    if size > settings.upload_max_mb * 1024 * 1024:
        raise _refuse(
            "clip.too_large",
            f"The clip is larger than {settings.upload_max_mb} MB.",
            "Film only the test itself: a few repetitions are enough.",
            ErrorKind.too_large,
        )
    with path.open("rb") as handle:
        kind = sniff_video(handle.read(SNIFF_BYTES))
    if kind is None:
        raise _refuse(
            "clip.not_video",
            "This file is not a video.",
            "Choose the clip your phone filmed (MP4, MOV or WebM).",
            ErrorKind.bad_media,
        )
    from kneechain.vision.video import probe  # vision: loaded only when a clip arrives

    try:
        info = probe(path)
    except KneechainError as exc:
        raise _refuse(
            "clip.unreadable",
            "The clip cannot be read: the file is damaged or in a format we cannot open.",
            "Film the test again with the phone's own camera app.",
            ErrorKind.bad_media,
        ) from exc
    if max(info.width, info.height) > MAX_SIDE or info.width * info.height > MAX_PIXELS:
        raise _refuse(
            "clip.too_large",
            f"The clip's pictures are {info.width} x {info.height} pixels; at most 4K "
            f"({MAX_SIDE} on the longer side) is accepted.",
            "Film with the phone's usual video setting (HD or 4K).",
            ErrorKind.too_large,
        )
    if info.duration_s > settings.upload_max_seconds:
        raise _refuse(
            "clip.too_long",
            f"The clip lasts {info.duration_s:.0f} seconds; at most "
            f"{settings.upload_max_seconds:.0f} are accepted.",
            "Film only the test itself: a few repetitions are enough.",
            ErrorKind.too_large,
        )
    return kind


def _draft(ctx: ServiceContext, person: str) -> tuple[int, dict[str, Any] | None]:
    with ctx.db() as db:
        who = resolve(db, person)
        row = db.scalar(select(CheckupDraftRecord).where(CheckupDraftRecord.user_id == who.id))
        return who.id, (dict(row.pending_clip) if row and row.pending_clip else None)


def _set_pending(ctx: ServiceContext, user_id: int, pending: dict[str, Any] | None) -> None:
    with ctx.db() as db:
        row = db.scalar(select(CheckupDraftRecord).where(CheckupDraftRecord.user_id == user_id))
        if row is not None:
            row.pending_clip = pending


def submit(
    ctx: ServiceContext,
    runner: JobRunner,
    person: str,
    question_id: str,
    upload: Path,
    file_name: str,
) -> PendingClip:
    """Check the uploaded clip, store it by content hash, and start its analysis for the
    clip question asked now (`upload` is a temporary file the caller removes)."""
    step = checkups.current(ctx, person)
    question = step.question
    if question is None or question.id != question_id or question.kind != "clip":
        raise KneechainError(
            "clip.not_asked",
            "No clip is asked for now; the check-up has moved on.",
            hint="Reload the page.",
            kind=ErrorKind.conflict,
        )
    check_clip(ctx, upload)
    digest = ctx.store.media.put_file(upload)
    shown = shown_name(file_name)
    with ctx.db() as db:
        who = resolve(db, person)
        if (
            db.scalar(
                select(MediaItemRecord).where(
                    MediaItemRecord.user_id == who.id, MediaItemRecord.sha256 == digest
                )
            )
            is None
        ):
            db.add(
                MediaItemRecord(
                    user_id=who.id,
                    sha256=digest,
                    kind="video",
                    filename=shown,
                    size_bytes=upload.stat().st_size,
                )
            )
        user_id = who.id
    checkups.ensure_draft(ctx, person)
    job = video.submit_clip(ctx, _request(ctx, digest, question.test_id or "", shown), runner)
    pending = PendingClip(
        question_id=question_id,
        test_id=question.test_id or "",
        job_id=job.id,
        file_name=shown,
        sha256=digest,
    )
    _set_pending(ctx, user_id, pending.model_dump())
    return pending


def _request(
    ctx: ServiceContext, digest: str, test_id: str, label: str
) -> video.ClipAnalysisRequest:
    return video.ClipAnalysisRequest(
        video=ctx.store.media.path_for(digest), test_id=test_id, label=label, clip=True
    )


def progress(ctx: ServiceContext, runner: JobRunner, person: str) -> ClipProgress:
    """Follow the pending clip's job; when done, its values become the question's answer."""
    user_id, data = _draft(ctx, person)
    if data is None:
        return ClipProgress(status="none")
    pending = PendingClip.model_validate(data)
    job = video.job_status(ctx, pending.job_id)
    interrupted = job.error is not None and job.error.kind is ErrorKind.unavailable
    if not job.status.finished or interrupted:
        # after a restart of the server nobody runs it: the same request finds the same job
        request = _request(ctx, pending.sha256, pending.test_id, pending.file_name)
        job = video.submit_clip(ctx, request, runner)
        if job.id != pending.job_id:
            pending = pending.model_copy(update={"job_id": job.id})
            _set_pending(ctx, user_id, pending.model_dump())
    common = {"file_name": pending.file_name, "test_id": pending.test_id}
    if job.status is JobStatus.failed:
        _set_pending(ctx, user_id, None)
        return ClipProgress(status="failed", error=job.error, **common)
    if job.status is not JobStatus.done or job.result is None:
        status: Literal["queued", "running"] = (
            "running" if job.status is JobStatus.running else "queued"
        )
        return ClipProgress(
            status=status,
            stage=job.progress.stage,
            done=job.progress.done,
            total=job.progress.total,
            **common,
        )
    answer = clip_answer(ctx, pending.test_id, pending.file_name, video.analysis_of(ctx, job))
    _set_pending(ctx, user_id, None)
    try:
        checkups.answer(ctx, person, pending.question_id, answer)
    except KneechainError as exc:
        return ClipProgress(status="failed", error=exc.body(), **common)
    return ClipProgress(status="done", **common)


def clip_answer(
    ctx: ServiceContext, test_id: str, file_name: str, analysis: video.ClipAnalysis
) -> flow.ClipAnswer:
    """The analysis as the question's answer; the proof pictures (and the annotated clip) go
    into the media store and
    are named by their hash (`media:<sha256>`), so a page can show them to whoever may see
    the record."""
    evidence = [
        f"media:{ctx.store.media.put_file(path)}"
        for path in analysis.evidence_files
        if path.is_file() and path.suffix.lower() in (".png", ".jpg", ".webm")
    ]
    return flow.ClipAnswer(
        test_id=test_id,
        file=file_name,
        view=analysis.result.view,
        measurements=analysis.result.measurements,
        evidence=evidence,
        warnings=analysis.warnings,
    )


def save_upload(stream: Any, limit_bytes: int) -> Path:
    """Copy an uploaded file to a private temporary file, refusing it past `limit_bytes`."""
    handle = tempfile.NamedTemporaryFile(prefix="kneechain-upload-", delete=False)  # noqa: SIM115
    written = 0
    try:
        with handle:
            while chunk := stream.read(1 << 20):
                written += len(chunk)
                if written > limit_bytes:
                    raise _refuse(
                        "clip.too_large",
                        f"The clip is larger than {limit_bytes // (1024 * 1024)} MB.",
                        "Film only the test itself: a few repetitions are enough.",
                        ErrorKind.too_large,
                    )
                handle.write(chunk)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
    return Path(handle.name)
