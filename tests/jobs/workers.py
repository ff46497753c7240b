"""Job workers for tests: the real analysis, with a log of what ran, and a first attempt that
can be made to hang (so a test can kill its worker mid-job). Importable by spawned workers."""

from __future__ import annotations

import os
import time
from pathlib import Path

from kneechain.jobs.models import ClipRequest
from kneechain.jobs.work import ClipOutput, JobDomain, Report, Worker


class LoggingWorker(Worker):
    """Appends 'start <pid> <clip>' and 'done <pid> <clip>' lines to `log`. When `hang` is
    given and does not exist yet, the first job creates it and then waits to be killed; when
    `gate` is given, every job waits for that file to exist, except the first one to start
    when `first_free` is given (it creates that file and goes ahead)."""

    def __init__(
        self,
        pose_workers: int,
        log: Path,
        hang: Path | None = None,
        gate: Path | None = None,
        first_free: Path | None = None,
    ) -> None:
        super().__init__(pose_workers)
        self.log, self.hang, self.gate, self.first_free = log, hang, gate, first_free

    def _note(self, what: str, request: ClipRequest) -> None:
        with self.log.open("a", encoding="utf-8") as fh:
            fh.write(f"{what} {os.getpid()} {request.video.name}\n")

    def analyse(
        self,
        request: ClipRequest,
        video: Path,
        domain: JobDomain,
        report: Report | None = None,
    ) -> ClipOutput:
        self._note("start", request)
        if self.hang is not None and not self.hang.exists():
            self.hang.write_text(str(os.getpid()), encoding="utf-8")
            time.sleep(120)  # killed long before
        free = False
        if self.first_free is not None and not self.first_free.exists():
            self.first_free.write_text(request.video.name, encoding="utf-8")
            free = True
        while not free and self.gate is not None and not self.gate.exists():  # held until opened
            time.sleep(0.05)
        output = super().analyse(request, video, domain, report)
        self._note("done", request)
        return output


def make_logging_worker(log: Path, hang: Path | None, pose_workers: int) -> Worker:
    return LoggingWorker(pose_workers, log, hang)


def make_gated_worker(log: Path, gate: Path, pose_workers: int) -> Worker:
    return LoggingWorker(pose_workers, log, None, gate)


def make_first_free_worker(log: Path, gate: Path, first_free: Path, pose_workers: int) -> Worker:
    """The first job runs; the rest wait for `gate` (a test interrupts after exactly one)."""
    return LoggingWorker(pose_workers, log, None, gate, first_free)


def log_lines(log: Path, what: str) -> list[str]:
    if not log.exists():
        return []
    return [line for line in log.read_text(encoding="utf-8").splitlines() if line.startswith(what)]
