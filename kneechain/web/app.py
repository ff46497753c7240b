"""The web app factory: `create_app(ctx)` builds the FastAPI app over one `ServiceContext`.

    from kneechain.services.context import ServiceContext
    from kneechain.web.app import create_app

    app = create_app(ServiceContext.open())      # uvicorn serves it: `kneechain serve`

Every route depends on the CSRF check (state-changing requests only) and finds the signed-in
viewer from the session cookie; pages and the JSON API call the service layer and nothing else.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from kneechain import __version__
from kneechain.services.context import ServiceContext
from kneechain.web import errors
from kneechain.web.deps import check_csrf
from kneechain.web.pages import STATIC_DIR
from kneechain.web.routes import ROUTERS
from kneechain.web.security import BodyLimit, SecurityHeaders

#: room for the multipart envelope and the form's other fields around an upload
FORM_OVERHEAD_BYTES = 1024 * 1024


class OneRequest:
    """ASGI middleware: each HTTP request is one `ctx.request()` (on PostgreSQL its units of
    work, the session lookup, the permission check and the page, ping the database once)."""

    def __init__(self, app: ASGIApp, ctx: ServiceContext) -> None:
        self.app = app
        self.ctx = ctx

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with self.ctx.request():
            await self.app(scope, receive, send)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Close the job runner (if one was started) when the server stops, and the context when
    the app made it (`app_from_environment`). Sync routes and dependencies run on
    `web_threads` threads: under 50 clients at once, 4 threads instead of anyio's 40 cut p99
    about three times (docs/reliability.md, Load), the work no longer sliced across 40 threads
    that share one interpreter lock."""
    ctx: ServiceContext = app.state.ctx
    to_thread.current_default_thread_limiter().total_tokens = ctx.settings.web_threads
    yield
    runner = getattr(app.state, "jobs", None)
    if runner is not None:
        runner.close()
        app.state.jobs = None
    if getattr(app.state, "owns_ctx", False):
        app.state.ctx.close()


def create_app(ctx: ServiceContext) -> FastAPI:
    """The web app over `ctx` (its settings, domain and store)."""
    app = FastAPI(
        lifespan=lifespan,
        title="kneechain",
        version=__version__,
        summary="Knee pain along the kinetic chain: assess, measure, prescribe, track.",
        dependencies=[Depends(check_csrf)],
        docs_url=None,  # the interactive docs load scripts from a CDN; the schema is enough
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.ctx = ctx
    errors.install(app)
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    max_body = ctx.settings.upload_max_mb * 1024 * 1024 + FORM_OVERHEAD_BYTES
    app.add_middleware(BodyLimit, max_bytes=max_body, refuse=errors.error_response)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(OneRequest, ctx=ctx)
    return app


def app_from_environment() -> FastAPI:
    """uvicorn's factory for `kneechain serve --workers N`: each worker process builds its
    own app over its own context (settings from the KNEECHAIN_* environment, its own
    connection pool)."""
    app = create_app(ServiceContext.open())
    app.state.owns_ctx = True
    settle_heap()
    return app


def settle_heap() -> None:
    """Put what start-up made (the modules, the app, the domain bundle) out of the garbage
    collector's reach, in a server process about to serve: each full collection otherwise
    walks those few hundred thousand objects again, a pause of tens of milliseconds in the
    middle of whichever requests are in flight (docs/reliability.md, Load). What is freed
    later by reference counting is still freed; only cycles among the frozen objects would
    stay, and start-up's garbage is collected first. Called by `kneechain serve` only, not by
    `create_app`: tests build many apps in one process."""
    gc.collect()
    gc.freeze()


def route_table(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, path) the app answers, its included routers flattened: what the
    authorisation tests walk, so a new route cannot escape them."""
    try:
        from fastapi.routing import iter_route_contexts  # FastAPI >= 0.16x: lazy included routers
    except ImportError:  # older FastAPI copies included routes into app.routes
        entries = list(app.routes)
    else:
        entries = list(iter_route_contexts(app.routes))
    table = set()
    for route in entries:
        path = getattr(route, "path", None)
        endpoint = getattr(route, "endpoint", None)
        if path is None or endpoint is None or path == app.openapi_url:
            continue
        table |= {(method, path) for method in getattr(route, "methods", None) or ()}
    return sorted(table - {("HEAD", path) for _, path in table})
