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
    "jobs": {"knowledge", "vision", "assess", "track"},
    "services": {"knowledge", "vision", "assess", "program", "report", "track", "jobs"},
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
COMMON = {"base", "errors", "settings"}


def _violations(package: str) -> list[str]:
    """Imports that break the package's rule. Front-end modules (`cli*.py`: each stage keeps
    its terminal shell beside it) sit above every package and are checked separately."""
    problems = []
    for path in sorted((PACKAGE / package).rglob("*.py")):
        if _is_front_end(path):
            continue
        bad = _imports(path) - ALLOWED[package] - {package} - COMMON
        problems += [f"{path.relative_to(PACKAGE)} imports kneechain.{b}" for b in sorted(bad)]
    return problems


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_what_architecture_allows(package: str) -> None:
    assert _violations(package) == []


@pytest.mark.parametrize("module", sorted(COMMON))
def test_common_modules_import_only_each_other(module: str) -> None:
    assert _imports(PACKAGE / f"{module}.py") <= COMMON - {module}


#: front ends: the only modules that may import typer or rich (a terminal is one front end)
TERMINAL_LIBRARIES = {"typer", "rich"}


def _is_front_end(path: Path) -> bool:
    rel = path.relative_to(PACKAGE)
    return (
        path.stem == "cli"
        or path.stem.startswith("cli_")
        or rel.parts[0] in {"demo.py", "__main__.py", "cli"}
    )


def _third_party(path: Path) -> set[str]:
    """Top-level names of everything a module imports."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_typer_and_rich_only_in_cli_modules() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)} imports {', '.join(sorted(libs))}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if not _is_front_end(path) and (libs := _third_party(path) & TERMINAL_LIBRARIES)
    ]
    assert offenders == []


def test_services_import_no_front_end() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)} imports kneechain.{name}"
        for path in sorted((PACKAGE / "services").rglob("*.py"))
        for name in _imports(path) & {"web", "cli", "demo"}
    ]
    offenders += [
        f"{path.relative_to(PACKAGE)} imports {', '.join(sorted(libs))}"
        for path in sorted((PACKAGE / "services").rglob("*.py"))
        if (libs := _third_party(path) & (TERMINAL_LIBRARIES | {"fastapi", "starlette"}))
    ]
    assert offenders == []


def test_front_ends_use_no_pose_pipeline_internals() -> None:
    """The web app and the terminal reach video analysis through services (and jobs), never
    by calling the pose pipeline's internals."""
    internals = {
        "kneechain.vision.parallel",
        "kneechain.vision.workshare",
        "kneechain.vision.models",
        "kneechain.vision.pose",
        "kneechain.vision.person",
    }
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        if rel.parts[0] != "web" and not _is_front_end(path):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module in internals:
                offenders.append(f"{rel} imports {node.module}")
    assert offenders == []


def _module_names(path: Path) -> set[str]:
    """Full names of the kneechain modules a module imports (from-imports name their module)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("kneechain.")}
        elif (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.level == 0
            and node.module.startswith("kneechain")
        ):
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return found


def _names_front_end(module: str) -> bool:
    parts = module.split(".")
    return any(p == "cli" or p.startswith("cli_") or p == "demo" for p in parts[1:]) or (
        len(parts) > 1 and parts[1] == "web"
    )


def test_only_front_ends_import_front_ends() -> None:
    """Data flows one way: no stage, service or job imports a terminal or web module."""
    offenders = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if not _is_front_end(path) and path.relative_to(PACKAGE).parts[0] != "web"
        for name in sorted(_module_names(path))
        if _names_front_end(name)
    ]
    assert offenders == []


def test_the_checker_catches_a_forbidden_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("from kneechain.program.select import x\nimport kneechain.track.db\n")
    assert _imports(module) == {"program", "track"}


def test_every_package_is_in_architecture_md() -> None:
    text = (PACKAGE.parent / "ARCHITECTURE.md").read_text(encoding="utf-8")
    for package in ALLOWED:
        assert f"`{package}/`" in text


#: import cycles between modules that their owners are still removing (empty when all are gone)
KNOWN_CYCLES: set[frozenset[str]] = set()


def _module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _module_imports(path: Path, modules: set[str]) -> set[str]:
    """The kneechain modules a module imports anywhere (function bodies too), except inside
    `if TYPE_CHECKING:`, which never runs."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for stmt in node.body
        for inner in ast.walk(stmt)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        found |= {name for name in names if name in modules}
    return found


