"""Decide each finding from its criteria's verdicts, with side, severity, confidence and evidence.

Measurements decide: a finding exists only when at least one reliable measurement crosses its
threshold. Confidence starts at the rules' base, rises when the result is clear (beyond measurement
error), marked, confirmed by another test or on the painful side, falls when another test of the
same finding is normal or a norm had to be assumed, and is nudged by the prior from the answers.
"""

from __future__ import annotations

from kneechain.assess.case import Complaint, Side
from kneechain.assess.criteria import SEVERITY_RANK, Call, Context, rule_calls
from kneechain.assess.explain import explanation
from kneechain.assess.priors import Factor, prior, prior_evidence
from kneechain.assess.result import Evidence, FindingResult, FindingSide, Suspicion
from kneechain.assess.rules import FindingRule, Rules
from kneechain.knowledge.loader import KnowledgeBase

SIDES: tuple[Side, Side] = ("left", "right")


def _final_side(rule: FindingRule, positives: list[Call]) -> FindingSide:
    if rule.kind == "asymmetry":
        lead = max(positives, key=lambda c: (c.ratio, -rule.criteria.index(c.criterion)))
        return lead.side or "both"
    sides = {c.side for c in positives}
    if None in sides or sides == set(SIDES):
        return "both"
    return next(iter(sides))  # type: ignore[return-value]


def _confidence(
    pos: list[Call], neg: list[Call], side: Side, p: float, complaint: Complaint, rules: Rules
) -> float:
    w = rules.confidence
    best = max(pos, key=lambda c: c.bonus)
    score = w.base + best.bonus
    if len({c.criterion.measure for c in pos}) > 1:
        score += w.agreeing
    if neg:
        score += w.disagreeing
    if all(c.assumed for c in pos):
        score += w.assumed_reference
    if complaint.side in (side, "both"):
        score += w.same_side_as_pain
    score += w.prior_weight * (p - rules.prior.base)
    return round(min(w.high, max(w.low, score)), 3)


def _side_calls(calls: list[Call], side: Side, rule: FindingRule) -> tuple[list[Call], list[Call]]:
    """Verdicts supporting the finding on a side, and those against it.

    For an asymmetry every other verdict speaks against it (another test finds no difference, or
    finds the other side worse); for a threshold only normal results on the same side do.
    """
    pos = [c for c in calls if c.positive and c.side in (side, None)]
    if rule.kind == "asymmetry":
        return pos, [c for c in calls if c not in pos]
    return pos, [c for c in calls if not c.positive and c.side in (side, None)]


def _evidence(calls: list[Call], priors: list[Evidence]) -> list[Evidence]:
    measured = sorted(
        (c.evidence for c in calls),
        key=lambda e: (not e.supports, e.ref, e.side or ""),
    )
    return measured + priors


def decide(
    fid: str,
    rule: FindingRule,
    ctx: Context,
    factors: list[Factor],
    complaint: Complaint,
    kb: KnowledgeBase,
) -> tuple[FindingResult | None, list[Call]]:
    """The finding (or None when no reliable measurement crosses a threshold) and all verdicts."""
    calls = rule_calls(rule, ctx)
    positives = [c for c in calls if c.positive]
    if not positives:
        return None, calls
    final = _final_side(rule, positives)
    sides: tuple[Side, ...] = SIDES if final == "both" else (final,)  # type: ignore[assignment]
    confidences: list[float] = []
    for side in sides:
        pos, neg = _side_calls(calls, side, rule)
        if pos:
            p = prior(fid, side, factors, ctx.rules)
            confidences.append(_confidence(pos, neg, side, p, complaint, ctx.rules))
    finding = kb.findings[fid]
    prior_side = None if final == "both" else final
    used = positives if final == "both" else [c for c in positives if c.side in (final, None)]
    result = FindingResult(
        id=fid,
        name=finding.name,
        region=finding.region,
        side=final,
        severity=max((c.severity for c in used), key=SEVERITY_RANK.__getitem__),
        confidence=min(confidences),
        evidence=_evidence(calls, prior_evidence(fid, prior_side, factors)),
        explanation=explanation(rule, used, final, ctx),
        mechanism_ids=list(finding.mechanism_ids),
    )
    return result, calls


def suspicion(fid: str, factors: list[Factor], rules: Rules, kb: KnowledgeBase) -> Suspicion | None:
    """An unmeasured finding the answers make likely enough to be worth testing."""
    p = max(prior(fid, side, factors, rules) for side in SIDES)
    if p < rules.prior.suspicion_min:
        return None
    because = sorted({f.id for f in factors if f.present and fid in f.points_to})
    finding = kb.findings[fid]
    return Suspicion(
        finding_id=fid,
        name=finding.name,
        prior=round(p, 3),
        because=because,
        tests=list(finding.detected_by),
    )
