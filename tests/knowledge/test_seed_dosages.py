"""Every dose the seed articles state is in the knowledge base exactly as DOMAIN.md states it.

The expected figures below are transcribed by hand from DOMAIN.md section 5 (the seeds' doses);
they are deliberately not derived from the YAML, so a changed dose makes this test fail.
"""

from __future__ import annotations

import pytest

from kneechain.knowledge.loader import default_knowledge
from kneechain.knowledge.models import Range
from kneechain.knowledge.render import dosage_text

R = Range

# exercise id -> (field, expected value) pairs, per DOMAIN.md section 5
SEED_DOSES: dict[str, dict[str, object]] = {
    # "hold 10-20 s until it eases, move on; 2-3 min per side, at least daily (000)"
    "glute_ball_release": {
        "hold_seconds": R(min=10, max=20), "minutes_per_side": R(min=2, max=3),
        "frequency": ("day", 1, True),
    },
    # "hold sore spots 10-20 s ... 1-2 min per side daily (000)"
    "hip_flexor_ball_release": {
        "hold_seconds": R(min=10, max=20), "minutes_per_side": R(min=1, max=2),
        "frequency": ("day", 1, False),
    },
    # "1-2 min per leg daily (000)"
    "thigh_foam_roll": {"minutes_per_side": R(min=1, max=2), "frequency": ("day", 1, False)},
    # "at least 90 s total per side (004)"
    "tfl_ball_release": {"min_seconds_per_side": 90},
    # "Protocol for the set of four in 004: 30-45 s each, 1-2 rounds"
    "ankle_mobility_stretch": {"work_seconds": R(min=30, max=45), "rounds": R(min=1, max=2)},
    "single_leg_calf_toe_raise": {"work_seconds": R(min=30, max=45), "rounds": R(min=1, max=2)},
    "side_lying_leg_lift": {"work_seconds": R(min=30, max=45), "rounds": R(min=1, max=2)},
}  # fmt: skip

SEED_PHRASES = {
    "glute_ball_release": ["10-20 seconds", "2-3 minutes each side", "at least once a day"],
    "hip_flexor_ball_release": ["10-20 seconds", "1-2 minutes each side", "once a day"],
    "thigh_foam_roll": ["1-2 minutes each side", "once a day"],
    "tfl_ball_release": ["at least 90 seconds in total each side"],
    "ankle_mobility_stretch": ["30-45 seconds each side", "1-2 rounds"],
}


@pytest.mark.parametrize("exercise_id", sorted(SEED_DOSES))
def test_seed_dose_is_exact(exercise_id: str) -> None:
    dosage = default_knowledge().exercises[exercise_id].dosage
    for field, expected in SEED_DOSES[exercise_id].items():
        if field == "frequency":
            per, times, at_least = expected  # type: ignore[misc]
            assert (dosage.frequency.per, dosage.frequency.times.min) == (per, times)
            assert dosage.frequency.at_least is at_least
        else:
            assert getattr(dosage, field) == expected, (exercise_id, field)


@pytest.mark.parametrize("exercise_id", sorted(SEED_PHRASES))
def test_seed_dose_reads_as_stated(exercise_id: str) -> None:
    text = dosage_text(default_knowledge().exercises[exercise_id].dosage)
    for phrase in SEED_PHRASES[exercise_id]:
        assert phrase in text, (exercise_id, text)


def test_seed_doses_cite_the_seed_they_come_from() -> None:
    kb = default_knowledge()
    for exercise_id in ("glute_ball_release", "hip_flexor_ball_release", "thigh_foam_roll"):
        assert "seed_000" in kb.exercises[exercise_id].dosage.source_ids
    for exercise_id in (
        "tfl_ball_release",
        "ankle_mobility_stretch",
        "side_lying_leg_lift",
        "single_leg_calf_toe_raise",
    ):
        assert "seed_004" in kb.exercises[exercise_id].dosage.source_ids


def test_regression_of_foam_roll_is_a_tennis_ball() -> None:
    kb = default_knowledge()
    regression = kb.exercises[kb.exercises["thigh_foam_roll"].regression or ""]
    assert "tennis ball" in regression.equipment
    assert regression.dosage.minutes_per_side == R(min=1, max=2)


def test_cautions_from_the_seeds_are_present() -> None:
    kb = default_knowledge()
    pubic = " ".join(kb.exercises["hip_flexor_ball_release"].cautions).lower()
    assert "pubic bone" in pubic
    pigeon = " ".join(kb.exercises["modified_pigeon"].cautions).lower()
    assert "full pigeon" in pigeon and "knee" in pigeon
    heel = " ".join(kb.exercises["ankle_mobility_stretch"].cautions).lower()
    assert "heel" in heel
