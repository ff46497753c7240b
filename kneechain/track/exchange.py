"""Export everything of one person to one JSON file (and a CSV per table); import it back.

An import runs in one transaction: a malformed file, a hash that does not match its content or a
person already stored stops it with a clear message and nothing is written to the database.
"""

from __future__ import annotations

import base64
import binascii
import csv
import hashlib
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from kneechain.track.documents import explain
from kneechain.track.errors import TrackError
from kneechain.track.exchange_format import (
    FORMAT,
    FORMAT_VERSION,
    AssessmentRow,
    ExerciseRow,
    ExportFile,
    LinkRow,
    MeasurementRow,
    MediaRow,
    OutcomeRow,
    PersonRow,
    ProgramRow,
    SessionRow,
    VideoRow,
)
from kneechain.track.media import MediaStore
from kneechain.track.models import (
    AssessmentRecord,
    CareLinkRecord,
    ExerciseSessionRecord,
    MeasurementRecord,
    MediaItemRecord,
    OutcomeScoreRecord,
    PersonRecord,
    ProgramRecord,
    SessionExerciseRecord,
    VideoAnalysisRecord,
    utcnow,
)


def _columns(record: object, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(record, name) for name in names}


def _owned(db: Session, model: type, user: PersonRecord) -> list[Any]:
    return list(db.scalars(select(model).where(model.user_id == user.id).order_by(model.id)))


def _links(db: Session, user: PersonRecord) -> list[LinkRow]:
    rows = []
    query = select(CareLinkRecord).where(
        or_(CareLinkRecord.clinician_id == user.id, CareLinkRecord.client_id == user.id)
    )
    for link in db.scalars(query):
        mine_is_client = link.client_id == user.id
        other = db.get(PersonRecord, link.clinician_id if mine_is_client else link.client_id)
        direction = "clinician_of_person" if mine_is_client else "client_of_person"
        row = LinkRow(
            direction=direction,
            other_uid=other.uid,
            other_name=other.name,
            created_at=link.created_at,
        )
        rows.append(row)
    return sorted(rows, key=lambda r: (r.direction, r.other_uid))


def _row(model: type[BaseModel], record: object, **refs: Any) -> Any:
    """An export row from a database record: its plain columns plus the references given."""
    return model(**_columns(record, _plain(model)), **refs)


def _content(media: MediaStore, item: MediaItemRecord, with_media: bool) -> str | None:
    return base64.b64encode(media.read_bytes(item.sha256)).decode() if with_media else None


def _session(record: ExerciseSessionRecord, programs: dict[int, str]) -> SessionRow:
    exercises = [_row(ExerciseRow, e) for e in record.exercises]
    return _row(
        SessionRow, record, program_uid=programs.get(record.program_id), exercises=exercises
    )


def export_person(
    db: Session, media: MediaStore, user: PersonRecord, *, with_media: bool = True
) -> ExportFile:
    """Everything stored about `user` (media content embedded unless `with_media` is False)."""
    found = {m: _owned(db, m, user) for m in (AssessmentRecord, VideoAnalysisRecord, ProgramRecord)}
    assessments = {a.id: a.uid for a in found[AssessmentRecord]}
    videos = {v.id: v.uid for v in found[VideoAnalysisRecord]}
    programs = {p.id: p.uid for p in found[ProgramRecord]}
    measurements = [
        _row(
            MeasurementRow,
            m,
            assessment_uid=assessments.get(m.assessment_id),
            video_analysis_uid=videos.get(m.video_analysis_id),
        )
        for m in _owned(db, MeasurementRecord, user)
    ]
    return ExportFile(
        format=FORMAT,
        format_version=FORMAT_VERSION,
        exported_at=utcnow(),
        person=_row(PersonRow, user),
        care_links=_links(db, user),
        assessments=[_row(AssessmentRow, a) for a in found[AssessmentRecord]],
        video_analyses=[
            _row(VideoRow, v, assessment_uid=assessments.get(v.assessment_id))
            for v in found[VideoAnalysisRecord]
        ],
        media=[
            _row(MediaRow, m, content_base64=_content(media, m, with_media))
            for m in _owned(db, MediaItemRecord, user)
        ],
        measurements=measurements,
        programs=[
            _row(ProgramRow, p, assessment_uid=assessments.get(p.assessment_id))
            for p in found[ProgramRecord]
        ],
        sessions=[_session(s, programs) for s in _owned(db, ExerciseSessionRecord, user)],
        outcome_scores=[_row(OutcomeRow, o) for o in _owned(db, OutcomeScoreRecord, user)],
    )


