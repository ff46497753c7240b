"""Use cases of a stored check-up's results: findings in plain words with their evidence, every
value against its norm band and problem threshold with its uncertainty (measurement quality and
the smallest real change), the proof pictures of the clips, and a person's media files (only
their own: a file is served for the record it belongs to)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from sqlalchemy import select

from kneechain.assess.case import MEASURES, Case, Measurement, measures_in
from kneechain.assess.result import (
    AssessmentResult,
    ClinicianSuggestion,
    FindingResult,
    OutcomeScore,
    RedFlagHit,
    Suspicion,
    UnusedMeasurement,
)
from kneechain.base import Frozen
from kneechain.errors import ErrorKind, KneechainError
from kneechain.knowledge.loader import KnowledgeBase
from kneechain.services.context import ServiceContext
from kneechain.services.people import resolve
from kneechain.track.models import AssessmentRecord, MediaItemRecord, VideoAnalysisRecord


class Band(Frozen):
    """Where a value sits: the scale drawn, the norm band (or value), the problem threshold."""

    scale_low: float
    scale_high: float
    norm_low: float | None
    norm_high: float | None
    norm_label: str | None
    threshold: float | None
    threshold_comparator: str | None
    threshold_label: str | None
    outside: bool


class ValueLine(Frozen):
    """One measured value with its norm and how sure it is."""

    measure_id: str
    test_name: str
    name: str
    side: str | None
    value: float
    unit: str
    provenance: str
    quality: float | None
    repetitions: int | None
    smallest_real_change: float | None
    band: Band | None


class ProofPicture(Frozen):
    """A proof picture, or the annotated clip (`kind` "clip": the skeleton and angles drawn on
    every analysed frame), of one test's clip."""

    sha256: str
    test_name: str
    kind: Literal["picture", "clip"] = "picture"


class CheckupReport(Frozen):
    uid: str
    taken_on: date
    refer: bool
    red_flags: list[RedFlagHit]
    findings: list[FindingResult]
    not_explained: bool
    clinicians: list[ClinicianSuggestion]
    suspicions: list[Suspicion]
    unused: list[UnusedMeasurement]
    outcomes: list[OutcomeScore]
    values: list[ValueLine]
    pictures: list[ProofPicture]
    notes: list[str]
    measure_names: dict[str, str]


def band_for(kb: KnowledgeBase, measurement: Measurement) -> tuple[Band | None, float | None]:
    """The value's band (None without a norm or threshold) and the smallest real change."""
    test = next(
        t for t in kb.tests.values() if any(m.id == measurement.measure for m in t.measures)
    )
    refs = [r for r in test.references if r.measure == measurement.measure]
    mdc = next((r.value for r in refs if r.kind == "mdc"), None)
    norm = next((r for r in refs if r.kind == "norm"), None)
    threshold = next((r for r in refs if r.kind == "threshold" and r.value is not None), None)
    if norm is None and threshold is None:
        return None, mdc
    low = high = None
    if norm is not None:
        low = norm.low if norm.low is not None else norm.value
        high = norm.high if norm.high is not None else norm.value
    points = [measurement.value, *(v for v in (low, high) if v is not None)]
    if threshold is not None and threshold.value is not None:
        points.append(threshold.value)
    pad = max((max(points) - min(points)) * 0.25, 5.0)
    outside = False
    if threshold is not None and threshold.value is not None:
        comparator = threshold.comparator or "<"
        outside = (
            measurement.value < threshold.value
            if comparator.startswith("<")
            else measurement.value > threshold.value
        )
    band = Band(
        scale_low=min(points) - pad,
        scale_high=max(points) + pad,
        norm_low=low,
        norm_high=high,
        norm_label=norm.label if norm else None,
        threshold=threshold.value if threshold else None,
        threshold_comparator=threshold.comparator if threshold else None,
        threshold_label=threshold.label if threshold else None,
        outside=outside,
    )
    return band, mdc


def _values(kb: KnowledgeBase, case: Case) -> list[ValueLine]:
    lines = []
    for m in case.measurements:
        test = next(t for t in kb.tests.values() if any(x.id == m.measure for x in t.measures))
        spec = next(x for x in test.measures if x.id == m.measure)
        band, mdc = band_for(kb, m)
        lines.append(
            ValueLine(
                measure_id=m.measure,
                test_name=test.name,
                name=spec.name,
                side=m.side,
                value=m.value,
                unit=spec.unit,
                provenance=m.provenance,
                quality=m.quality,
                repetitions=m.repetitions,
                smallest_real_change=mdc,
                band=band,
            )
        )
    return lines


def report(ctx: ServiceContext, person: str, assessment_uid: str) -> CheckupReport:
    """The report of one stored check-up of `person`."""
    kb = ctx.domain.knowledge
    with ctx.db() as db:
        who = resolve(db, person)
        record = db.scalar(
            select(AssessmentRecord).where(
                AssessmentRecord.uid == assessment_uid, AssessmentRecord.user_id == who.id
            )
        )
        if record is None or record.result_doc is None:
            raise KneechainError(
                "assessment.not_found",
                "There is no such check-up in this record.",
                kind=ErrorKind.not_found,
            )
        case = Case.model_validate(record.case_doc, context={MEASURES: measures_in(kb)})
        result = AssessmentResult.model_validate(record.result_doc)
        videos = db.scalars(
            select(VideoAnalysisRecord).where(VideoAnalysisRecord.assessment_id == record.id)
        ).all()
        clips = set(
            db.scalars(
                select(MediaItemRecord.sha256).where(
                    MediaItemRecord.user_id == who.id, MediaItemRecord.kind == "other"
                )
            )
        )
        pictures = [
            ProofPicture(
                sha256=h,
                test_name=kb.tests[v.test_id].name,
                kind="clip" if h in clips else "picture",
            )
            for v in videos
            for h in v.evidence_hashes
            if v.test_id in kb.tests
        ]
        taken_on = record.taken_on
    return CheckupReport(
        uid=assessment_uid,
        taken_on=taken_on,
        refer=result.refer,
        red_flags=result.red_flags,
        findings=result.findings,
        not_explained=result.not_explained,
        clinicians=result.clinicians,
        suspicions=result.suspicions,
        unused=result.unused_measurements,
        outcomes=result.outcomes,
        values=_values(kb, case),
        pictures=pictures,
        notes=result.notes,
        measure_names={m.id: m.name for t in kb.tests.values() for m in t.measures},
    )


MediaKind = Literal[
    "image/png", "image/jpeg", "video/mp4", "video/webm", "application/octet-stream"
]


def media_type(head: bytes) -> MediaKind:
    """The type of a stored file, from its first bytes."""
    if head.startswith(b"\x89PNG"):
        return "image/png"
    if head.startswith(b"\xff\xd8"):
        return "image/jpeg"
    if head[4:8] == b"ftyp":
        return "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    return "application/octet-stream"


def media_file(ctx: ServiceContext, person: str, sha256: str) -> tuple[bytes, MediaKind]:
    """A file of the person's record (a proof picture, a clip), by its hash."""
    with ctx.db() as db:
        who = resolve(db, person)
        owned = db.scalar(
            select(MediaItemRecord.id).where(
                MediaItemRecord.user_id == who.id, MediaItemRecord.sha256 == sha256
            )
        )
    if owned is None or sha256 not in ctx.store.media:
        raise KneechainError(
            "media.not_found", "There is no such file in this record.", kind=ErrorKind.not_found
        )
    data = ctx.store.media.read_bytes(sha256)
    return data, media_type(data[:16])
