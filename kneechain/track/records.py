"""Store assessments, re-measurements, video analyses and programs for one person."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from kneechain.assess.case import Case, Measurement
from kneechain.assess.result import AssessmentResult
from kneechain.errors import ErrorKind
from kneechain.knowledge.loader import KnowledgeBase
from kneechain.track.dates import not_in_future
from kneechain.track.documents import (
    knowledge_fingerprint,
    parse_case,
    parse_result,
    to_row,
)
from kneechain.track.errors import TrackError
from kneechain.track.media import MediaStore
from kneechain.track.models import (
    AssessmentRecord,
    MeasurementRecord,
    MediaItemRecord,
    OutcomeScoreRecord,
    PersonRecord,
    ProgramRecord,
    VideoAnalysisRecord,
)


def _add_rows(
    db: Session,
    user: PersonRecord,
    taken_on: date,
    items: Iterable[Measurement],
    kb: KnowledgeBase,
    *,
    assessment: AssessmentRecord | None = None,
    video: VideoAnalysisRecord | None = None,
) -> list[MeasurementRecord]:
    records = []
    for item in items:
        row = to_row(item, kb)
        record = MeasurementRecord(
            user_id=user.id,
            assessment_id=assessment.id if assessment else None,
            video_analysis_id=video.id if video else None,
            taken_on=taken_on,
            **row.model_dump(),
        )
        db.add(record)
        records.append(record)
    db.flush()
    return records


def content_hash(doc: Mapping[str, Any]) -> str:
    """SHA-256 of a document's content (keys sorted), the same for the same case however its
    file was laid out."""
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def find_same_assessment(
    db: Session, user: PersonRecord, case_doc: Mapping[str, Any], taken_on: date
) -> AssessmentRecord | None:
    """An assessment of `user` on `taken_on` whose case has the same content, if one is stored."""
    digest = content_hash(case_doc)
    query = select(AssessmentRecord).where(
        AssessmentRecord.user_id == user.id, AssessmentRecord.taken_on == taken_on
    )
    return next((a for a in db.scalars(query) if content_hash(a.case_doc) == digest), None)


def save_assessment(
    db: Session,
    user: PersonRecord,
    case: Case | Mapping[str, Any],
    result: AssessmentResult | Mapping[str, Any] | None = None,
    *,
    kb: KnowledgeBase,
    taken_on: date | None = None,
    today: date | None = None,
) -> AssessmentRecord:
    """Store a case (and its result) as documents, index its measurements and outcome scores
    (tests and outcomes as `kb`, the knowledge base in use, names them).

    The same case stored again for the same person (same content) is refused, not copied: a
    second copy would count every value twice."""
    parsed = parse_case(case, kb)
    outcome = parse_result(result) if result is not None else None
    day = not_in_future(
        taken_on or parsed.assessed_on or today or date.today(), "The assessment date", today
    )
    case_doc = parsed.model_dump(mode="json")
    same = find_same_assessment(db, user, case_doc, day)
    if same is not None:
        raise TrackError(
            f"This assessment of {day.isoformat()} is already stored for {user.name}; "
            "it was not stored again.",
            code="assessment.duplicate",
            kind=ErrorKind.conflict,
        )
    record = AssessmentRecord(
        user_id=user.id,
        taken_on=day,
        case_schema_version=parsed.case_version,
        case_doc=case_doc,
        result_schema_version=outcome.engine_version if outcome else None,
        result_doc=outcome.model_dump(mode="json") if outcome else None,
        knowledge_fingerprint=knowledge_fingerprint(kb),
    )
    db.add(record)
    db.flush()
    _add_rows(db, user, day, parsed.measurements, kb, assessment=record)
    for outcome_id, part, score in _outcome_scores(parsed, outcome, kb):
        db.add(
            OutcomeScoreRecord(
                user_id=user.id, measured_on=day, outcome_id=outcome_id, part=part, score=score
            )
        )
    db.flush()
    return record


def _outcome_scores(
    case: Case, result: AssessmentResult | None, kb: KnowledgeBase
) -> list[tuple[str, str | None, float]]:
    """Outcome scores of an assessment as (outcome, part, score): every NPRS rating given (pain
    now, worst, with activity: each its own measure) and the Kujala total when complete."""
    known = kb.outcomes
    scores: dict[tuple[str, str | None], float] = {}
    if result is not None:
        scores = {
            (o.id, o.part): o.score
            for o in result.outcomes
            if o.id in known and o.score is not None
        }
    complaint = case.complaint
    for part, value in (
        ("now", complaint.nprs_now),
        ("worst", complaint.nprs_worst),
        ("activity", complaint.nprs_activity),
    ):
        if value is not None:
            scores.setdefault(("nprs", part), value)
    return [(outcome_id, part, score) for (outcome_id, part), score in scores.items()]


def add_measurements(
    db: Session, user: PersonRecord, taken_on: date, items: Sequence[Measurement], kb: KnowledgeBase
) -> list[MeasurementRecord]:
    """Store a re-measurement made outside a full assessment (for example at a re-test)."""
    if not items:
        raise TrackError("Give at least one measurement to store.")
    return _add_rows(db, user, not_in_future(taken_on, "The measurement date"), items, kb)


def add_media(
    db: Session, media: MediaStore, user: PersonRecord, path: Path, kind: str
) -> MediaItemRecord:
    """Put a file in the content-addressed store and record that it belongs to `user`."""
    digest = media.put_file(path)
    item = db.scalar(
        select(MediaItemRecord).where(
            MediaItemRecord.user_id == user.id, MediaItemRecord.sha256 == digest
        )
    )
    if item is None:
        item = MediaItemRecord(
            user_id=user.id,
            sha256=digest,
            kind=kind,
            filename=path.name,
            size_bytes=path.stat().st_size,
        )
        db.add(item)
        db.flush()
    return item


def save_video_analysis(
    db: Session,
    media: MediaStore,
    user: PersonRecord,
    *,
    video: Path,
    test_id: str,
    measurements: Sequence[Measurement],
    kb: KnowledgeBase,
    evidence: Sequence[Path] = (),
    doc: Mapping[str, Any] | None = None,
    schema_version: str = "1.0",
    analysed_on: date | None = None,
    assessment: AssessmentRecord | None = None,
) -> VideoAnalysisRecord:
    """Store one video's analysis: the clip and evidence frames by hash, and its measurements."""
    if test_id not in kb.tests:
        raise TrackError(
            f"There is no test called {test_id!r}.",
            hint="Known tests: " + ", ".join(kb.tests) + ".",
            field="test_id",
        )
    clip = add_media(db, media, user, video, "video")
    frames = [add_media(db, media, user, path, "frame").sha256 for path in evidence]
    day = not_in_future(analysed_on or date.today(), "The day of the video")
    record = VideoAnalysisRecord(
        user_id=user.id,
        assessment_id=assessment.id if assessment else None,
        test_id=test_id,
        file_hash=clip.sha256,
        analysed_on=day,
        schema_version=schema_version,
        doc=dict(doc or {"measurements": [m.model_dump(mode="json") for m in measurements]}),
        evidence_hashes=frames,
    )
    db.add(record)
    db.flush()
    _add_rows(db, user, day, measurements, kb, video=record)
    return record


