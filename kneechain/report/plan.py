"""The week-by-week plan as a person reads it: weeks that change nothing new are grouped."""

from __future__ import annotations

from kneechain.program.models import Program


def plan_rows(program: Program) -> list[tuple[str, list[str]]]:
    """('1', items), ('2-3', items)...: consecutive weeks with the same items share a row."""
    groups: list[tuple[int, int, list[str]]] = []
    for step in program.plan:
        if groups and groups[-1][2] == step.items and groups[-1][1] == step.week - 1:
            groups[-1] = (groups[-1][0], step.week, step.items)
        else:
            groups.append((step.week, step.week, list(step.items)))
    return [(str(a) if a == b else f"{a}-{b}", items) for a, b, items in groups]
