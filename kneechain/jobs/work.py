"""The work of one job, as it runs inside a worker process (local pool or Ray).

A worker is set up once (`Worker`): the pipeline's heavy modules are imported and vision's
per-process settings made there, never in the process that submitted the job. Each job then
analyses one clip: pose (or a saved trajectories file), the test's protocol, and the evidence
pictures written into a temporary folder and handed back as bytes, so that the runner's
process is the only one that writes results (a worker on another machine has no access to
the caller's folders, and a retried job cannot leave half a result behind).

Failures: an error raised by the analysis is final (running it again would fail the same
way): `error_body` turns it into the body the job stores. Only a worker that dies is retried
(by the runner).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kneechain.errors import ErrorBody, ErrorKind, KneechainError
from kneechain.jobs.models import ClipRequest

if TYPE_CHECKING:
    from kneechain.assess.protocols.config import ProtocolConfig
    from kneechain.assess.protocols.run import Analysis

#: progress(stage, done, total) as the runner receives it (absolute counts, not increments)
Report = Callable[[str, int, int], None]

#: at most this often a worker sends progress for one stage (the last count is always sent)
REPORT_EVERY_S = 0.25

RESULT_SCHEMA = "1.0"


@dataclass(frozen=True)
class JobDomain:
    """What the caller's domain gives a job's worker (small and picklable: it travels with
    each task to a worker process or a Ray task): the protocol parameters the clip is
    analysed with and the versions its result is stamped with. The job's key hashes the same
    objects (jobs/key.py, jobs/runner.py), so a result is reused only for the same ones."""

    protocols: ProtocolConfig
    versions: dict[str, str]


@dataclass
class ClipOutput:
    """A finished analysis: the result document and the evidence files (name -> bytes)."""

    result: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)


#: reported(output): the measurements and proof pictures, before the annotated clip is made
Reported = Callable[[ClipOutput], None]


class _Throttle:
    """Turns vision's progress(stage, advance, total) calls into absolute, throttled reports."""

    def __init__(self, report: Report | None) -> None:
        self.report = report
        self.done: dict[str, int] = {}
        self.sent = 0.0

    def __call__(self, stage: str, advance: int, total: int) -> None:
        if self.report is None:
            return
        done = self.done.get(stage, 0) + advance
        self.done[stage] = done
        now = time.monotonic()
        if advance == 0 or done >= total or now - self.sent >= REPORT_EVERY_S:
            self.sent = now
            self.report(stage, min(done, total), total)


def error_body(exc: Exception) -> ErrorBody:
    """What a job that raised `exc` stores: a KneechainError as it is; a file that cannot be
    read as what it claims to be (ValueError, OSError) as bad media with its message; anything
    else as an internal fault, named but without internals."""
    if isinstance(exc, KneechainError):
        return exc.body()
    if isinstance(exc, ValueError | OSError):
        return ErrorBody(
            code="clip.unreadable",
            kind=ErrorKind.bad_media,
            message=str(exc),
            hint="Check that the file is the clip (or the trajectories file) you meant.",
        )
    return ErrorBody(
        code="job.internal",
        kind=ErrorKind.internal,
        message=f"The analysis failed unexpectedly ({type(exc).__name__}).",
        hint="Please report it with the clip.",
    )


def check_test(test_id: str) -> None:
    """A KneechainError naming the filmable tests when `test_id` has no video protocol."""
    from kneechain.assess.protocols.registry import PROTOCOLS

    if test_id not in PROTOCOLS:
        raise KneechainError(
            "test.no_protocol",
            f"No video protocol for test {test_id!r}.",
            hint=f"Choose one of: {', '.join(PROTOCOLS)}.",
            field="test_id",
            kind=ErrorKind.invalid_input,
        )


