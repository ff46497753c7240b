"""The one place where an error becomes a response: `KneechainError.kind` -> HTTP status, shown
as a friendly page to a browser and as `ErrorBody` JSON to the API. Never a traceback."""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.exceptions import HTTPException
from starlette.responses import Response

from kneechain.errors import ErrorKind, KneechainError, describe, field_path

log = logging.getLogger("kneechain.web")

_HTTP_KINDS = {
    400: ErrorKind.invalid_input,
    401: ErrorKind.unauthenticated,
    403: ErrorKind.forbidden,
    404: ErrorKind.not_found,
    405: ErrorKind.not_found,
    413: ErrorKind.too_large,
    422: ErrorKind.invalid_input,
}
_TITLES = {
    ErrorKind.invalid_input: "Something needs a change",
    ErrorKind.not_found: "Page not found",
    ErrorKind.conflict: "Already there",
    ErrorKind.unauthenticated: "Please log in",
    ErrorKind.forbidden: "Not yours to see",
    ErrorKind.bad_media: "This clip cannot be measured",
    ErrorKind.too_large: "Too large",
    ErrorKind.rate_limited: "Please wait a moment",
    ErrorKind.unavailable: "Not available right now",
    ErrorKind.internal: "Something went wrong on our side",
}


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or (
        "application/json" in request.headers.get("accept", "")
        and "text/html" not in request.headers.get("accept", "")
    )


def error_response(request: Request, error: KneechainError) -> Response:
    """The response for an error: JSON for the API, a page (or the log-in page) for a browser."""
    status = error.http_status
    if wants_json(request):
        return JSONResponse(error.body().model_dump(mode="json"), status_code=status)
    if error.kind is ErrorKind.unauthenticated and request.method == "GET":
        target = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        return RedirectResponse(f"/login?next={target}", status_code=303)
    from kneechain.web.pages import render

    return render(
        request,
        "error.html",
        {"error": error, "title": _TITLES[error.kind]},
        status_code=status,
    )


def _from_validation(exc: RequestValidationError) -> KneechainError:
    problems = []
    for err in exc.errors():
        loc = tuple(p for p in err.get("loc", ()) if p not in ("body", "query", "path", "form"))
        problems.append(describe({**err, "loc": loc}))
    first = exc.errors()[0] if exc.errors() else {}
    loc = tuple(p for p in first.get("loc", ()) if p not in ("body", "query", "path", "form"))
    return KneechainError(
        "request.invalid",
        "Some of what was sent needs a change.",
        field=field_path(loc) or None,
        problems=problems,
    )


def install(app: FastAPI) -> None:
    """Register the handlers: ours, the framework's, and the last resort."""

    async def on_kneechain(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, KneechainError)
        return error_response(request, exc)

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return error_response(request, _from_validation(exc))

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        kind = _HTTP_KINDS.get(exc.status_code, ErrorKind.internal)
        message = {
            ErrorKind.not_found: "There is no page at this address.",
            ErrorKind.too_large: "This upload is too large.",
        }.get(kind, "This request cannot be answered.")
        response = error_response(
            request, KneechainError(f"http.{exc.status_code}", message, kind=kind)
        )
        response.status_code = exc.status_code
        return response

    async def on_anything(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        error = KneechainError(
            "internal",
            "Something went wrong on our side; nothing you did caused it.",
            hint="Try again in a moment. If it keeps happening, tell the people who run this site.",
            kind=ErrorKind.internal,
        )
        return error_response(request, error)

    app.add_exception_handler(KneechainError, on_kneechain)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(HTTPException, on_http)
    app.add_exception_handler(Exception, on_anything)
