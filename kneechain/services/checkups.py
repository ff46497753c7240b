"""Use cases of a check-up in a front end that asks one question at a time and may be left and
resumed (the web wizard): the next question, answering it, going back, a clip's result as an
answer, and finishing (assess, store the assessment and its program).

The questions, their order and conditions, and every check of an answer are the questionnaire
engine's (`kneechain.assess.flow`); the answers so far are stored per person, so a check-up
continues where it stopped, on any device. A red flag stops the check-up at once: the answers
are stored as an assessment (the clinician sees the alert) and only the referral is offered.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from kneechain.assess import flow
from kneechain.assess.questionnaire import Question, Questionnaire, Section, load_questionnaire
from kneechain.assess.result import RedFlagHit
from kneechain.errors import ErrorKind, KneechainError
from kneechain.services import assessment
from kneechain.services.context import ServiceContext
from kneechain.services.domain import Domain
from kneechain.services.people import lock, resolve
from kneechain.services.results import media_type
from kneechain.track.models import (
    AssessmentRecord,
    CheckupDraftRecord,
    MediaItemRecord,
    PersonRecord,
    VideoAnalysisRecord,
)

Stage = Literal["asking", "referred", "ready"]
_QUESTIONNAIRES: dict[int, tuple[Domain, Questionnaire]] = {}


def questionnaire(ctx: ServiceContext) -> Questionnaire:
    """The questionnaire of the context's domain (loaded and checked once per domain)."""
    cached = _QUESTIONNAIRES.get(id(ctx.domain))
    if cached is None or cached[0] is not ctx.domain:
        qn = load_questionnaire(ctx.domain.knowledge, ctx.domain.assessment_rules)
        cached = _QUESTIONNAIRES[id(ctx.domain)] = (ctx.domain, qn)
    return cached[1]


class AnswerLine(BaseModel):
    """One answer given so far, as a person reads it."""

    model_config = ConfigDict(frozen=True)

    question_id: str
    section: str
    question: str
    answer: str