class Worker:
    """One worker process's set-up, made once and used for every job the process runs: the
    pipeline's modules imported, and vision's runner (vision/runner.py) created as a
    dedicated one, which caps this process's malloc arenas once and keeps the pose models
    (and, with `pose_workers` > 1, its helper processes) from one clip to the next.

    pose_workers: processes that pose one clip (this one included): 1 poses in this process
    alone; more start vision's helpers from here, once, reused for every clip.
    dedicated: the process is the job system's own worker (its malloc arenas are capped, see
    vision/runner.py); False for the caller's process (the in-process backend, one clip).
    """

    def __init__(self, pose_workers: int = 1, *, dedicated: bool = True) -> None:
        # the heavy imports happen here, once, not in the first job
        from kneechain.assess.protocols import evidence, run  # noqa: F401
        from kneechain.vision.runner import VisionRunner

        self.requested = max(1, pose_workers)
        self.vision = VisionRunner(self.requested, dedicated=dedicated)
        self.pose_workers = self.vision.workers  # 1 inside a daemonic process
        self.jobs_run = 0

    def close(self) -> None:
        """Stop vision's helpers and close the models (the process is about to end)."""
        self.vision.close()

    def analyse(
        self,
        request: ClipRequest,
        video: Path,
        domain: JobDomain,
        report: Report | None = None,
        reported: Reported | None = None,
    ) -> ClipOutput:
        """Measure `request`'s test on `video` (the clip's local copy) with the caller's
        `domain` (its protocol parameters); evidence as bytes.
        `reported(output)`, when given, is called as soon as the measurements and their proof
        pictures are ready, while the annotated clip is still being made: `output` is the
        result as it will be (the clip named in its evidence) with the pictures' bytes."""
        from kneechain.assess.protocols import evidence, run
        from kneechain.vision import followed
        from kneechain.vision.pipeline import PoseOptions

        check_test(request.test_id)
        self.jobs_run += 1
        options = PoseOptions(
            person=request.person,
            every=request.every,
            workers=self.pose_workers,
            overlay=False,
            key_frames=False,
            keep_frames=request.evidence and request.clip,  # the clip is drawn from them
        )
        progress = _Throttle(report)
        analysis = run.analyse_file(
            video, request.test_id, domain.protocols, request.side, options, progress, self.vision
        )
        files: dict[str, bytes] = {}
        if request.evidence and analysis.video is not None:
            progress("evidence", 0, 1)
            folder = Path(tempfile.mkdtemp(prefix="kneechain-evidence-"))
            first: list[Path] = []

            def pictures_done(pictures: list[Path]) -> None:
                """Whom the result followed (drawn while the clip is being made), then the
                early report."""
                if analysis.person is not None and analysis.video is not None:
                    picture = followed.write_picture(
                        analysis.video, analysis.person, folder / "followed.png"
                    )
                    first.extend([picture] if picture is not None else [])
                if reported is not None:
                    ready = {p.name: p.read_bytes() for p in [*first, *pictures]}
                    names = [*ready, *([evidence.CLIP_NAME] if request.clip else [])]
                    reported(ClipOutput(_document(request, domain, analysis, names), ready))

            try:
                written = evidence.write_evidence(
                    analysis.video,
                    analysis.trajectories,
                    analysis.result,
                    folder,
                    request.clip,
                    analysis.frames,
                    pictures_done,
                    measures=domain.protocols.test(request.test_id).measures,
                )
                files = {p.name: p.read_bytes() for p in [*first, *written]}
            finally:
                shutil.rmtree(folder, ignore_errors=True)
                if analysis.frames is not None:
                    analysis.frames.close()
            progress("evidence", 1, 1)
        return ClipOutput(_document(request, domain, analysis, list(files)), files)


def _document(
    request: ClipRequest, domain: JobDomain, analysis: Analysis, evidence: list[str]
) -> dict[str, Any]:
    """The result document of `analysis` with its evidence file names:
    whom it followed, the measures' pictures, then the clip."""
    traj = analysis.trajectories
    return {
        "schema": RESULT_SCHEMA,
        "test_id": request.test_id,
        "video_name": request.video.name,
        "video_sha256": traj.meta.source_sha256 or None,
        "frames": len(traj),
        "fps": traj.meta.fps,
        "protocol": analysis.result.model_dump(mode="json"),
        "pose_warnings": list(analysis.pose_warnings),
        "evidence": evidence,
        "versions": dict(domain.versions),
    }
