"""Red-flag triage, checked before anything else: any hit means refer and no exercise program."""

from __future__ import annotations

from kneechain.assess.case import Case
from kneechain.assess.result import RedFlagHit
from kneechain.assess.rules import Rules
from kneechain.knowledge.loader import KnowledgeBase

#: The red flag that an injury at or above the Ottawa age raises on its own.
AGE_AFTER_INJURY = "injury_age_55"


def _derived(case: Case, rules: Rules) -> dict[str, str]:
    """Red flags that follow from other answers: red-flag id -> the fields that raised it."""
    age = case.person.age
    if case.complaint.started_with_injury and age is not None and age >= rules.ottawa_age:
        return {AGE_AFTER_INJURY: "person.age and complaint.started_with_injury"}
    return {}


def red_flags(case: Case, rules: Rules, kb: KnowledgeBase) -> list[RedFlagHit]:
    """Every red flag present in the case, in the knowledge base's order (most urgent first)."""
    raised = {fid: f"red_flags.{fid}" for fid, answer in case.red_flags.items() if answer}
    for fid, fields in _derived(case, rules).items():
        raised.setdefault(fid, fields)
    urgency_rank = {"emergency": 0, "same_day": 1, "soon": 2}
    hits = [
        RedFlagHit(
            id=flag.id,
            reason=flag.reason,
            refer_to=flag.refer_to,
            urgency=flag.urgency,
            answered_by=raised[flag.id],
        )
        for flag in kb.red_flags.values()
        if flag.id in raised
    ]
    return sorted(hits, key=lambda h: urgency_rank[h.urgency])
