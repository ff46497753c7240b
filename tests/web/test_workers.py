"""`kneechain serve --workers N` on Linux (kneechain/web/workers.py): each server process has
its own listening socket on the one address, and the kernel spreads new connections over them,
however they arrive; a process that cannot start stops the server with an error status."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from kneechain.web.workers import spreads_connections

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not spreads_connections(), reason="SO_REUSEPORT spreads on Linux")

Message = MutableMapping[str, Any]


def pid_app() -> Callable[..., Awaitable[None]]:
    """A factory of the smallest ASGI app: it answers with the process id that served it."""

    async def app(
        scope: Message, receive: Callable[[], Awaitable[Message]], send: Callable[..., Any]
    ) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": str(os.getpid()).encode()})

    return app


def broken_app() -> None:
    raise RuntimeError("this app cannot start")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _serve(factory: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    code = (
        "import sys; from kneechain.web.workers import serve_workers; "
        f"sys.exit(serve_workers({factory!r}, '127.0.0.1', {port}, {workers}, "
        "log_level='warning'))"
    )
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stderr=subprocess.PIPE)


def _pid_of_new_connection(port: int) -> int:
    with httpx.Client(timeout=10) as client:  # a fresh client: a new connection each time
        return int(client.get(f"http://127.0.0.1:{port}/").text)


def test_new_connections_spread_over_every_process(tmp_path: Path) -> None:
    port = _free_port()
    server = _serve("tests.web.test_workers:pid_app", port, workers=2)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _pid_of_new_connection(port)
                break
            except httpx.HTTPError:
                assert server.poll() is None and time.monotonic() < deadline, "did not start"
                time.sleep(0.2)
        time.sleep(1)  # both processes listening
        with ThreadPoolExecutor(max_workers=20) as pool:  # a burst, as 20 browsers at once
            served = Counter(pool.map(lambda _: _pid_of_new_connection(port), range(60)))
        assert len(served) == 2, served
        # binomial(60, 1/2): fewer than 14 on one side happens about once in 10^5 runs
        assert min(served.values()) >= 14, served
        with pytest.raises(OSError), socket.socket() as other:  # no other program takes it
            other.bind(("127.0.0.1", port))
    finally:
        server.terminate()
        assert server.wait(timeout=60) == 0


def test_a_process_that_cannot_start_stops_the_server() -> None:
    server = _serve("tests.web.test_workers:broken_app", _free_port(), workers=2)
    assert server.wait(timeout=60) == 1
    assert server.stderr is not None
    assert b"stopping the server" in server.stderr.read()