def save_program(
    db: Session,
    user: PersonRecord,
    doc: Mapping[str, Any],
    *,
    kb: KnowledgeBase,
    schema_version: str,
    started_on: date | None = None,
    assessment: AssessmentRecord | None = None,
) -> ProgramRecord:
    """Store the exact prescription given, as the generator's document."""
    record = ProgramRecord(
        user_id=user.id,
        assessment_id=assessment.id if assessment else None,
        started_on=started_on or date.today(),
        schema_version=schema_version,
        doc=dict(doc),
        knowledge_fingerprint=knowledge_fingerprint(kb),
    )
    db.add(record)
    db.flush()
    return record


def save_program_model(
    db: Session,
    user: PersonRecord,
    program: BaseModel,
    *,
    kb: KnowledgeBase,
    assessment: AssessmentRecord | None = None,
) -> ProgramRecord:
    """Store a generated program model (its `program_version` and `start_date` are read)."""
    return save_program_doc(
        db, user, program.model_dump(mode="json"), kb=kb, started_on=None, assessment=assessment
    )


def save_program_doc(
    db: Session,
    user: PersonRecord,
    doc: Mapping[str, Any],
    *,
    kb: KnowledgeBase,
    started_on: date | None,
    assessment: AssessmentRecord | None = None,
) -> ProgramRecord:
    """Store a program document as the generator wrote it (`program_version` is required;
    `start_date`, when present, is when it starts)."""
    version = doc.get("program_version")
    if not isinstance(version, str):
        raise TrackError("the program has no program_version; it is not a generated program")
    start = started_on
    if start is None and isinstance(doc.get("start_date"), str):
        try:
            start = date.fromisoformat(doc["start_date"])
        except ValueError as exc:
            raise TrackError(
                f"the program's start_date {doc['start_date']!r} is not a date"
            ) from exc
    return save_program(
        db, user, doc, kb=kb, schema_version=version, started_on=start, assessment=assessment
    )


#: What a caller passes for "the current program" when it has not loaded it (see `program_of`).
LOOK_UP: Literal["look up"] = "look up"


def program_of(
    db: Session, user: PersonRecord, known: ProgramRecord | Literal["look up"] | None
) -> ProgramRecord | None:
    """The current program a caller already loaded in this unit of work (a large document, read
    and decoded once per page), or looked up when it passes LOOK_UP."""
    return current_program(db, user) if isinstance(known, str) else known


def current_program(db: Session, user: PersonRecord) -> ProgramRecord | None:
    """The most recently started program, the one sessions are logged against."""
    query = (
        select(ProgramRecord)
        .where(ProgramRecord.user_id == user.id)
        .order_by(ProgramRecord.started_on.desc(), ProgramRecord.id.desc())
        .limit(1)
    )
    return db.scalar(query)
