"""Several server processes on one address, each with a listening socket of its own.

    serve_workers("kneechain.web.app:app_from_environment", "127.0.0.1", 8000, workers=2)

uvicorn's own `--workers` shares one listening socket between its processes, and each
process, when woken, accepts every connection waiting (asyncio accepts in a loop until none is
left). Browsers keep their connection open, so a burst of new ones (a clinic opening at 8, a
load test logging 50 people in) mostly lands on whichever process woke first, and stays there:
measured with bench/load.py (2 workers, 50 clients) 34 and 16 connections, one process serving
twice the other's share while its clients waited twice as long. Here every process binds its
own socket to the address with SO_REUSEPORT and the kernel spreads new connections over them
(by a hash of each connection's addresses), so the processes share the clients evenly on
average whatever the timing.

Linux only: elsewhere SO_REUSEPORT does not spread connections, and `kneechain serve` uses
uvicorn's shared socket. A process that dies is started again (as uvicorn's supervisor does);
one that dies within seconds of starting stops the whole server, with its error on the terminal.
SIGTERM or SIGINT stop every process gracefully.
"""

from __future__ import annotations

import multiprocessing
import signal
import socket
import sys
import time
from multiprocessing.process import BaseProcess
from typing import Any

#: connections the kernel holds for each process before it accepts them (uvicorn's default)
BACKLOG = 2048
#: a process that dies sooner than this after its start is a broken set-up, not a crash
MIN_LIFE_S = 5.0


def spreads_connections() -> bool:
    """Whether this system spreads connections over the sockets bound with SO_REUSEPORT."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def port_socket(host: str, port: int, *, listen: bool) -> socket.socket:
    """A TCP socket bound to (host, port) with SO_REUSEPORT; listening when `listen`. One that
    does not listen holds the address (no other program can take it) and gets no connection."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        if listen:
            sock.listen(BACKLOG)
    except OSError:
        sock.close()
        raise
    return sock


def _worker(app: str, host: str, port: int, options: dict[str, Any]) -> None:
    """One server process: its own listening socket, uvicorn over the app factory `app`."""
    import uvicorn

    sock = port_socket(host, port, listen=True)
    config = uvicorn.Config(app, factory=True, host=host, port=port, **options)
    uvicorn.Server(config).run(sockets=[sock])


def serve_workers(app: str, host: str, port: int, workers: int, **options: Any) -> int:
    """Serve the app factory `app` ("module:function") from `workers` processes on host:port,
    until SIGTERM or SIGINT; `options` go to uvicorn.Config. Returns the exit status."""
    holder = port_socket(host, port, listen=False)  # the address is ours, or fail here
    spawn = multiprocessing.get_context("spawn")
    stopping = False

    def start() -> tuple[BaseProcess, float]:
        process = spawn.Process(target=_worker, args=(app, host, port, options), daemon=False)
        process.start()
        return process, time.monotonic()

    def stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
    running = [start() for _ in range(workers)]
    status = 0
    try:
        while not stopping:
            time.sleep(0.2)
            for i, (process, started) in enumerate(running):
                if process.exitcode is None or stopping:
                    continue
                if time.monotonic() - started < MIN_LIFE_S:
                    print(
                        f"a server process stopped {time.monotonic() - started:.1f} s after its "
                        f"start (status {process.exitcode}); stopping the server.",
                        file=sys.stderr,
                    )
                    stopping, status = True, 1
                    break
                running[i] = start()  # a crash mid-way: the others serve meanwhile
    finally:
        for process, _ in running:
            if process.exitcode is None:
                process.terminate()  # SIGTERM: uvicorn finishes the requests in hand
        for process, _ in running:
            process.join(timeout=30)
            if process.exitcode is None:
                process.kill()
                process.join()
        holder.close()
        for s, handler in previous.items():
            signal.signal(s, handler)
    return status
