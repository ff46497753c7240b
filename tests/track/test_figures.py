"""Tracking figures that are right: found when tried as a new user would, each reproduced here.

- the same case recorded twice is stored once;
- NPRS pain now and worst pain in the last week are different measures, never averaged together;
- several values on one day are not averaged (the one entered last counts), figures are rounded;
- adherence counts from the program's first day, never the week before it;
- days in the future are refused;
- exercises are named as the handout names them, regressions included.
"""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, select, text

from kneechain.errors import ErrorKind
from kneechain.knowledge.loader import DATA_DIR, default_knowledge, load_knowledge
from kneechain.track.db import Store, current_revision, make_engine, upgrade
from kneechain.track.documents import parse_measurement
from kneechain.track.errors import TrackError
from kneechain.track.history import build_history
from kneechain.track.logbook import (
    ExerciseDone,
    SessionEntry,
    log_session,
    outcome_series,
    record_outcome,
    resolve_exercise,
)
from kneechain.track.models import AssessmentRecord, OutcomeScoreRecord
from kneechain.track.people import find_person
from kneechain.track.progress import all_changes, describe
from kneechain.track.records import add_measurements, save_assessment, save_program
from tests import packaged

from .factories import case_on, make_person

KB = default_knowledge()
DAY = date(2026, 1, 5)  # Monday
TODAY = date.today()


def test_the_same_case_recorded_twice_is_stored_once(sqlite_store: Store) -> None:
    make_person(sqlite_store)
    case = case_on(DAY, left_ir=20, right_ir=18, nprs=5)
    with sqlite_store.session() as db:
        save_assessment(db, find_person(db, "Alex"), case, kb=packaged.kb)
    with (
        pytest.raises(TrackError, match="already stored for Alex") as info,
        sqlite_store.session() as db,
    ):
        save_assessment(db, find_person(db, "Alex"), case.model_dump(mode="json"), kb=packaged.kb)
    assert info.value.kind is ErrorKind.conflict
    with sqlite_store.session() as db:
        assert len(db.scalars(select(AssessmentRecord)).all()) == 1
        # a different case on the same day is a new assessment
        save_assessment(
            db, find_person(db, "Alex"), case_on(DAY, left_ir=21, right_ir=18), kb=packaged.kb
        )
        assert len(db.scalars(select(AssessmentRecord)).all()) == 2


def _complaint_case(day: date, now: float, worst: float) -> dict:
    return {
        "assessed_on": day.isoformat(),
        "complaint": {"side": "right", "nprs_now": now, "nprs_worst": worst},
    }


def test_pain_now_and_worst_pain_are_never_mixed(sqlite_store: Store) -> None:
    make_person(sqlite_store)
    with sqlite_store.session() as db:
        alex = find_person(db, "Alex")
        save_assessment(db, alex, _complaint_case(DAY, now=3, worst=7), kb=packaged.kb)
        save_assessment(
            db, alex, _complaint_case(DAY + timedelta(weeks=4), now=2, worst=4), kb=packaged.kb
        )
        assert outcome_series(db, alex, "nprs") == [(DAY, 3.0), (DAY + timedelta(weeks=4), 2.0)]
        assert outcome_series(db, alex, "nprs", "worst") == [
            (DAY, 7.0),
            (DAY + timedelta(weeks=4), 4.0),
        ]
        changes = {
            (c.id, c.part): c
            for c in all_changes(db, alex, packaged.kb, packaged.tracking)
            if c.kind == "outcome"
        }
    now, worst = changes["nprs", "now"], changes["nprs", "worst"]
    assert (now.baseline[1], now.latest[1], now.status) == (3, 2, "no_clear_change")  # -1 < 1.2
    assert (worst.baseline[1], worst.latest[1], worst.status) == (7, 4, "improved")
    assert "pain now" in now.name and "worst pain in the last week" in worst.name


