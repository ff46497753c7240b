"""Outcome scores: NPRS ratings and the Kujala total, and whether a change is clinically important.

Item points, score ranges and minimal clinically important differences (MCIDs) all come from
outcomes.yaml, with their sources.
"""

from __future__ import annotations

from typing import Literal

from kneechain.assess.case import Case
from kneechain.assess.result import OutcomeScore
from kneechain.knowledge.loader import KnowledgeBase
from kneechain.knowledge.models import Outcome

Change = Literal["improved", "worse", "no_important_change"]

NPRS_PARTS: dict[str, str] = {
    "now": "nprs_now",
    "worst": "nprs_worst",
    "activity": "nprs_activity",
}


def kujala_score(answers: dict[str, str], outcome: Outcome) -> OutcomeScore:
    """The Kujala total (0-100) from item id -> option id; None while items are missing."""
    points = {item.id: {o.id: o.points for o in item.options} for item in outcome.items}
    missing = [item.id for item in outcome.items if item.id not in answers]
    total = sum(points[i][o] for i, o in answers.items())
    return OutcomeScore(
        id=outcome.id,
        label=outcome.name,
        score=None if missing else total,
        min_score=outcome.min_score,
        max_score=outcome.max_score,
        answered=len(answers),
        total_items=len(outcome.items),
        missing_items=missing,
    )


def nprs_scores(case: Case, outcome: Outcome) -> list[OutcomeScore]:
    """One score per NPRS rating given in the complaint (now, worst, with activity)."""
    out: list[OutcomeScore] = []
    for part, field_name in NPRS_PARTS.items():
        value = getattr(case.complaint, field_name)
        if value is None:
            continue
        out.append(
            OutcomeScore(
                id=outcome.id,
                part=part,
                label=f"{outcome.name} ({part})",
                score=value,
                min_score=outcome.min_score,
                max_score=outcome.max_score,
                answered=1,
                total_items=1,
            )
        )
    return out


def outcome_scores(case: Case, kb: KnowledgeBase) -> list[OutcomeScore]:
    """Every outcome score the case allows (Kujala only when at least one item is answered)."""
    scores = nprs_scores(case, kb.outcomes["nprs"])
    if case.outcomes.kujala:
        scores.append(kujala_score(case.outcomes.kujala, kb.outcomes["kujala"]))
    return scores


def mcid_points(outcome: Outcome, population: str | None = None) -> float:
    """The MCID in points for a population (first listed when none is named or none matches)."""
    for mcid in outcome.mcid:
        if population is not None and mcid.population == population:
            return mcid.points
    return outcome.mcid[0].points


def classify_change(
    outcome: Outcome, before: float, after: float, population: str | None = None
) -> Change:
    """'improved' or 'worse' only when the change reaches the MCID, in the outcome's direction."""
    delta = round(after - before if outcome.higher_is_better else before - after, 6)
    threshold = mcid_points(outcome, population)
    if delta >= threshold:
        return "improved"
    if delta <= -threshold:
        return "worse"
    return "no_important_change"
