"""The audit log: who read or changed a person's record is stored with the access, and only the
person and their linked clinicians see it."""

from __future__ import annotations

import sqlite3

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from kneechain.errors import KneechainError
from kneechain.services import audit
from kneechain.services.context import ServiceContext
from kneechain.settings import Settings
from kneechain.track.models import AuditEventRecord
from tests.reliability.conftest import Owned
from tests.web.conftest import PASSWORD, Cast


def trail(browser: object, uid: str) -> list[dict[str, object]]:
    response = browser.get(f"/api/people/{uid}/audit")  # type: ignore[attr-defined]
    assert response.status_code == 200, response.text
    events: list[dict[str, object]] = response.json()["events"]
    return events


def test_a_clinicians_reads_and_everyones_changes_are_in_the_trail(
    cast: Cast, owned: Owned
) -> None:
    uid = cast.alex.person_uid
    assert uid
    before = trail(cast.alex, uid)
    assert cast.clinician.get(f"/people/{uid}/progress").status_code == 200
    assert cast.alex.get(f"/people/{uid}/progress").status_code == 200  # own reads: not noted
    cast.alex.post(f"/people/{uid}/sessions", {"note": "knee fine"})  # a change sent
    after = trail(cast.alex, uid)
    events = after[: len(after) - len(before)]
    seen = {(e["actor_name"], e["action"], e["what"]) for e in events}
    assert ("Dr Kim", "read", "GET /people/{uid}/progress") in seen
    assert ("Alex", "change", "POST /people/{uid}/sessions") in seen
    assert not any(e["actor_name"] == "Alex" and e["action"] == "read" for e in events)
    clinician_view = trail(cast.clinician, uid)
    assert clinician_view[0]["actor_name"] == "Dr Kim"  # reading the trail is a read too
    page = cast.alex.get(f"/people/{uid}/audit")
    assert page.status_code == 200 and "Dr Kim" in page.text


def test_linking_and_unlinking_a_clinician_are_changes(cast: Cast) -> None:
    uid = cast.alex.person_uid
    assert uid and cast.clinician.person_uid
    events = trail(cast.alex, uid)
    assert any("let Dr Kim follow" in str(e["what"]) for e in events)
    assert cast.alex.post(f"/account/clinicians/{cast.clinician.person_uid}/unlink").status_code
    assert any("stop Dr Kim following" in str(e["what"]) for e in trail(cast.alex, uid))
    assert cast.clinician.get(f"/api/people/{uid}/audit").status_code == 403


def test_nobody_else_sees_the_trail_and_refused_tries_reach_nothing(
    app: FastAPI, ctx: ServiceContext, cast: Cast
) -> None:
    uid = cast.alex.person_uid
    with ctx.db() as db:
        count = db.scalar(select(func.count()).select_from(AuditEventRecord))
    for browser, status in ((cast.blair, 403), (cast.stranger, 403), (cast.nobody, 401)):
        assert browser.get(f"/api/people/{uid}/audit").status_code == status
        assert browser.get(f"/people/{uid}/progress").status_code in (303, 403)
    with ctx.db() as db:
        assert db.scalar(select(func.count()).select_from(AuditEventRecord)) == count


def test_the_trail_is_stored_in_the_same_unit_of_work_as_the_access(
    ctx: ServiceContext, cast: Cast
) -> None:
    """The service, without the web: an allowed opening writes its event before it returns."""
    from kneechain.services import accounts

    session = accounts.log_in(ctx, "dr.kim@example.org", "a long enough password", "test")
    assert cast.alex.person_uid
    accounts.open_record(ctx, session.viewer, cast.alex.person_uid, "read", "export")
    events = audit.trail(ctx, session.viewer, cast.alex.person_uid).events
    assert (events[0].actor_name, events[0].action, events[0].what) == ("Dr Kim", "read", "export")


def test_own_reads_skip_the_write_lock_and_noted_reads_still_take_it(
    settings: Settings, cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The person's own page (most requests) is opened without a unit of work, so on SQLite it
    does not queue behind writers; a read that must be noted (a clinician's) still writes its
    event, under the write lock, or fails without opening."""
    from kneechain.services import accounts

    monkeypatch.setattr("kneechain.track.db.SQLITE_BUSY_MS", 300)  # a queued unit fails at once
    uid = cast.alex.person_uid
    assert uid
    with ServiceContext.open(settings) as ctx:
        alex = accounts.log_in(ctx, "alex@example.org", PASSWORD, "test").viewer
        kim = accounts.log_in(ctx, "dr.kim@example.org", PASSWORD, "test").viewer
        with ctx.db() as db:
            count = db.scalar(select(func.count()).select_from(AuditEventRecord))
        writer = sqlite3.connect(ctx.store.engine.url.database or "", isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")  # another writer holds the lock
        try:
            assert accounts.open_record(ctx, alex, uid, "read", "GET own").uid == uid
            with pytest.raises(KneechainError, match="cannot be reached"):
                accounts.open_record(ctx, kim, uid, "read", "GET noted")
        finally:
            writer.rollback()
            writer.close()
        accounts.open_record(ctx, kim, uid, "read", "GET noted")
        with ctx.db() as db:
            assert db.scalar(select(func.count()).select_from(AuditEventRecord)) == count + 1
        events = audit.trail(ctx, alex, uid).events
        assert (events[0].actor_name, events[0].what) == ("Dr Kim", "GET noted")


def test_only_an_own_read_is_decided_without_the_database() -> None:
    from kneechain.services.accounts import PersonRef, Viewer, own_record

    alex = Viewer(
        account_id=1, email="a@example.org", person_uid="p-alex", name="Alex", role="person"
    )
    assert own_record(alex, "p-alex", "read") == PersonRef(uid="p-alex", name="Alex", role="person")
    assert own_record(alex, "p-alex", "change") is None  # a change is noted: a unit of work
    assert own_record(alex, "p-blair", "read") is None  # another's record: the permission rule
    assert own_record(None, "p-alex", "read") is None  # nobody signed in: refused there
