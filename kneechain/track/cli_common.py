"""What every tracking command shares: the console, the person and day options, opening the
store and ending a command with a plain message (exit code 2)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from kneechain.assess.caseio import CaseError
from kneechain.track.db import Store, open_store
from kneechain.track.errors import StorageError, TrackError
from kneechain.track.models import PersonRecord
from kneechain.track.people import find_person, list_people


def out() -> Console:
    """A console for this command (made per call, so it sees the terminal's current width)."""
    return Console()


PERSON = typer.Option(
    None, "--person", "-p", help="Whose records (a name). May be left out when only one exists."
)
DAY = typer.Option(None, "--date", help="Day in YYYY-MM-DD form (default: today).")


def fail(message: str) -> typer.Exit:
    Console(stderr=True).print(f"[bold red]error:[/] {message}")
    return typer.Exit(code=2)


@contextmanager
def opened() -> Iterator[Store]:
    """Open the store; a user-fixable problem ends the command with the message and code 2."""
    try:
        store = open_store()
    except StorageError as exc:
        raise fail(str(exc)) from exc
    try:
        yield store
    except (TrackError, StorageError, CaseError) as exc:
        raise fail(str(exc)) from exc
    finally:
        store.close()


def resolve_person(db: Session, name: str | None) -> PersonRecord:
    """The named person, or the only person stored when no name is given."""
    if name is not None:
        return find_person(db, name)
    people = [u for u in list_people(db) if u.role == "person"]
    if len(people) == 1:
        return people[0]
    if not people:
        raise TrackError("nobody is stored yet; add someone with `kneechain person add NAME`")
    names = ", ".join(u.name for u in people)
    raise TrackError(f"several people are stored ({names}); say whose with --person NAME")


def with_person(name: str | None, action: Callable[[Session, PersonRecord], None]) -> None:
    with opened() as store, store.session() as db:
        action(db, resolve_person(db, name))
