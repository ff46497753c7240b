"""`kneechain settings`: every runtime setting, its variable, and the value in effect."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table


def settings(
    docs: Path | None = typer.Option(
        None, "--docs", help="Write the settings reference (Markdown) to this file."
    ),
) -> None:
    """Show every setting, the environment variable that sets it and the value in effect."""
    from kneechain.settings import ENV_PREFIX, Settings, load_settings, settings_reference

    if docs is not None:
        docs.write_text(settings_reference(), encoding="utf-8")
        Console().print(f"Wrote {docs}", highlight=False)
        return
    current = load_settings()
    table = Table("variable", "value in effect", "what it sets", title="Settings")
    for name, info in Settings.model_fields.items():
        value = getattr(current, name)
        shown = "(not set)" if value is None else str(value)
        table.add_row(f"{ENV_PREFIX}{name.upper()}", escape(shown), escape(info.description or ""))
    Console().print(table)
