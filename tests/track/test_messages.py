"""Messages from the tracking core are for any front end: they name no command-line flag and no
command (the terminal adds its own hints; a web page has neither)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

TRACK = Path(__file__).resolve().parents[2] / "kneechain" / "track"
FLAG = re.compile(r"(^|[\s(`'\"])--[a-z]|`kneechain ")


def _strings(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        and id(node) not in docstrings
    ]  # fmt: skip


def test_core_messages_name_no_flag_or_command() -> None:
    core = [p for p in sorted(TRACK.rglob("*.py")) if not p.stem.startswith("cli")]
    core = [p for p in core if "migrations" not in p.parts]
    found = [
        f"{p.relative_to(TRACK)}: {text!r}"
        for p in core
        for text in _strings(p)
        if FLAG.search(text)
    ]
    assert found == []


def test_the_check_finds_a_flag() -> None:
    assert FLAG.search("add them with --role clinician")
    assert FLAG.search("see `kneechain knowledge list tests`")
    assert not FLAG.search("a 2026-01-05 -- 2026-02-02 span")
