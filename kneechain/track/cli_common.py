"""What every tracking command shares: the console, the person and day options, the context."""

from __future__ import annotations

from datetime import date

import typer
from rich.console import Console

from kneechain.cli_errors import parse_date


def out() -> Console:
    """A console for this command (made per call, so it sees the terminal's current width)."""
    return Console()


PERSON = typer.Option(
    None, "--person", "-p", help="Whose records (a name). May be left out when only one exists."
)
DAY = typer.Option(None, "--date", help="Day in YYYY-MM-DD form (default: today).")


def parse_day(text: str | None, option: str = "--date") -> date:
    """A YYYY-MM-DD day typed on the command line, today when not given."""
    return parse_date(text, option) or date.today()
