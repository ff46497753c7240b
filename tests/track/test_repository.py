"""People, assessments, sessions, outcomes and media in the database, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from kneechain.track.db import Store
from kneechain.track.errors import TrackError
from kneechain.track.logbook import (
    ExerciseDone,
    SessionEntry,
    log_session,
    measure_series,
    outcome_series,
    parse_entry,
    record_outcome,
    sessions_of,
)
from kneechain.track.models import (
    ExerciseSessionRecord,
    MeasurementRecord,
    MediaItemRecord,
    PersonRecord,
)
from kneechain.track.people import (
    add_person,
    clients_of,
    delete_person,
    find_person,
    link_clinician,
    prune_media,
)
from kneechain.track.records import save_assessment, save_video_analysis
from tests import packaged

from .factories import case_on, make_person, session_on


def _count(store: Store, model: type) -> int:
    with store.session() as db:
        return db.scalar(select(func.count()).select_from(model)) or 0


def test_people_are_unique_and_findable(store: Store) -> None:
    make_person(store, "Alex")
    with pytest.raises(TrackError, match="already exists"), store.session() as db:
        add_person(db, "  Alex ")
    with store.session() as db:
        assert find_person(db, "Alex").birth_year == 1990
        with pytest.raises(
            TrackError, match="No person named 'Sam' is stored\\. Known people: Alex"
        ):
            find_person(db, "Sam")


def test_clinician_follows_client(store: Store) -> None:
    with store.session() as db:
        alex = add_person(db, "Alex")
        doc = add_person(db, "Dr Lee", role="clinician")
        link_clinician(db, doc, alex)
        link_clinician(db, doc, alex)
        assert [u.name for u in clients_of(db, doc)] == ["Alex"]
        with pytest.raises(TrackError, match="not a clinician"):
            link_clinician(db, alex, doc)


def test_assessment_indexes_measurements_and_pain(store: Store) -> None:
    make_person(store)
    with store.session() as db:
        alex = find_person(db, "Alex")
        save_assessment(
            db, alex, case_on(date(2026, 1, 5), left_ir=31, right_ir=18, nprs=6), kb=packaged.kb
        )
    with store.session() as db:
        alex = find_person(db, "Alex")
        rows = db.scalars(select(MeasurementRecord).order_by(MeasurementRecord.id)).all()
        assert [(r.test_id, r.measure_id, r.side, r.value, r.source) for r in rows] == [
            ("lying_leg_turn", "hip_ir_supine", "left", 31.0, "manual"),
            ("lying_leg_turn", "hip_ir_supine", "right", 18.0, "manual"),
            ("gait", "cadence", "both", 168.0, "video"),
        ]
        assert measure_series(db, alex, "hip_ir_supine") == {
            "left": [(date(2026, 1, 5), 31.0)],
            "right": [(date(2026, 1, 5), 18.0)],
        }
        assert outcome_series(db, alex, "nprs") == [(date(2026, 1, 5), 6.0)]


def test_session_round_trip_and_bad_input_stores_nothing(store: Store) -> None:
    make_person(store)
    with store.session() as db:
        log_session(db, find_person(db, "Alex"), session_on(date(2026, 1, 6)), kb=packaged.kb)
    bad = SessionEntry(
        performed_on=date(2026, 1, 7),
        exercises=[
            ExerciseDone(exercise_id="glute_bridge", sets_done=2, regression_id="lateral_lunge")
        ],
    )
    with (
        pytest.raises(TrackError, match="not an easier or harder form of Glute bridge"),
        store.session() as db,
    ):
        log_session(db, find_person(db, "Alex"), bad, kb=packaged.kb)
    with pytest.raises(TrackError, match="pain_before: 11 is out of range; allowed 0 to 10"):
        parse_entry(
            {
                "performed_on": "2026-01-07",
                "exercises": [{"exercise_id": "glute_bridge", "sets_done": 1}],
                "pain_before": 11,
            }
        )
    with store.session() as db:
        sessions = sessions_of(db, find_person(db, "Alex"))
        assert len(sessions) == 1
        assert [(e.exercise_id, e.sets_done, e.regression_id) for e in sessions[0].exercises] == [
            ("glute_ball_release", 1, None),
            ("glute_bridge", 3, None),
            ("lateral_lunge", 2, "lateral_lunge_supported"),
        ]


def test_pain_out_of_range_is_refused_by_model_and_database(store: Store) -> None:
    with pytest.raises(ValidationError):
        SessionEntry(
            performed_on=date(2026, 1, 1),
            exercises=[ExerciseDone(exercise_id="glute_bridge", sets_done=1)],
            pain_after=-1,
        )
    make_person(store)
    with pytest.raises(IntegrityError), store.session() as db:
        alex = find_person(db, "Alex")
        db.add(
            ExerciseSessionRecord(user_id=alex.id, performed_on=date(2026, 1, 1), pain_before=11)
        )
        db.flush()
    assert _count(store, ExerciseSessionRecord) == 0


def test_outcome_range_checked(store: Store) -> None:
    make_person(store)
    with store.session() as db:
        alex = find_person(db, "Alex")
        record_outcome(db, alex, "kujala", 72, date(2026, 1, 1), kb=packaged.kb)
        with pytest.raises(TrackError, match="between 0 and 100; got 140"):
            record_outcome(db, alex, "kujala", 140, date(2026, 1, 1), kb=packaged.kb)
        with pytest.raises(TrackError, match="no outcome called 'vas'"):
            record_outcome(db, alex, "vas", 3, date(2026, 1, 1), kb=packaged.kb)


def test_deleting_a_person_deletes_their_records_and_media(store: Store, tmp_path: Path) -> None:
    clip = tmp_path / "squat.mp4"
    clip.write_bytes(b"fake-but-unique video bytes for hashing")
    shared = tmp_path / "frame.png"
    shared.write_bytes(b"a frame both people uploaded")
    with store.session() as db:
        alex, sam = add_person(db, "Alex"), add_person(db, "Sam")
        case = case_on(date(2026, 1, 5), left_ir=30, right_ir=20)
        for person in (alex, sam):
            save_video_analysis(
                db,
                store.media,
                person,
                video=clip if person is alex else shared,
                test_id="lying_leg_turn",
                measurements=case.measurements[:2],
                evidence=[shared],
                kb=packaged.kb,
            )
        log_session(db, alex, session_on(date(2026, 1, 6)), kb=packaged.kb)
    with store.session() as db:
        candidates = delete_person(db, find_person(db, "Alex"))
    with store.session() as db:
        removed = prune_media(db, store.media, candidates)
        assert [u.name for u in db.scalars(select(PersonRecord))] == ["Sam"]
        assert db.scalar(select(func.count()).select_from(ExerciseSessionRecord)) == 0
        assert {m.user_id for m in db.scalars(select(MeasurementRecord))} == {
            find_person(db, "Sam").id
        }
    clip_hash, frame_hash = (store.media.put_bytes(p.read_bytes()) for p in (clip, shared))
    assert removed == [clip_hash]
    assert frame_hash in store.media
    assert _count(store, MediaItemRecord) == 1


def test_an_old_assessment_still_reads_after_the_knowledge_changes(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """A record made with an older knowledge base (a measure and case fields that no longer
    exist) is stored as it was and every reader still works with it."""
    from kneechain.track.charts import progress_chart
    from kneechain.track.exchange import export_person
    from kneechain.track.history import build_history
    from kneechain.track.models import AssessmentRecord
    from kneechain.track.progress import all_changes

    old_doc = {"case_version": "0.9", "retired_field": True, "measurements": [{"measure": "x"}]}
    with sqlite_store.session() as db:
        alex = add_person(db, "Alex")
        old = AssessmentRecord(
            user_id=alex.id,
            taken_on=date(2025, 1, 1),
            case_schema_version="0.9",
            case_doc=old_doc,
            knowledge_fingerprint="0.0.1+kb.old",
        )
        db.add(old)
        db.flush()
        db.add(MeasurementRecord(user_id=alex.id, assessment_id=old.id, taken_on=date(2025, 1, 1),
                           test_id="retired_test", measure_id="retired_measure", side="left",
                           value=12.0, source="manual"))  # fmt: skip
        save_assessment(
            db, alex, case_on(date(2026, 1, 5), left_ir=30, right_ir=20), kb=packaged.kb
        )
    with sqlite_store.session() as db:
        alex = find_person(db, "Alex")
        assert db.get(AssessmentRecord, old.id).case_doc == old_doc
        assert {c.id for c in all_changes(db, alex, packaged.kb, packaged.tracking)} == {
            "hip_ir_supine",
            "cadence",
        }
        assert (
            build_history(db, alex, date(2026, 2, 1), packaged.kb, packaged.tracking).sessions == []
        )
        assert [
            i.id for i in packaged.due_for(db, alex, date(2026, 2, 1))[0] if i.kind == "test"
        ] == [
            "lying_leg_turn",
            "gait",
        ]
        export = export_person(db, sqlite_store.media, alex)
        assert export.assessments[0].case_doc == old_doc
        assert progress_chart(
            db, alex, tmp_path / "old.png", packaged.kb, packaged.tracking
        ).is_file()
