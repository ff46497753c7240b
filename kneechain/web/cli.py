"""`kneechain serve`: the web app on uvicorn, over the embedded defaults or the settings given."""

from __future__ import annotations

import typer

HOST_HELP = "Address to listen on (default: the web_host setting, 127.0.0.1)."
PORT_HELP = "Port to listen on (default: the web_port setting, 8000)."


def serve(
    host: str = typer.Option(None, "--host", help=HOST_HELP),
    port: int = typer.Option(None, "--port", min=1, max=65535, help=PORT_HELP),
) -> None:
    """Serve the web app: the person's journey and the clinician's caseload in a browser."""
    import uvicorn

    from kneechain.services.context import ServiceContext
    from kneechain.web.app import create_app

    ctx = ServiceContext.open()
    app = create_app(ctx)
    address = host or ctx.settings.web_host
    number = port or ctx.settings.web_port
    typer.echo(f"kneechain web app on http://{address}:{number}  (Ctrl-C stops it)")
    try:
        uvicorn.run(app, host=address, port=number, log_level="warning", proxy_headers=True)
    finally:
        ctx.close()
