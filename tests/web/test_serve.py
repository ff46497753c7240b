"""`kneechain serve --workers N`: several server processes over PostgreSQL; with SQLite the
option is refused in plain words (one process writes at a time there)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from kneechain.cli import app
from tests.track.conftest import postgres_url  # noqa: F401  (a fixture)


def test_several_workers_are_refused_on_sqlite_in_plain_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KNEECHAIN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("KNEECHAIN_DATABASE_URL", raising=False)
    result = CliRunner().invoke(app, ["serve", "--workers", "2"])
    words = " ".join(result.output.replace("│", " ").split())
    assert result.exit_code == 2, result.output
    assert "several server processes need PostgreSQL" in words
    assert "Traceback" not in result.output
    assert not (tmp_path / "data").exists()  # refused before anything was opened


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.mark.postgres
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="counts the worker processes in /proc")
def test_several_workers_serve_one_database_on_postgres(
    postgres_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    port = _free_port()
    env = dict(os.environ, KNEECHAIN_DATA_DIR=str(tmp_path / "data"))
    env["KNEECHAIN_DATABASE_URL"] = postgres_url
    command = [sys.executable, "-m", "kneechain", "serve", "--workers", "2", "--port", str(port)]
    server = subprocess.Popen(command, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, "the server stopped"
            assert time.monotonic() < deadline, "the server did not answer in time"
            try:
                if httpx.get(f"{base}/api/csrf", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        workers = [p for p in _children(server.pid) if Path(f"/proc/{p}/cmdline").exists()]
        # uvicorn's supervisor runs the workers as its children (and a resource tracker)
        assert len(workers) >= 2, workers
        signup = {"email": "a@example.org", "password": "a long password", "name": "Ann"}
        with httpx.Client(base_url=base, timeout=30) as client:
            token = client.get("/api/csrf").json()["csrf_token"]
            made = client.post("/api/accounts", json=signup, headers={"x-csrf-token": token})
            assert made.status_code == 201, made.text
            form = {"email": signup["email"], "password": signup["password"]}
            form["csrf_token"] = token
            assert client.post("/login", data=form).status_code == 303
            for _ in range(20):  # whichever process answers sees the same signed-in browser
                assert client.get("/api/me").json()["name"] == "Ann"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)


def test_a_server_process_freezes_what_start_up_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`app_from_environment` (each process of `kneechain serve --workers N`) puts start-up's
    objects out of the garbage collector's reach, so that a full collection under load does
    not walk them again (docs/reliability.md, Load); `create_app` alone (tests) does not."""
    import gc

    from kneechain.services.context import ServiceContext
    from kneechain.settings import Settings
    from kneechain.web.app import app_from_environment, create_app

    monkeypatch.setenv("KNEECHAIN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("KNEECHAIN_DATABASE_URL", raising=False)
    gc.unfreeze()
    try:
        create_app(ServiceContext.open(Settings(data_dir=tmp_path / "other")))
        assert gc.get_freeze_count() == 0
        app_from_environment()
        assert gc.get_freeze_count() > 10_000  # the modules and the app, not a handful
    finally:
        gc.unfreeze()
