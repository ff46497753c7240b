"""Kill the web server (SIGKILL) during a burst of session-log writes: every write the clients
saw acknowledged is there after a restart, none is there twice, none is there in half.

What protects it: `services.tracking.log` stores the session and its exercises in one unit of
work, committed before the route answers 303 (SQLite in WAL mode survives a killed process with
every committed transaction; PostgreSQL likewise)."""

from __future__ import annotations

import json
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from kneechain.assess.case import Case
from kneechain.services import accounts, assessment
from kneechain.services.context import ServiceContext
from kneechain.settings import Settings
from kneechain.track.models import ExerciseSessionRecord
from tests.reliability.server import PASSWORD, Server, logged_in
from tests.track.conftest import database_url, postgres_url  # noqa: F401  (fixtures)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
WRITERS = 4
KILL_AFTER = 40  # acknowledged writes before the crash


def seeded(settings: Settings) -> None:
    case = json.loads((EXAMPLES / "desk_worker_bilateral_ir_deficit.json").read_text())
    on = str(date.today() - timedelta(days=3))
    with ServiceContext.open(settings) as ctx:
        accounts.sign_up(
            ctx,
            {"email": "alex@example.org", "password": PASSWORD, "name": "Alex", "role": "person"},
        )
        assessment.record(ctx, "Alex", Case.model_validate(case | {"assessed_on": on}))


@pytest.mark.slow
def test_acknowledged_session_logs_survive_a_killed_server(
    database_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url)
    seeded(settings)
    env = {"KNEECHAIN_DATA_DIR": str(settings.data_dir), "KNEECHAIN_DATABASE_URL": database_url}
    server = Server(env).start()
    try:
        client, uid, csrf = logged_in(server, "alex@example.org")
        day = client.get(f"/api/people/{uid}/routine").json()
        if not day["exercises"]:
            session = day["sessions"][0]["id"]
            day = client.get(f"/api/people/{uid}/routine?session={session}").json()
        session = day["session"]["id"] if day["session"] else ""
        ticked = [e["main"]["exercise_id"] for e in day["exercises"]]
        cookies = dict(client.cookies)
        acknowledged: list[str] = []
        sent: list[str] = []
        lock = threading.Lock()
        stop = threading.Event()

        def writer(n: int) -> None:
            http = httpx.Client(base_url=server.url, timeout=10, cookies=cookies)
            i = 0
            while not stop.is_set():
                note = f"burst {n}-{i}"
                form = {"csrf_token": csrf, "note": note, "session": session, "pain_after": "2"}
                form |= {f"done_{e}": "on" for e in ticked}
                with lock:
                    sent.append(note)
                try:
                    response = http.post(f"/people/{uid}/sessions", data=form)
                except httpx.HTTPError:
                    break  # the server is gone: this write was never acknowledged
                if response.status_code == 303:
                    with lock:
                        acknowledged.append(note)
                i += 1

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 120
        while len(acknowledged) < KILL_AFTER and time.monotonic() < deadline:
            time.sleep(0.01)
        server.kill()  # mid-burst: writes are in flight
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        assert len(acknowledged) >= KILL_AFTER
        assert len(sent) > len(acknowledged)  # some were in flight when the server died

        server = Server(env).start()  # restart on the same data
        client, uid, _ = logged_in(server, "alex@example.org")
        listed = client.get(f"/api/people/{uid}/history").json()
        assert listed  # the app answers after the crash
    finally:
        server.stop()

    with ServiceContext.open(settings) as ctx, ctx.db() as db:
        rows = db.scalars(
            select(ExerciseSessionRecord).where(ExerciseSessionRecord.note.like("burst %"))
        ).all()
        notes = [r.note for r in rows]
        assert sorted(set(notes)) == sorted(notes), "a write stored twice"
        assert set(acknowledged) <= set(notes), "an acknowledged write was lost"
        assert set(notes) <= set(sent)
        for row in rows:  # none in half: every stored session has all its exercises and values
            assert [e.exercise_id for e in row.exercises] == ticked, row.note
            assert row.pain_after == 2
