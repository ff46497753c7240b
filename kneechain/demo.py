"""`kneechain demo`: the main journey on embedded defaults, grown stage by stage."""

from __future__ import annotations

from rich.console import Console
from rich.rule import Rule

from kneechain.knowledge.loader import default_knowledge
from kneechain.knowledge.show import entry_panel, exercise_rows, test_rows

console = Console()


def show_knowledge() -> None:
    """What the tool knows: the tests it can run and the exercises it can prescribe."""
    kb = default_knowledge()
    console.print(Rule("What kneechain knows"))
    console.print(
        f"{len(kb.tests)} tests, {len(kb.findings)} findings, "
        f"{len(kb.primary_exercises())} exercises, {len(kb.red_flags)} red flags, "
        f"{len(kb.sources)} sources."
    )
    console.print(test_rows(list(kb.tests.values()), kb))
    console.print(exercise_rows(kb.primary_exercises(), kb))
    console.print(entry_panel("findings", kb.findings["hip_ir_deficit"], kb))


def demo() -> None:
    """Run the main journey on embedded defaults (no set-up, no network)."""
    show_knowledge()
