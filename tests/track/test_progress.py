"""Progress verdicts, re-test due dates and history, from constructed records."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from pydantic import BaseModel

from kneechain.knowledge.loader import default_knowledge
from kneechain.track.db import Store
from kneechain.track.documents import parse_measurement
from kneechain.track.history import build_history
from kneechain.track.logbook import log_session, record_outcome
from kneechain.track.maths import classify_change
from kneechain.track.people import find_person
from kneechain.track.progress import all_changes, describe, higher_is_better, mcid_of, mdc_of
from kneechain.track.records import (
    add_measurements,
    save_assessment,
    save_program,
    save_program_model,
)
from tests import packaged

from .factories import case_on, make_person, session_on

START = date(2026, 1, 5)  # Monday


def test_knowledge_gives_thresholds_and_directions() -> None:
    kb = default_knowledge()
    assert mdc_of(kb, "hip_ir_supine") == 5.4
    assert mdc_of(kb, "ankle_df_angle") == 4.7
    assert mdc_of(kb, "cadence") is None
    assert higher_is_better(kb, "hip_ir_supine") is True
    assert higher_is_better(kb, "sls_fppa") is False
    assert mcid_of(kb.outcomes["nprs"], "patellofemoral pain") == 1.2
    assert mcid_of(kb.outcomes["nprs"], "no such population") == 2


def test_progress_is_honest(sqlite_store: Store) -> None:
    make_person(sqlite_store)
    with sqlite_store.session() as db:
        alex = find_person(db, "Alex")
        save_assessment(db, alex, case_on(START, left_ir=30, right_ir=18, nprs=6), kb=packaged.kb)
        later = START + timedelta(weeks=4)
        save_assessment(db, alex, case_on(later, left_ir=33, right_ir=27, nprs=5.5), kb=packaged.kb)
        changes = {(c.id, c.side): c for c in all_changes(db, alex, packaged.kb, packaged.tracking)}
    assert changes["hip_ir_supine", "left"].status == "no_clear_change"  # +3 < 5.4
    assert changes["hip_ir_supine", "right"].status == "improved"  # +9
    assert changes["cadence", "both"].status == "unjudged"  # no known error for cadence
    assert changes["nprs", "both"].status == "no_clear_change"  # -0.5 < 1.2
    assert describe(changes["hip_ir_supine", "right"], packaged.tracking) == (
        "18 on 2026-01-05 -> 27 on 2026-02-02 (+9 deg; smallest real change 5.4 deg): improved"
    )
    assert describe(changes["nprs", "both"], packaged.tracking).endswith("no clear change yet")


def test_retest_default_schedule(sqlite_store: Store) -> None:
    make_person(sqlite_store)
    with sqlite_store.session() as db:
        alex = find_person(db, "Alex")
        save_assessment(db, alex, case_on(START, left_ir=30, right_ir=18, nprs=6), kb=packaged.kb)
        items, schedule = packaged.due_for(db, alex, START + timedelta(days=10))
    assert schedule == "default"
    due = {i.id: i.due_on for i in items}
    assert due == {
        "lying_leg_turn": START + timedelta(weeks=2),  # the program rules' schedule
        "gait": START + timedelta(weeks=6),
        "nprs": START + timedelta(weeks=1),
        "kujala": START + timedelta(days=10),  # never scored: due now
    }


def test_retest_program_schedule_and_adherence(sqlite_store: Store) -> None:
    make_person(sqlite_store)
    program = {
        "exercises": [{"exercise_id": "glute_bridge"}, {"exercise_id": "lateral_lunge"}],
        "retests": [{"test_id": "single_leg_squat", "after_weeks": 3}],
    }
    today = START + timedelta(days=13)  # Sunday of the second week
    with sqlite_store.session() as db:
        alex = find_person(db, "Alex")
        save_program(db, alex, program, schema_version="test", started_on=START, kb=packaged.kb)
        for offset in (0, 2, 4, 7):
            log_session(
                db,
                alex,
                session_on(START + timedelta(days=offset), 5 - offset // 3, 2),
                kb=packaged.kb,
            )
        record_outcome(db, alex, "nprs", 5, START, kb=packaged.kb)
        items, schedule = packaged.due_for(db, alex, today)
        hist = build_history(db, alex, today, packaged.kb, packaged.tracking)
    assert schedule == "program"
    assert [i.id for i in items if i.kind == "test"] == ["single_leg_squat"]
    assert hist.planned_per_week == 3  # glute bridge and lateral lunge: 2-3 times a week
    assert [(w.done, w.planned) for w in hist.weeks] == [(3, 3), (1, 3)]
    assert hist.adherence == 4 / 6
    assert hist.pain_before.per_week is None  # 4 ratings but only 7 days apart


class _GeneratedProgram(BaseModel):
    """The fields of the generator's program document that tracking reads."""

    program_version: str = "1.0"
    start_date: date
    sessions_per_week: int
    exercises: list[dict[str, str]]
    retests: list[dict[str, object]]


