"""A real web server for the fault tests: uvicorn in its own process group over a data folder
(and database) given by KNEECHAIN_* variables, so that a test can SIGKILL it like a crash."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "a long enough password"


def make_app():  # type: ignore[no-untyped-def]
    """uvicorn's factory: the app over the KNEECHAIN_* settings of the process."""
    from kneechain.services.context import ServiceContext
    from kneechain.web.app import create_app

    return create_app(ServiceContext.open())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Server:
    """`uvicorn tests.reliability.server:make_app` on 127.0.0.1 with `env` added."""

    def __init__(self, env: dict[str, str], workers: int = 1) -> None:
        self.env = dict(os.environ, **env)
        self.workers = workers
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, limit: float = 90) -> Server:
        command = [
            sys.executable, "-m", "uvicorn", "tests.reliability.server:make_app", "--factory",
            "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers),
            "--log-level", "warning", "--no-access-log",
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command, env=self.env, cwd=ROOT, start_new_session=True, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server stopped: {self.process.stderr.read().decode()}")  # type: ignore[union-attr]
            try:
                if httpx.get(f"{self.url}/api/csrf", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("the server did not answer in time")

    def kill(self) -> None:
        """SIGKILL the whole process group (a crash: no shutdown code runs)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def logged_in(server: Server, email: str) -> tuple[httpx.Client, str, str]:
    """A client logged in through the form: (client, person uid, CSRF token)."""
    client = httpx.Client(base_url=server.url, timeout=30)
    anon = client.get("/api/csrf").json()["csrf_token"]
    form = {"email": email, "password": PASSWORD, "csrf_token": anon}
    response = client.post("/login", data=form)
    assert response.status_code == 303, response.text[:300]
    uid = client.get("/api/me").json()["person_uid"]
    return client, uid, client.get("/api/csrf").json()["csrf_token"]
