"""The local runner: idempotent jobs, a worker killed mid-job, bad input, interruption."""

from __future__ import annotations

import os
import shutil
import signal
import time
from functools import partial
from pathlib import Path

import pytest

from kneechain.errors import ErrorKind, KneechainError
from kneechain.jobs import store as jobs_db
from kneechain.jobs.local import LocalBackend
from kneechain.jobs.models import ClipRequest, JobEvent, JobStatus
from kneechain.jobs.runner import JobRunner
from kneechain.settings import Settings
from kneechain.track.db import Store
from tests.jobs.workers import log_lines, make_gated_worker, make_logging_worker


def runner_for(
    store: Store, settings: Settings, log: Path, hang: Path | None = None, workers: int = 1
) -> JobRunner:
    factory = partial(make_logging_worker, log, hang)
    backend = LocalBackend(workers, 1, factory=factory)
    return JobRunner(store, backend, data_dir=settings.data_dir, max_attempts=3)


def test_same_clip_twice_is_computed_once(
    store: Store, settings: Settings, squat_file: Path, tmp_path: Path
) -> None:
    log = tmp_path / "log.txt"
    copy = tmp_path / "renamed" / "other-name.npz"
    copy.parent.mkdir()
    shutil.copyfile(squat_file, copy)
    events: list[JobEvent] = []
    with runner_for(store, settings, log) as runner:
        first = runner.submit(ClipRequest(video=squat_file, test_id="double_leg_squat"))
        [done] = runner.wait([first.id])
        second = runner.submit(ClipRequest(video=copy, test_id="double_leg_squat", label="b"))
        [again] = runner.wait([second.id], on_event=events.append)
    assert done.status is JobStatus.done and again.id == done.id
    assert again.result == done.result and again.attempts == 1
    assert [e.cached for e in events] == [True]
    assert len(log_lines(log, "done")) == 1
    measures = {m["measure"] for m in done.result["protocol"]["measurements"]}
    assert "squat_fppa" in measures
    assert done.result["video_sha256"] == jobs_db.get(store, done.id).inputs["video_sha256"]


def test_a_changed_option_is_a_new_job(
    store: Store, settings: Settings, squat_file: Path, tmp_path: Path
) -> None:
    log = tmp_path / "log.txt"
    with runner_for(store, settings, log) as runner:
        views = runner.run(
            [
                ClipRequest(video=squat_file, test_id="double_leg_squat"),
                ClipRequest(video=squat_file, test_id="double_leg_squat", side="left"),
            ]
        )
    assert views[0].id != views[1].id and all(v.status is JobStatus.done for v in views)
    assert len(log_lines(log, "done")) == 2
    left = {m["side"] for m in views[1].result["protocol"]["measurements"]}
    assert left <= {"left", None}


def test_a_worker_killed_mid_job_is_retried_and_completes_once(
    store: Store, settings: Settings, squat_file: Path, tmp_path: Path
) -> None:
    log, hang = tmp_path / "log.txt", tmp_path / "hang.pid"
    events: list[JobEvent] = []

    def kill_when_hanging(event: JobEvent) -> None:
        events.append(event)
        if event.status is JobStatus.running and event.attempt == 1:
            deadline = time.monotonic() + 60
            while not hang.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            os.kill(int(hang.read_text()), signal.SIGKILL)

    with runner_for(store, settings, log, hang) as runner:
        job = runner.submit(ClipRequest(video=squat_file, test_id="double_leg_squat"))
        [done] = runner.wait([job.id], on_event=kill_when_hanging, timeout=120)
    assert done.status is JobStatus.done
    assert done.attempts == 2
    assert len(log_lines(log, "start")) == 2 and len(log_lines(log, "done")) == 1
    retried = [e for e in events if e.status is JobStatus.queued]
    assert len(retried) == 1 and "trying again" in (retried[0].message or "")
    assert len(jobs_db.recent(store)) == 1


def test_bad_input_fails_once_with_its_message_and_is_not_retried(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    log = tmp_path / "log.txt"
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"this is not a trajectories file")
    with runner_for(store, settings, log) as runner:
        job = runner.submit(ClipRequest(video=broken, test_id="double_leg_squat"))
        [failed] = runner.wait([job.id])
        again = runner.submit(ClipRequest(video=broken, test_id="double_leg_squat"))
        [still] = runner.wait([again.id])
    assert failed.status is JobStatus.failed and failed.attempts == 1
    assert failed.error is not None and failed.error.kind is ErrorKind.bad_media
    assert "broken.npz is not a kneechain trajectories file" in failed.error.message
    assert still.id == failed.id and len(log_lines(log, "start")) == 1


def test_a_missing_clip_or_unknown_test_is_refused_at_submit(
    store: Store, settings: Settings, squat_file: Path, tmp_path: Path
) -> None:
    with runner_for(store, settings, tmp_path / "log.txt") as runner:
        with pytest.raises(KneechainError) as missing:
            runner.submit(ClipRequest(video=tmp_path / "nope.mp4", test_id="gait"))
        with pytest.raises(KneechainError) as unknown:
            runner.submit(ClipRequest(video=squat_file, test_id="no_such_test"))
        with pytest.raises(KneechainError) as no_job:
            runner.status("0" * 32)
    assert missing.value.kind is ErrorKind.not_found and "nope.mp4" in missing.value.message
    assert unknown.value.code == "test.no_protocol" and "gait" in (unknown.value.hint or "")
    assert no_job.value.kind is ErrorKind.not_found


def test_jobs_left_by_a_closed_runner_are_taken_over_by_the_next(
    store: Store, settings: Settings, squat_file: Path, tmp_path: Path
) -> None:
    log, hang = tmp_path / "log.txt", tmp_path / "hang.pid"
    request = ClipRequest(video=squat_file, test_id="double_leg_squat")
    with runner_for(store, settings, log, hang) as first:
        job = first.submit(request)
        deadline = time.monotonic() + 60
        while not hang.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    stopped = jobs_db.get(store, job.id)
    assert stopped.status is JobStatus.failed and stopped.error is not None
    assert stopped.error.code == "job.interrupted"
    with runner_for(store, settings, log, hang) as second:
        [done] = second.run([request])
    assert done.id == job.id and done.status is JobStatus.done and done.attempts == 1
    assert len(log_lines(log, "done")) == 1


def test_a_job_another_live_runner_holds_is_followed_not_run_twice(
    store: Store, settings: Settings, squat_file: Path, tmp_path: Path
) -> None:
    log, gate = tmp_path / "log.txt", tmp_path / "gate"
    request = ClipRequest(video=squat_file, test_id="double_leg_squat")
    first_backend = LocalBackend(1, 1, factory=partial(make_gated_worker, log, gate))
    with (
        JobRunner(store, first_backend, data_dir=settings.data_dir) as first,
        runner_for(store, settings, log) as second,
    ):
        job = first.submit(request)
        deadline = time.monotonic() + 60
        while not log_lines(log, "start") and time.monotonic() < deadline:
            time.sleep(0.05)
        followed = second.submit(request)  # the same key, held by a live runner
        assert followed.id == job.id and followed.status is JobStatus.running
        gate.touch()
        [seen] = second.wait([job.id], timeout=60)
    assert seen.status is JobStatus.done and seen.attempts == 1
    assert len(log_lines(log, "start")) == 1 and len(log_lines(log, "done")) == 1