def test_retest_follows_the_program_weeks(sqlite_store: Store) -> None:
    make_person(sqlite_store)
    program = _GeneratedProgram(
        start_date=START,
        sessions_per_week=4,
        exercises=[{"exercise_id": "glute_bridge"}],
        retests=[{"test_id": "single_leg_squat", "after_weeks": 3, "weeks": [4, 7]}],
    )
    sls = [{"measure": "sls_fppa", "side": "left", "value": 15}]

    def due_after(measured_on: date | None) -> date:
        with sqlite_store.session() as db:
            alex = find_person(db, "Alex")
            if measured_on is not None:
                add_measurements(
                    db, alex, measured_on, [parse_measurement(m) for m in sls], packaged.kb
                )
            items, schedule = packaged.due_for(db, alex, START + timedelta(days=1))
        assert schedule == "program"
        return next(i.due_on for i in items if i.id == "single_leg_squat")

    with sqlite_store.session() as db:
        stored = save_program_model(db, find_person(db, "Alex"), program, kb=packaged.kb)
        assert (stored.schema_version, stored.started_on) == ("1.0", START)
        assert (
            build_history(
                db, find_person(db, "Alex"), START, packaged.kb, packaged.tracking
            ).planned_per_week
            == 4
        )
    assert due_after(None) == START + timedelta(days=1)  # no baseline yet: due now
    assert due_after(START) == START + timedelta(weeks=3)  # program week 4
    assert due_after(START + timedelta(days=22)) == START + timedelta(weeks=6)  # week 7
    assert due_after(START + timedelta(weeks=6)) == START + timedelta(weeks=9)  # then every 3


@pytest.mark.parametrize(
    ("outcome_id", "population", "before", "after", "expected"),
    [
        ("kujala", "patellofemoral pain", 60, 70, "improved"),  # +10 reaches the MCID of 10
        ("kujala", "patellofemoral pain", 60, 69.5, "no_clear_change"),
        ("kujala", "patellofemoral pain", 70, 60, "worse"),
        ("kujala", "patellofemoral pain", 70, 61, "no_clear_change"),
        ("nprs", "patellofemoral pain", 5, 3.8, "improved"),  # pain falls 1.2 = MCID 1.2
        ("nprs", "patellofemoral pain", 5, 4, "no_clear_change"),
        ("nprs", "chronic pain", 5, 4, "no_clear_change"),  # MCID 2 for chronic pain
        ("nprs", "chronic pain", 5, 3, "improved"),
        ("nprs", "chronic pain", 3, 5, "worse"),
        ("nprs", "a population not listed", 4.2, 3, "no_clear_change"),  # largest MCID: 2
    ],
)
def test_one_verdict_for_outcome_changes(
    outcome_id: str, population: str, before: float, after: float, expected: str
) -> None:
    """Outcome scores are judged by the same `classify_change` as measurements, against the
    minimal important difference for the population (the largest one when it is not listed)."""
    outcome = default_knowledge().outcomes[outcome_id]
    mcid = mcid_of(outcome, population)
    assert classify_change(before, after, mcid, outcome.higher_is_better) == expected


def test_program_and_tracker_share_one_retest_schedule() -> None:
    """The tracker's schedule for people without a stored program is the program's own."""
    from kneechain.program.rules import default_program_rules
    from kneechain.track.retest import standard_intervals

    every = default_program_rules().retest.every_weeks
    intervals = standard_intervals(set(every), packaged.program_rules, packaged.tracking)
    assert {i.id: i.every_weeks for i in intervals if i.kind == "test"} == every
    assert {i.id for i in intervals if i.kind == "outcome"} == {"nprs", "kujala"}