def _plain(model: type[BaseModel]) -> tuple[str, ...]:
    """The fields of an export row that are plain columns (not references, content or children)."""
    skip = {"assessment_uid", "video_analysis_uid", "program_uid", "content_base64", "exercises"}
    return tuple(f for f in model.model_fields if f not in skip)


def to_json(export: ExportFile) -> str:
    return json.dumps(export.model_dump(mode="json"), indent=1, ensure_ascii=False, sort_keys=True)


def parse_export(text: str, source: str = "the import file") -> ExportFile:
    """Read and validate an export file, naming the problem when it is not one."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TrackError(f"{source} is not JSON: {exc.msg} at line {exc.lineno}") from exc
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise TrackError(f'{source} is not a kneechain export (expected "format": "{FORMAT}")')
    if raw.get("format_version") != FORMAT_VERSION:
        raise TrackError(
            f"{source} has format_version {raw.get('format_version')!r}; "
            f"this kneechain reads version {FORMAT_VERSION}"
        )
    try:
        return ExportFile.model_validate(raw)
    except ValidationError as exc:
        raise explain(exc, source, ExportFile) from exc


def _decode_media(export: ExportFile, media: MediaStore) -> dict[str, bytes]:
    """Content to add to the store, checked against its hash; absent content must be present."""
    contents = {}
    for item in export.media:
        if item.content_base64 is None:
            if item.sha256 not in media:
                raise TrackError(
                    f"The file {item.filename} ({item.sha256[:12]}...) is neither in the export "
                    "(it was exported without media files) nor stored here; export again with "
                    "the media files"
                )
            continue
        try:
            data = base64.b64decode(item.content_base64, validate=True)
        except binascii.Error as exc:
            raise TrackError(f"media {item.filename}: content is not valid base64") from exc
        if hashlib.sha256(data).hexdigest() != item.sha256:
            raise TrackError(
                f"media {item.filename}: content does not match its sha256; file damaged"
            )
        contents[item.sha256] = data
    return contents


def _check_new(db: Session, export: ExportFile) -> None:
    person = export.person
    if db.scalar(
        select(PersonRecord).where(
            or_(PersonRecord.uid == person.uid, PersonRecord.name == person.name)
        )
    ):
        raise TrackError(
            f"{person.name!r} is already stored here; delete them first, or import into "
            "another database"
        )


def import_person(
    db: Session, media: MediaStore, export: ExportFile
) -> tuple[PersonRecord, list[str]]:
    """Recreate the exported person with every record. Care links are restored where the person
    at the other end is in this database (same uid); returns the names of those who are not."""
    _check_new(db, export)
    contents = _decode_media(export, media)
    user = PersonRecord(**export.person.model_dump())
    db.add(user)
    db.flush()
    missing = []
    for link in export.care_links:
        other = db.scalar(select(PersonRecord).where(PersonRecord.uid == link.other_uid))
        if other is None:
            missing.append(link.other_name)
            continue
        mine_is_client = link.direction == "clinician_of_person"
        clinician, client = (other, user) if mine_is_client else (user, other)
        db.add(
            CareLinkRecord(
                clinician_id=clinician.id, client_id=client.id, created_at=link.created_at
            )
        )
    assessments = _add(db, user, AssessmentRecord, export.assessments, {})
    videos = _add(
        db, user, VideoAnalysisRecord, export.video_analyses, {"assessment_uid": assessments}
    )
    refs = {"assessment_uid": assessments, "video_analysis_uid": videos}
    _add(db, user, MeasurementRecord, export.measurements, refs)
    programs = _add(db, user, ProgramRecord, export.programs, {"assessment_uid": assessments})
    for row in export.sessions:
        fields = row.model_dump(exclude={"program_uid", "exercises"})
        exercises = [SessionExerciseRecord(**e.model_dump()) for e in row.exercises]
        program_id = _ref(programs, row.program_uid)
        db.add(
            ExerciseSessionRecord(
                **fields, user_id=user.id, program_id=program_id, exercises=exercises
            )
        )
    _add(db, user, OutcomeScoreRecord, export.outcome_scores, {})
    for item in export.media:
        db.add(MediaItemRecord(**item.model_dump(exclude={"content_base64"}), user_id=user.id))
    db.flush()
    for data in contents.values():
        media.put_bytes(data)
    return user, missing


def _ref(known: dict[str, int], uid: str | None) -> int | None:
    if uid is None:
        return None
    if uid not in known:
        raise TrackError(f"the file refers to record {uid!r}, which it does not contain")
    return known[uid]


def _add(
    db: Session, user: PersonRecord, model: type, rows: list[Any], refs: dict[str, dict[str, int]]
) -> dict[str, int]:
    """Insert rows of one table, turning `<x>_uid` references into database ids."""
    taken = set(db.scalars(select(model.uid).where(model.uid.in_([r.uid for r in rows]))))
    if taken:
        raise TrackError(
            f"records {sorted(taken)[:3]} are already stored; the file was imported before"
        )
    records = []
    for row in rows:
        fields = row.model_dump(exclude=set(refs))
        ids = {
            name.removesuffix("_uid") + "_id": _ref(known, getattr(row, name))
            for name, known in refs.items()
        }
        records.append(model(**fields, **ids, user_id=user.id))
    db.add_all(records)
    db.flush()
    return {r.uid: r.id for r in records}


def write_csv(export: ExportFile, folder: Path) -> list[Path]:
    """One CSV per table (JSON documents as JSON text in their cell); returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    data = export.model_dump(mode="json")
    tables: dict[str, list[dict[str, Any]]] = {"people": [data["person"]]}
    for name in ("care_links", "assessments", "video_analyses", "measurements", "programs",
                 "outcome_scores"):  # fmt: skip
        tables[name] = data[name]
    tables["media"] = [{k: v for k, v in m.items() if k != "content_base64"} for m in data["media"]]
    tables["sessions"] = [
        {k: v for k, v in s.items() if k != "exercises"} for s in data["sessions"]
    ]
    tables["session_exercises"] = [
        {"session_uid": s["uid"], **e} for s in data["sessions"] for e in s["exercises"]
    ]
    written = []
    for name, rows in tables.items():
        path = folder / f"{name}.csv"
        fields = _fieldnames(name, rows)
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields)
            writer.writeheader()
            for row in rows:
                writer.writerow({k: _cell(v) for k, v in row.items()})
        written.append(path)
    return written


def _fieldnames(name: str, rows: list[dict[str, Any]]) -> list[str]:
    if rows:
        return list(rows[0])
    models: dict[str, type[BaseModel]] = {
        "care_links": LinkRow, "assessments": AssessmentRow, "video_analyses": VideoRow,
        "measurements": MeasurementRow, "programs": ProgramRow, "outcome_scores": OutcomeRow,
        "media": MediaRow, "sessions": SessionRow, "session_exercises": ExerciseRow,
    }  # fmt: skip
    skip = {"content_base64", "exercises"}
    return [f for f in models[name].model_fields if f not in skip]


def _cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return "" if value is None else value
