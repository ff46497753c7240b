"""Rules as data (validated, linked to the knowledge), dose timing, regressions and progressions."""

from __future__ import annotations

import pytest

from kneechain.knowledge.loader import default_knowledge
from kneechain.knowledge.models import Dosage
from kneechain.program.adapt import SessionReport, next_change
from kneechain.program.rules import (
    RULES_PATH,
    ProgramRulesError,
    default_program_rules,
    parse_rules,
)
from kneechain.program.timing import extra_unit, one_side_seconds, session_seconds
from tests import packaged

KB = default_knowledge()
RULES = default_program_rules()
TIMING = RULES.timing


def dose(**fields) -> Dosage:
    base = {"per_side": True, "frequency": {"per": "day", "times": {"min": 1}}, "source_ids": ["x"]}
    return Dosage.model_validate(base | fields)


def test_session_time_by_hand() -> None:
    # 2-3 minutes each side: 2.5 min x 60 x 2 sides + 20 s setting up
    assert session_seconds(dose(minutes_per_side={"min": 2, "max": 3}), TIMING) == 320
    # 2-4 holds of 10-30 s each side: 3 x 20 x 2 + 20
    holds = dose(hold_seconds={"min": 10, "max": 30}, reps={"min": 2, "max": 4})
    assert session_seconds(holds, TIMING) == 140
    # 1-3 sets of 8-12 reps, both legs together: 2 x 10 x 3 s + 1 rest of 30 s + 20
    sets = dose(sets={"min": 1, "max": 3}, reps={"min": 8, "max": 12}, per_side=False)
    assert session_seconds(sets, TIMING) == 110
    # 30-45 s for 1-2 rounds each side: 37.5 x 1.5 per side
    rounds = dose(work_seconds={"min": 30, "max": 45}, rounds={"min": 1, "max": 2})
    assert one_side_seconds(rounds, TIMING) == pytest.approx(56.25)
    run = dose(cadence_increase_percent={"min": 5, "max": 10}, per_side=False)
    run = run.model_copy(update={"frequency": run.frequency.model_copy(update={"per": "run"})})
    assert session_seconds(run, TIMING) == 0


def test_extra_unit_follows_the_form_of_the_dose() -> None:
    assert extra_unit(KB.exercises["lateral_lunge"].dosage) == "sets"
    assert extra_unit(KB.exercises["ankle_mobility_stretch"].dosage) == "rounds"
    assert extra_unit(KB.exercises["glute_ball_release"].dosage) == "minutes"
    assert extra_unit(KB.exercises["modified_pigeon"].dosage) == "holds"


def test_painful_exercise_regresses_to_its_easier_version() -> None:
    history = [SessionReport(exercise_id="thigh_foam_roll", pain=5)]
    change = next_change("thigh_foam_roll", history, KB, RULES)
    assert change is not None and change.kind == "regress" and change.to == "thigh_ball_release"
    assert "4 or more out of 10" in change.text and "tennis ball" in change.text


def test_too_hard_regresses_even_without_pain() -> None:
    history = [SessionReport(exercise_id="lateral_lunge", pain=0, too_hard=True)]
    change = next_change("lateral_lunge", history, KB, RULES)
    assert change is not None and change.to == "lateral_lunge_supported"


def test_no_easier_version_means_stop_and_ask() -> None:
    history = [SessionReport(exercise_id="glute_ball_release", pain=7)]
    change = next_change("glute_ball_release", history, KB, RULES)
    assert change is not None and change.to is None and "physiotherapist" in change.text


def test_progression_after_enough_pain_free_sessions_in_a_row() -> None:
    need = RULES.adapt.progress_when.sessions_in_a_row
    easy = [SessionReport(exercise_id="glute_bridge", pain=1)] * need
    change = next_change("glute_bridge", easy, KB, RULES)
    assert change is not None and change.kind == "progress"
    assert change.to == "single_leg_glute_bridge"
    assert next_change("glute_bridge", easy[:-1], KB, RULES) is None
    broken = [*easy[:-1], SessionReport(exercise_id="glute_bridge", pain=2)]
    assert next_change("glute_bridge", broken, KB, RULES) is None
    other = [SessionReport(exercise_id="lateral_lunge", pain=0)] * need
    assert next_change("glute_bridge", other, KB, RULES) is None


def test_unknown_exercise_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown exercise id 'nope'"):
        next_change("nope", [], KB, RULES)


def test_rules_file_errors_name_the_field() -> None:
    text = RULES_PATH.read_text(encoding="utf-8")
    with pytest.raises(ProgramRulesError, match="max_minutes"):
        parse_rules(text.replace("max_minutes: 20", "max_minutes: 5"), packaged.kb)
    with pytest.raises(ProgramRulesError, match="unknown test 'hop_test'"):
        parse_rules(text.replace("gait: 6", "gait: 6\n    hop_test: 2"), packaged.kb)
    with pytest.raises(ProgramRulesError, match="knowledge test 'palpation' has no retest"):
        parse_rules(text.replace("    palpation: 6\n", ""), packaged.kb)


def test_the_retest_schedule_says_where_it_comes_from() -> None:
    """No source gives a re-test interval, so the rules must say it is a product choice (or name
    real sources)."""
    text = RULES_PATH.read_text(encoding="utf-8")
    assert parse_rules(text, packaged.kb).retest.product_choice
    start = text.index("  product_choice: >-")
    end = text.index("  every_weeks:", start)
    without = text[:start] + text[end:]
    with pytest.raises(ProgramRulesError, match="explain the product choice"):
        parse_rules(without, packaged.kb)
    assert parse_rules(
        without.replace("source_ids: []", "source_ids: [krause_hip_mdc]"), packaged.kb
    )
    with pytest.raises(ProgramRulesError, match="unknown source 'nobody_2020'"):
        parse_rules(text.replace("source_ids: []", "source_ids: [nobody_2020]"), packaged.kb)
