"""Engines and sessions: SQLite with WAL, foreign keys and immediate write locks, or PostgreSQL.

The schema is created and migrated to the newest revision automatically on first use.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import IO, Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, InvalidatePoolError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from kneechain.settings import Settings
from kneechain.track.errors import StorageError
from kneechain.track.media import MediaStore
from kneechain.track.settings import StoreSettings, resolve_settings

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
#: How long a writer waits for another process's write lock before giving up (milliseconds).
SQLITE_BUSY_MS = 30_000
#: Key of the PostgreSQL advisory lock that serialises migrations between processes.
PG_MIGRATION_LOCK = 7_460_193


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event decide how transactions start (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


#: Execution option of the engine that read-only units of work use (see `Store.session`).
READ_ONLY = "kneechain_read_only"


def _sqlite_begin(connection: Any) -> None:
    # A unit of work that may write takes the write lock up front: two processes never deadlock
    # upgrading a read lock, and the second simply waits (busy_timeout) instead of failing.
    # A read-only one starts a plain (deferred) transaction: in WAL mode it reads its snapshot
    # while a writer holds the lock, instead of queueing behind every writer.
    if connection.get_execution_options().get(READ_ONLY):
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _refuse_writes(session: Session, _context: Any, _instances: Any) -> None:
    if session.new or session.dirty or session.deleted:
        raise RuntimeError(
            "a read-only unit of work was asked to write; open it with ctx.db() instead"
        )


class _Checks:
    """What one request has learnt about the server: when a connection last proved it up."""

    __slots__ = ("up_at",)

    def __init__(self) -> None:
        self.up_at: float | None = None


_CHECKS: ContextVar[_Checks | None] = ContextVar("kneechain_connection_checks", default=None)
_GOOD_AT = "kneechain_good_at"  # connection record info: when the connection last worked
_FRESH = "kneechain_fresh"  # connection record info: connected, not yet checked out


@contextmanager
def one_check_per_request() -> Iterator[None]:
    """Within this block (a web request) a pooled PostgreSQL connection is pinged only when
    nothing in the block has yet proved the server up since the connection last worked: a
    request's three or so units of work ping once, not once each. Outside it, every checkout
    of a connection that is not brand new is pinged (what `pool_pre_ping` does)."""
    token = _CHECKS.set(_Checks())
    try:
        yield
    finally:
        _CHECKS.reset(token)


def _connected(_dbapi_connection: Any, record: Any) -> None:
    record.info[_GOOD_AT] = time.monotonic()
    record.info[_FRESH] = True


def _checked_in(dbapi_connection: Any, record: Any) -> None:
    if dbapi_connection is not None:  # returned after use (reset): it worked until now
        record.info[_GOOD_AT] = time.monotonic()


def _pinger(engine: Engine) -> Any:
    dialect = engine.dialect

    def checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        """The pool's pre-ping, once per request: a connection that worked after this request
        saw the server up needs none (were the server restarted since, the connection that
        proved it up would be dead too: the request overlaps the restart and fails, as any
        would). A failed ping invalidates the whole pool (every connection made before it)
        and the pool retries with a new connection, as `pool_pre_ping` does."""
        checks = _CHECKS.get()
        good_at = record.info.get(_GOOD_AT)
        if record.info.pop(_FRESH, False) and good_at is not None:  # just connected: it is up
            if checks is not None and checks.up_at is None:
                checks.up_at = good_at
            return
        up_at = checks.up_at if checks is not None else None
        if up_at is not None and good_at is not None and good_at >= up_at:
            return
        started = time.monotonic()
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as exc:
            if dialect.is_disconnect(exc, dbapi_connection, None):
                raise InvalidatePoolError() from exc
            raise
        if checks is not None and checks.up_at is None:
            checks.up_at = started

    return checkout


def make_engine(url: str) -> Engine:
    """An engine for `url`; for SQLite the file's folder is created and the pragmas set."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StorageError(
            f"database URL {url!r} is not valid: {exc}. "
            "Use sqlite:///path/to/file.db or postgresql://user@host/dbname."
        ) from exc
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_MS / 1000})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # Last in, first out: a request's next unit of work takes the connection just returned
    # (often its own), which has worked since the request's ping and needs no other.
    engine = create_engine(parsed, pool_use_lifo=True)
    event.listen(engine, "connect", _connected)
    event.listen(engine, "checkin", _checked_in)
    event.listen(engine, "checkout", _pinger(engine))
    return engine


