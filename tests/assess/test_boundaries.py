"""Boundary values at every threshold the rules use, read from the knowledge base itself.

For each threshold a criterion names: the threshold value itself does not make a finding for a
strict comparator (< or >) and does for an inclusive one; a value 0.1 past it always does; a value
0.1 on the normal side never does. Same for every asymmetry reference, on the between-side
difference.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from kneechain.assess.rules import default_rules
from kneechain.knowledge.loader import default_knowledge
from kneechain.knowledge.models import Reference
from tests.assess.helpers import m, run

STEP = 0.1


@dataclass(frozen=True)
class Boundary:
    finding: str
    measure: str
    ref: Reference
    per_side: bool


def _boundaries(kind: str) -> list[Boundary]:
    kb = default_knowledge()
    measures = {ms.id: ms for t in kb.tests.values() for ms in t.measures}
    refs = {(r.measure, r.id): r for t in kb.tests.values() for r in t.references}
    out = []
    for fid, rule in default_rules().findings.items():
        if rule.kind != kind:
            continue
        for c in rule.criteria:
            for ref_id in c.references:
                ref = refs[(c.measure, ref_id)]
                out.append(Boundary(fid, c.measure, ref, measures[c.measure].per_side))
    return out


def _person(ref: Reference) -> dict:
    age = ref.age_min if ref.age_min is not None else 30
    person: dict = {"age": max(age, 18)}
    if ref.activity == "running":
        person["activities"] = [{"kind": "running", "hours_per_week": 3}]
    return person


def _found(b: Boundary, value: float) -> bool:
    extra = {"activity": b.ref.activity} if b.ref.activity else {}
    meas = m(b.measure, value, "left" if b.per_side else None, **extra)
    return run(person=_person(b.ref), measurements=[meas]).finding(b.finding) is not None


THRESHOLDS = _boundaries("threshold")


@pytest.mark.parametrize("b", THRESHOLDS, ids=lambda b: f"{b.finding}-{b.measure}-{b.ref.id}")
def test_threshold_boundary(b: Boundary) -> None:
    assert b.ref.value is not None and b.ref.comparator is not None
    towards = -STEP if b.ref.comparator in ("<", "<=") else STEP
    assert _found(b, b.ref.value) is (b.ref.comparator in ("<=", ">="))
    assert _found(b, b.ref.value + towards) is True
    assert _found(b, b.ref.value - towards) is False


ASYMMETRIES = _boundaries("asymmetry")


@pytest.mark.parametrize("b", ASYMMETRIES, ids=lambda b: f"{b.finding}-{b.measure}")
def test_asymmetry_boundary(b: Boundary) -> None:
    assert b.ref.value is not None and b.ref.comparator == ">"
    kb = default_knowledge()
    spec = next(ms for t in kb.tests.values() for ms in t.measures if ms.id == b.measure)
    base = spec.valid_max - 1  # high values: a deficit finding does not get in the way
    for diff, expected in ((b.ref.value, False), (b.ref.value + STEP, True)):
        meas = [m(b.measure, base, "left"), m(b.measure, base - diff, "right")]
        found = run(person={"age": 30}, measurements=meas).finding(b.finding)
        assert (found is not None) is expected
        if found is not None:
            assert found.side == "right"


def test_every_threshold_rule_is_covered() -> None:
    assert len(THRESHOLDS) >= 17 and len(ASYMMETRIES) == 4
