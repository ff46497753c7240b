"""The explicit context every use case receives: settings, the domain bundle and the store.

    with ServiceContext.open() as ctx:              # settings from the environment
        ...
    ctx = ServiceContext.open(Settings(data_dir=tmp))   # tests: an isolated data folder

The database is opened (and on first use created and migrated) the first time a use case
needs it, so use cases that never touch it (assess a file, build a program) never pay for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING

from kneechain.services.domain import Domain
from kneechain.settings import Settings, load_settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from kneechain.track.db import Store


@dataclass
class ServiceContext:
    """Settings, domain and (lazily) the store, owned by the front end that made it."""

    settings: Settings
    domain: Domain
    _store: Store | None = field(default=None, repr=False)

    @classmethod
    def open(cls, settings: Settings | None = None, domain: Domain | None = None) -> ServiceContext:
        return cls(settings or load_settings(), domain or Domain.packaged())

    @property
    def store(self) -> Store:
        """The database and media store (opened on first use)."""
        if self._store is None:
            from kneechain.track.db import open_store  # only use cases that store pay for it

            self._store = open_store(settings=self.settings)
        return self._store

    @contextmanager
    def db(self, *, read_only: bool = False) -> Iterator[Session]:
        """One unit of work: committed on success, rolled back on any error. `read_only=True`
        for one that only reads: on SQLite it does not take the write lock, so it does not
        queue behind writers (and it may not write)."""
        with self.store.session(read_only=read_only) as session:
            yield session

    @contextmanager
    def request(self) -> Iterator[None]:
        """One request of a front end (the web app wraps each in it): on PostgreSQL its units
        of work check their pooled connection once between them, not once each (see
        `track.db.one_check_per_request`)."""
        from kneechain.track.db import one_check_per_request

        with one_check_per_request():
            yield

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def __enter__(self) -> ServiceContext:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
