"""The JSON API (OpenAPI at /api/openapi.json): the same use cases as the pages, returning the
service layer's models unchanged. Authentication is the session cookie; state-changing calls
carry the X-CSRF-Token header (returned by POST /api/session)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from pydantic import BaseModel
from starlette.responses import JSONResponse, Response

from kneechain.program.edit import ProgramEdit
from kneechain.services import (
    accounts,
    assessment,
    checkups,
    clips,
    people,
    programs,
    results,
    routine,
    tracking,
)
from kneechain.track.logbook import SessionEntry
from kneechain.web import views
from kneechain.web.deps import (
    Ctx,
    CurrentClinician,
    CurrentViewer,
    Jobs,
    MaybeSession,
    Subject,
    csrf_token,
)
from kneechain.web.routes.auth import client_address
from kneechain.web.security import ANON_CSRF_COOKIE, SESSION_COOKIE, set_cookie

router = APIRouter(prefix="/api", tags=["api"])


class Credentials(BaseModel):
    email: str
    password: str


class SessionOut(BaseModel):
    viewer: accounts.Viewer
    csrf_token: str


class CsrfOut(BaseModel):
    csrf_token: str


@router.get("/csrf", summary="The CSRF token to send (X-CSRF-Token) with state-changing calls")
def csrf(request: Request, ctx: Ctx, session: MaybeSession) -> Response:
    token = csrf_token(request, session)
    response = JSONResponse(CsrfOut(csrf_token=token).model_dump())
    if session is None and request.cookies.get(ANON_CSRF_COOKIE) != token:
        set_cookie(response, request, ctx.settings, ANON_CSRF_COOKIE, token, 60 * 60 * 24)
    return response


@router.post("/accounts", summary="Create an account", status_code=201)
def create_account(ctx: Ctx, data: accounts.SignUp) -> accounts.Viewer:
    return accounts.sign_up(ctx, data)


@router.post("/session", summary="Log in", response_model=SessionOut)
def log_in(request: Request, ctx: Ctx, credentials: Credentials) -> Response:
    signed = accounts.log_in(ctx, credentials.email, credentials.password, client_address(request))
    body = SessionOut(viewer=signed.viewer, csrf_token=signed.csrf_token)
    response = JSONResponse(body.model_dump(mode="json"))
    max_age = ctx.settings.web_session_hours * 3600
    set_cookie(response, request, ctx.settings, SESSION_COOKIE, signed.token, max_age)
    return response


@router.delete("/session", summary="Log out", status_code=204)
def log_out(request: Request, ctx: Ctx) -> Response:
    accounts.log_out(ctx, request.cookies.get(SESSION_COOKIE))
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/me", summary="Who is signed in")
def me(viewer: CurrentViewer) -> accounts.Viewer:
    return viewer


@router.get("/clients", summary="A clinician's caseload: clients with what needs attention")
def clients(ctx: Ctx, viewer: CurrentClinician) -> list[people.ClientSummary]:
    return people.caseload(ctx, viewer.name, date.today())


@router.get("/people/{uid}", summary="A person's record: start page")
def record(ctx: Ctx, subject: Subject) -> views.StartPage:
    return views.start_page(ctx, subject)


# --- the record's use cases (every one behind the same permission check: Subject) ----------


class AnswerIn(BaseModel):
    """An answer to the question asked now: yes/no, a number, a choice value, several choice
    values, or null to skip."""

    question_id: str
    value: bool | int | float | str | list[str] | None = None


@router.get("/people/{uid}/checkup", summary="The check-up: where it stands")
def checkup_now(ctx: Ctx, subject: Subject) -> checkups.CheckupStep:
    return checkups.current(ctx, subject.name)


@router.post("/people/{uid}/checkup/answers", summary="Answer the question asked now")
def checkup_answer(ctx: Ctx, subject: Subject, answer: AnswerIn) -> checkups.CheckupStep:
    return checkups.answer(ctx, subject.name, answer.question_id, answer.value)


@router.post("/people/{uid}/checkup/back", summary="Forget the last answer")
def checkup_back(ctx: Ctx, subject: Subject) -> checkups.CheckupStep:
    return checkups.back(ctx, subject.name)


@router.post("/people/{uid}/checkup/finish", summary="Assess and store the check-up")
def checkup_finish(ctx: Ctx, subject: Subject) -> assessment.RecordedAssessment:
    return checkups.finish(ctx, subject.name)


@router.get("/people/{uid}/checkup/clip", summary="How the pending clip's analysis goes")
def checkup_clip(ctx: Ctx, subject: Subject, jobs: Jobs) -> clips.ClipProgress:
    return clips.progress(ctx, jobs, subject.name)


@router.get("/people/{uid}/checkups", summary="The stored check-ups, oldest first")
def checkup_list(ctx: Ctx, subject: Subject) -> list[assessment.AssessmentSummary]:
    return assessment.assessments(ctx, subject.name)


@router.get("/people/{uid}/checkups/{checkup_uid}", summary="A check-up's results")
def checkup_results(ctx: Ctx, subject: Subject, checkup_uid: str) -> results.CheckupReport:
    return results.report(ctx, subject.name, checkup_uid)


@router.get("/people/{uid}/compare", summary="Two check-ups side by side")
def compare(
    ctx: Ctx, subject: Subject, first: str = "1", second: str = "-1"
) -> assessment.AssessmentComparison:
    return assessment.compare(ctx, subject.name, first, second)


@router.get("/people/{uid}/program", summary="The current program version")
def program(ctx: Ctx, subject: Subject) -> programs.ProgramVersion:
    return programs.current(ctx, subject.name)


@router.get("/people/{uid}/routine", summary="The routine of a day (default today)")
def day_routine(
    ctx: Ctx, subject: Subject, on: date | None = None, session: str | None = None
) -> routine.Routine:
    return routine.routine(ctx, subject.name, on or date.today(), session)


@router.post("/people/{uid}/program/edits", summary="Change the program (clinicians)")
def program_edit(
    ctx: Ctx,
    viewer: CurrentClinician,
    subject: Subject,
    edits: list[ProgramEdit],
    expected_version: int | None = None,
) -> programs.ProgramVersion:
    return programs.edit(
        ctx, subject.name, edits, by=viewer.name, expected_version=expected_version
    )


@router.post("/people/{uid}/sessions", summary="Log a session", status_code=201)
def log_session(ctx: Ctx, subject: Subject, entry: SessionEntry) -> tracking.SessionOut:
    return tracking.log(ctx, subject.name, entry)


@router.get("/people/{uid}/history", summary="Sessions, adherence and pain trends")
def history(ctx: Ctx, subject: Subject) -> tracking.HistoryOut:
    return tracking.history(ctx, subject.name, date.today())


@router.get("/people/{uid}/progress", summary="Changes against the smallest real change")
def progress(ctx: Ctx, subject: Subject) -> tracking.ProgressOut:
    return tracking.progress(ctx, subject.name)


@router.get("/people/{uid}/charts", summary="The progress charts as data")
def charts(ctx: Ctx, subject: Subject) -> list[tracking.ChartPanelOut]:
    return tracking.chart_panels(ctx, subject.name)


@router.get("/people/{uid}/retests", summary="Re-tests due")
def retests(ctx: Ctx, subject: Subject) -> tracking.RetestsOut:
    return tracking.retests(ctx, subject.name, date.today())


@router.get("/people/{uid}/clinicians", summary="Clinicians who follow the record")
def clinicians(ctx: Ctx, viewer: CurrentViewer, subject: Subject) -> list[accounts.PersonRef]:
    if subject.uid != viewer.person_uid:
        return []
    return accounts.clinicians_of(ctx, viewer)
