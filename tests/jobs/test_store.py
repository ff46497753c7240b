"""The jobs table: one row per key, results recorded once, on SQLite and on PostgreSQL."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from kneechain.errors import ErrorBody, ErrorKind
from kneechain.jobs import store as jobs_db
from kneechain.jobs.models import JobKind, JobStatus
from kneechain.track.db import Store, open_store
from tests.track.conftest import postgres_url  # noqa: F401  (a fixture)

KEY = "b" * 64


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    url = (
        f"sqlite:///{tmp_path / 'kc.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    opened = open_store(url, tmp_path / "data")
    yield opened
    opened.close()


def test_one_row_per_key_and_one_result_per_job(any_store: Store) -> None:
    me, other = jobs_db.new_owner(), jobs_db.new_owner()
    job, mine = jobs_db.enqueue(any_store, JobKind.analyse_clip, KEY, {"a": 1}, me)
    same, also_mine = jobs_db.enqueue(any_store, JobKind.analyse_clip, KEY, {"a": 1}, other)
    assert mine and same.id == job.id and not also_mine  # a live runner's job is not taken
    assert jobs_db.start(any_store, job.id, other) is None
    assert jobs_db.start(any_store, job.id, me) == 1
    assert not jobs_db.complete(any_store, job.id, me, 2, {"x": 1}, None)  # not that attempt
    assert jobs_db.requeue(any_store, job.id, me, 1)
    assert jobs_db.start(any_store, job.id, me) == 2
    assert jobs_db.complete(any_store, job.id, me, 2, {"x": 2}, "jobs/bb/" + KEY)
    assert not jobs_db.complete(any_store, job.id, me, 2, {"x": 3}, None)  # recorded once
    done = jobs_db.get(any_store, job.id)
    assert done.status is JobStatus.done and done.result == {"x": 2} and done.attempts == 2
    again, taken = jobs_db.enqueue(any_store, JobKind.analyse_clip, KEY, {"a": 1}, other)
    assert again.status is JobStatus.done and not taken
    assert [j.id for j in jobs_db.recent(any_store, JobStatus.done)] == [job.id]


def test_a_job_of_a_stopped_runner_may_run_again_unless_its_input_was_bad(
    any_store: Store,
) -> None:
    me, next_one = jobs_db.new_owner(), jobs_db.new_owner()
    job, _ = jobs_db.enqueue(any_store, JobKind.analyse_clip, KEY, {}, me)
    bad, _ = jobs_db.enqueue(any_store, JobKind.analyse_clip, "c" * 64, {}, me)
    jobs_db.start(any_store, bad.id, me)
    refused = ErrorBody(code="video.unusable", kind=ErrorKind.bad_media, message="no frames")
    assert jobs_db.fail(any_store, bad.id, me, 1, refused)
    stopped = ErrorBody(code="job.interrupted", kind=ErrorKind.unavailable, message="stopped")
    assert jobs_db.release(any_store, me, stopped) == [job.id]
    resumed, mine = jobs_db.enqueue(any_store, JobKind.analyse_clip, KEY, {}, next_one)
    assert mine and resumed.status is JobStatus.queued and resumed.attempts == 0
    kept, retaken = jobs_db.enqueue(any_store, JobKind.analyse_clip, "c" * 64, {}, next_one)
    assert not retaken and kept.status is JobStatus.failed and kept.error == refused


def test_a_running_job_whose_process_is_gone_is_taken_over(any_store: Store) -> None:
    ghost = "localhost-that-is-not-here:1:x"
    assert not jobs_db.owner_is_gone(ghost)  # another machine: only its lease can tell
    dead = f"{socket.gethostname()}:999999999:x"
    assert jobs_db.owner_is_gone(dead)
    job, _ = jobs_db.enqueue(any_store, JobKind.analyse_clip, KEY, {}, dead)
    mine = jobs_db.new_owner()
    again, taken = jobs_db.enqueue(any_store, JobKind.analyse_clip, KEY, {}, mine)
    assert taken and again.id == job.id
