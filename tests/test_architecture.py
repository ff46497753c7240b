"""The import rules of ARCHITECTURE.md, checked on the real source tree."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "kneechain"

ALLOWED: dict[str, set[str]] = {
    "knowledge": set(),
    "vision": {"knowledge"},
    "assess": {"knowledge", "vision"},
    "program": {"knowledge", "assess"},
    "report": {"knowledge", "assess", "program"},
    "track": {"knowledge", "assess", "program", "vision"},
    "jobs": {"knowledge", "vision", "assess"},
}


def _imports(path: Path) -> set[str]:
    """Top-level kneechain sub-packages a module imports."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "kneechain" and len(parts) > 1:
                found.add(parts[1])
    return found


#: top-level modules of the core that import nothing of ours: every package may use them
COMMON = {"errors", "settings"}


def _violations(package: str) -> list[str]:
    problems = []
    for path in sorted((PACKAGE / package).rglob("*.py")):
        bad = _imports(path) - ALLOWED[package] - {package} - COMMON
        problems += [f"{path.relative_to(PACKAGE)} imports kneechain.{b}" for b in sorted(bad)]
    return problems


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_what_architecture_allows(package: str) -> None:
    assert _violations(package) == []


@pytest.mark.parametrize("module", sorted(COMMON))
def test_common_modules_import_nothing_of_ours(module: str) -> None:
    assert _imports(PACKAGE / f"{module}.py") == set()


def test_the_checker_catches_a_forbidden_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("from kneechain.program.select import x\nimport kneechain.track.db\n")
    assert _imports(module) == {"program", "track"}


def test_every_package_is_in_architecture_md() -> None:
    text = (PACKAGE.parent / "ARCHITECTURE.md").read_text(encoding="utf-8")
    for package in ALLOWED:
        assert f"`{package}/`" in text
