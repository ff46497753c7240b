"""Load on loopback: the web app under 50 people at once, a fixed number of requests each.

    scripts/pg_test_server.sh run -- .venv/bin/python bench/load.py --db postgres --workers 4
    .venv/bin/python bench/load.py --db sqlite --workers 1

Seeds `--clients` people (each with a stored check-up and its program) through the service
layer, serves the app with `kneechain serve --workers N` on 127.0.0.1, logs every client in
through the log-in form as a different person, then each client does `--rounds` rounds of:

    dashboard      GET  /people/{uid}                the record's start page
    program        GET  /people/{uid}/program        today's routine
    session-log    POST /people/{uid}/sessions       the routine form, ticked, with a unique note
    checkup-answer POST /people/{uid}/checkup/answer the wizard's answer form (a round answers
                   the first question, the next goes back: every client stays on the first ones)

all requests of all clients at once (no think time), each form with its CSRF token as a browser
sends it. Reported per route: requests, errors (anything but the status a browser expects),
p50/p99 latency, and the whole run's requests per second. Afterwards the server is stopped and
the database is read: every session-log the server acknowledged (303) must be stored exactly
once, and none that was not acknowledged may be stored twice.

The load generator (`Browser`: HTTP/1.1 keep-alive over asyncio streams, no HTTP library) runs
in a process of its own, apart from the seeding and the checks, but on the same machine as the
server, sharing its cores: on a small machine the figures are a floor, not the app's ceiling.
Also reported: CPU ms per request of the server's processes and of the generator during the
rounds (figures that a busy machine disturbs far less than latency), the garbage collector's
collections and pauses in the server's processes during the rounds (bench/gcprobe: one line
written per collection), and the load average. Nothing leaves the loopback address.

    .venv/bin/python bench/load.py --db sqlite --clients 1 --rounds 40   # one client alone
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT / "examples" / "desk_worker_bilateral_ir_deficit.json"
GC_PROBE = ROOT / "bench" / "gcprobe"
PASSWORD = "load test password"
EXPECTED = {"dashboard": 200, "program": 200, "session-log": 303, "checkup-answer": 303}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def postgres_database() -> str:
    """A fresh database on the test server named by KNEECHAIN_TEST_POSTGRES_URL."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from kneechain.settings import normalise_url

    server = os.environ.get("KNEECHAIN_TEST_POSTGRES_URL")
    if not server:
        sys.exit("no PostgreSQL: run through scripts/pg_test_server.sh run -- ...")
    url = make_url(normalise_url(server))
    name = f"kc_load_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def drop_database(database_url: str) -> None:
    """Drop the run's database (made by `postgres_database`) once it has been checked."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from kneechain.settings import normalise_url

    name = make_url(database_url).database
    server = normalise_url(os.environ["KNEECHAIN_TEST_POSTGRES_URL"])
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    except Exception as exc:  # a connection still open: the test server is thrown away anyway
        print(f"database {name} kept: {exc}", file=sys.stderr)
    finally:
        admin.dispose()


def seed(data_dir: Path, database_url: str | None, clients: int) -> list[str]:
    """`clients` people with an account, a stored check-up and its program; their e-mails."""
    from kneechain.assess.case import Case
    from kneechain.services import accounts, assessment
    from kneechain.services.context import ServiceContext
    from kneechain.settings import Settings

    case = json.loads(CASE.read_text())
    on = str(date.today() - timedelta(days=3))
    emails = []
    with ServiceContext.open(Settings(data_dir=data_dir, database_url=database_url)) as ctx:
        for i in range(clients):
            email, name = f"person{i}@example.org", f"Person {i:03d}"
            accounts.sign_up(
                ctx, {"email": email, "password": PASSWORD, "name": name, "role": "person"}
            )
            assessment.record(ctx, name, Case.model_validate(case | {"assessed_on": on}))
            emails.append(email)
    return emails


class HttpError(Exception):
    """No (whole) answer on the connection: refused, closed early, malformed, or too slow."""


@dataclass
class Response:
    status_code: int
    headers: list[tuple[str, str]]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Browser:
    """One browser tab's HTTP/1.1 keep-alive connection to 127.0.0.1: it writes a request's bytes,
    reads the head and the body (Content-Length or chunked), keeps the cookies the server sets
    and sends them back, and follows no redirect. It replaces httpx here because on a small
    machine the generator shares the server's cores: every millisecond it spends parsing is
    taken from the server and shows as latency (docs/reliability.md, Load). Reconnects after
    4 s idle, before uvicorn's 5 s keep-alive ends the connection (a client that logged in
    first and waited for the others would otherwise send on a connection being closed), and
    when the server said `Connection: close`."""

    IDLE_S = 4.0

    def __init__(self, port: int, timeout: float = 60) -> None:
        self.port, self.timeout = port, timeout
        self.cookies: dict[str, str] = {}
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.last_used = 0.0

    async def get(self, path: str) -> Response:
        return await self.request("GET", path)

    async def post(self, path: str, data: dict[str, str]) -> Response:
        return await self.request("POST", path, urlencode(data).encode())

    async def request(self, method: str, path: str, body: bytes | None = None) -> Response:
        try:
            return await asyncio.wait_for(self._exchange(method, path, body), self.timeout)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as e:
            await self.close()
            raise HttpError(type(e).__name__) from e
        except TimeoutError as e:
            await self.close()
            raise HttpError("Timeout") from e

    async def _exchange(self, method: str, path: str, body: bytes | None) -> Response:
        if self.writer is not None and time.monotonic() - self.last_used > self.IDLE_S:
            await self.close()
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
        if self.cookies:
            head += "Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()) + "\r\n"
        if body is not None:
            head += "Content-Type: application/x-www-form-urlencoded\r\n"
            head += f"Content-Length: {len(body)}\r\n"
        self.writer.write((head + "\r\n").encode("latin-1") + (body or b""))
        lines = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        pairs = (line.partition(":") for line in lines[1:] if line)
        headers = [(k.strip().lower(), v.strip()) for k, _, v in pairs]
        fields = dict(headers)
        if "content-length" in fields:
            content = await self.reader.readexactly(int(fields["content-length"]))
        elif fields.get("transfer-encoding", "").lower() == "chunked":
            content = await self._chunks()
        else:
            content = b""  # 1xx, 204 and 304 have no body; uvicorn sends a length otherwise
        for name, value in headers:
            if name == "set-cookie":
                self._keep(value)
        self.last_used = time.monotonic()
        if fields.get("connection", "").lower() == "close":
            await self.close()
        return Response(status, headers, content)

    async def _chunks(self) -> bytes:
        assert self.reader is not None
        parts = []
        while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
            parts.append((await self.reader.readexactly(size + 2))[:-2])
        while await self.reader.readuntil(b"\r\n") != b"\r\n":  # trailers
            pass
        return b"".join(parts)

    def _keep(self, header: str) -> None:
        pair, *attributes = header.split(";")
        name, _, value = pair.strip().partition("=")
        gone = any(a.strip().lower() in ("max-age=0", "max-age=-1") for a in attributes)
        if gone or not value.strip('"'):
            self.cookies.pop(name, None)
        else:
            self.cookies[name] = value

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


@dataclass
class Client:
    email: str
    http: Browser
    uid: str = ""
    csrf: str = ""
    session_id: str = ""
    exercises: list[str] = field(default_factory=list)
    question: str = ""
    acknowledged: list[str] = field(default_factory=list)
    unacknowledged: list[str] = field(default_factory=list)


async def log_in(client: Client) -> None:
    anon = (await client.http.get("/api/csrf")).json()["csrf_token"]
    form = {"email": client.email, "password": PASSWORD, "csrf_token": anon}
    response = await client.http.post("/login", data=form)
    assert response.status_code == 303, response.text[:300]
    me = (await client.http.get("/api/me")).json()
    client.uid = me["person_uid"]
    client.csrf = (await client.http.get("/api/csrf")).json()["csrf_token"]
    day = (await client.http.get(f"/api/people/{client.uid}/routine")).json()
    if not day["exercises"]:  # a rest day: log the program's first session kind instead
        client.session_id = day["sessions"][0]["id"]
        url = f"/api/people/{client.uid}/routine?session={client.session_id}"
        day = (await client.http.get(url)).json()
    else:
        client.session_id = day["session"]["id"] if day["session"] else ""
    client.exercises = [e["main"]["exercise_id"] for e in day["exercises"]]
    step = (await client.http.get(f"/api/people/{client.uid}/checkup")).json()
    client.question = step["question"]["id"]
    assert client.question == "age", "the wizard's first question changed: adapt the answer"
    for page in ("", "/program"):  # warm-up (templates compiled in every worker), not measured
        assert (await client.http.get(f"/people/{client.uid}{page}")).status_code == 200


Sample = tuple[str, int, float, str]  # route, status (0: no answer), seconds, why no answer


async def timed(samples: list[Sample], route: str, call) -> Response | None:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    try:
        response = await call
    except HttpError as exc:
        samples.append((route, 0, time.perf_counter() - start, str(exc)))
        return None
    samples.append((route, response.status_code, time.perf_counter() - start, ""))
    return response


async def rounds(client: Client, count: int, samples: list[Sample]) -> None:
    base = f"/people/{client.uid}"
    for r in range(count):
        await timed(samples, "dashboard", client.http.get(base))
        await timed(samples, "program", client.http.get(f"{base}/program"))
        note = f"load {client.uid} {r}"
        form = {"csrf_token": client.csrf, "note": note, "session": client.session_id}
        form |= {f"done_{e}": "on" for e in client.exercises}
        form |= {"pain_before": "3", "pain_after": "2"}
        sent = await timed(samples, "session-log", client.http.post(f"{base}/sessions", data=form))
        if sent is not None and sent.status_code == 303:
            client.acknowledged.append(note)
        else:
            client.unacknowledged.append(note)
        if r % 2 == 0:
            form = {"csrf_token": client.csrf, "question_id": client.question, "answer": "40"}
            call = client.http.post(f"{base}/checkup/answer", data=form)
        else:
            call = client.http.post(f"{base}/checkup/back", data={"csrf_token": client.csrf})
        await timed(samples, "checkup-answer", call)


def stored_notes(data_dir: Path, database_url: str | None) -> dict[str, int]:
    from sqlalchemy import func, select

    from kneechain.services.context import ServiceContext
    from kneechain.settings import Settings
    from kneechain.track.models import ExerciseSessionRecord

    settings = Settings(data_dir=data_dir, database_url=database_url)
    with ServiceContext.open(settings) as ctx, ctx.db() as db:
        rows = db.execute(
            select(ExerciseSessionRecord.note, func.count())
            .where(ExerciseSessionRecord.note.like("load %"))
            .group_by(ExerciseSessionRecord.note)
        ).all()
    return {note: count for note, count in rows}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def start_server(env: dict[str, str], port: int, workers: int) -> subprocess.Popen[bytes]:
    """`kneechain serve` as a clinic runs it: one process, or `--workers` processes (each with
    its own listening socket on Linux, see kneechain/web/workers.py)."""
    command = [sys.executable, "-m", "kneechain", "serve", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(workers)]
    return subprocess.Popen(command, env=env, start_new_session=True, stdout=subprocess.DEVNULL)


def wait_until_up(port: int, server: subprocess.Popen[bytes], limit: float = 120) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"the server stopped with status {server.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/csrf", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.3)
    sys.exit("the server did not answer in time")


@dataclass
class Run:
    """What the load generator's process hands back: the samples, the session logs sent (the
    notes the server acknowledged and those it did not), the time and the CPU it used."""

    samples: list[Sample]
    acknowledged: list[str]
    unacknowledged: list[str]
    seconds: float
    generator_cpu_s: float
    server_cpu_s: float | None
    window: tuple[float, float]  # the rounds' start and end, wall-clock (time.time())


def generate(port: int, emails: list[str], count: int, server_pid: int) -> Run:
    """The load generator, run in a process of its own (see `main`): log the clients in, then
    time every request of every round, and count the server's CPU over the same span."""
    clients, samples, window, cpu = asyncio.run(drive(port, emails, count, server_pid))
    return Run(
        samples=samples,
        acknowledged=[n for c in clients for n in c.acknowledged],
        unacknowledged=[n for c in clients for n in c.unacknowledged],
        seconds=window[1] - window[0],
        generator_cpu_s=cpu[0],
        server_cpu_s=cpu[1],
        window=window,
    )