def test_several_values_on_one_day_are_not_averaged(sqlite_store: Store) -> None:
    make_person(sqlite_store)
    with sqlite_store.session() as db:
        alex = find_person(db, "Alex")
        for score in (84, 85, 85):  # entered three times on one day
            record_outcome(db, alex, "kujala", score, DAY, kb=packaged.kb)
        record_outcome(db, alex, "kujala", 90, DAY + timedelta(weeks=4), kb=packaged.kb)
        for value in (20, 21.3333333):
            add_measurements(
                db, alex, DAY, [parse_measurement({"measure": "hip_ir_supine", "side": "left",
                                                   "value": value})], packaged.kb
            )  # fmt: skip
        add_measurements(
            db, alex, DAY + timedelta(weeks=4),
            [parse_measurement({"measure": "hip_ir_supine", "side": "left", "value": 27.06})],
            packaged.kb,
        )  # fmt: skip
        changes = {(c.id, c.side): c for c in all_changes(db, alex, packaged.kb, packaged.tracking)}
    kujala = changes["kujala", "both"]
    assert kujala.baseline[1] == 85  # the last entry of the day, not 84.6667
    assert kujala.delta == 5
    hip = changes["hip_ir_supine", "left"]
    assert hip.baseline[1] == 21.3 and hip.latest[1] == 27.1 and hip.delta == 5.8  # 1 decimal
    assert describe(hip, packaged.tracking).startswith(
        "21.3 on 2026-01-05 -> 27.1 on 2026-02-02 (+5.8 deg;"
    )


def _program_doc(start: date) -> dict:
    return {
        "program_version": "1.0",
        "start_date": start.isoformat(),
        "sessions_per_week": 3,
        "exercises": [
            {
                "exercise_id": "lateral_lunge",
                "name": "Lateral lunge",
                "regression": {
                    "exercise_id": "lateral_lunge_supported",
                    "name": "Short lateral lunge holding a support",
                },
            },
            {"exercise_id": "glute_bridge", "name": "Glute bridge"},
        ],
    }


def _session(day: date, *names: str) -> SessionEntry:
    return SessionEntry(
        performed_on=day, exercises=[ExerciseDone(exercise_id=n, sets_done=2) for n in names]
    )


def test_adherence_counts_from_the_program_start(sqlite_store: Store) -> None:
    make_person(sqlite_store)
    thursday = DAY + timedelta(days=3)
    with sqlite_store.session() as db:
        alex = find_person(db, "Alex")
        program = save_program(
            db,
            alex,
            _program_doc(thursday),
            schema_version="1.0",
            started_on=thursday,
            kb=packaged.kb,
        )
        log_session(
            db, alex, _session(DAY, "glute bridge"), program, kb=packaged.kb
        )  # before the program
        for offset in (0, 2, 4):
            log_session(
                db,
                alex,
                _session(thursday + timedelta(days=offset), "glute bridge"),
                kb=packaged.kb,
            )
        hist = build_history(db, alex, thursday + timedelta(days=6), packaged.kb, packaged.tracking)
        not_yet = build_history(
            db, alex, thursday - timedelta(days=1), packaged.kb, packaged.tracking
        )
    assert [w.week_start for w in hist.weeks] == [thursday]  # never the Monday before
    assert hist.weeks[0].done == 3 and hist.weeks[0].planned == pytest.approx(3)
    assert hist.adherence == pytest.approx(1.0)
    assert len(hist.sessions) == 4  # the early session is listed, not counted
    assert not_yet.weeks == [] and not_yet.adherence is None
    assert not_yet.program_start == thursday


