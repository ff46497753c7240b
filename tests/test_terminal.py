"""How the terminal treats a person: plain help, one way of reporting errors, no tracebacks."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from kneechain.cli import app
from kneechain.cli_errors import ReportingGroup
from kneechain.errors import ErrorKind, KneechainError

runner = CliRunner()


@pytest.mark.parametrize(
    "argv", [["person", "delete", "--help"], ["pose", "--help"], ["analyze", "--help"]]
)
def test_flags_are_shown_without_a_type(argv: list[str]) -> None:
    result = runner.invoke(app, argv, env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    assert "<bool>" not in result.output


def _app_raising(exc: BaseException) -> typer.Typer:
    demo = typer.Typer(cls=ReportingGroup)

    @demo.command()
    def go() -> None:
        raise exc

    @demo.command()
    def other() -> None:  # a second command keeps `go` a sub-command
        """Nothing."""

    return demo


@pytest.mark.parametrize(
    ("kind", "code"),
    [(ErrorKind.invalid_input, 2), (ErrorKind.not_found, 2), (ErrorKind.unavailable, 3)],
)
def test_a_kneechain_error_is_reported_once_in_plain_words(kind: ErrorKind, code: int) -> None:
    error = KneechainError(
        "x.y", "The thing is wrong.", hint="Do this instead.", problems=["a: bad"], kind=kind
    )
    result = runner.invoke(_app_raising(error), ["go"])
    assert result.exit_code == code
    assert result.output.splitlines() == [
        "Error: The thing is wrong.",
        "  - a: bad",
        "Do this instead.",
    ]


def test_a_fault_of_ours_shows_one_sentence_and_where_the_details_are() -> None:
    result = runner.invoke(_app_raising(ZeroDivisionError("boom")), ["go"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output and "ZeroDivisionError" not in result.output
    where = result.output.split("Details are in ")[1].split(". Please")[0]
    details = Path(" ".join(where.split()))
    assert "ZeroDivisionError: boom" in details.read_text(encoding="utf-8")
    details.unlink()


def test_interrupting_a_command_says_stopped() -> None:
    result = runner.invoke(_app_raising(KeyboardInterrupt()), ["go"])
    assert result.exit_code == 130 and "Stopped." in result.output
