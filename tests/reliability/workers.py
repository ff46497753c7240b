"""A job worker for the fault tests (importable by spawned workers): the real analysis, except
that the first attempt stops at the evidence stage, writes its pid and waits to be killed."""

from __future__ import annotations

import os
import time
from pathlib import Path

from kneechain.jobs.models import ClipRequest
from kneechain.jobs.work import ClipOutput, JobDomain, Report, Worker


class StopAtEvidence(Worker):
    def __init__(self, pose_workers: int, pidfile: Path) -> None:
        super().__init__(pose_workers)
        self.pidfile = pidfile

    def analyse(
        self,
        request: ClipRequest,
        video: Path,
        domain: JobDomain,
        report: Report | None = None,
    ) -> ClipOutput:
        def held(stage: str, done: int, total: int) -> None:
            if report is not None:
                report(stage, done, total)
            if stage == "evidence" and not self.pidfile.exists():
                # written whole, then renamed: the test reads it as soon as it exists, and
                # once read it empty (created, not yet written) and failed on int("")
                part = self.pidfile.with_name(self.pidfile.name + ".part")
                part.write_text(str(os.getpid()), encoding="utf-8")
                part.replace(self.pidfile)
                time.sleep(300)  # killed long before: mid-analysis, the pose already done

        return super().analyse(request, video, domain, held)


def make_stop_at_evidence(pidfile: Path, pose_workers: int) -> Worker:
    return StopAtEvidence(pose_workers, pidfile)
