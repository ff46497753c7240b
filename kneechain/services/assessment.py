"""Use cases of the assessment: assess a case (with clips measured first), read a case file."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel

from kneechain.assess.case import MEASURES, Case, Measurement, measures_in
from kneechain.assess.caseio import load_case
from kneechain.assess.engine import assess
from kneechain.assess.result import AssessmentResult, FindingResult
from kneechain.errors import ErrorKind, KneechainError
from kneechain.program.models import Program
from kneechain.services.context import ServiceContext
from kneechain.services.models import PersonOut

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from kneechain.track.models import AssessmentRecord, PersonRecord


def read_case(path: Path, ctx: ServiceContext | None = None) -> Case:
    """A case file, validated (every problem named, in plain words) against the context's
    knowledge base (the packaged one without a context)."""
    return load_case(path, ctx.domain.knowledge if ctx is not None else None)


def assess_case(ctx: ServiceContext, case: Case) -> AssessmentResult:
    """Red flags, outcome scores and the findings that explain the knee pain."""
    domain = ctx.domain
    return assess(case, domain.assessment_rules, domain.knowledge)


class RecordedAssessment(BaseModel):
    """An assessment stored for a person, with the program stored beside it (if any)."""

    uid: str
    person: PersonOut
    taken_on: date
    refer: bool
    findings: list[str]  # names of the findings, for a one-line confirmation
    program_uid: str | None = None
    program_start: date | None = None


class AssessmentSummary(BaseModel):
    uid: str
    taken_on: date
    refer: bool
    findings: list[str]


class Origin(BaseModel):
    """How a value was measured: by hand, by a clinician, or from a clip (its frames and the
    proof pictures kept in the media store, by content hash)."""

    provenance: str
    quality: float | None = None
    video_file: str | None = None
    frames: list[int] = []
    evidence: list[str] = []  # sha256 of the proof pictures


class ValueChange(BaseModel):
    """One measure on one side in two assessments, and whether it changed for real."""

    measure_id: str
    name: str
    side: str
    unit: str
    before: float | None
    after: float | None
    delta: float | None
    smallest_real_change: float | None  # judged against: the MDC, widened by the values' +-
    verdict: str  # improved / worse / no_clear_change / changed / unjudged / only_one
    measurement_error: float | None = None  # the measure's own MDC (knowledge base)
    before_uncertainty: float | None = None  # one-sigma +- of each value, when stated
    after_uncertainty: float | None = None
    before_origin: Origin | None = None
    after_origin: Origin | None = None


class AssessmentComparison(BaseModel):
    person: PersonOut
    first: AssessmentSummary
    second: AssessmentSummary
    values: list[ValueChange]
    findings_resolved: list[str]
    findings_new: list[str]
    findings_kept: list[str]


def _result_of(record: AssessmentRecord) -> AssessmentResult | None:
    return AssessmentResult.model_validate(record.result_doc) if record.result_doc else None


def _summary(record: AssessmentRecord) -> AssessmentSummary:
    result = _result_of(record)
    return AssessmentSummary(
        uid=record.uid,
        taken_on=record.taken_on,
        refer=bool(result and result.refer),
        findings=[_finding_label(f) for f in (result.findings if result else [])],
    )


def _finding_label(finding: FindingResult) -> str:
    side = "" if finding.side in ("none", "both", None) else f" ({finding.side})"
    return f"{finding.name}{side}"


def record(
    ctx: ServiceContext,
    person: str | None,
    case: Case,
    *,
    program: Program | None = None,
    with_program: bool = True,
    today: date | None = None,
) -> RecordedAssessment:
    """Assess a case and store the case, its result and the program given for it.

    The program is `program` when given, else the one generated for the result (unless
    `with_program` is False, or the result refers the person on)."""
    from kneechain.services import programs
    from kneechain.services.people import person_out, resolve
    from kneechain.track.records import save_assessment, save_program_model

    result = assess_case(ctx, case)
    if program is None and with_program and not result.refer:
        from kneechain.program.source import is_runner

        request = programs.ProgramRequest(runner=is_runner(case))
        program = programs.build(ctx, result, request, assessed_on=case.assessed_on, today=today)
    with ctx.db() as db:
        who = resolve(db, person)
        stored = save_assessment(db, who, case, result, kb=ctx.domain.knowledge)
        program_record = (
            save_program_model(db, who, program, kb=ctx.domain.knowledge, assessment=stored)
            if program
            else None
        )
        return RecordedAssessment(
            uid=stored.uid,
            person=person_out(who),
            taken_on=stored.taken_on,
            refer=result.refer,
            findings=[_finding_label(f) for f in result.findings],
            program_uid=program_record.uid if program_record else None,
            program_start=program_record.started_on if program_record else None,
        )


def assessments(ctx: ServiceContext, person: str | None) -> list[AssessmentSummary]:
    """Every stored assessment of a person, oldest first."""
    from kneechain.services.people import resolve

    with ctx.db() as db:
        return assessments_of(db, resolve(db, person))


def assessments_of(db: Session, who: PersonRecord) -> list[AssessmentSummary]:
    """`assessments` inside a unit of work that already holds the person (the start page's)."""
    from sqlalchemy import select

    from kneechain.track.models import AssessmentRecord

    rows = db.scalars(
        select(AssessmentRecord)
        .where(AssessmentRecord.user_id == who.id)
        .order_by(AssessmentRecord.taken_on, AssessmentRecord.id)
    )
    return [_summary(r) for r in rows]


def _pick(rows: list[AssessmentRecord], ref: str) -> AssessmentRecord:
    """An assessment by uid (or a unique uid prefix), by date (YYYY-MM-DD), or by position
    ('1' the first, '-1' the latest)."""
    if ref.lstrip("-").isdigit() and len(ref) < 4:
        index = int(ref)
        position = index - 1 if index > 0 else index
        if rows and -len(rows) <= position < len(rows):
            return rows[position]
    matches = [r for r in rows if r.uid.startswith(ref) or str(r.taken_on) == ref]
    if len(matches) == 1:
        return matches[0]
    known = ", ".join(f"{i + 1}: {r.taken_on} ({r.uid[:8]})" for i, r in enumerate(rows))
    raise KneechainError(
        "assessment.not_found" if not matches else "assessment.ambiguous",
        f"No single assessment matches {ref!r}.",
        hint=f"Stored: {known}." if rows else "No assessment is stored for this person yet.",
        kind=ErrorKind.not_found if not matches else ErrorKind.invalid_input,
        field="assessment",
    )


def _evidence_by_video(db: Session, person_id: int) -> dict[str, list[str]]:
    """The proof pictures stored for each analysed clip of a person, by the clip's hash."""
    from sqlalchemy import select

    from kneechain.track.models import VideoAnalysisRecord

    rows = db.scalars(select(VideoAnalysisRecord).where(VideoAnalysisRecord.user_id == person_id))
    return {r.file_hash: [str(h) for h in r.evidence_hashes] for r in rows}


def _origin(measurement: Measurement, proofs: dict[str, list[str]]) -> Origin:
    source = measurement.source
    video = source.video_sha256 if source else None
    return Origin(
        provenance=measurement.provenance,
        quality=measurement.quality,
        video_file=source.file_name if source else None,
        frames=list(source.frames) if source else [],
        evidence=proofs.get(video, []) if video else [],
    )


def compare(
    ctx: ServiceContext, person: str | None, first: str = "1", second: str = "-1"
) -> AssessmentComparison:
    """Two assessments of one person side by side, measurement by measurement, each change
    judged against the measure's smallest real change; findings resolved, new and kept."""
    from sqlalchemy import select

    from kneechain.services.people import person_out, resolve
    from kneechain.track.maths import classify_change
    from kneechain.track.models import AssessmentRecord
    from kneechain.track.progress import higher_is_better, mdc_of, widened

    kb = ctx.domain.knowledge
    with ctx.db() as db:
        who = resolve(db, person)
        rows = list(
            db.scalars(
                select(AssessmentRecord)
                .where(AssessmentRecord.user_id == who.id)
                .order_by(AssessmentRecord.taken_on, AssessmentRecord.id)
            )
        )
        a, b = _pick(rows, first), _pick(rows, second)
        known = {MEASURES: measures_in(ctx.domain.knowledge)}  # what they were made with
        cases = [Case.model_validate(r.case_doc, context=known) for r in (a, b)]
        summaries = [_summary(a), _summary(b)]
        person_shown = person_out(who)
        proofs = _evidence_by_video(db, who.id)
    before = {(m.measure, m.side or "both"): m.value for m in cases[0].measurements}
    after = {(m.measure, m.side or "both"): m.value for m in cases[1].measurements}
    sure = [{(m.measure, m.side or "both"): m.uncertainty for m in c.measurements} for c in cases]
    origins = [
        {(m.measure, m.side or "both"): _origin(m, proofs) for m in c.measurements} for c in cases
    ]
    measures = {m.id: m for t in kb.tests.values() for m in t.measures}
    values = []
    for key in sorted(set(before) | set(after)):
        measure_id, side = key
        spec = measures.get(measure_id)
        mdc = mdc_of(kb, measure_id)
        old, new = before.get(key), after.get(key)
        old_u, new_u = sure[0].get(key), sure[1].get(key)
        threshold = mdc
        if old is None or new is None:
            verdict, delta = "only_one", None
        else:
            threshold = widened(mdc, old_u, new_u)
            verdict = classify_change(old, new, threshold, higher_is_better(kb, measure_id))
            delta = round(new - old, 6)
        values.append(
            ValueChange(
                measure_id=measure_id,
                name=spec.name if spec else measure_id,
                side=side,
                unit=spec.unit if spec else "",
                before=old,
                after=new,
                delta=delta,
                smallest_real_change=threshold,
                verdict=verdict,
                measurement_error=mdc,
                before_uncertainty=old_u,
                after_uncertainty=new_u,
                before_origin=origins[0].get(key),
                after_origin=origins[1].get(key),
            )
        )
    old_f, new_f = set(summaries[0].findings), set(summaries[1].findings)
    return AssessmentComparison(
        person=person_shown,
        first=summaries[0],
        second=summaries[1],
        values=values,
        findings_resolved=sorted(old_f - new_f),
        findings_new=sorted(new_f - old_f),
        findings_kept=sorted(old_f & new_f),
    )
