"""Regressions and progressions: what a person's session reports say to do next (rules as data).

An exercise that hurts (pain at or above the rule's threshold, 0-10) or is reported too hard is
swapped for its regression; after enough pain-free sessions in a row it moves on to its
progression. Pure function of the history; tracking supplies the reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import Field

from kneechain.base import Frozen
from kneechain.knowledge.loader import KnowledgeBase
from kneechain.program.rules import ProgramRules


class SessionReport(Frozen):
    """How one session of one exercise went."""

    exercise_id: str
    pain: float = Field(ge=0, le=10, description="pain during or right after, 0-10")
    too_hard: bool = False


class Change(Frozen):
    """Advice to switch: `to` is the exercise to do instead (None: stop and ask a clinician)."""

    kind: Literal["regress", "progress"]
    exercise_id: str
    to: str | None
    text: str


def _hurts(r: SessionReport, rules: ProgramRules) -> bool:
    when = rules.adapt.regress_when
    return r.pain >= when.pain_at_least or (when.too_hard and r.too_hard)


def next_change(
    exercise_id: str, history: Sequence[SessionReport], kb: KnowledgeBase, rules: ProgramRules
) -> Change | None:
    """The switch the latest reports call for, or None to carry on as prescribed."""
    if exercise_id not in kb.exercises:
        raise ValueError(f"unknown exercise id {exercise_id!r}")
    ex = kb.exercises[exercise_id]
    mine = [r for r in history if r.exercise_id == exercise_id]
    if not mine:
        return None
    a = rules.adapt
    pain = f"{a.regress_when.pain_at_least:g}"
    if _hurts(mine[-1], rules):
        if ex.regression is None:
            return Change(
                kind="regress",
                exercise_id=ex.id,
                to=None,
                text=a.no_regression_text.format(pain=pain),
            )
        name = kb.exercises[ex.regression].name
        text = a.regression_text.format(pain=pain, name=name[:1].lower() + name[1:])
        return Change(kind="regress", exercise_id=ex.id, to=ex.regression, text=text)
    need = a.progress_when.sessions_in_a_row
    recent = mine[-need:]
    easy = all(r.pain <= a.progress_when.pain_at_most and not r.too_hard for r in recent)
    if ex.progression is not None and len(recent) == need and easy:
        name = kb.exercises[ex.progression].name
        text = a.progression_text.format(
            sessions=need,
            max_pain=f"{a.progress_when.pain_at_most:g}",
            name=name[:1].lower() + name[1:],
        )
        return Change(kind="progress", exercise_id=ex.id, to=ex.progression, text=text)
    return None
