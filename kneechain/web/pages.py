"""Rendering pages: one Jinja environment (autoescaped) and `render`, which gives every template
the signed-in viewer, the CSRF token for its forms and the page title."""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from kneechain.errors import KneechainError
from kneechain.services import accounts
from kneechain.services.accounts import BrowserSession
from kneechain.web.security import (
    ANON_CSRF_COOKIE,
    CSRF_FIELD,
    SESSION_COOKIE,
    csrf_for,
    set_cookie,
)

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"


def _number(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "–"
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _day(value: date | None) -> str:
    return value.strftime("%-d %b %Y") if value else "–"


@cache
def templates() -> Jinja2Templates:
    env = Jinja2Templates(directory=str(TEMPLATES_DIR))
    env.env.auto_reload = False  # packaged templates: compiled once, not re-checked per page
    env.env.filters["number"] = _number
    env.env.filters["day"] = _day
    env.env.globals["csrf_field"] = CSRF_FIELD
    return env


def current_browser(request: Request) -> BrowserSession | None:
    """The signed-in browser of this request (looked up once, and kept on the request)."""
    if not hasattr(request.state, "browser"):
        ctx = request.app.state.ctx
        try:
            found = accounts.browser_session(ctx, request.cookies.get(SESSION_COOKIE))
        except KneechainError as error:  # a broken store must not hide the page that reports it
            found = None
            request.state.browser_error = error  # ...but the route itself reports it
        request.state.browser = found
    browser: BrowserSession | None = request.state.browser
    return browser


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> Response:
    """A page: the template with the viewer, the CSRF token and the context."""
    browser = current_browser(request)
    token = csrf_for(request, browser)
    values = {
        "request": request,
        "viewer": browser.viewer if browser else None,
        "csrf_token": token,
        "today": date.today(),
        **(context or {}),
    }
    response = templates().TemplateResponse(request, name, values, status_code=status_code)
    fresh = getattr(request.state, "new_anon_csrf", None)
    if fresh and browser is None and request.cookies.get(ANON_CSRF_COOKIE) != fresh:
        settings = request.app.state.ctx.settings
        set_cookie(response, request, settings, ANON_CSRF_COOKIE, fresh, 60 * 60 * 24)
    return response
