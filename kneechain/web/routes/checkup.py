"""The check-up wizard: one question at a time from the questionnaire engine, the red-flag
screen first (a red flag stops everything with the referral), resumable on any device; then
the assessment is stored with its program and the results are shown."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData, UploadFile
from starlette.responses import Response

from kneechain.assess import flow
from kneechain.assess.questionnaire import Question
from kneechain.errors import KneechainError
from kneechain.services import checkups, clips
from kneechain.web.deps import Ctx, CurrentViewer, Jobs, Subject, get_runner
from kneechain.web.pages import render

router = APIRouter(tags=["pages: check-up"])
NONE_CHOSEN = "__none__"


def form_answer(question: Question, form: FormData) -> flow.Answer:
    """The answer a wizard form carries, typed as the engine expects (None: skipped)."""
    if form.get("action") == "skip":
        return None
    given = [v for v in form.getlist("answer") if isinstance(v, str)]
    if question.kind == "multi_choice":
        return [] if NONE_CHOSEN in given else given or None
    text = given[0].strip() if given else ""
    if question.kind == "yes_no":
        return {"yes": True, "no": False}.get(text)
    if question.kind in ("number", "integer"):
        return flow.parse_answer(question, text)
    return text or None


def _page(
    request: Request,
    viewer: CurrentViewer,
    subject: Subject,
    step: checkups.CheckupStep,
    error: KneechainError | None = None,
    clip: clips.ClipProgress | None = None,
) -> Response:
    own = subject.uid == viewer.person_uid
    test = step.question.test_id if step.question else None
    ctx = request.app.state.ctx
    context = {
        "clip": clip,
        "test": ctx.domain.knowledge.tests.get(test) if test else None,
        "title": "Check-up" if own else f"{subject.name}: check-up",
        "subject": subject,
        "own": own,
        "nav": "checkup" if own else "caseload",
        "step": step,
        "error": error,
        "none_chosen": NONE_CHOSEN,
        "choices": flow.choices(step.question) if step.question else [],
    }
    return render(request, "checkup.html", context, status_code=error.http_status if error else 200)


def _back_to(subject: Subject) -> Response:
    return RedirectResponse(f"/people/{subject.uid}/checkup", status_code=303)


@router.get("/people/{uid}/checkup", summary="The check-up: the question asked now")
def checkup(request: Request, ctx: Ctx, viewer: CurrentViewer, subject: Subject) -> Response:
    step = checkups.current(ctx, subject.name)
    clip = None
    if step.question is not None and step.question.kind == "clip":
        clip = clips.progress(ctx, get_runner(request), subject.name)
        if clip.status == "done":
            step = checkups.current(ctx, subject.name)
            clip = None
    return _page(request, viewer, subject, step, clip=clip)


@router.get("/people/{uid}/checkup/clip", summary="How the clip's analysis goes (polled)")
def clip_status(
    request: Request, ctx: Ctx, viewer: CurrentViewer, subject: Subject, jobs: Jobs
) -> Response:
    progress = clips.progress(ctx, jobs, subject.name)
    if progress.status not in ("queued", "running"):
        target = f"/people/{subject.uid}/checkup"
        if request.headers.get("hx-request"):
            return Response(status_code=204, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)
    context = {"clip": progress, "subject": subject, "title": "Analysing your clip"}
    return render(request, "_clip_progress.html", context)


@router.post("/people/{uid}/checkup/clip", summary="Upload or record a clip for the test")
async def upload_clip(
    request: Request, ctx: Ctx, viewer: CurrentViewer, subject: Subject, jobs: Jobs
) -> Response:
    form = await request.form()
    upload = form.get("clip")
    step = checkups.current(ctx, subject.name)
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise KneechainError(
                "clip.missing", "Choose a clip to upload, or record one.", field="clip"
            )
        limit = ctx.settings.upload_max_mb * 1024 * 1024
        path = clips.save_upload(upload.file, limit)
        try:
            clips.submit(
                ctx, jobs, subject.name, str(form.get("question_id", "")), path, upload.filename
            )
        finally:
            path.unlink(missing_ok=True)
    except KneechainError as error:
        return _page(request, viewer, subject, step, error)
    return _back_to(subject)


@router.post("/people/{uid}/checkup/answer", summary="Answer the question asked now")
async def answer(request: Request, ctx: Ctx, viewer: CurrentViewer, subject: Subject) -> Response:
    form = await request.form()
    question_id = str(form.get("question_id", ""))
    try:
        done = checkups.answer_asked(
            ctx, subject.name, question_id, lambda question: form_answer(question, form)
        )
    except KneechainError as error:  # nothing was stored: the question is asked again
        return _page(request, viewer, subject, checkups.current(ctx, subject.name), error)
    if done.referred is not None:
        return _page(request, viewer, subject, done.referred)
    return _back_to(subject)  # the next question (or, not stored, answered meanwhile)


@router.post("/people/{uid}/checkup/back", summary="Go back one question")
def back(ctx: Ctx, subject: Subject) -> Response:
    checkups.go_back(ctx, subject.name)
    return _back_to(subject)


@router.post("/people/{uid}/checkup/restart", summary="Start the check-up again")
def restart(ctx: Ctx, subject: Subject) -> Response:
    checkups.restart(ctx, subject.name)
    return _back_to(subject)


@router.post("/people/{uid}/checkup/finish", summary="Finish: assess and store the check-up")
def finish(ctx: Ctx, subject: Subject) -> Response:
    recorded = checkups.finish(ctx, subject.name)
    return RedirectResponse(f"/people/{subject.uid}/checkups/{recorded.uid}", status_code=303)
