"""`kneechain serve`: the web app on uvicorn, over the embedded defaults or the settings given."""

from __future__ import annotations

from pathlib import Path

import typer

HOST_HELP = "Address to listen on (default: the web_host setting, 127.0.0.1)."
PORT_HELP = "Port to listen on (default: the web_port setting, 8000)."
DEMO_HELP = "Serve fresh demo records (a clinician and two clients) instead of your own data."
OUT_HELP = "Folder for the demo records (emptied first); only with --demo."
CHECK_HELP = "Start, check that the app answers, and stop (for tests); only with --demo."
WORKERS_HELP = (
    "Server processes (one per CPU core is a good start). More than 1 needs PostgreSQL "
    "(KNEECHAIN_DATABASE_URL): SQLite lets one process write at a time."
)


def serve(
    host: str = typer.Option(None, "--host", help=HOST_HELP),
    port: int = typer.Option(None, "--port", min=1, max=65535, help=PORT_HELP),
    demo: bool = typer.Option(False, "--demo", help=DEMO_HELP),
    out: Path = typer.Option(Path("out/demo/web"), "--out", help=OUT_HELP),
    check: bool = typer.Option(False, "--check", help=CHECK_HELP),
    workers: int = typer.Option(1, "--workers", min=1, max=64, help=WORKERS_HELP),
) -> None:
    """Serve the web app: the person's journey and the clinician's caseload in a browser."""
    import uvicorn

    from kneechain.services.context import ServiceContext
    from kneechain.settings import Settings, load_settings
    from kneechain.web.app import create_app, settle_heap
    from kneechain.web.workers import serve_workers, spreads_connections

    if demo:
        if workers > 1:
            raise typer.BadParameter("the demo runs one process (SQLite).", param_hint="--workers")
        from kneechain.web.demo_data import serve_demo

        settings = Settings()
        serve_demo(out, host or settings.web_host, port or settings.web_port, check=check)
        return
    if workers > 1:
        settings = load_settings()
        if settings.resolved_database_url.startswith("sqlite"):
            raise typer.BadParameter(
                "several server processes need PostgreSQL: with SQLite one process writes at "
                "a time, so more processes only queue. Set KNEECHAIN_DATABASE_URL to a "
                "PostgreSQL database, or serve with one process.",
                param_hint="--workers",
            )
        address, number = host or settings.web_host, port or settings.web_port
        typer.echo(f"kneechain web app on http://{address}:{number}, {workers} processes")
        if spreads_connections():  # each process its own socket: connections spread evenly
            status = serve_workers(
                "kneechain.web.app:app_from_environment",
                address,
                number,
                workers,
                log_level="warning",
                proxy_headers=True,
                access_log=False,  # at the warning level it is not shown anyway
            )
            raise typer.Exit(status)
        uvicorn.run(
            "kneechain.web.app:app_from_environment",
            factory=True,
            workers=workers,
            host=address,
            port=number,
            log_level="warning",
            proxy_headers=True,
            access_log=False,  # at the warning level it is not shown anyway
        )
        return
    ctx = ServiceContext.open()
    app = create_app(ctx)
    address = host or ctx.settings.web_host
    number = port or ctx.settings.web_port
    typer.echo(f"kneechain web app on http://{address}:{number}  (Ctrl-C stops it)")
    settle_heap()
    try:
        uvicorn.run(
            app,
            host=address,
            port=number,
            log_level="warning",
            proxy_headers=True,
            access_log=False,
        )
    finally:
        ctx.close()
