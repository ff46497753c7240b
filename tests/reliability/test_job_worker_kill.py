"""A job worker SIGKILLed in the middle of a real clip analysis (pose done, evidence being made):
while it is down nothing of the job is served as complete; the job is retried and completes once,
its evidence folder holds exactly the files its result lists, each whole, and no half-written
folder is left beside it. Extends tests/jobs/test_runner.py (which kills a worker before the
analysis starts) to the evidence stage, with the real walking clip."""

from __future__ import annotations

import os
import signal
import time
from functools import partial
from pathlib import Path

import pytest

from kneechain.jobs import store as jobs_db
from kneechain.jobs.local import LocalBackend
from kneechain.jobs.models import ClipRequest, JobEvent, JobStatus
from kneechain.jobs.runner import JobRunner
from kneechain.settings import Settings
from kneechain.track.db import open_store
from tests.reliability.test_media_full import clip_file
from tests.reliability.workers import make_stop_at_evidence

MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"<svg", b"<?xml")


@pytest.mark.slow
def test_a_worker_killed_while_making_evidence(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", database_url=None)
    store = open_store(settings=settings)
    pidfile = tmp_path / "worker.pid"
    backend = LocalBackend(1, 1, factory=partial(make_stop_at_evidence, pidfile))
    seen_while_down: list[tuple[JobStatus, str | None]] = []
    killed: list[int] = []

    def kill_at_evidence(event: JobEvent) -> None:
        if event.stage == "evidence" and event.attempt == 1 and not killed:
            deadline = time.monotonic() + 120
            while not pidfile.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            pid = int(pidfile.read_text())
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
            job = jobs_db.get(store, event.job_id)
            seen_while_down.append((job.status, job.result_ref))

    request = ClipRequest(video=clip_file(tmp_path), test_id="gait", every=2, clip=False)
    try:
        with JobRunner(store, backend, data_dir=settings.data_dir, max_attempts=3) as runner:
            job = runner.submit(request)
            [done] = runner.wait([job.id], on_event=kill_at_evidence, timeout=900)
            folder = runner.result_folder(done)
    finally:
        store.close()
    assert killed, "the worker never reached the evidence stage"
    assert seen_while_down == [(JobStatus.running, None)]  # nothing served while it was down
    assert done.status is JobStatus.done and done.attempts == 2
    listed = sorted(Path(name).name for name in done.result["evidence"])
    assert folder is not None and listed
    assert sorted(p.name for p in folder.iterdir()) == listed
    for path in folder.iterdir():
        assert path.read_bytes().startswith(MAGIC), path.name
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]  # no half folder