def session_cpu_seconds(session: int) -> float | None:
    """CPU seconds (user + system) of the live processes of one session (the server: `kneechain
    serve`, its supervisor and workers); None where /proc cannot tell."""
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    total = 0
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == session:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


async def drive(
    port: int, emails: list[str], count: int, server_pid: int
) -> tuple[list[Client], list[Sample], tuple[float, float], tuple[float, float | None]]:
    """The clients' rounds, their start and end (wall clock), and the CPU seconds of this
    process and of the server during them."""
    clients = [Client(email, Browser(port)) for email in emails]  # one connection each
    for group in range(0, len(clients), 10):  # log in ten at a time (argon2 is meant to be slow)
        await asyncio.gather(*(log_in(c) for c in clients[group : group + 10]))
    samples: list[Sample] = []
    server_cpu, own_cpu = session_cpu_seconds(server_pid), time.process_time()
    start = time.time()
    await asyncio.gather(*(rounds(c, count, samples) for c in clients))
    end = time.time()
    after, own_cpu = session_cpu_seconds(server_pid), time.process_time() - own_cpu
    for client in clients:
        await client.http.close()
    used = after - server_cpu if after is not None and server_cpu is not None else None
    return clients, samples, (start, end), (own_cpu, used)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--out", type=Path, default=None, help="write the figures as JSON here")
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="kneechain-load-"))
    database_url = postgres_database() if args.db == "postgres" else None
    emails = seed(data_dir, database_url, args.clients)
    env = dict(os.environ, KNEECHAIN_DATA_DIR=str(data_dir))
    gc_log = data_dir / "gc" / "collections"  # the server's collections (bench/gcprobe)
    gc_log.parent.mkdir()
    env["KNEECHAIN_BENCH_GC_LOG"] = str(gc_log)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(GC_PROBE), env.get("PYTHONPATH")]))
    if database_url:
        env["KNEECHAIN_DATABASE_URL"] = database_url
    port = free_port()
    server = start_server(env, port, args.workers)
    try:
        wait_until_up(port, server)
        # The generator gets a fresh process of its own: nothing of the seeding (imports, the
        # store, garbage) shares its interpreter, and its CPU is counted apart from the rest.
        spawn = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
            run = pool.submit(generate, port, emails, args.rounds, server.pid).result()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)

    stored = stored_notes(data_dir, database_url)
    gc_figures = gc_pauses(gc_log, run.window, len(run.samples))
    samples, elapsed = run.samples, run.seconds
    acknowledged, unacknowledged = run.acknowledged, run.unacknowledged
    missing = [n for n in acknowledged if stored.get(n, 0) == 0]
    twice = [n for n, k in stored.items() if k > 1]
    strangers = set(stored) - set(acknowledged) - set(unacknowledged)

    by_route: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        by_route[sample[0]].append(sample)
    report = {
        "db": args.db,
        "workers": args.workers,
        "clients": args.clients,
        "rounds": args.rounds,
        "requests": len(samples),
        "seconds": round(elapsed, 2),
        "requests_per_second": round(len(samples) / elapsed, 1),
        "cpus": os.cpu_count(),
        "load_average_1min_after": round(os.getloadavg()[0], 2),
        # CPU per request during the rounds: the server's processes (the supervisor and the
        # workers; not PostgreSQL's own) and the load generator's process
        "server_cpu_ms_per_request": _per_request(run.server_cpu_s, len(samples)),
        "generator_cpu_ms_per_request": _per_request(run.generator_cpu_s, len(samples)),
        # the garbage collector's pauses in the server's processes during the rounds
        "server_gc": gc_figures,
        "routes": {
            route: {
                "requests": len(rows),
                "errors": sum(1 for r in rows if r[1] != EXPECTED[route]),
                "statuses": dict(sorted(Counter(r[1] for r in rows).items())),
                "no_answer": dict(Counter(r[3] for r in rows if r[3])),
                "p50_ms": round(percentile([r[2] for r in rows], 0.50) * 1000, 1),
                "p99_ms": round(percentile([r[2] for r in rows], 0.99) * 1000, 1),
                "mean_ms": round(statistics.fmean(r[2] for r in rows) * 1000, 1),
            }
            for route, rows in sorted(by_route.items())
        },
        "session_logs": {
            "acknowledged": len(acknowledged),
            "not_acknowledged": len(unacknowledged),
            "acknowledged_missing": len(missing),
            "stored_twice": len(twice),
            "stored_but_never_sent": len(strangers),
        },
    }
    print(json.dumps(report, indent=2))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2) + "\n")
    shutil.rmtree(data_dir, ignore_errors=True)  # the run's records are checked: not kept
    if database_url:
        drop_database(database_url)
    ok = not missing and not twice and not strangers
    sys.exit(0 if ok else 1)


def gc_pauses(log: Path, window: tuple[float, float], requests: int) -> dict[str, Any]:
    """The collections bench/gcprobe logged in the server's processes between the rounds'
    start and end: how many of each generation, their pauses in all, per request, the longest,
    and how many took 5 ms or more."""
    pauses: list[tuple[int, float]] = []
    for path in log.parent.glob(log.name + ".*"):
        for line in path.read_text().splitlines():
            ended, generation, took = line.split()
            if window[0] <= float(ended) <= window[1]:
                pauses.append((int(generation), float(took) * 1000))
    durations = [took for _, took in pauses]
    return {
        "collections": {str(g): sum(1 for k, _ in pauses if k == g) for g in range(3)},
        "pause_ms_total": round(sum(durations), 1),
        "pause_ms_per_request": round(sum(durations) / requests, 3) if requests else None,
        "pause_ms_max": round(max(durations, default=0.0), 1),
        "pauses_5ms_or_more": sum(1 for took in durations if took >= 5),
    }


def _per_request(seconds: float | None, requests: int) -> float | None:
    return None if seconds is None or not requests else round(seconds / requests * 1000, 2)


if __name__ == "__main__":
    main()