def test_days_in_the_future_are_refused(sqlite_store: Store) -> None:
    make_person(sqlite_store)
    later = TODAY + timedelta(days=30)
    with sqlite_store.session() as db:
        alex = find_person(db, "Alex")
        attempts = [
            lambda: record_outcome(db, alex, "nprs", 2, later, kb=packaged.kb),
            lambda: log_session(db, alex, _session(later, "glute bridge"), kb=packaged.kb),
            lambda: add_measurements(
                db,
                alex,
                later,
                [parse_measurement({"measure": "hip_ir_supine", "side": "left", "value": 30})],
                packaged.kb,
            ),
            lambda: save_assessment(
                db, alex, case_on(later, left_ir=30, right_ir=30), kb=packaged.kb
            ),
        ]
        for attempt in attempts:
            with pytest.raises(TrackError, match=f"{later.isoformat()} is in the future"):
                attempt()
        assert db.scalars(select(OutcomeScoreRecord)).all() == []


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Glute bridge", "glute_bridge"),
        ("glute_bridge", "glute_bridge"),
        ("  GLUTE   BRIDGE ", "glute_bridge"),
        ("supported lateral lunge", "lateral_lunge_supported"),
        ("Short lateral lunge holding a support", "lateral_lunge_supported"),
        ("Ball release on the outside of the hip (TFL)", "tfl_ball_release"),
        ("ball release on the outside of the hip", "tfl_ball_release"),
        ("single-leg glute bridge", "single_leg_glute_bridge"),
    ],
)
def test_exercises_by_the_names_a_person_sees(typed: str, expected: str) -> None:
    assert resolve_exercise(typed, KB) == expected


def test_every_name_in_the_knowledge_base_is_accepted() -> None:
    for exercise in KB.exercises.values():
        assert resolve_exercise(exercise.name, KB) == exercise.id
        assert resolve_exercise(exercise.id, KB) == exercise.id


def test_an_unknown_name_lists_the_handout_names() -> None:
    with pytest.raises(TrackError, match="no exercise called 'glute brige'") as info:
        resolve_exercise("glute brige", KB, _program_doc(DAY))
    assert "Lateral lunge; Short lateral lunge holding a support; Glute bridge" in info.value.text()


def test_an_easier_variant_logged_alone_counts_for_its_exercise(sqlite_store: Store) -> None:
    make_person(sqlite_store)
    with sqlite_store.session() as db:
        alex = find_person(db, "Alex")
        program = save_program(db, alex, _program_doc(DAY), schema_version="1.0", kb=packaged.kb)
        session = log_session(
            db,
            alex,
            _session(DAY, "short lateral lunge holding a support", "Glute bridge"),
            program,
            kb=packaged.kb,
        )
        done = [(e.exercise_id, e.regression_id) for e in session.exercises]
    assert done == [("lateral_lunge", "lateral_lunge_supported"), ("glute_bridge", None)]


def _old_person_and_assessment(conn: Connection, engine: Engine, doc: str) -> None:
    """Alex and one assessment of 5 January with the case document `doc`, written as SQL (the
    models may have columns an old revision has not)."""
    doc_value = "CAST(:doc AS JSON)" if engine.dialect.name == "postgresql" else ":doc"
    conn.execute(
        text(
            "INSERT INTO users (id, uid, name, role, created_at) "
            "VALUES (1, 'u1', 'Alex', 'person', '2026-01-01 00:00:00')"
        )
    )
    conn.execute(
        text(
            "INSERT INTO assessments (id, uid, user_id, taken_on, case_schema_version,"
            " case_doc, knowledge_fingerprint, created_at)"
            f" VALUES (1, 'a1', 1, '2026-01-05', '1.0', {doc_value}, 'kb',"
            " '2026-01-05 00:00:00')"
        ),
        {"doc": doc},
    )


def test_the_migration_names_the_part_of_old_pain_ratings(database_url: str) -> None:
    """Before revision 0005 an assessment kept only its last NPRS rating (here: worst) and
    `score --nprs` stored pain now; after it, each row says which rating it is and the
    assessment's other ratings are added from its case document."""
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0004_checkup_drafts")
        doc = json.dumps({"complaint": {"nprs_now": 3, "nprs_worst": 7}})
        with engine.begin() as conn:
            _old_person_and_assessment(conn, engine, doc)
            for uid, day, score in (("s1", "2026-01-05", 7), ("s2", "2026-01-12", 2)):
                conn.execute(text(
                    "INSERT INTO outcome_scores (uid, user_id, measured_on, outcome_id, score,"
                    " created_at) VALUES (:uid, 1, :day, 'nprs', :score, '2026-01-12 00:00:00')"
                ), {"uid": uid, "day": day, "score": score})  # fmt: skip
        upgrade(engine)
        assert current_revision(engine) is not None
        with engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT measured_on, part, score FROM outcome_scores ORDER BY measured_on, part"
            )).all()  # fmt: skip
        assert [(str(day), part, score) for day, part, score in rows] == [
            ("2026-01-05", "now", 3.0),
            ("2026-01-05", "worst", 7.0),
            ("2026-01-12", "now", 2.0),
        ]
    finally:
        engine.dispose()