def _import_cycles(package: Path) -> list[frozenset[str]]:
    """Groups of modules that import each other (strongly connected components, Tarjan)."""
    modules = {_module_name(p, package.parent): p for p in sorted(package.rglob("*.py"))}
    graph = {m: _module_imports(p, set(modules)) - {m} for m, p in modules.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[frozenset[str]] = []

    def visit(m: str) -> None:
        index[m] = low[m] = len(index)
        stack.append(m)
        for n in graph[m]:
            if n not in index:
                visit(n)
                low[m] = min(low[m], low[n])
            elif n in stack:
                low[m] = min(low[m], index[n])
        if low[m] == index[m]:
            group = set()
            while True:
                n = stack.pop()
                group.add(n)
                if n == m:
                    break
            if len(group) > 1:
                cycles.append(frozenset(group))

    for m in sorted(graph):
        if m not in index:
            visit(m)
    return cycles


def test_no_import_cycles() -> None:
    cycles = set(_import_cycles(PACKAGE))
    assert sorted(sorted(c) for c in cycles - KNOWN_CYCLES) == []


def test_the_cycle_finder_finds_a_cycle(tmp_path: Path) -> None:
    package = tmp_path / "kneechain"
    package.mkdir()
    (package / "a.py").write_text("def f():\n    from kneechain.b import g\n")
    (package / "b.py").write_text("from kneechain import a\n")
    (package / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from kneechain.a import f\n"
    )
    assert _import_cycles(package) == [frozenset({"kneechain.a", "kneechain.b"})]


HEAVY = ("sqlalchemy", "alembic", "numpy", "cv2", "mediapipe", "matplotlib", "weasyprint", "yaml")


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["person", "--help"], ["assess", "--help"], ["knowledge", "--help"]],
)
def test_the_terminal_starts_without_heavy_libraries(argv: list[str]) -> None:
    """`kneechain --help` must answer at once: the database, pose, plotting and PDF libraries
    are imported only by the commands that use them (bench/cli_start.py measures the time)."""
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from kneechain.cli import app\n"
        f"result = CliRunner().invoke(app, {argv!r})\n"
        "assert result.exit_code == 0, result.output\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]"


def test_one_frozen_base() -> None:
    """Frozen pydantic models derive from `kneechain.base.Frozen`; no package defines its own."""
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != PACKAGE / "base.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ClassDef) and node.name == "Frozen"
    ]
    assert offenders == []


#: loaders of the packaged domain content (each reads the packaged files once per process);
#: `measure_index`/`measure_test` are the packaged knowledge base's measure index
PACKAGED_LOADERS = {
    "default_knowledge",
    "default_illustrations",
    "default_rules",
    "default_program_rules",
    "default_config",
    "tracking_config",
    "measure_index",
    "measure_test",
}
#: library modules that must be given their knowledge base, rules and tracking data
DOMAIN_FED = [
    *sorted((PACKAGE / "track").glob("*.py")),
    *sorted((PACKAGE / "program").glob("*.py")),
    *sorted((PACKAGE / "report").rglob("*.py")),
    PACKAGE / "assess" / "engine.py",
    PACKAGE / "assess" / "rules.py",
    PACKAGE / "assess" / "questionnaire.py",
]
#: (module, calling function) pairs allowed to call a packaged loader, and why
LOADER_ALLOWED = {
    # the loaders themselves: the packaged rules and tracking data are checked against the
    # packaged knowledge base (services/domain.py checks them against another one)
    ("assess/rules.py", "default_rules"): "the packaged rules, checked against the packaged kb",
    ("program/rules.py", "default_program_rules"): "the same for the program rules",
    ("track/config.py", "tracking_config"): "the same for the tracking data",
    ("assess/protocols/config.py", "default_config"): "the packaged protocol parameters, "
    "joined with the packaged kb's filming advice and measures",
}


def _loader_calls(path: Path) -> list[tuple[str, str, int]]:
    """(enclosing function, loader, line) for each call of a packaged loader in `path`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[str, str, int]] = []

    def visit(node: ast.AST, where: str) -> None:
        for child in ast.iter_child_nodes(node):
            inner = (
                child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else where
            )
            if isinstance(child, ast.Call):
                func = child.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                if name in PACKAGED_LOADERS:
                    found.append((where, name, child.lineno))
            visit(child, inner)

    visit(tree, "<module>")
    return found


def _front_end_or_loader_free(path: Path) -> list[str]:
    rel = path.relative_to(PACKAGE).as_posix()
    if _is_front_end(path):  # front ends are edges: they may load the packaged content
        return []
    return [
        f"{rel}:{line} {where}() calls {name}()"
        for where, name, line in _loader_calls(path)
        if (rel, where) not in LOADER_ALLOWED
    ]


def test_library_code_is_given_its_domain_not_the_packaged_one() -> None:
    """track/, program/, report/ and the assessment engine read the knowledge base, rules,
    illustrations and tracking data they are given (the service passes `ctx.domain.<part>`),
    never the packaged ones."""
    problems = [p for path in DOMAIN_FED for p in _front_end_or_loader_free(path)]
    assert problems == []


def test_the_loader_check_catches_a_fallback(tmp_path: Path) -> None:
    module = tmp_path / "fallback.py"
    module.write_text("def f(kb=None):\n    return kb or default_knowledge()\n", encoding="utf-8")
    assert _loader_calls(module) == [("f", "default_knowledge", 2)]


def test_video_protocols_call_no_packaged_loader() -> None:
    """The video protocols run inside a job worker, which is given the caller's protocol
    parameters joined with its knowledge base's facts of each test (filming advice, measures:
    `ProtocolConfig.tests`, sent in the task's jobs/work.py JobDomain): they read those, never
    the packaged content (the packaged loader itself, config.default_config, aside; the
    terminal renderer, cli_render.py, is a front end and is given the test)."""
    found = sorted(
        f"{path.relative_to(PACKAGE).as_posix()}:{line} {where}() calls {name}()"
        for path in sorted((PACKAGE / "assess" / "protocols").rglob("*.py"))
        if not _is_front_end(path)
        for where, name, line in _loader_calls(path)
        if (path.relative_to(PACKAGE).as_posix(), where) not in LOADER_ALLOWED
    )
    assert found == [], "give it the domain's part instead"
