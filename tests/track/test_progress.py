"""Progress verdicts, re-test due dates and history, from constructed records."""

from __future__ import annotations

from datetime import date, timedelta

from kneechain.knowledge.loader import default_knowledge
from kneechain.track.db import Store
from kneechain.track.history import build_history
from kneechain.track.logbook import log_session, record_outcome
from kneechain.track.people import find_person
from kneechain.track.progress import all_changes, describe, higher_is_better, mcid_of, mdc_of
from kneechain.track.records import save_assessment, save_program
from kneechain.track.retest import due_for

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
        save_assessment(db, alex, case_on(START, left_ir=30, right_ir=18, nprs=6))
        later = START + timedelta(weeks=4)
        save_assessment(db, alex, case_on(later, left_ir=33, right_ir=27, nprs=5.5))
        changes = {(c.id, c.side): c for c in all_changes(db, alex)}
    assert changes["hip_ir_supine", "left"].status == "no_clear_change"  # +3 < 5.4
    assert changes["hip_ir_supine", "right"].status == "improved"  # +9
    assert changes["cadence", "both"].status == "unjudged"  # no known error for cadence
    assert changes["nprs", "both"].status == "no_clear_change"  # -0.5 < 1.2
    assert describe(changes["hip_ir_supine", "right"]) == (
        "18 on 2026-01-05 -> 27 on 2026-02-02 (+9 deg; smallest real change 5.4 deg): improved"
    )
    assert describe(changes["nprs", "both"]).endswith("no clear change yet")


def test_retest_default_schedule(sqlite_store: Store) -> None:
    make_person(sqlite_store)
    with sqlite_store.session() as db:
        alex = find_person(db, "Alex")
        save_assessment(db, alex, case_on(START, left_ir=30, right_ir=18, nprs=6))
        items, schedule = due_for(db, alex, START + timedelta(days=10))
    assert schedule == "default"
    due = {i.id: i.due_on for i in items}
    assert due == {
        "lying_leg_turn": START + timedelta(weeks=4),
        "gait": START + timedelta(weeks=8),
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
        save_program(db, alex, program, schema_version="test", started_on=START)
        for offset in (0, 2, 4, 7):
            log_session(db, alex, session_on(START + timedelta(days=offset), 5 - offset // 3, 2))
        record_outcome(db, alex, "nprs", 5, START)
        items, schedule = due_for(db, alex, today)
        hist = build_history(db, alex, today)
    assert schedule == "program"
    assert [i.id for i in items if i.kind == "test"] == ["single_leg_squat"]
    assert hist.planned_per_week == 3  # glute bridge and lateral lunge: 2-3 times a week
    assert [(w.done, w.planned) for w in hist.weeks] == [(3, 3), (1, 3)]
    assert hist.adherence == 4 / 6
    assert hist.pain_before.per_week is None  # 4 ratings but only 7 days apart
