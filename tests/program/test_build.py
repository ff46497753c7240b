"""The program for example cases and for hand-made findings: selection, order, doses, referral."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kneechain.errors import KneechainError
from kneechain.knowledge.loader import default_knowledge
from kneechain.program.build import ProgramOptions, build_program, first_monday
from kneechain.program.source import ProgramInputError, read_input
from tests import packaged
from tests.program.conftest import START, F, result_with
from tests.program.invariants import check_program

KB = default_knowledge()
OPTIONS = ProgramOptions(start_date=START)


def test_every_example_case_gives_a_program_with_the_invariants(example_paths) -> None:
    for path in example_paths:
        source = read_input(path, packaged.rules, packaged.kb)
        check_program(
            build_program(source.result, OPTIONS, packaged.program_rules, packaged.kb),
            source.result,
            KB,
        )


def test_red_flag_case_gets_referral_and_education_only(example_paths) -> None:
    source = read_input(
        next(p for p in example_paths if "red_flag" in p.name), packaged.rules, packaged.kb
    )
    program = build_program(source.result, OPTIONS, packaged.program_rules, packaged.kb)
    assert program.refer and program.exercises == [] and program.day_types == []
    assert program.referral and all(r.refer_to for r in program.referral)
    assert program.education, "the findings' chains are still explained"


def test_refer_flag_overrides_findings() -> None:
    result = result_with([F("hip_ir_deficit", severity="marked", confidence=1.0)], refer=True)
    program = build_program(result, OPTIONS, packaged.program_rules, packaged.kb)
    assert program.refer and program.exercises == []


def test_nothing_found_gives_no_exercises_and_says_why(example_paths) -> None:
    source = read_input(
        next(p for p in example_paths if "not_the_cause" in p.name), packaged.rules, packaged.kb
    )
    program = build_program(source.result, OPTIONS, packaged.program_rules, packaged.kb)
    assert not program.refer and program.exercises == [] and program.message
    assert program.clinicians


def test_runner_right_valgus_gets_hip_strength_and_right_side_emphasis(example_paths) -> None:
    source = read_input(
        next(p for p in example_paths if "runner" in p.name), packaged.rules, packaged.kb
    )
    program = build_program(source.result, OPTIONS, packaged.program_rules, packaged.kb)
    ids = [p.exercise_id for p in program.exercises]
    assert {"glute_bridge", "side_lying_leg_lift", "lateral_lunge"} <= set(ids)
    lunge = program.exercise("lateral_lunge")
    assert lunge.emphasis_side == "right" and "one extra set" in (lunge.emphasis_text or "")
    bridge = program.exercise("glute_bridge")  # both legs at once: no one-sided extra
    assert bridge.emphasis_side is None
    assert [d.weekday for d in program.week if d.day_type == "strength"] == ["mon", "wed", "fri"]
    assert program.sessions_per_week == 7


def test_desk_worker_gets_release_before_stretch_biggest_muscles_first() -> None:
    result = result_with([F("hip_ir_deficit", severity="marked", confidence=0.95)])
    program = build_program(result, OPTIONS, packaged.program_rules, packaged.kb)
    daily = next(d for d in program.day_types if d.id == "daily")
    assert daily.exercise_ids[0] == "glute_ball_release"  # soft tissue, large group
    assert daily.exercise_ids[-1] == "modified_pigeon"  # the only stretch comes last
    assert "figure_four_stretch" not in daily.exercise_ids  # offered as its regression instead
    assert program.exercise("modified_pigeon").regression.exercise_id == "figure_four_stretch"
    assert 10 <= daily.minutes <= 20


def test_daily_minutes_option_shortens_the_routine() -> None:
    result = result_with([F("hip_ir_deficit", severity="marked", confidence=0.95)])
    short = build_program(
        result,
        ProgramOptions(start_date=START, daily_minutes=(5, 8)),
        packaged.program_rules,
        packaged.kb,
    )
    daily = next(d for d in short.day_types if d.id == "daily")
    assert daily.minutes <= 8
    for wrong in ((9, 3), (0, 5), (30, 121)):
        with pytest.raises(KneechainError, match="cannot be planned") as caught:
            build_program(
                result,
                ProgramOptions(start_date=START, daily_minutes=wrong),
                packaged.program_rules,
                packaged.kb,
            )
        assert caught.value.field == "daily_minutes" and caught.value.exit_code == 2
    longest = build_program(
        result,
        ProgramOptions(start_date=START, daily_minutes=(100, 120)),
        packaged.program_rules,
        packaged.kb,
    )
    assert next(d for d in longest.day_types if d.id == "daily").minutes <= 120


def test_ankle_finding_on_the_left_doses_the_left_side_more() -> None:
    result = result_with([F("ankle_dorsiflexion_asymmetry", side="left", severity="marked")])
    program = build_program(result, OPTIONS, packaged.program_rules, packaged.kb)
    stretch = program.exercise("ankle_mobility_stretch")
    assert stretch.emphasis_side == "left" and "one extra round" in stretch.emphasis_text
    plain = build_program(
        result_with([F("ankle_dorsiflexion_asymmetry")]),
        OPTIONS,
        packaged.program_rules,
        packaged.kb,
    )
    assert plain.exercise("ankle_mobility_stretch").emphasis_side is None
    # the extra round (30-45 s: 37.5 s) shows in the time estimate
    extra = stretch.minutes - plain.exercise("ankle_mobility_stretch").minutes
    assert extra == pytest.approx(37.5 / 60, abs=0.06)


def test_gait_finding_gets_the_run_drill_outside_the_calendar() -> None:
    program = build_program(
        result_with([F("low_cadence")]), OPTIONS, packaged.program_rules, packaged.kb
    )
    assert [p.exercise_id for p in program.exercises] == ["cadence_retraining"]
    run = program.day_types[0]
    assert run.id == "run" and not run.in_calendar
    assert program.sessions_per_week == 0 and all(d.day_type is None for d in program.week)


def test_retest_schedule_hip_rotation_every_two_weeks() -> None:
    program = build_program(
        result_with([F("hip_ir_deficit")]), OPTIONS, packaged.program_rules, packaged.kb
    )
    turn = next(t for t in program.retests if t.test_id == "lying_leg_turn")
    assert turn.after_weeks == 2 and turn.weeks == [3, 5, 7]
    assert turn.dates[0] == START + timedelta(weeks=2)
    assert turn.text.startswith("Repeat every 2 weeks")
    shorter = build_program(
        result_with([F("pelvic_drop")]),
        ProgramOptions(start_date=START, weeks=5),
        packaged.program_rules,
        packaged.kb,
    )
    gait = next(t for t in shorter.retests if t.test_id == "gait")
    assert gait.after_weeks == 6 and gait.weeks == [6]  # once, right after the last week


def test_same_input_same_program_whatever_the_finding_order() -> None:
    found = [
        F("pelvic_drop", "right", "moderate", 0.9),
        F("hip_flexor_tightness", "both", "marked", 0.7),
        F("ankle_dorsiflexion_deficit", "left", "mild", 0.6),
    ]
    a = build_program(
        result_with(found), OPTIONS, packaged.program_rules, packaged.kb
    ).model_dump_json()
    b = build_program(
        result_with(list(reversed(found))), OPTIONS, packaged.program_rules, packaged.kb
    ).model_dump_json()
    assert a == b


def test_first_monday() -> None:
    from datetime import date

    assert first_monday(date(2026, 11, 30)) == date(2026, 11, 30)
    assert first_monday(date(2026, 12, 1)) == date(2026, 12, 7)


def test_input_errors_say_what_is_wrong(tmp_path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ProgramInputError, match="not valid JSON"):
        read_input(bad, packaged.rules, packaged.kb)
    wrong = tmp_path / "case.json"
    wrong.write_text('{"person": {"age": 400}}')
    with pytest.raises(ProgramInputError, match="not a valid case") as info:
        read_input(wrong, packaged.rules, packaged.kb)
    assert any("age" in p for p in info.value.problems)
    with pytest.raises(ProgramInputError, match="cannot read"):
        read_input(tmp_path / "missing.json", packaged.rules, packaged.kb)
