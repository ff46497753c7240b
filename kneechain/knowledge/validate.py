"""Cross-reference checks: every id an entry names must exist, and links must agree both ways."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the loader runs these checks, so this module must not import it at run time
    from kneechain.knowledge.loader import KnowledgeBase


def _missing(kind: str, owner: str, ids: Iterable[str], known: dict[str, object]) -> Iterator[str]:
    for ref in ids:
        if ref not in known:
            yield f"{owner}: names unknown {kind} {ref!r}"


def _source_refs(kb: KnowledgeBase) -> Iterator[str]:
    for name in (
        "mechanisms",
        "risk_factors",
        "signs",
        "tests",
        "exercises",
        "red_flags",
        "outcomes",
        "clinicians",
    ):
        for entry in getattr(kb, name).values():
            yield from _missing("source", f"{name}.{entry.id}", entry.source_ids, kb.sources)
    for test in kb.tests.values():
        for ref in test.references:
            yield from _missing("source", f"tests.{test.id}.{ref.id}", ref.source_ids, kb.sources)
    for ex in kb.exercises.values():
        owner = f"exercises.{ex.id}.dosage"
        yield from _missing("source", owner, ex.dosage.source_ids, kb.sources)
    for out in kb.outcomes.values():
        for mcid in out.mcid:
            yield from _missing("source", f"outcomes.{out.id}.mcid", mcid.source_ids, kb.sources)


def _finding_refs(kb: KnowledgeBase) -> Iterator[str]:
    for f in kb.findings.values():
        owner = f"findings.{f.id}"
        yield from _missing("mechanism", owner, f.mechanism_ids, kb.mechanisms)
        yield from _missing("test", owner, f.detected_by, kb.tests)
        yield from _missing("exercise", owner, f.addressed_by, kb.exercises)
    for name in ("risk_factors", "signs"):
        for entry in getattr(kb, name).values():
            ids = entry.raises if name == "risk_factors" else entry.suggests
            yield from _missing("finding", f"{name}.{entry.id}", ids, kb.findings)
    for t in kb.tests.values():
        yield from _missing("finding", f"tests.{t.id}", t.detects, kb.findings)


def _exercise_refs(kb: KnowledgeBase) -> Iterator[str]:
    for ex in kb.exercises.values():
        owner = f"exercises.{ex.id}"
        yield from _missing("finding", owner, ex.addresses, kb.findings)
        links = [i for i in (ex.regression, ex.progression, ex.variant_of) if i is not None]
        yield from _missing("exercise", owner, links, kb.exercises)
        if ex.id in links:
            yield f"{owner}: refers to itself"


def _agreement(kb: KnowledgeBase) -> Iterator[str]:
    """A finding's exercises and tests must name the finding back, and vice versa."""
    for f in kb.findings.values():
        for ex_id in f.addressed_by:
            ex = kb.exercises.get(ex_id)
            if ex is not None and f.id not in ex.addresses:
                yield f"findings.{f.id}: exercise {ex_id!r} does not list it in addresses"
        for test_id in f.detected_by:
            test = kb.tests.get(test_id)
            if test is not None and f.id not in test.detects:
                yield f"findings.{f.id}: test {test_id!r} does not list it in detects"
    for ex in kb.exercises.values():
        for f_id in ex.addresses:
            f = kb.findings.get(f_id)
            if f is not None and ex.variant_of is None and ex.id not in f.addressed_by:
                yield f"exercises.{ex.id}: finding {f_id!r} does not list it in addressed_by"
    for t in kb.tests.values():
        for f_id in t.detects:
            f = kb.findings.get(f_id)
            if f is not None and t.id not in f.detected_by:
                yield f"tests.{t.id}: finding {f_id!r} does not list it in detected_by"


def _orphans(kb: KnowledgeBase) -> Iterator[str]:
    used_mechanisms = {m for f in kb.findings.values() for m in f.mechanism_ids}
    for m in kb.mechanisms:
        if m not in used_mechanisms:
            yield f"mechanisms.{m}: no finding uses it"
    addressed = {f_id for ex in kb.exercises.values() for f_id in ex.addresses}
    for f in kb.findings:
        if f not in addressed:
            yield f"findings.{f}: no exercise addresses it"
    signs = sorted(s.number for s in kb.signs.values())
    if signs != [1, 2, 3, 4, 5]:
        yield f"signs: expected the five signs numbered 1-5, got {signs}"


def check_links(kb: KnowledgeBase) -> list[str]:
    """Every broken or one-sided link in the knowledge base, as readable lines (empty: all good)."""
    checks = (_source_refs, _finding_refs, _exercise_refs, _agreement, _orphans)
    return [problem for check in checks for problem in check(kb)]
