"""``bedstretch serve``: the same coach for phones and browsers."""

from __future__ import annotations

import click

from bedstretch.cli.root import State, cli, fail, pass_state


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Worker processes (use PostgreSQL for more than one).",
)
@click.option(
    "--proxy",
    is_flag=True,
    help="Behind a reverse proxy: trust its X-Forwarded-* headers (HTTPS, client address).",
)
@pass_state
def serve(state: State, host: str, port: int, workers: int, proxy: bool) -> None:
    """Serve the coach to phones and browsers: pages, a web player and the JSON API.

    Uses the same journal as the terminal (--db); each account sees only its own records.
    The API is described at /openapi.json (docs/api.md).
    """
    import os

    try:
        import uvicorn

        import bedstretch.web.app  # noqa: F401  (fail here, not in a worker, when extras are missing)
    except ImportError as error:
        fail(f"serve: the web extra is missing ({error.name}): pip install 'bedstretch[web]'")
    from bedstretch.journal.urls import resolve_url

    state.catalog  # noqa: B018  (bad content fails now, with its one-line problems)
    os.environ["BEDSTRETCH_DATABASE_URL"] = resolve_url(state.db)
    if state.content:
        os.environ["BEDSTRETCH_CONTENT"] = state.content
    state.journal().close()  # create and migrate once, before the workers start
    click.echo(f"bedstretch: serving on http://{host}:{port}/ (Ctrl-C stops)", err=True)
    uvicorn.run(
        "bedstretch.web.app:factory",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,  # paths carry session ids: keep them out of logs
        proxy_headers=proxy,
        forwarded_allow_ips="*" if proxy else None,
        log_level="warning",
    )
