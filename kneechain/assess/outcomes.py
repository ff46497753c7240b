"""Outcome scores: NPRS ratings and the Kujala total.

Item points and score ranges come from outcomes.yaml, with their sources. Whether a change between
two scores is important is judged in one place for every front end: `track.maths.classify_change`
with the minimal important difference of `track.progress.mcid_of`.
"""

from __future__ import annotations

from kneechain.assess.case import Case
from kneechain.assess.result import OutcomeScore
from kneechain.knowledge.loader import KnowledgeBase
from kneechain.knowledge.models import Outcome

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
