"""How the terminal reports errors: once, for every command.

A `KneechainError` is printed in plain words (message, each problem, hint) on stderr and ends the
command with its exit code (kneechain.errors.EXIT_CODES). Anything else is a fault of ours: the
person sees one sentence and where the details were written, never a traceback.
"""

from __future__ import annotations

import os
import sys
import tempfile
import traceback
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

if TYPE_CHECKING:
    from kneechain.errors import KneechainError

#: the terminal's own words for what to type next; the core's messages name no option
TERMINAL_HINTS = {
    "person.ambiguous": "Say whose with --person NAME.",
    "person.none": "Add someone first: kneechain person add NAME.",
    "program.none": "Record an assessment first: kneechain record CASE.json.",
}


def report(error: KneechainError, console: Console | None = None) -> None:
    """Print a KneechainError for a person (with the terminal's hint where it has one)."""
    err = console or Console(stderr=True)
    if error.code in TERMINAL_HINTS:
        error.hint = TERMINAL_HINTS[error.code]
    err.print(f"[bold red]Error:[/] {escape(error.message)}", highlight=False)
    for problem in error.problems:
        err.print(f"  - {escape(problem)}", highlight=False)
    if error.hint:
        # a clip that cannot be measured: the hint is how to film it again
        label = "[yellow]How to fix:[/] " if error.kind == "bad_media" else ""
        err.print(label + escape(error.hint), highlight=False)


def fail(message: str, hint: str | None = None, field: str | None = None) -> typer.Exit:
    """A problem with what was typed on the command line (it may name the option)."""
    from kneechain.errors import KneechainError

    report(KneechainError("cli.invalid", message, hint=hint, field=field))
    return typer.Exit(code=2)


def parse_date(text: str | None, option: str) -> date | None:
    """A YYYY-MM-DD date typed after `option` (None when not given)."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise fail(
            f"{option} {text!r} is not a date.", hint="Write it as YYYY-MM-DD, e.g. 2026-12-07."
        ) from None


def _write_details(exc: BaseException) -> Path | None:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    try:
        with tempfile.NamedTemporaryFile(
            "w", prefix=f"kneechain-error-{stamp}-", suffix=".txt", delete=False
        ) as handle:
            handle.write("".join(traceback.format_exception(exc)))
        return Path(handle.name)
    except OSError:
        return None


def _flags_show_no_type() -> None:
    """In --help, an on/off flag is just its name: Typer would print `<bool>` beside it, which
    reads as if a value had to be typed. (The terminal owns this process, so the change is
    made once, here, for kneechain's own commands.)"""
    from typer.core import TyperOption

    if getattr(TyperOption.display_type_rich, "_kneechain", False):
        return
    original = TyperOption.display_type_rich

    def display_type_rich(self: TyperOption, ctx: Any) -> str | None:
        if self.is_flag and self.metavar is None:
            return None
        return original(self, ctx)

    display_type_rich._kneechain = True  # type: ignore[attr-defined]
    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]


class ReportingGroup(TyperGroup):
    """The `kneechain` command group: every command's errors are reported here."""

    def get_help(self, ctx: Any) -> str:
        _flags_show_no_type()
        return super().get_help(ctx)

    def invoke(self, ctx: Any) -> Any:
        _flags_show_no_type()
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            # the reader went away (e.g. `kneechain ... | head`): stop quietly
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise typer.Exit(code=0) from None
        except KeyboardInterrupt:
            Console(stderr=True).print("Stopped.")
            raise typer.Exit(code=130) from None
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except Exception as exc:
            from kneechain.errors import KneechainError

            if isinstance(exc, KneechainError):
                report(exc)
                raise typer.Exit(code=exc.exit_code) from None
            if type(exc).__module__.startswith(("click", "typer")):
                raise  # usage errors: typer prints them itself
            details = _write_details(exc)
            where = f" Details are in {details}." if details else ""
            Console(stderr=True).print(
                "[bold red]Error:[/] kneechain hit a problem of its own and stopped; nothing "
                f"was changed by the failed step.{escape(where)} Please report it.",
                highlight=False,
            )
            raise typer.Exit(code=1) from None
