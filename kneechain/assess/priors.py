"""Signs and risk factors: how the answers raise or lower how likely each finding is (the prior).

Measurements decide a finding; the prior only nudges its confidence and says which unmeasured
findings are worth testing. Risk factors are derived from the person's answers with the limits in
rules.yaml; what each one raises comes from the knowledge base.
"""

from __future__ import annotations

from dataclasses import dataclass

from kneechain.assess.case import Case, Side
from kneechain.assess.result import Evidence
from kneechain.assess.rules import Rules
from kneechain.knowledge.loader import KnowledgeBase

BOTH: frozenset[Side] = frozenset(("left", "right"))


@dataclass(frozen=True)
class Factor:
    """One answered sign or one risk factor that is present, with the findings it points to."""

    kind: str  # "sign" or "risk_factor"
    id: str
    present: bool
    sides: frozenset[Side]
    points_to: tuple[str, ...]
    name: str


def _single_plane(case: Case, rules: Rules) -> bool:
    limits = rules.risk_factors
    return any(
        a.kind in limits.single_plane_activities
        and (a.hours_per_week or 0) >= limits.single_plane_hours_min
        and a.includes_mobility_work is not True
        for a in case.person.activities
    )


def _neglected_hip(case: Case) -> bool:
    return any(a.includes_hip_strength_work is False for a in case.person.activities)


def _present_risk_factors(case: Case, rules: Rules) -> dict[str, frozenset[Side]]:
    """Risk-factor id -> sides it applies to, for those present in the case."""
    p = case.person
    limits = rules.risk_factors
    found: dict[str, frozenset[Side]] = {}
    if p.sitting_hours_per_day is not None and p.sitting_hours_per_day >= limits.sitting_hours_min:
        found["prolonged_sitting"] = BOTH
    if _single_plane(case, rules):
        found["single_plane_sport"] = BOTH
    if _neglected_hip(case):
        found["neglected_hip_training"] = BOTH
    if p.tight_calves:
        found["tight_calves"] = BOTH
    if p.previous_ankle_injury:
        found["previous_ankle_injury"] = frozenset(p.previous_ankle_injury)
    if p.high_heels_days_per_week is not None and (
        p.high_heels_days_per_week >= limits.high_heels_days_min
    ):
        found["high_heels"] = BOTH
    return found


def factors(case: Case, rules: Rules, kb: KnowledgeBase) -> list[Factor]:
    """Every answered sign (yes or no) and every risk factor present."""
    out = [
        Factor("sign", sid, answer, BOTH, tuple(kb.signs[sid].suggests), kb.signs[sid].name)
        for sid, answer in case.signs.items()
    ]
    for rid, sides in _present_risk_factors(case, rules).items():
        rf = kb.risk_factors[rid]
        out.append(Factor("risk_factor", rid, True, sides, tuple(rf.raises), rf.name))
    return out


def _weight(f: Factor, rules: Rules) -> float:
    if f.kind == "risk_factor":
        return rules.prior.per_risk_factor
    return rules.prior.per_sign if f.present else -rules.prior.per_sign_no


def relevant(finding_id: str, side: Side | None, all_factors: list[Factor]) -> list[Factor]:
    """The factors that bear on a finding on one side (side None: on either side)."""
    return [
        f for f in all_factors if finding_id in f.points_to and (side is None or side in f.sides)
    ]


def prior(finding_id: str, side: Side | None, all_factors: list[Factor], rules: Rules) -> float:
    """How likely a finding is on a side before measuring, from the answers, within 0-1."""
    total = rules.prior.base + sum(
        _weight(f, rules) for f in relevant(finding_id, side, all_factors)
    )
    return min(1.0, max(0.0, total))


def prior_evidence(finding_id: str, side: Side | None, all_factors: list[Factor]) -> list[Evidence]:
    """The answers behind a finding's prior, as evidence entries."""
    out: list[Evidence] = []
    for f in relevant(finding_id, side, all_factors):
        if f.kind == "sign":
            answer = "yes" if f.present else "no"
            text = f"Sign of hip involvement, '{f.name}': {answer}"
        else:
            where = "" if f.sides == BOTH else f" ({', '.join(sorted(f.sides))})"
            text = f"Risk factor: {f.name}{where}"
        side = next(iter(f.sides)) if len(f.sides) == 1 else None
        out.append(Evidence(kind=f.kind, ref=f.id, side=side, supports=f.present, text=text))
    return out
