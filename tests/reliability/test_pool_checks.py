"""On PostgreSQL a request checks its pooled connection once, not once per unit of work (the
session lookup, the permission check and the page each are one); outside a request every
checkout of a pooled connection is checked. That a dead connection is still replaced after a
restart is test_postgres_restart.py's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kneechain.services.context import ServiceContext
from kneechain.settings import Settings
from kneechain.track.db import Store, one_check_per_request, open_store
from kneechain.web.app import create_app
from tests.track.conftest import postgres_url  # noqa: F401  (fixtures)
from tests.web.conftest import Browser

pytestmark = pytest.mark.postgres


def count_pings(store: Store, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    pings: list[Any] = []
    dialect = store.engine.dialect
    real = dialect.do_ping

    def counted(dbapi_connection: Any) -> bool:
        pings.append(dbapi_connection)
        return real(dbapi_connection)

    monkeypatch.setattr(dialect, "do_ping", counted)
    return pings


@pytest.fixture
def store(postgres_url: str, tmp_path: Path) -> Iterator[Store]:  # noqa: F811
    opened = open_store(postgres_url, tmp_path / "data")
    yield opened
    opened.close()


def test_a_page_pings_the_database_once(
    postgres_url: str,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = Settings(data_dir=tmp_path / "data", database_url=postgres_url)
    with ServiceContext.open(settings) as ctx:
        alex = Browser(create_app(ctx)).signup("alex@example.org", "Alex")
        pings = count_pings(ctx.store, monkeypatch)
        for url in (f"/people/{alex.person_uid}", f"/people/{alex.person_uid}/program"):
            pings.clear()
            assert alex.get(url).status_code == 200
            assert len(pings) == 1, url  # three units of work: session, permission, page


def test_outside_a_request_every_checkout_is_checked(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    with store.session() as db:  # a connection in the pool
        db.connection()
    pings = count_pings(store, monkeypatch)
    for _ in range(3):
        with store.session() as db:
            db.connection()
    assert len(pings) == 3


def test_a_connection_idle_since_before_the_request_saw_the_server_is_checked(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    with store.engine.connect(), store.engine.connect():  # two connections in the pool
        pass
    pings = count_pings(store, monkeypatch)
    with one_check_per_request():
        with store.engine.connect() as first, store.engine.connect() as second:
            # the second has not worked since the first proved the server up: checked too
            assert first.connection.dbapi_connection is not second.connection.dbapi_connection
            assert len(pings) == 2
        with store.engine.connect():  # both have worked since: no third check
            pass
    assert len(pings) == 2