def alembic_config(engine: Engine | None = None) -> Config:
    """Alembic configuration pointing at the migrations shipped inside the package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        url = engine.url.render_as_string(hide_password=False)
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    """The newest packaged schema revision."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise StorageError("no migrations are packaged; the installation is incomplete")
    return head


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at (None when it has no schema yet)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _lock_file(handle: IO[str]) -> None:
    if sys.platform == "win32":
        import msvcrt

        msvcrt.locking(handle.fileno(), msvcrt.LK_LOCK, 1)
    else:
        import fcntl

        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)


@contextmanager
def first_use_lock(engine: Engine) -> Iterator[None]:
    """Let one process at a time create, switch to WAL and migrate a SQLite file (a lock file
    beside it; released when the process ends, even by a crash). Other databases need none."""
    database = engine.url.database
    if not is_sqlite(engine) or not database or database == ":memory:":
        yield
        return
    with Path(database + ".lock").open("a", encoding="utf-8") as handle:
        _lock_file(handle)
        yield


def _enable_wal(engine: Engine) -> None:
    # Outside any transaction (SQLite refuses to change the journal mode inside one); the mode is
    # stored in the file, so this matters only the first time.
    raw = engine.raw_connection()
    try:
        raw.driver_connection.execute("PRAGMA journal_mode=WAL")  # type: ignore[union-attr]
    finally:
        raw.close()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the schema up to `revision` in one transaction, one process at a time."""
    config = alembic_config(engine)
    with first_use_lock(engine):
        if is_sqlite(engine):
            _enable_wal(engine)
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_MIGRATION_LOCK})")
            config.attributes["connection"] = conn
            command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Migrate the schema down to `revision` ("base" removes every table the migrations made)."""
    config = alembic_config(engine)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)


@dataclass(frozen=True)
class Store:
    """The open database and the media store that belong together."""

    engine: Engine
    media: MediaStore
    settings: StoreSettings

    @cached_property
    def _sessions(self) -> sessionmaker[Session]:
        """The session factory, made once per store (a unit of work is made per request)."""
        return sessionmaker(self.engine, expire_on_commit=False)

    @cached_property
    def _read_sessions(self) -> sessionmaker[Session]:
        """The factory of read-only units of work: on SQLite they begin without the write lock
        (PostgreSQL's readers never wait on writers, so they need nothing there); any write
        they would flush is refused, since upgrading a read transaction could deadlock."""
        engine = self.engine.execution_options(**{READ_ONLY: True})
        factory = sessionmaker(engine, expire_on_commit=False)
        event.listen(factory, "before_flush", _refuse_writes)
        return factory

    @contextmanager
    def session(self, *, read_only: bool = False) -> Iterator[Session]:
        """A unit of work: committed on success, rolled back (nothing half-written) on error.
        `read_only`: one that only reads (see `_read_sessions`).

        A database that cannot be reached (a server down or restarting, a connection cut) is a
        StorageError in plain words; the pool replaces dead connections once it is back."""
        try:
            factory = self._read_sessions if read_only else self._sessions
            with factory() as session, session.begin():
                yield session
        except OperationalError as exc:
            raise StorageError(
                "The database cannot be reached just now.",
                code="storage.unreachable",
                hint="Try again in a moment; nothing of this request was stored.",
            ) from exc

    def close(self) -> None:
        self.engine.dispose()


def open_store(
    database_url: str | None = None,
    data_dir: Path | None = None,
    *,
    migrate_schema: bool = True,
    settings: Settings | None = None,
) -> Store:
    """Open (and on first use create and migrate) the database and the media store.

    Explicit arguments win over `settings` (the one settings model; read from the environment
    when not given)."""
    resolved = resolve_settings(database_url, data_dir, settings)
    engine = make_engine(resolved.database_url)
    if migrate_schema:
        try:
            upgrade(engine)
        except OperationalError as exc:
            engine.dispose()
            raise StorageError(
                f"cannot open the database at {engine.url.render_as_string()}: {exc.orig}. "
                "Check the path or URL (KNEECHAIN_DATABASE_URL) and that the server is running."
            ) from exc
    return Store(engine=engine, media=MediaStore(resolved.media_dir), settings=resolved)
