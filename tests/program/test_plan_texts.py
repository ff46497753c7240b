"""What every plan tells a person beyond the exercises (issue #12): headings that follow the
session's content, the stop rule on every plan, a week-by-week plan, running advice for runners
only where a source supports it, and steps that agree with the dose."""

from __future__ import annotations

import re

import pytest

from kneechain.knowledge.loader import default_knowledge
from kneechain.program.build import ProgramOptions, build_program
from kneechain.program.rules import default_program_rules
from kneechain.program.source import read_input
from tests import packaged
from tests.program.conftest import START, F, result_with

KB = default_knowledge()
OPTIONS = ProgramOptions(start_date=START)


@pytest.mark.parametrize(
    "findings",
    [
        [F("hip_ir_deficit")],
        [F("dynamic_knee_valgus", side="right")],
        [F("hip_flexor_tightness"), F("pelvic_drop")],
        [F("low_cadence")],
        [F("ankle_dorsiflexion_deficit")],
    ],
)
def test_session_headings_name_only_the_kinds_of_work_they_hold(findings: list[F]) -> None:
    rules = default_program_rules()
    program = build_program(result_with(findings), OPTIONS, packaged.program_rules, packaged.kb)
    for day in program.day_types:
        if "{order}" not in rules.day_type(day.id).description:
            continue
        kinds = {program.exercise(i).category for i in day.exercise_ids}
        for category, word in rules.text.category_words.items():
            said = re.search(rf"\b{re.escape(word)}\b", day.description, re.IGNORECASE)
            assert bool(said) == (category in kinds), (day.description, kinds)


def test_a_release_only_routine_does_not_promise_a_stretch() -> None:
    program = build_program(
        result_with([F("dynamic_knee_valgus", side="right")]),
        OPTIONS,
        packaged.program_rules,
        packaged.kb,
    )
    daily = next(d for d in program.day_types if d.id == "daily")
    assert {program.exercise(i).category for i in daily.exercise_ids} == {"soft_tissue"}
    assert daily.description.startswith("Release.") and "stretch" not in daily.description


def test_every_plan_says_when_to_stop_and_see_a_clinician(example_paths) -> None:
    for path in example_paths:
        program = build_program(
            read_input(path, packaged.rules, packaged.kb).result,
            OPTIONS,
            packaged.program_rules,
            packaged.kb,
        )
        assert "see a clinician" in program.stop_rule and "4 or more out of 10" in program.stop_rule
    sources = default_program_rules().text.stop_rule_source_ids
    assert sources and all(s in KB.sources for s in sources)


def test_week_by_week_covers_every_week_with_retests_in_their_week() -> None:
    program = build_program(
        result_with([F("hip_ir_deficit")]), OPTIONS, packaged.program_rules, packaged.kb
    )
    assert [s.week for s in program.plan] == list(range(1, program.weeks + 1))
    retest_weeks = {w for t in program.retests for w in t.weeks if w <= program.weeks}
    for step in program.plan:
        says_retest = any(i.startswith("Repeat at the start of this week") for i in step.items)
        assert says_retest == (step.week in retest_weeks - {1})
    assert "no source gives a week-by-week schedule" in (program.plan_basis or "")


def test_a_runner_gets_sourced_running_advice_and_the_gap_said_plainly(example_paths) -> None:
    runner = read_input(
        next(p for p in example_paths if "runner" in p.name), packaged.rules, packaged.kb
    )
    assert runner.runner
    program = build_program(
        runner.result,
        OPTIONS.model_copy(update={"runner": runner.runner}),
        packaged.program_rules,
        packaged.kb,
    )
    assert program.running is not None
    assert any("Heiderscheit 2011" in a for a in program.running.advice)
    assert "No source" in program.running.unsupported
    assert all(s in KB.sources for s in program.running.source_ids)
    desk = read_input(
        next(p for p in example_paths if "desk_worker" in p.name), packaged.rules, packaged.kb
    )
    assert not desk.runner
    assert build_program(desk.result, OPTIONS, packaged.program_rules, packaged.kb).running is None


def test_the_step_rate_change_builds_up_over_its_first_weeks() -> None:
    program = build_program(
        result_with([F("low_cadence")]), OPTIONS, packaged.program_rules, packaged.kb
    )
    cadence = default_program_rules().running.cadence_weeks
    for step in program.plan:
        expected = cadence[step.week - 1] if step.week <= len(cadence) else None
        assert (expected in step.items) if expected else not set(cadence) & set(step.items)


def test_steps_of_a_timed_exercise_say_to_keep_going_for_the_time() -> None:
    """A dose in seconds without repetitions: the steps must not describe counted repeats."""
    for ex in KB.exercises.values():
        d = ex.dosage
        if d.work_seconds is None or d.reps is not None:
            continue
        text = " ".join(ex.steps).lower()
        if re.search(r"\brepeat\b", text):
            pytest.fail(f"{ex.id}: steps count repeats but the dose is timed: {ex.steps}")
    lift = " ".join(KB.exercises["side_lying_leg_lift"].steps)
    assert "for the time given" in lift
    assert KB.exercises["side_lying_leg_lift"].source_ids == ["seed_004"]


def test_weeks_that_change_nothing_new_share_a_row() -> None:
    from kneechain.report.plan import plan_rows

    program = build_program(
        result_with([F("dynamic_knee_valgus", side="right")]),
        OPTIONS,
        packaged.program_rules,
        packaged.kb,
    )
    rows = plan_rows(program)
    assert [w for w, _ in rows] == ["1", "2-3", "4", "5", "6"]
    assert sum(len(i) for _, i in rows) < sum(len(s.items) for s in program.plan)
