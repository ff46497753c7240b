"""Red flags come first: any one means refer, with the reason and whom to see."""

from __future__ import annotations

import pytest

from kneechain.knowledge.loader import default_knowledge
from tests.assess.helpers import both, run

RED_FLAGS = sorted(default_knowledge().red_flags)


@pytest.mark.parametrize("flag_id", RED_FLAGS)
def test_each_red_flag_refers(flag_id: str) -> None:
    flag = default_knowledge().red_flags[flag_id]
    result = run(red_flags={flag_id: True}, measurements=both("hip_ir_supine", 30, 31))
    assert result.refer is True
    (hit,) = result.red_flags
    assert (hit.id, hit.reason, hit.refer_to, hit.urgency) == (
        flag_id,
        flag.reason,
        flag.refer_to,
        flag.urgency,
    )
    assert hit.answered_by == f"red_flags.{flag_id}"
    assert not result.not_explained and result.clinicians == [] and result.suspicions == []


def test_no_answers_no_referral() -> None:
    result = run(red_flags={flag: False for flag in RED_FLAGS})
    assert not result.refer and result.red_flags == []


@pytest.mark.parametrize(
    ("age", "injury", "refer"),
    [(54, True, False), (55, True, True), (70, False, False), (70, None, False)],
)
def test_ottawa_age_after_injury_is_derived(age: int, injury: bool | None, refer: bool) -> None:
    complaint = {} if injury is None else {"started_with_injury": injury}
    result = run(person={"age": age}, complaint=complaint)
    assert result.refer is refer
    if refer:
        (hit,) = result.red_flags
        assert hit.id == "injury_age_55"
        assert hit.answered_by == "person.age and complaint.started_with_injury"


def test_several_flags_most_urgent_first() -> None:
    result = run(
        red_flags={"night_pain_weight_loss": True, "calf_swelling": True, "locked_knee": True}
    )
    assert [h.urgency for h in result.red_flags] == ["emergency", "soon", "soon"]
    assert result.red_flags[0].id == "calf_swelling"


def test_findings_are_still_reported_for_the_clinician() -> None:
    result = run(red_flags={"locked_knee": True}, measurements=both("hip_ir_supine", 10, 12))
    assert result.refer and result.finding("hip_ir_deficit") is not None
