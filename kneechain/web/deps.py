"""Typed dependencies of the routes: the service context, who is signed in, the person a page is
about (through the one permission check), and the CSRF check of state-changing requests."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from kneechain.errors import ErrorKind, KneechainError
from kneechain.jobs.runner import JobRunner
from kneechain.services import accounts
from kneechain.services.accounts import BrowserSession, PersonRef, Viewer
from kneechain.services.audit import Action
from kneechain.services.context import ServiceContext
from kneechain.web.pages import current_browser
from kneechain.web.security import (
    SAFE_METHODS,
    csrf_for,
    csrf_refused,
    submitted_csrf,
    tokens_match,
)

# Dependencies that do no I/O are `async def`: FastAPI runs a sync dependency on its thread
# pool, a hop (and a wait for a free thread under load) that buys nothing for these.


async def get_ctx(request: Request) -> ServiceContext:
    ctx: ServiceContext = request.app.state.ctx
    return ctx


Ctx = Annotated[ServiceContext, Depends(get_ctx)]


def get_session(request: Request) -> BrowserSession | None:
    """The signed-in browser, looked up once per request. When it cannot be looked up (the
    database is down) the request fails with that error, not as if nobody were signed in."""
    found = current_browser(request)
    error = getattr(request.state, "browser_error", None)
    if error is not None:
        raise error
    return found


MaybeSession = Annotated[BrowserSession | None, Depends(get_session)]


def csrf_token(request: Request, session: MaybeSession) -> str:
    """The token this browser's forms must carry."""
    return csrf_for(request, session)


async def check_csrf(request: Request, session: MaybeSession) -> None:
    """Every state-changing request carries the browser's CSRF token (form field or header).

    Applied to every route of the app (see `app.create_app`), so none can be forgotten."""
    if request.method in SAFE_METHODS:
        return
    expected = csrf_token(request, session)
    if not tokens_match(expected, await submitted_csrf(request)):
        raise csrf_refused()


async def get_viewer(session: MaybeSession) -> Viewer:
    if session is None:
        raise KneechainError(
            "login.required", "Please log in to see this page.", kind=ErrorKind.unauthenticated
        )
    return session.viewer


CurrentViewer = Annotated[Viewer, Depends(get_viewer)]


async def get_clinician(viewer: CurrentViewer) -> Viewer:
    if viewer.role != "clinician":
        raise KneechainError(
            "clinician.only",
            "This page is for clinicians.",
            hint="Your own record is on your home page.",
            kind=ErrorKind.forbidden,
        )
    return viewer


CurrentClinician = Annotated[Viewer, Depends(get_clinician)]


async def get_subject(request: Request, uid: str, ctx: Ctx, session: MaybeSession) -> PersonRef:
    """The person named by the path's `uid`, after the one permission check; the access goes
    to the audit log as a read or, for a state-changing request, a change. The person reading
    their own record is decided without the database (`accounts.own_record`), here on the
    event loop; anything else runs `open_record`'s unit of work on the thread pool."""
    action: Action = "read" if request.method in SAFE_METHODS else "change"
    viewer = session.viewer if session is not None else None
    own = accounts.own_record(viewer, uid, action)
    if own is not None:
        return own
    route = request.scope.get("route")
    what = f"{request.method} {getattr(route, 'path', request.url.path)}"
    return await run_in_threadpool(accounts.open_record, ctx, viewer, uid, action, what)


Subject = Annotated[PersonRef, Depends(get_subject)]


def get_runner(request: Request) -> JobRunner:
    """The web process's job runner (started on first use, closed when the app stops)."""
    runner: JobRunner | None = getattr(request.app.state, "jobs", None)
    if runner is None:
        from kneechain.services.video import job_runner

        ctx: ServiceContext = request.app.state.ctx
        runner = request.app.state.jobs = job_runner(ctx)
    return runner


Jobs = Annotated[JobRunner, Depends(get_runner)]