class SectionProgress(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    title: str
    state: Literal["done", "current", "to_come"]


class CheckupStep(BaseModel):
    """Where a check-up stands: the question to answer now, or the referral, or ready to
    finish; with the progress and the answers so far."""

    model_config = ConfigDict(frozen=True)

    stage: Stage
    question: Question | None
    section: Section | None
    sections: list[SectionProgress]
    answered: int
    total: int
    can_go_back: bool
    answers: list[AnswerLine]
    referral: list[RedFlagHit]
    referral_title: str
    referral_text: str
    recorded_uid: str | None = None


def _state_of(row: CheckupDraftRecord | None, qn: Questionnaire) -> flow.FlowState:
    if row is None:
        return flow.start(qn)
    try:
        state = flow.FlowState.model_validate(row.state)
    except ValueError:
        return flow.start(qn)
    # each answer was checked when given; answers of an older questionnaire start again
    return state if state.version == qn.spec.version else flow.start(qn)


def _load(ctx: ServiceContext, person: str, qn: Questionnaire) -> flow.FlowState:
    with ctx.db(read_only=True) as db:
        who = resolve(db, person)
        row = db.scalar(select(CheckupDraftRecord).where(CheckupDraftRecord.user_id == who.id))
        return _state_of(row, qn)


def _draft(
    db: Session, person: str, qn: Questionnaire
) -> tuple[PersonRecord, CheckupDraftRecord | None, flow.FlowState]:
    """The person's draft for a change: their row is held until the unit of work ends, so a
    second answer sent meanwhile (another tab, a double click served by two workers) waits
    and reads this one's answers instead of overwriting them."""
    who = lock(db, person)
    row = db.scalar(select(CheckupDraftRecord).where(CheckupDraftRecord.user_id == who.id))
    return who, row, _state_of(row, qn)


def _write(
    db: Session, who: PersonRecord, row: CheckupDraftRecord | None, state: flow.FlowState | None
) -> None:
    if state is None:
        if row is not None:
            db.delete(row)
        return
    doc = state.model_dump(mode="json")
    if row is None:
        db.add(CheckupDraftRecord(user_id=who.id, state=doc))
    else:
        row.state = doc


def _save(ctx: ServiceContext, person: str, state: flow.FlowState | None) -> None:
    with ctx.db() as db:
        who, row, _ = _draft(db, person, questionnaire(ctx))
        _write(db, who, row, state)


def _step(qn: Questionnaire, state: flow.FlowState, recorded_uid: str | None = None) -> CheckupStep:
    question = flow.next_question(qn, state)
    hits = flow.referral(qn, state)
    stage: Stage = "referred" if hits else ("asking" if question is not None else "ready")
    answered, total = flow.progress(qn, state)
    current = question.section if question else None
    order = [s.id for s in qn.sections]
    at = order.index(current) if current in order else len(order)
    sections = [
        SectionProgress(
            id=s.id,
            title=s.title,
            state="done" if i < at else ("current" if i == at else "to_come"),
        )
        for i, s in enumerate(qn.sections)
    ]
    lines = []
    for question_id in state.order:
        asked = qn.question(question_id)
        lines.append(
            AnswerLine(
                question_id=question_id,
                section=asked.section,
                question=asked.text,
                answer=flow.answer_text(asked, state.answers.get(question_id)),
            )
        )
    return CheckupStep(
        stage=stage,
        question=question if stage == "asking" else None,
        section=qn.section(current) if current else None,
        sections=sections,
        answered=answered,
        total=total,
        can_go_back=bool(state.order) and stage == "asking",
        answers=lines,
        referral=hits,
        referral_title=qn.spec.referral.title,
        referral_text=qn.spec.referral.text,
        recorded_uid=recorded_uid,
    )


def current(ctx: ServiceContext, person: str) -> CheckupStep:
    """Where the person's check-up stands (a new one starts empty)."""
    qn = questionnaire(ctx)
    return _step(qn, _load(ctx, person, qn))


def answer(ctx: ServiceContext, person: str, question_id: str, value: flow.Answer) -> CheckupStep:
    """Answer the question asked now (None skips it). A refused answer is a KneechainError
    with the reason in plain words and nothing stored. A red flag stops the check-up: the
    answers are stored as an assessment and the referral is returned."""
    qn = questionnaire(ctx)
    with ctx.db() as db:
        who, row, state = _draft(db, person, qn)
        state = flow.apply_answer(qn, state, question_id, value)
        # stored even when it refers: a second red-flag answer sent meanwhile is then refused
        # instead of recording the assessment twice
        _write(db, who, row, state)
    return _referred(ctx, person, qn, state) or _step(qn, state)


class Answered(BaseModel):
    """What a form's answer did: ignored (its question was not the one asked now) or stored;
    `referred` is the step to show when the answer stopped the check-up (a red flag)."""

    model_config = ConfigDict(frozen=True)

    stored: bool
    referred: CheckupStep | None = None


def answer_asked(
    ctx: ServiceContext,
    person: str,
    question_id: str,
    read: Callable[[Question], flow.Answer],
) -> Answered:
    """`answer` for a form sent for `question_id`, checked and stored in one unit of work:
    ignored, nothing stored, when that question is not the one asked now (answered meanwhile
    in another tab or by a double click, or the check-up was referred); else `read` makes the
    answer from the form for that question (a KneechainError from it stores nothing). The
    check and the answer hold the person's draft together. The next step is not built (a
    form shows the wizard again, which reads it), except the referral's."""
    qn = questionnaire(ctx)
    with ctx.db() as db:
        who, row, state = _draft(db, person, qn)
        asked = None if flow.referral(qn, state) else flow.next_question(qn, state)
        if asked is None or asked.id != question_id:
            return Answered(stored=False)
        state = flow.apply_answer(qn, state, question_id, read(asked))
        _write(db, who, row, state)  # stored even when it refers (see `answer`)
    return Answered(stored=True, referred=_referred(ctx, person, qn, state))


def _referred(
    ctx: ServiceContext, person: str, qn: Questionnaire, state: flow.FlowState
) -> CheckupStep | None:
    """After an answer was stored: when it raised a red flag, the answers are stored as an
    assessment, the draft ends and the referral's step is returned; else None."""
    if not flow.referral(qn, state):
        return None
    recorded = assessment.record(ctx, person, flow.build_case(qn, state), with_program=False)
    _save(ctx, person, None)
    return _step(qn, state, recorded.uid)


def ensure_draft(ctx: ServiceContext, person: str) -> None:
    """Store the check-up's answers so far, so a clip's job can be attached to it."""
    qn = questionnaire(ctx)
    with ctx.db() as db:
        who, row, state = _draft(db, person, qn)
        if row is None:
            _write(db, who, row, state)


def back(ctx: ServiceContext, person: str) -> CheckupStep:
    """Forget the last answer, so its question is asked again."""
    qn = questionnaire(ctx)
    return _step(qn, _go_back(ctx, person, qn))


def go_back(ctx: ServiceContext, person: str) -> None:
    """`back` without building the step (a form shows the wizard again, which reads it)."""
    _go_back(ctx, person, questionnaire(ctx))


def _go_back(ctx: ServiceContext, person: str, qn: Questionnaire) -> flow.FlowState:
    with ctx.db() as db:
        who, row, state = _draft(db, person, qn)
        state = flow.go_back(qn, state)
        _write(db, who, row, state)
    return state


def restart(ctx: ServiceContext, person: str) -> CheckupStep:
    """Drop the answers so far and start the check-up again."""
    _save(ctx, person, None)
    return current(ctx, person)


def finish(
    ctx: ServiceContext, person: str, today: date | None = None
) -> assessment.RecordedAssessment:
    """Assess the answered check-up, store it with its program, and clear the draft."""
    qn = questionnaire(ctx)
    state = _load(ctx, person, qn)
    if flow.next_question(qn, state) is not None and not flow.referral(qn, state):
        raise KneechainError(
            "checkup.unfinished",
            "Some questions are still open.",
            hint="Answer or skip them first.",
            kind=ErrorKind.conflict,
        )
    case = flow.build_case(qn, state).model_copy(update={"assessed_on": today or date.today()})
    recorded = assessment.record(ctx, person, case, today=today)
    clips = [a for a in state.answers.values() if isinstance(a, flow.ClipAnswer)]
    store_clips(ctx, person, recorded.uid, clips, case.assessed_on or date.today())
    _save(ctx, person, None)
    return recorded


def store_clips(
    ctx: ServiceContext, person: str, assessment_uid: str, clips: list[flow.ClipAnswer], on: date
) -> None:
    """Keep each clip's analysis with the assessment: its values and its proof pictures
    (already in the media store, named `media:<sha256>`), so the report can show them."""
    with ctx.db() as db:
        who = resolve(db, person)
        record = db.scalar(select(AssessmentRecord).where(AssessmentRecord.uid == assessment_uid))
        for clip in clips:
            frames = [e.removeprefix("media:") for e in clip.evidence if e.startswith("media:")]
            for digest in frames:
                if (
                    digest in ctx.store.media
                    and db.scalar(
                        select(MediaItemRecord.id).where(
                            MediaItemRecord.user_id == who.id, MediaItemRecord.sha256 == digest
                        )
                    )
                    is None
                ):
                    stored = ctx.store.media.path_for(digest)
                    is_clip = media_type(stored.read_bytes()[:16]).startswith("video/")
                    db.add(
                        MediaItemRecord(
                            user_id=who.id,
                            sha256=digest,
                            kind="other" if is_clip else "frame",
                            filename=f"{clip.test_id}-annotated.webm"
                            if is_clip
                            else f"{clip.test_id}-proof.png",
                            size_bytes=stored.stat().st_size,
                        )
                    )
            source = next((m.source for m in clip.measurements if m.source), None)
            db.add(
                VideoAnalysisRecord(
                    user_id=who.id,
                    assessment_id=record.id if record else None,
                    test_id=clip.test_id,
                    file_hash=(source.video_sha256 if source else None) or "",
                    analysed_on=on,
                    schema_version="clip-answer-1",
                    doc=clip.model_dump(mode="json"),
                    evidence_hashes=frames,
                )
            )
