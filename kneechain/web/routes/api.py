"""The JSON API (OpenAPI at /api/openapi.json): the same use cases as the pages, returning the
service layer's models unchanged. Authentication is the session cookie; state-changing calls
carry the X-CSRF-Token header (returned by POST /api/session)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from pydantic import BaseModel
from starlette.responses import JSONResponse, Response

from kneechain.services import accounts, people
from kneechain.web import views
from kneechain.web.deps import (
    Ctx,
    CurrentClinician,
    CurrentViewer,
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
