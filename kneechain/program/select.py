"""Choose exercises for a set of findings: cover every finding, then fill the time, no duplicates.

Pure functions over the knowledge base and the rules. A finding's weight is its severity weight
times the engine's confidence. Coverage comes first: heaviest finding first, the exercise adding
the most weight wins, and exercises that go on the calendar beat ones tied to a workout or a run.
Then the daily routine and the strength block are filled toward their target minutes. One
exercise per family (an exercise with its regressions and progressions) means no duplicates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from kneechain.knowledge.loader import KnowledgeBase
from kneechain.knowledge.models import Exercise
from kneechain.program.rules import Limit, ProgramRules
from kneechain.program.timing import session_seconds

Block = Literal["daily", "strength", "workout", "run"]
BLOCK_OF: dict[str, Block] = {
    "day": "daily",
    "week": "strength",
    "workout": "workout",
    "run": "run",
}


class FindingLike(Protocol):
    """What the program needs of a finding (AssessmentResult.findings items satisfy it)."""

    @property
    def id(self) -> str: ...
    @property
    def side(self) -> str: ...
    @property
    def severity(self) -> str: ...
    @property
    def confidence(self) -> float: ...


@dataclass(frozen=True)
class Choice:
    """A chosen exercise, the case findings it addresses, and whether coverage required it."""

    exercise: Exercise
    findings: tuple[str, ...]
    score: float
    for_coverage: bool

    @property
    def block(self) -> Block:
        return block_of(self.exercise)


@dataclass(frozen=True)
class _Ctx:
    weights: dict[str, float]
    pool: dict[str, tuple[str, ...]]
    family: dict[str, str]
    kb: KnowledgeBase
    rules: ProgramRules
    limits: dict[str, Limit]


def block_of(ex: Exercise) -> Block:
    """Which part of the week an exercise belongs to, from how often its dose asks for it."""
    return BLOCK_OF[ex.dosage.frequency.per]


def weight(f: FindingLike, rules: ProgramRules) -> float:
    """Severity weight x confidence."""
    return rules.selection.severity_weight[f.severity] * f.confidence  # type: ignore[index]


def families(kb: KnowledgeBase) -> dict[str, str]:
    """Exercise id -> the id naming its family (linked by variant_of, regression, progression)."""
    parent = {e: e for e in kb.exercises}

    def root(x: str) -> str:
        while parent[x] != x:
            x = parent[x]
        return x

    for e in kb.exercises.values():
        for other in (e.variant_of, e.regression, e.progression):
            if other is not None and other in parent:
                a, b = sorted((root(e.id), root(other)))
                parent[b] = a
    return {e: root(e) for e in kb.exercises}


def addressed(ex: Exercise, case_ids: set[str], kb: KnowledgeBase) -> tuple[str, ...]:
    """The case's findings an exercise addresses, by either side of the knowledge link."""
    hits = {f for f in case_ids if f in ex.addresses or ex.id in kb.findings[f].addressed_by}
    return tuple(sorted(hits))


def minutes(ex: Exercise, rules: ProgramRules) -> float:
    """Estimated minutes of one session of the exercise (no extra side work)."""
    return session_seconds(ex.dosage, rules.timing) / 60


def block_minutes(chosen: list[Choice], block: Block, rules: ProgramRules) -> float:
    return sum(minutes(c.exercise, rules) for c in chosen if c.block == block)


def _gain(ex: Exercise, chosen: list[Choice], ctx: _Ctx) -> float:
    """Weight of still-uncovered findings, plus a bonus per finding lacking this kind of work."""
    bonus = ctx.rules.selection.new_category_bonus
    total = 0.0
    for f in ctx.pool[ex.id]:
        covering = [c for c in chosen if f in c.findings]
        total += 0.0 if covering else ctx.weights[f]
        if all(c.exercise.category != ex.category for c in covering):
            total += ctx.weights[f] * bonus
    return total


def _score(ex: Exercise, ctx: _Ctx) -> float:
    return sum(ctx.weights[f] for f in ctx.pool[ex.id])


def _best(options: list[Exercise], chosen: list[Choice], ctx: _Ctx) -> Exercise:
    easier = {e.regression for e in ctx.kb.exercises.values() if e.regression}

    def key(ex: Exercise) -> tuple[bool, float, float, bool, float, str]:
        on_calendar = block_of(ex) in ("daily", "strength")
        gain, score = round(_gain(ex, chosen, ctx), 9), round(_score(ex, ctx), 9)
        # an exercise that is another's easier version is offered as its regression instead
        return (not on_calendar, -gain, -score, ex.id in easier, minutes(ex, ctx.rules), ex.id)

    return min(options, key=key)


def _free(chosen: list[Choice], ctx: _Ctx) -> list[Exercise]:
    taken = {ctx.family[c.exercise.id] for c in chosen}
    return [ctx.kb.exercises[e] for e in ctx.pool if ctx.family[e] not in taken]


def _cover(ctx: _Ctx) -> list[Choice]:
    chosen: list[Choice] = []
    for fid in sorted(ctx.weights, key=lambda f: (-ctx.weights[f], f)):
        if any(fid in c.findings for c in chosen):
            continue
        options = [e for e in _free(chosen, ctx) if fid in ctx.pool[e.id]]
        if options:
            best = _best(options, chosen, ctx)
            chosen.append(Choice(best, ctx.pool[best.id], _score(best, ctx), True))
    return chosen


def _fits(ex: Exercise, chosen: list[Choice], ctx: _Ctx) -> bool:
    limit = ctx.limits.get(block_of(ex))
    if limit is None:
        return False
    used = block_minutes(chosen, block_of(ex), ctx.rules)
    return used < limit.target_minutes and used + minutes(ex, ctx.rules) <= limit.max_minutes


def _fill(chosen: list[Choice], ctx: _Ctx) -> list[Choice]:
    """Add exercises, best first, while their block is below target and stays within its max."""
    chosen = list(chosen)
    while options := [e for e in _free(chosen, ctx) if _fits(e, chosen, ctx)]:
        best = _best(options, chosen, ctx)
        chosen.append(Choice(best, ctx.pool[best.id], _score(best, ctx), False))
    return chosen


def select(
    findings: Sequence[FindingLike],
    kb: KnowledgeBase,
    rules: ProgramRules,
    limits: dict[str, Limit] | None = None,
) -> list[Choice]:
    """The chosen exercises (unordered; see order.py) for findings the knowledge base knows."""
    unknown = sorted({f.id for f in findings} - set(kb.findings))
    if unknown:
        raise ValueError(
            f"unknown finding ids {unknown}; known findings: {', '.join(sorted(kb.findings))}"
        )
    weights: dict[str, float] = {}
    for f in findings:
        weights[f.id] = max(weights.get(f.id, 0.0), weight(f, rules))
    case_ids = set(weights)
    pool = {e.id: addressed(e, case_ids, kb) for e in kb.primary_exercises()}
    default_limits = {"daily": rules.limits.daily, "strength": rules.limits.strength}
    ctx = _Ctx(
        weights=weights,
        pool={k: v for k, v in pool.items() if v},
        family=families(kb),
        kb=kb,
        rules=rules,
        limits=default_limits if limits is None else limits,
    )
    return _fill(_cover(ctx), ctx)
