"""Export and import: lossless round trip (also SQLite to PostgreSQL), and bad files refused."""

from __future__ import annotations

import base64
import csv
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kneechain.track.db import Store, open_store
from kneechain.track.errors import TrackError
from kneechain.track.exchange import export_person, import_person, parse_export, to_json, write_csv
from kneechain.track.logbook import log_session, record_outcome
from kneechain.track.models import ExerciseSessionRecord, PersonRecord
from kneechain.track.people import add_person, find_person, link_clinician
from kneechain.track.records import save_assessment, save_program, save_video_analysis
from tests import packaged

from .factories import case_on, session_on

START = date(2026, 1, 5)


def populate(store: Store, tmp_path: Path) -> None:
    """One of everything: assessment, video with frames, program, sessions, scores, a clinician."""
    clip, frame = tmp_path / "squat.mp4", tmp_path / "frame_012.png"
    clip.write_bytes(bytes(range(256)) * 40)
    frame.write_bytes(b"\x89PNG evidence frame")
    with store.session() as db:
        alex = add_person(db, "Alex", birth_year=1990, sex="female")
        link_clinician(db, add_person(db, "Dr Lee", role="clinician"), alex)
        case = case_on(START, left_ir=30, right_ir=18, nprs=6)
        assessment = save_assessment(db, alex, case, kb=packaged.kb)
        save_video_analysis(
            db, store.media, alex, video=clip, test_id="lying_leg_turn",
            measurements=case.measurements[:2], evidence=[frame], assessment=assessment,
            doc={"quality": 0.8, "nested": {"frames": [1, 2, 3]}}, analysed_on=START, kb=packaged.kb
        )  # fmt: skip
        program = save_program(
            db, alex, {"exercises": [{"exercise_id": "glute_bridge"}], "title": "Hüfte"},
            schema_version="1.0", started_on=START, assessment=assessment, kb=packaged.kb
        )  # fmt: skip
        for d in range(0, 20, 3):
            log_session(
                db, alex, session_on(START + timedelta(days=d), 5, 3), program, kb=packaged.kb
            )
        log_session(db, alex, session_on(START + timedelta(days=21), None, None), kb=packaged.kb)
        record_outcome(db, alex, "kujala", 61.5, START, kb=packaged.kb)
        record_outcome(
            db, alex, "nprs", 3.3333333333333335, START + timedelta(days=21), kb=packaged.kb
        )


def _export(store: Store, name: str = "Alex") -> dict:
    with store.session() as db:
        data = export_person(db, store.media, find_person(db, name)).model_dump(mode="json")
    data.pop("exported_at")
    return data


def test_round_trip_is_lossless(sqlite_store: Store, store: Store, tmp_path: Path) -> None:
    populate(sqlite_store, tmp_path)
    first = {name: _export(sqlite_store, name) for name in ("Dr Lee", "Alex")}
    for name in first:  # the clinician first, so the care link finds them
        with sqlite_store.session() as db:
            text = to_json(export_person(db, sqlite_store.media, find_person(db, name)))
        with store.session() as db:  # a fresh database (SQLite, or PostgreSQL)
            _, missing = import_person(db, store.media, parse_export(text))
        assert missing == (["Alex"] if name == "Dr Lee" else [])
    second = {name: _export(store, name) for name in first}
    assert second == first
    alex = first["Alex"]
    assert len(alex["sessions"]) == 8 and len(alex["media"]) == 2
    assert [link["other_name"] for link in alex["care_links"]] == ["Dr Lee"]
    for item in alex["media"]:
        assert item["sha256"] in store.media


def test_csv_per_table(sqlite_store: Store, tmp_path: Path) -> None:
    populate(sqlite_store, tmp_path)
    with sqlite_store.session() as db:
        export = export_person(db, sqlite_store.media, find_person(db, "Alex"))
    files = {p.stem: p for p in write_csv(export, tmp_path / "csv")}
    assert set(files) == {
        "people", "care_links", "assessments", "video_analyses", "media", "measurements",
        "programs", "sessions", "session_exercises", "outcome_scores",
    }  # fmt: skip
    with files["session_exercises"].open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 8 * 3
    with files["programs"].open() as handle:
        (program,) = list(csv.DictReader(handle))
    assert json.loads(program["doc"])["title"] == "Hüfte"


def _mutate(text: str, change) -> str:
    data = json.loads(text)
    change(data)
    return json.dumps(data)


def _bad_media(data: dict) -> None:
    data["media"][0]["content_base64"] = base64.b64encode(b"tampered").decode()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(format="something-else"), "is not a kneechain export"),
        (lambda d: d.update(format_version=7), "format_version 7"),
        (
            lambda d: d["sessions"][0].update(pain_before=14),
            r"sessions\[0\]\.pain_before: 14 is out of range; allowed 0 to 10",
        ),
        (
            lambda d: d["measurements"][0].update(side="middle"),
            r"measurements\[0\]\.side: middle is not one of the allowed answers",
        ),
        (lambda d: d["measurements"][0].update(assessment_uid="f" * 32), "does not contain"),
        (_bad_media, "does not match its sha256"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_written(
    sqlite_store: Store,
    tmp_path: Path,
    change,
    message: str,
) -> None:
    populate(sqlite_store, tmp_path)
    with sqlite_store.session() as db:
        text = to_json(export_person(db, sqlite_store.media, find_person(db, "Alex")))
    target = open_store(f"sqlite:///{tmp_path / 'target.db'}", tmp_path / "target")
    try:
        with target.session() as db:
            log_session(db, add_person(db, "Sam"), session_on(START), kb=packaged.kb)
        with pytest.raises(TrackError, match=message), target.session() as db:
            import_person(db, target.media, parse_export(_mutate(text, change)))
        with target.session() as db:
            assert list(db.scalars(select(PersonRecord.name))) == ["Sam"]
            assert db.scalar(select(func.count()).select_from(ExerciseSessionRecord)) == 1
        assert not (tmp_path / "target" / "media").exists()
    finally:
        target.close()


def test_not_json_and_duplicate_person(sqlite_store: Store, tmp_path: Path) -> None:
    with pytest.raises(TrackError, match="is not JSON"):
        parse_export("{oops", "x.json")
    populate(sqlite_store, tmp_path)
    with sqlite_store.session() as db:
        text = to_json(export_person(db, sqlite_store.media, find_person(db, "Alex")))
    with pytest.raises(TrackError, match="already stored here"), sqlite_store.session() as db:
        import_person(db, sqlite_store.media, parse_export(text))
