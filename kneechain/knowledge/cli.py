"""`kneechain knowledge ...`: browse and check the knowledge base from the terminal."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(help="Browse and check the knowledge base.", no_args_is_help=True)
console = Console()


class Kind(StrEnum):
    exercises = "exercises"
    tests = "tests"
    findings = "findings"
    mechanisms = "mechanisms"
    signs = "signs"
    risk_factors = "risk_factors"
    red_flags = "red_flags"
    outcomes = "outcomes"
    sources = "sources"
    clinicians = "clinicians"


class Format(StrEnum):
    table = "table"
    json = "json"


def _fail(message: str) -> typer.Exit:
    Console(stderr=True).print(f"[bold red]error:[/] {message}")
    return typer.Exit(code=2)


def _dump(data: object) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


@app.command("list")
def list_entries(
    kind: Kind = typer.Argument(..., help="Which collection to list."),
    fmt: Format = typer.Option(Format.table, "--format", help="table (readable) or json."),
    all_variants: bool = typer.Option(
        False, "--all", help="Also list regressions and progressions of the main exercises."
    ),
) -> None:
    """List a collection: exercises (with doses), tests, findings, and more."""
    from kneechain.knowledge.cli_show import exercise_rows, finding_rows, test_rows
    from kneechain.knowledge.loader import default_knowledge

    kb = default_knowledge()
    entries = list(kb.collection(kind.value).values())
    if kind is Kind.exercises and not all_variants:
        entries = kb.primary_exercises()
    if fmt is Format.json:
        _dump([e.model_dump(mode="json") for e in entries])
        return
    builders = {Kind.exercises: exercise_rows, Kind.tests: test_rows, Kind.findings: finding_rows}
    builder = builders.get(kind)
    if builder is None:
        table = Table("id", "name", title=kind.value.replace("_", " "))
        for e in entries:
            table.add_row(e.id, getattr(e, "name", None) or getattr(e, "title", "") or "")
    else:
        table = builder(entries, kb)
    console.print(table)


@app.command("show")
def show(
    entry_id: str = typer.Argument(..., help="Any id: an exercise, test, finding, source..."),
    fmt: Format = typer.Option(Format.table, "--format", help="table (readable) or json."),
) -> None:
    """Show one entry in full."""
    from kneechain.knowledge.cli_show import entry_panel
    from kneechain.knowledge.loader import KnowledgeError, default_knowledge

    kb = default_knowledge()
    try:
        kind, entry = kb.find(entry_id)
    except KnowledgeError as exc:
        raise _fail(f"{exc}. Try `kneechain knowledge list exercises`.") from exc
    if fmt is Format.json:
        _dump({"kind": kind, **entry.model_dump(mode="json")})
        return
    console.print(entry_panel(kind, entry, kb))


@app.command("validate")
def validate(
    data_dir: Path | None = typer.Option(
        None,
        "--data-dir",
        help="Check another copy of the data folder (default: the packaged one).",
    ),
) -> None:
    """Load every file and check every cross-reference; non-zero exit on any problem."""
    from kneechain.knowledge.loader import KnowledgeError, load_knowledge
    from kneechain.knowledge.validate import check_links

    try:
        kb = load_knowledge(data_dir) if data_dir else load_knowledge()
    except KnowledgeError as exc:
        raise _fail(str(exc)) from exc
    problems = check_links(kb)
    coached = _coaching_problems(kb, data_dir, problems)
    for problem in problems:
        console.print(f"[red]x[/] {problem}")
    if problems:
        raise typer.Exit(code=1)
    counts = ", ".join(f"{len(kb.collection(k.value))} {k.value}" for k in Kind)
    console.print(
        f"[green]ok[/] knowledge base is consistent: {counts}, {coached} coached by the camera"
    )


def _coaching_problems(kb: object, data_dir: Path | None, problems: list[str]) -> int:
    """Check coaching.yaml of the data folder (thresholds with sources or a product choice,
    measures the browser knows: a malformed file fails like any other) against the knowledge
    base (exercise, finding and source ids: adds to `problems`); returns its entry count."""
    from kneechain.knowledge import coaching
    from kneechain.knowledge.loader import DATA_DIR, KnowledgeError, load_document

    path = (data_dir or DATA_DIR) / "coaching.yaml"
    if not path.is_file():
        problems.append(f"{path.name}: missing (the camera coach reads it)")
        return 0
    try:
        entries = load_document(coaching.CoachingFile, path).exercises
    except KnowledgeError as exc:
        raise _fail(str(exc)) from exc
    try:
        coaching.check(kb, entries, path.name)  # type: ignore[arg-type]
    except KnowledgeError as exc:
        problems.append(str(exc))
    return len(entries)


@app.command("docs")
def docs(
    output: Path | None = typer.Option(None, "--output", "-o", help="Write to this file."),
) -> None:
    """Print (or write) the Markdown reference of every norm, dose, finding and source."""
    from kneechain.knowledge.loader import default_knowledge
    from kneechain.knowledge.reference_doc import knowledge_markdown

    text = knowledge_markdown(default_knowledge())
    if output is None:
        typer.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    console.print(f"wrote {output}")
