"""The web app: FastAPI, built by ``create_app(url)``; no state lives in the process but caches.

Everything a request needs that could differ between worker processes (accounts, tokens,
sign-in attempts, sessions, events) is in the database, so several workers (or servers) on one
PostgreSQL database behave as one.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bedstretch import __version__
from bedstretch.catalog import load_catalog, user_content_dir
from bedstretch.core.errors import BedstretchError, NotFound
from bedstretch.journal import open_journal
from bedstretch.services import accounts
from bedstretch.web import auth, errors
from bedstretch.web.assets import StaticAssets
from bedstretch.web.limits import BodyLimit
from bedstretch.web.templating import STATIC

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'; manifest-src 'self'; worker-src 'self'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), screen-wake-lock=(self)",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class SecurityHeaders:
    """Pure ASGI middleware (cheaper than Starlette's BaseHTTPMiddleware on every request): the
    security headers, no caching of API answers, and this browser's CSRF cookie."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"
        cookie_name = auth.csrf_cookie(https)  # __Host-bedstretch_csrf over HTTPS
        token = Request(scope).cookies.get(cookie_name)
        csrf = token or secrets.token_urlsafe(24)
        scope.setdefault("state", {})["csrf"] = csrf
        path: str = scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if https:
                    headers["Strict-Transport-Security"] = "max-age=31536000"
                if path.startswith("/api/") and "cache-control" not in headers:
                    headers["Cache-Control"] = "no-store"
                if not token:
                    cookie = f"{cookie_name}={csrf}; Path=/; HttpOnly; SameSite=lax"
                    headers.append("set-cookie", cookie + ("; Secure" if https else ""))
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(
    url: str | None = None,
    content: str | None = None,
    *,
    clock: Callable[[], datetime] | None = None,
) -> FastAPI:
    """The app for the journal at ``url`` (default: BEDSTRETCH_DATABASE_URL or the user's file):
    the web's one composition point. ``clock``: the wall clock (aware; tests pass their own)."""

    journal = open_journal(url)  # opened (and migrated) now: every request finds it ready

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            journal.close()

    app = FastAPI(
        title="bedstretch",
        version=__version__,
        description="A coach for low-back stretches in and beside bed: the JSON API.",
        docs_url=None,  # /openapi.json is the description: any OpenAPI viewer reads it
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
    )
    app.state.catalog = load_catalog(user_content_dir(content))
    app.state.journal = journal
    app.state.clock = clock or (lambda: datetime.now().astimezone())
    accounts.purge(journal, app.state.clock())  # expired tokens, old attempts (then from sign-in)

    app.add_middleware(errors.LastResort)  # innermost: its 500 gets the security headers too
    app.add_middleware(BodyLimit)  # 413 past 256 KB, counted as the bytes arrive
    app.add_middleware(SecurityHeaders)
    app.add_middleware(GZipMiddleware, minimum_size=500)  # phones download a fifth of the bytes

    @app.exception_handler(BedstretchError)
    async def our_error(request: Request, error: BedstretchError) -> Response:
        return (
            errors.problem(error) if errors.is_api(request) else errors.page_error(request, error)
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> Response:
        return errors.invalid_request(error)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> Response:
        if errors.is_api(request):
            return errors.http_problem(error)
        if error.status_code == 404:
            return errors.page_error(request, NotFound("there is no such page"))
        return errors.http_problem(error)

    from bedstretch.web import api, pages

    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount("/static", StaticAssets(STATIC), name="static")  # from memory, in the event loop
    return app


def factory() -> FastAPI:
    """For ``uvicorn --factory`` with several workers: settings come from the environment."""
    return create_app(
        os.environ.get("BEDSTRETCH_DATABASE_URL"), os.environ.get("BEDSTRETCH_CONTENT")
    )
