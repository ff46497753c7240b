"""CPU cost of one request, per route of bench/load.py, measured in one process.

    .venv/bin/python bench/request_cost.py                      # CPU ms per request, SQLite
    .venv/bin/python bench/request_cost.py --profile dashboard  # and where that time goes
    scripts/pg_test_server.sh run -- .venv/bin/python bench/request_cost.py --db postgres

One person (an account, a stored check-up and its program) is seeded through the service layer;
the app is driven in this process through httpx's ASGI transport (no sockets, no server, no
separate load generator), so the CPU time counted is the app's own: routing, dependencies, the
service calls, the database driver, the templates. Each route of the load test runs `--count`
times after a warm-up; reported: CPU ms and wall ms per request (process CPU time, both threads
and the event loop), SQL statements and PostgreSQL connection checks (pings) per request. On
a shared machine wall time is noisy; CPU time much less so, and the ratio between two runs of
this script before and after a change is the figure to compare.

With `--profile ROUTE` the thread pool that FastAPI runs sync routes and dependencies on is
replaced by a direct call (only in this process), so cProfile sees every frame on one thread;
the top functions by cumulative time are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))

from load import (
    EXPECTED,
    Client,
    log_in,
    postgres_database,
    seed,
)

ROUTES = tuple(EXPECTED)


def inline_thread_pool() -> None:
    """Run FastAPI's sync routes and dependencies on the calling thread (profiling only)."""
    import fastapi.concurrency
    import fastapi.dependencies.utils
    import fastapi.routing

    async def direct(func, *args, **kwargs):  # type: ignore[no-untyped-def]
        return func(*args, **kwargs)

    for module in (fastapi.concurrency, fastapi.dependencies.utils, fastapi.routing):
        if hasattr(module, "run_in_threadpool"):
            module.run_in_threadpool = direct  # type: ignore[attr-defined]


def count_statements(ctx) -> list[int]:  # type: ignore[no-untyped-def]
    """Counters of the SQL statements the app sends (BEGIN and COMMIT included where the driver
    sends them as statements) and, apart, of the pool's connection checks (pings)."""
    from sqlalchemy import event

    sent = [0, 0]

    def count(*_args) -> None:  # type: ignore[no-untyped-def]
        sent[0] += 1

    event.listen(ctx.store.engine, "before_cursor_execute", count)
    dialect = ctx.store.engine.dialect
    ping = dialect.do_ping

    def counted_ping(dbapi_connection) -> bool:  # type: ignore[no-untyped-def]
        sent[1] += 1
        return bool(ping(dbapi_connection))

    dialect.do_ping = counted_ping
    return sent


async def one(client: Client, route: str, r: int) -> int:
    base = f"/people/{client.uid}"
    http = client.http
    if route == "dashboard":
        response = await http.get(base)
    elif route == "program":
        response = await http.get(f"{base}/program")
    elif route == "session-log":
        form = {"csrf_token": client.csrf, "note": f"cost {r}", "session": client.session_id}
        form |= {f"done_{e}": "on" for e in client.exercises}
        form |= {"pain_before": "3", "pain_after": "2"}
        response = await http.post(f"{base}/sessions", data=form)
    else:
        if r % 2 == 0:
            form = {"csrf_token": client.csrf, "question_id": client.question, "answer": "40"}
            response = await http.post(f"{base}/checkup/answer", data=form)
        else:
            response = await http.post(f"{base}/checkup/back", data={"csrf_token": client.csrf})
    return response.status_code


async def run(args: argparse.Namespace, email: str) -> dict[str, dict[str, float]]:
    from kneechain.services.context import ServiceContext
    from kneechain.web.app import create_app

    ctx = ServiceContext.open()
    app = create_app(ctx)
    statements = count_statements(ctx)
    transport = httpx.ASGITransport(app=app)
    figures: dict[str, dict[str, float]] = {}
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
        client = Client(email, http)
        await log_in(client)
        for route in args.routes:
            for r in range(10):  # warm-up
                await one(client, route, r)
            profile = cProfile.Profile() if route == args.profile else None
            cpu, wall, sent = time.process_time(), time.perf_counter(), list(statements)
            if profile:
                profile.enable()
            statuses = [await one(client, route, r) for r in range(args.count)]
            if profile:
                profile.disable()
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            sent = [now - then for now, then in zip(statements, sent, strict=True)]
            wrong = [s for s in statuses if s != EXPECTED[route]]
            assert not wrong, f"{route}: statuses {sorted(set(wrong))}"
            figures[route] = {
                "cpu_ms": round(cpu / args.count * 1000, 2),
                "wall_ms": round(wall / args.count * 1000, 2),
                "statements": round(sent[0] / args.count, 1),
                "pings": round(sent[1] / args.count, 1),
            }
            if profile:
                stats = pstats.Stats(profile).sort_stats(args.sort)
                stats.dump_stats(f"/tmp/cost-{route}.prof")
                stats.strip_dirs()
                stats.print_stats(args.top)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--routes", nargs="+", choices=ROUTES, default=list(ROUTES))
    parser.add_argument("--profile", choices=ROUTES, default=None)
    parser.add_argument("--sort", default="cumulative", help="pstats order (cumulative, tottime)")
    parser.add_argument("--top", type=int, default=45)
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="kneechain-cost-"))
    database_url = postgres_database() if args.db == "postgres" else None
    os.environ["KNEECHAIN_DATA_DIR"] = str(data_dir)
    if database_url:
        os.environ["KNEECHAIN_DATABASE_URL"] = database_url
    email = seed(data_dir, database_url, 1)[0]
    if args.profile:
        inline_thread_pool()
    figures = asyncio.run(run(args, email))
    print(json.dumps({"db": args.db, "count": args.count, "routes": figures}, indent=2))


if __name__ == "__main__":
    main()
