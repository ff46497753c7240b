"""PostgreSQL goes down under load and comes back: while it is down the app answers errors in
plain words (503, "try again"), never a traceback, and it recovers without a restart of its own
(the pool checks connections before use and replaces dead ones).

The test runs its own throw-away PostgreSQL server (Debian's binaries, as installed by
scripts/pg_test_server.sh), so it can stop and start it; skipped, with the reason, without them."""

from __future__ import annotations

import contextlib
import glob
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from kneechain.assess.case import Case
from kneechain.services import accounts, assessment
from kneechain.services.context import ServiceContext
from kneechain.settings import Settings
from tests.reliability.server import PASSWORD, Server, free_port, logged_in

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


class Postgres:
    """A private PostgreSQL server on 127.0.0.1 that the test may stop and start."""

    def __init__(self, folder: Path) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not found:
            pytest.skip("no PostgreSQL binaries (scripts/pg_test_server.sh installs them)")
        self.bin = Path(found[-1]).parent
        self.dir = folder
        self.port = free_port()
        self.root = os.geteuid() == 0
        if self.root:
            shutil.chown(folder, "postgres", "postgres")
        self.run("initdb", "-D", str(folder / "data"), "-A", "trust", "-U", "postgres")

    def run(self, tool: str, *args: str) -> None:
        command = [str(self.bin / tool), *args]
        if self.root:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir}"
        self.run("pg_ctl", "-D", str(self.dir / "data"), "-l", str(self.dir / "log"), "-w",
                 "-o", options, "start")  # fmt: skip

    def stop(self) -> None:
        self.run("pg_ctl", "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop")


@pytest.fixture
def postgres() -> Iterator[Postgres]:
    folder = Path(tempfile.mkdtemp(prefix="kneechain-pg-restart-"))  # readable by 'postgres'
    try:
        server = Postgres(folder)
        server.start()
        try:
            yield server
        finally:
            with contextlib.suppress(subprocess.CalledProcessError):
                server.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.slow
@pytest.mark.postgres
def test_the_app_survives_a_database_restart(postgres: Postgres, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", database_url=postgres.url)
    case = json.loads((EXAMPLES / "desk_worker_bilateral_ir_deficit.json").read_text())
    with ServiceContext.open(settings) as ctx:
        accounts.sign_up(ctx, {"email": "alex@example.org", "password": PASSWORD,
                               "name": "Alex", "role": "person"})  # fmt: skip
        on = str(date.today() - timedelta(days=3))
        assessment.record(ctx, "Alex", Case.model_validate(case | {"assessed_on": on}))
    env = {"KNEECHAIN_DATA_DIR": str(settings.data_dir), "KNEECHAIN_DATABASE_URL": postgres.url}
    server = Server(env, workers=2).start()
    try:
        client, uid, _ = logged_in(server, "alex@example.org")
        cookies = dict(client.cookies)
        phase = {"now": "up"}
        seen: list[tuple[str, int, str]] = []
        stop = threading.Event()

        def load() -> None:
            http = httpx.Client(base_url=server.url, timeout=30, cookies=cookies)
            while not stop.is_set():
                for url in (f"/api/people/{uid}/history", f"/people/{uid}/program"):
                    sent_in = phase["now"]
                    try:
                        response = http.get(url)
                    except httpx.HTTPError as exc:  # the server hung up: no answer at all
                        seen.append((sent_in, 0, repr(exc)))
                        continue
                    if phase["now"] == sent_in:  # answered in the phase it was sent in
                        seen.append((sent_in, response.status_code, response.text[:400]))

        threads = [threading.Thread(target=load) for _ in range(3)]
        for thread in threads:
            thread.start()
        time.sleep(2)
        phase["now"] = "stopping"
        postgres.stop()
        phase["now"] = "down"
        time.sleep(3)
        phase["now"] = "starting"
        postgres.start()
        time.sleep(1)
        phase["now"] = "back"
        time.sleep(3)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        server.stop()

    by_phase = {p: Counter(s for q, s, _ in seen if q == p) for p in ("up", "down", "back")}
    assert set(by_phase["up"]) == {200}, by_phase
    down = [(s, text) for q, s, text in seen if q == "down"]
    assert down and all(s == 503 for s, _ in down), by_phase["down"]
    assert all("Traceback" not in text and "psycopg" not in text for _, text in down)
    assert any("database cannot be reached" in text for _, text in down)
    assert by_phase["back"] and set(by_phase["back"]) == {200}, by_phase  # no restart needed
