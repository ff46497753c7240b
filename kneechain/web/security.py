"""What every response and request passes through: security headers, a cap on request bodies,
the session and CSRF cookies, and the CSRF check of every state-changing request."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import Request
from starlette.responses import Response

from kneechain.errors import ErrorKind, KneechainError
from kneechain.services.accounts import BrowserSession
from kneechain.settings import Settings

SESSION_COOKIE = "kneechain_session"
#: before log-in, forms carry this cookie's value back (double submit)
ANON_CSRF_COOKIE = "kneechain_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

#: scripts and styles only from our own static files; no inline script, no framing
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(self), microphone=(self), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class SecurityHeaders:
    """ASGI middleware: the security headers on every HTTP response (HSTS over HTTPS)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.decode("latin-1").lower() for k, _ in headers}
                for name, value in HEADERS.items():
                    if name.lower() not in present:
                        headers.append((name.encode("latin-1"), value.encode("latin-1")))
                if https:
                    headers.append((b"strict-transport-security", b"max-age=31536000"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


class BodyLimit:
    """ASGI middleware: a request body over `max_bytes` is refused with 413 while it arrives,
    before it fills memory or disk (by its Content-Length, or by counting when it has none)."""

    def __init__(
        self, app: ASGIApp, max_bytes: int, refuse: Callable[[Request, KneechainError], Response]
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.refuse = refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise too_large(self.max_bytes)
            return message

        await self.app(scope, counted, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        response = self.refuse(Request(scope), too_large(self.max_bytes))
        await response(scope, _nothing, send)


async def _nothing() -> Message:
    return {"type": "http.disconnect"}


def too_large(max_bytes: int) -> KneechainError:
    return KneechainError(
        "upload.too_large",
        f"This upload is larger than {max_bytes // (1024 * 1024)} MB, the most accepted.",
        hint="Film a shorter clip (a few repetitions are enough), or lower the resolution.",
        kind=ErrorKind.too_large,
    )


def secure_cookies(settings: Settings, request: Request) -> bool:
    """Cookies are Secure when the settings say so, or else when the request came over HTTPS."""
    if settings.web_secure_cookies is not None:
        return settings.web_secure_cookies
    return request.url.scheme == "https"


def set_cookie(
    response: Response, request: Request, settings: Settings, name: str, value: str, max_age: int
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(settings, request),
        path="/",
    )


def anon_csrf_token(request: Request) -> str:
    """The double-submit token of a browser that is not signed in (made on first use)."""
    token = request.cookies.get(ANON_CSRF_COOKIE)
    if not token or len(token) > 100:
        token = getattr(request.state, "new_anon_csrf", None) or secrets.token_urlsafe(32)
        request.state.new_anon_csrf = token
    return token


def csrf_for(request: Request, session: BrowserSession | None) -> str:
    """The token this browser's forms must carry: its session's, or the double-submit one."""
    return session.csrf_token if session is not None else anon_csrf_token(request)


def csrf_refused() -> KneechainError:
    return KneechainError(
        "csrf.failed",
        "This form has expired or did not come from this site.",
        hint="Go back, reload the page and send the form again.",
        kind=ErrorKind.forbidden,
    )


async def submitted_csrf(request: Request) -> str | None:
    """The CSRF token a request carries: the X-CSRF-Token header, else the form field."""
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


def tokens_match(expected: str | None, given: str | None) -> bool:
    return bool(expected and given) and secrets.compare_digest(
        str(expected).encode(), str(given).encode()
    )