def test_stored_measurements_get_their_uncertainty_from_their_case(database_url: str) -> None:
    """Revision 0007 adds measurements.uncertainty and fills it from the stored case that gave
    one; a value given without one stays without."""
    case = {
        "measurements": [
            {"measure": "hip_ir_supine", "side": "left", "value": 21.5, "uncertainty": 3.2},
            {"measure": "hip_ir_supine", "side": "right", "value": 18.0},
        ]
    }
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0006_audit_log")
        with engine.begin() as conn:
            _old_person_and_assessment(conn, engine, json.dumps(case))
            for uid, side, value in (("m1", "left", 21.5), ("m2", "right", 18.0)):
                conn.execute(text(
                    "INSERT INTO measurements (uid, user_id, assessment_id, taken_on, test_id,"
                    " measure_id, side, value, source) VALUES (:uid, 1, 1, '2026-01-05',"
                    " 'lying_leg_turn', 'hip_ir_supine', :side, :value, 'video')"
                ), {"uid": uid, "side": side, "value": value})  # fmt: skip
        upgrade(engine)
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT side, uncertainty FROM measurements ORDER BY side"))
            assert rows.all() == [("left", 3.2), ("right", None)]
    finally:
        engine.dispose()


def test_pain_ratings_in_export_files_written_before_parts_read_as_pain_now() -> None:
    from kneechain.track.exchange_format import OutcomeRow

    row = {"uid": "a" * 32, "measured_on": "2026-01-05", "score": 3.0,
           "created_at": "2026-01-05T00:00:00"}  # fmt: skip
    assert OutcomeRow.model_validate({**row, "outcome_id": "nprs"}).part == "now"
    assert OutcomeRow.model_validate({**row, "outcome_id": "nprs", "part": "worst"}).part == "worst"
    assert OutcomeRow.model_validate({**row, "outcome_id": "kujala"}).part is None


def test_a_case_given_as_data_is_checked_against_the_knowledge_base_given(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """A stored case's values are checked against the knowledge base the caller passes: a
    120-degree hip rotation is refused by the packaged one (at most 90) and kept by a copy that
    allows up to 150."""
    shutil.copytree(DATA_DIR, tmp_path / "kb")
    tests = tmp_path / "kb" / "tests.yaml"
    old = '      valid_min: -30\n      valid_max: 90\n      by_hand: "At the end of the turn'
    assert tests.read_text(encoding="utf-8").count(old) == 1
    tests.write_text(
        tests.read_text(encoding="utf-8").replace(old, old.replace("90", "150")), encoding="utf-8"
    )
    wide = load_knowledge(tmp_path / "kb")
    make_person(sqlite_store)
    data = case_on(DAY, left_ir=20, right_ir=18).model_dump(mode="json")
    for item in data["measurements"]:
        if item["measure"] == "hip_ir_supine" and item["side"] == "left":
            item["value"] = 120.0
    with (
        pytest.raises(TrackError, match="outside the allowed range -30 to 90"),
        sqlite_store.session() as db,
    ):
        save_assessment(db, find_person(db, "Alex"), data, kb=KB)
    with sqlite_store.session() as db:
        stored = save_assessment(db, find_person(db, "Alex"), data, kb=wide)
        assert 120.0 in [m["value"] for m in stored.case_doc["measurements"]]
