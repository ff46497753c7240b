"""NPRS and Kujala scores against hand-computed values."""

from __future__ import annotations

from kneechain.assess.outcomes import kujala_score
from kneechain.knowledge.loader import default_knowledge
from tests.assess.helpers import run

KUJALA = default_knowledge().outcomes["kujala"]
NPRS = default_knowledge().outcomes["nprs"]


def _answers(pick: int) -> dict[str, str]:
    """Every item answered with its option number `pick` (0 best, -1 worst)."""
    return {item.id: item.options[pick].id for item in KUJALA.items}


def test_kujala_has_thirteen_items_best_100_worst_0() -> None:
    assert len(KUJALA.items) == 13
    assert kujala_score(_answers(0), KUJALA).score == 100
    assert kujala_score(_answers(-1), KUJALA).score == 0


def test_kujala_published_item_maxima() -> None:
    maxima = [item.max_points for item in KUJALA.items]
    assert maxima == [5, 5, 5, 10, 5, 10, 10, 10, 10, 10, 10, 5, 5]


def test_kujala_hand_computed_total() -> None:
    answers = _answers(0) | {
        "stairs": "slight_pain_down",  # 8 instead of 10
        "squatting": "partial_weight",  # 2 instead of 5
        "running": "severe_pain",  # 3 instead of 10
        "prolonged_sitting": "must_straighten",  # 4 instead of 10
    }
    assert kujala_score(answers, KUJALA).score == 100 - 2 - 3 - 7 - 6


def test_kujala_incomplete_has_no_score_and_lists_missing_items() -> None:
    answers = _answers(0)
    del answers["jumping"], answers["swelling"]
    score = kujala_score(answers, KUJALA)
    assert score.score is None and score.answered == 11
    assert score.missing_items == ["jumping", "swelling"]


def test_case_outcomes_include_nprs_parts_and_kujala() -> None:
    result = run(
        complaint={"nprs_now": 3, "nprs_worst": 7},
        outcomes={"kujala": _answers(0)},
    )
    parts = {(o.id, o.part): o.score for o in result.outcomes}
    assert parts == {("nprs", "now"): 3, ("nprs", "worst"): 7, ("kujala", None): 100}
