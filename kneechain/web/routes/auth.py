"""Pages to sign up, log in and out, and manage which clinicians follow a person's record."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from kneechain.errors import KneechainError
from kneechain.services import accounts
from kneechain.web.deps import Ctx, CurrentViewer, MaybeSession
from kneechain.web.pages import render
from kneechain.web.security import ANON_CSRF_COOKIE, SESSION_COOKIE, set_cookie

router = APIRouter(tags=["pages: account"])


def safe_next(target: str | None) -> str:
    """Only a path on this site (never another host) is followed after log-in."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/home"


def signed_in(request: Request, ctx: Ctx, signed: accounts.SignedIn, target: str) -> Response:
    response = RedirectResponse(safe_next(target), status_code=303)
    max_age = ctx.settings.web_session_hours * 3600
    set_cookie(response, request, ctx.settings, SESSION_COOKIE, signed.token, max_age)
    response.delete_cookie(ANON_CSRF_COOKIE, path="/")
    return response


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.get("/", summary="Welcome page")
def welcome(request: Request, session: MaybeSession) -> Response:
    if session is not None:
        return RedirectResponse("/home", status_code=303)
    return render(request, "welcome.html", {"title": "Knee pain, traced along the chain"})


@router.get("/signup", summary="Sign-up form")
def signup_form(request: Request, role: str = "person") -> Response:
    chosen = "clinician" if role == "clinician" else "person"
    return render(
        request, "signup.html", {"title": "Create your account", "form": {"role": chosen}}
    )


@router.post("/signup", summary="Create an account and log in")
def signup(
    request: Request,
    ctx: Ctx,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "person",
) -> Response:
    form = {"email": email, "name": name, "role": role}
    try:
        accounts.sign_up(ctx, {"email": email, "password": password, "name": name, "role": role})
        signed = accounts.log_in(ctx, email, password, client_address(request))
    except KneechainError as error:
        context = {"title": "Create your account", "form": form, "error": error}
        return render(request, "signup.html", context, status_code=error.http_status)
    return signed_in(request, ctx, signed, "/home")


@router.get("/login", summary="Log-in form")
def login_form(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", {"title": "Log in", "next": safe_next(next), "form": {}})


@router.post("/login", summary="Log in")
def login(
    request: Request,
    ctx: Ctx,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/home",
) -> Response:
    try:
        signed = accounts.log_in(ctx, email, password, client_address(request))
    except KneechainError as error:
        context = {
            "title": "Log in",
            "next": safe_next(next),
            "form": {"email": email},
            "error": error,
        }
        return render(request, "login.html", context, status_code=error.http_status)
    return signed_in(request, ctx, signed, next)


@router.post("/logout", summary="Log out")
def logout(request: Request, ctx: Ctx) -> Response:
    accounts.log_out(ctx, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/home", summary="Your start page")
def home(viewer: CurrentViewer) -> Response:
    if viewer.role == "clinician":
        return RedirectResponse("/caseload", status_code=303)
    return RedirectResponse(f"/people/{viewer.person_uid}", status_code=303)


@router.get("/account", summary="Your account and the clinicians who follow you")
def account(request: Request, ctx: Ctx, viewer: CurrentViewer) -> Response:
    context = {"title": "Your account", "clinicians": accounts.clinicians_of(ctx, viewer)}
    return render(request, "account.html", context)


@router.post("/account/clinicians", summary="Let a clinician follow your record")
def link(
    request: Request,
    ctx: Ctx,
    viewer: CurrentViewer,
    clinician_email: Annotated[str, Form()] = "",
) -> Response:
    try:
        accounts.link_clinician(ctx, viewer, clinician_email)
    except KneechainError as error:
        context = {
            "title": "Your account",
            "clinicians": accounts.clinicians_of(ctx, viewer),
            "error": error,
            "form": {"clinician_email": clinician_email},
        }
        return render(request, "account.html", context, status_code=error.http_status)
    return RedirectResponse("/account", status_code=303)


@router.post("/account/clinicians/{clinician_uid}/unlink", summary="Stop a clinician following")
def unlink(ctx: Ctx, viewer: CurrentViewer, clinician_uid: str) -> Response:
    accounts.unlink_clinician(ctx, viewer, clinician_uid)
    return RedirectResponse("/account", status_code=303)
