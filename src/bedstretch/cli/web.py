"""``bedstretch serve``: the same coach for phones and browsers."""

from __future__ import annotations

import ipaddress

import click

from bedstretch.cli.root import State, cli, fail, pass_state

LOCAL_PROXY = ("127.0.0.1", "::1")  # --proxy alone: a reverse proxy on this machine


def trusted_proxies(proxy: bool, named: tuple[str, ...]) -> list[str] | None:
    """The addresses whose X-Forwarded-* headers are believed (None: nobody's).

    Behind them, the client is the right-most address in X-Forwarded-For that is not one of
    theirs (what the nearest untrusted hop connected from); anything a client wrote to the left
    of it is ignored, so a forged header does not change the address the limits count."""
    if not proxy and not named:
        return None
    trusted = list(LOCAL_PROXY)
    for value in named:
        try:
            network = ipaddress.ip_network(value.strip(), strict=False)
        except ValueError:
            fail(f"--trusted-proxy: {value!r} is not an IP address or network (like 10.0.0.2)")
        trusted.append(str(network.network_address if network.num_addresses == 1 else network))
    return trusted


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
    help="Behind a reverse proxy on this machine (127.0.0.1, ::1): trust its X-Forwarded-For "
    "and X-Forwarded-Proto (the client's address, HTTPS).",
)
@click.option(
    "--trusted-proxy",
    "trusted",
    metavar="ADDR",
    multiple=True,
    help="A reverse proxy elsewhere whose X-Forwarded-* headers to trust: an address or a "
    "network (10.0.0.0/24); repeat for more. Implies --proxy.",
)
@pass_state
def serve(
    state: State, host: str, port: int, workers: int, proxy: bool, trusted: tuple[str, ...]
) -> None:
    """Serve the coach to phones and browsers: pages, a web player and the JSON API.

    Uses the same journal as the terminal (--db); each account sees only its own records.
    The API is described at /openapi.json (docs/api.md).
    """
    import os

    forwarded = trusted_proxies(proxy, trusted)

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
        proxy_headers=forwarded is not None,
        forwarded_allow_ips=forwarded,
        log_level="warning",
    )
