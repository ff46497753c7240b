"""A separate process that logs sessions, for the concurrency and backup tests."""

from __future__ import annotations

from datetime import date, timedelta
from multiprocessing.synchronize import Barrier
from pathlib import Path

from kneechain.knowledge.loader import default_knowledge
from kneechain.track.db import open_store
from kneechain.track.logbook import log_session
from kneechain.track.people import add_person, find_person
from tests import packaged

from .factories import session_on


def log_many(data_dir: str, name: str, count: int, barrier: Barrier) -> None:
    """Wait for the other side, then log `count` sessions, one transaction each."""
    store = open_store(data_dir=Path(data_dir))
    default_knowledge()  # load before the start line, so both sides start writing at once
    barrier.wait(timeout=60)
    try:
        for i in range(count):
            with store.session() as db:
                user = find_person(db, name)
                log_session(
                    db, user, session_on(date(2026, 1, 1) + timedelta(days=i % 300)), kb=packaged.kb
                )
    finally:
        store.close()


def first_use(data_dir: str, name: str, barrier: Barrier) -> None:
    """Open a store that may not exist yet (creating and migrating it) and add one person."""
    barrier.wait(timeout=60)
    store = open_store(data_dir=Path(data_dir))
    try:
        with store.session() as db:
            add_person(db, name)
    finally:
        store.close()
