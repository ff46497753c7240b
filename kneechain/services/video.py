"""Use cases of video analysis: measure a test from a clip (as a job), follow a job, store the
result for a person.

    with ServiceContext.open() as ctx:
        out = video.analyse_clip(ctx, video.ClipAnalysisRequest(video=p, test_id="gait"))
        out.result.measurements, out.evidence_files, out.job_id
        video.store_analysis(ctx, out, person="Ann")          # clip and pictures kept by hash

The analysis always runs as a job (kneechain.jobs), so the same clip with the same options
and versions is analysed once, whoever asks: on the runner the caller passes (the web app's
long-lived one, a batch's pool), else on an in-process runner made for the call: the job is
keyed, stored and recorded as on a pool, but the clip is posed in this process (with
vision's helper processes for the other cores) instead of in a job worker spawned first,
which for one clip cost more start-up than it saved (jobs/inline.py). The web app submits
without waiting (`submit_clip`), polls `job_status` and turns a finished job into the output
with `analysis_of`.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from kneechain.assess.protocols.result import ProtocolResult
from kneechain.errors import ErrorKind, KneechainError
from kneechain.jobs.models import ClipRequest, JobEvent, JobStatus, JobView
from kneechain.jobs.runner import JobRunner
from kneechain.jobs.work import ClipOutput
from kneechain.services.context import ServiceContext


class ClipAnalysisRequest(ClipRequest):
    """Measure one test from one clip (the job's request), and where to copy the evidence."""

    evidence_dir: Path | None = Field(
        None, description="copy the evidence here (None: it stays in the data folder only)"
    )

    def job_request(self) -> ClipRequest:
        return ClipRequest.model_validate(self.model_dump(exclude={"evidence_dir"}))


class StoredAnalysis(BaseModel):
    """A clip's analysis kept for a person."""

    id: str = Field(description="the stored video analysis' public id")
    person: str
    measurements: int
    evidence_files: int
    already_stored: bool = Field(description="this very analysis was stored before")


class ClipAnalysis(BaseModel):
    """What a clip measured, with everything needed to check it."""

    job_id: str
    job_key: str
    test_id: str
    video: Path
    video_sha256: str
    result: ProtocolResult = Field(description="measurements, quality parts, repetitions, ...")
    pose_warnings: list[str]
    frames: int
    fps: float | None
    evidence_files: list[Path] = Field(description="copies in evidence_dir, else the stored ones")
    versions: dict[str, str]
    reused: bool = Field(description="an identical earlier job's result (not recomputed)")
    stored: StoredAnalysis | None = None

    @property
    def warnings(self) -> list[str]:
        """Pose warnings, then the protocol's."""
        return [*self.pose_warnings, *self.result.warnings]


def job_runner(
    ctx: ServiceContext, *, runner: str | None = None, workers: int | None = None
) -> JobRunner:
    """A job runner on the context's database, as the settings say (`runner` and `workers`
    override them); its jobs are analysed with the context's protocol parameters and their
    keys hash those and the context's knowledge version (close it after use)."""
    from kneechain.jobs.runner import open_runner

    return open_runner(
        ctx.settings,
        ctx.store,
        runner=runner,
        workers=workers,
        domain_versions=ctx.domain.versions,
        protocols=ctx.domain.protocols,
    )


def local_runner(ctx: ServiceContext, workers: int = 1) -> JobRunner:
    """A local job runner on the context's database (close it after use)."""
    return job_runner(ctx, runner="local", workers=workers)


def in_process_runner(ctx: ServiceContext) -> JobRunner:
    """A job runner that analyses each clip in the process that waits for it (close it after
    use): for a caller that asks for one clip and waits, such as a terminal command."""
    return job_runner(ctx, runner="in_process")


def submit_clip(ctx: ServiceContext, request: ClipAnalysisRequest, runner: JobRunner) -> JobView:
    """Queue the analysis on `runner` and return its job at once (done already when an
    identical job finished before)."""
    return runner.submit(request.job_request())


def job_status(ctx: ServiceContext, job_id: str) -> JobView:
    """A job as stored (from any process): status, progress, error or result."""
    from kneechain.jobs import store as jobs_db

    return jobs_db.get(ctx.store, job_id)


def analyse_clip(
    ctx: ServiceContext,
    request: ClipAnalysisRequest,
    *,
    runner: JobRunner | None = None,
    on_event: Callable[[JobEvent], None] | None = None,
    on_report: Callable[[ClipAnalysis], None] | None = None,
) -> ClipAnalysis:
    """Measure the test from the clip as a job and wait for it; a KneechainError (bad media,
    unknown test, missing clip, ...) when it cannot be measured. Without `runner`, the job
    runs in this process (`in_process_runner`); a cached result answers at once either way.

    `on_report(analysis)`: where the job runs in this process and its evidence goes to the
    request's `evidence_dir`, called as soon as the measurements and proof pictures are
    there, while the annotated clip (named in `evidence_files` already) is still being made:
    the same analysis this function returns, shown sooner. Not called for a reused result,
    nor on a pool (the analysis is then only returned)."""
    own = runner is None
    jobs = runner or in_process_runner(ctx)
    try:
        job = jobs.submit(request.job_request())
        reused = job.status.finished

        def early(job_id: str, output: ClipOutput) -> None:
            if on_report is None or request.evidence_dir is None:
                return
            request.evidence_dir.mkdir(parents=True, exist_ok=True)
            for name, data in output.files.items():  # the final copy overwrites them alike
                (request.evidence_dir / Path(name).name).write_bytes(data)
            names = output.result.get("evidence", [])
            files = [request.evidence_dir / n for n in names]
            on_report(_analysis(ctx, job, output.result, request, files, False))

        [done] = jobs.wait([job.id], on_event, on_report=early)
    finally:
        if own:
            jobs.close()
    return analysis_of(ctx, done, request, reused=reused)


def raise_failure(job: JobView) -> None:
    """The job's stored error as a KneechainError (it went wrong, so nothing to return)."""
    error = job.error
    if error is None:
        raise KneechainError(
            "job.not_finished",
            f"The job {job.id} is {job.status.value}, not finished.",
            hint="Wait until it is done.",
            kind=ErrorKind.conflict,
        )
    raise KneechainError(**error.model_dump())


def analysis_of(
    ctx: ServiceContext,
    job: JobView,
    request: ClipAnalysisRequest | None = None,
    *,
    reused: bool = False,
) -> ClipAnalysis:
    """A finished job as the use case's output; its evidence copied to the request's
    evidence_dir when one is given."""
    if job.status is not JobStatus.done or job.result is None:
        raise_failure(job)
    result: dict[str, Any] = job.result or {}
    folder = ctx.settings.data_dir / job.result_ref if job.result_ref else None
    stored = [folder / name for name in result.get("evidence", [])] if folder else []
    files = stored
    if request is not None and request.evidence_dir is not None and stored:
        request.evidence_dir.mkdir(parents=True, exist_ok=True)
        files = [Path(shutil.copy2(f, request.evidence_dir / f.name)) for f in stored]
    return _analysis(ctx, job, result, request, files, reused)


def _analysis(
    ctx: ServiceContext,
    job: JobView,
    result: dict[str, Any],
    request: ClipAnalysisRequest | None,
    files: list[Path],
    reused: bool,
) -> ClipAnalysis:
    """The use case's output of `job`'s result document, with its evidence at `files`; its
    measurements checked against the context's knowledge base (the one they were made with)."""
    from kneechain.assess.case import MEASURES, measures_in

    known = {MEASURES: measures_in(ctx.domain.knowledge)}
    asked = ClipRequest.model_validate(job.inputs.get("request", {}))
    return ClipAnalysis(
        job_id=job.id,
        job_key=job.key,
        test_id=result.get("test_id", asked.test_id),
        video=request.video if request is not None else asked.video,
        video_sha256=result.get("video_sha256") or job.inputs.get("video_sha256", ""),
        result=ProtocolResult.model_validate(result["protocol"], context=known),
        pose_warnings=list(result.get("pose_warnings", [])),
        frames=int(result.get("frames", 0)),
        fps=result.get("fps"),
        evidence_files=files,
        versions=dict(result.get("versions", {})),
        reused=reused,
    )


def store_analysis(
    ctx: ServiceContext, analysis: ClipAnalysis, person: str | None = None
) -> ClipAnalysis:
    """Keep the analysis for `person` (the only person stored when None): the clip and the
    evidence pictures in the media store by hash, the measurements indexed for trends. The
    same analysis stored twice for the same person is kept once."""
    from sqlalchemy import select

    from kneechain.services.people import resolve
    from kneechain.track.models import VideoAnalysisRecord
    from kneechain.track.records import save_video_analysis

    if not analysis.video.is_file():
        raise KneechainError(
            "clip.not_found",
            f"{analysis.video} is no longer there, so it cannot be kept.",
            kind=ErrorKind.not_found,
        )
    pictures = [f for f in analysis.evidence_files if f.suffix.lower() == ".png"]
    with ctx.db() as db:
        owner = resolve(db, person)
        earlier = db.scalars(
            select(VideoAnalysisRecord).where(
                VideoAnalysisRecord.user_id == owner.id,
                VideoAnalysisRecord.file_hash == analysis.video_sha256,
                VideoAnalysisRecord.test_id == analysis.test_id,
            )
        ).all()
        same = next((r for r in earlier if r.doc.get("job_key") == analysis.job_key), None)
        record = same or save_video_analysis(
            db,
            ctx.store.media,
            owner,
            video=analysis.video,
            test_id=analysis.test_id,
            measurements=analysis.result.measurements,
            kb=ctx.domain.knowledge,
            evidence=pictures,
            doc={
                "job_id": analysis.job_id,
                "job_key": analysis.job_key,
                "protocol": analysis.result.model_dump(mode="json"),
                "pose_warnings": analysis.pose_warnings,
                "versions": analysis.versions,
            },
        )
        kept = StoredAnalysis(
            id=record.uid,
            person=owner.name,
            measurements=len(analysis.result.measurements),
            evidence_files=len(record.evidence_hashes),
            already_stored=same is not None,
        )
    return analysis.model_copy(update={"stored": kept})


class PoseOutput(BaseModel):
    """What `pose_clip` wrote: the frames analysed, the warnings and every file."""

    video: Path
    out: Path
    frames: int
    warnings: list[str]
    files: dict[str, Path]


def pose_clip(
    ctx: ServiceContext,
    video: Path,
    out: Path,
    options: Any = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> PoseOutput:
    """Trajectories, angles and evidence of one clip written into `out` (pose only, no test):
    on this process's cores (settings: pose_workers, unless the options name a number), with
    the processes it starts stopped again before it returns."""
    from kneechain.vision.pipeline import PoseOptions, run_pose
    from kneechain.vision.runner import VisionRunner

    opts = options or PoseOptions()
    workers = opts.workers or ctx.settings.pose_workers
    try:
        with VisionRunner(workers=workers) as runner:
            analysis, files = run_pose(video, out, opts, progress, runner=runner)
    except FileExistsError as exc:
        raise KneechainError(
            "output.exists",
            str(exc),
            hint="Choose a new folder for the results.",
            kind=ErrorKind.conflict,
            field="out",
        ) from exc
    return PoseOutput(
        video=video,
        out=out,
        frames=len(analysis.clean),
        warnings=list(analysis.warnings),
        files=files,
    )
