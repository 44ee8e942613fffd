"""Who is asking, on the web: bearer tokens, session cookies and CSRF (accounts: services).

- API tokens go in ``Authorization: Bearer``; pages use the session cookie (HttpOnly,
  SameSite=Lax). Over HTTPS the cookies are ``__Host-bedstretch_session`` and
  ``__Host-bedstretch_csrf`` (Secure, Path=/, no Domain: a sibling site or a plain-http page
  cannot set them); over plain http, on a home network, the browser would refuse that prefix,
  so they are ``bedstretch_session`` and ``bedstretch_csrf`` there. The secrets and their checks
  are ``bedstretch.services.accounts``'s; this module only reads and writes the HTTP parts.
- CSRF, signed in: the token stored with the web session (``auth_tokens.csrf``), repeated in
  every form post (hidden ``csrf`` field) and in the ``X-CSRF-Token`` header of
  cookie-authenticated API calls; a token of another session, or the CSRF cookie, is refused.
  Signed out (sign-in, sign-up, reset forms): a double-submit token, the random CSRF cookie set
  by the app's middleware, repeated in the form.
- Password hashing (sign-up, sign-in, a password change or reset) runs in its own few threads
  (``hashing``), so a queue of sign-ins never holds the threads the other requests need.
"""

from __future__ import annotations

import functools
import hmac
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

import anyio
import anyio.to_thread
from fastapi import Request, Response

from bedstretch.core.errors import Forbidden
from bedstretch.core.records import TokenKind, TokenRecord
from bedstretch.services import accounts

if TYPE_CHECKING:
    from bedstretch.journal import Journal

SESSION_COOKIE = "bedstretch_session"
CSRF_COOKIE = "bedstretch_csrf"
HOST_PREFIX = "__Host-"  # over HTTPS: Secure, Path=/, no Domain
CSRF_HEADER = "x-csrf-token"
HASHING_THREADS = 4  # threads for requests that hash passwords (accounts.MAX_HASHING at once)
EXPIRED = "The form expired: reload the page and try again."

T = TypeVar("T")


def client_address(request: Request) -> str:
    """The client's address (behind a trusted proxy, the one the proxy saw: docs/api.md)."""
    return request.client.host if request.client else "unknown"


def secure(request: Request) -> bool:
    return request.url.scheme == "https"


def session_cookie(https: bool) -> str:
    return HOST_PREFIX + SESSION_COOKIE if https else SESSION_COOKIE


def csrf_cookie(https: bool) -> str:
    return HOST_PREFIX + CSRF_COOKIE if https else CSRF_COOKIE


def session_secret(request: Request) -> str | None:
    """The session cookie's secret (over HTTPS only the ``__Host-`` cookie counts)."""
    return request.cookies.get(session_cookie(secure(request))) or None


def bearer_secret(request: Request) -> str | None:
    scheme, _, secret = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


# --------------------------------------------------------------------------- who is asking


def session(request: Request, journal: Journal, now: datetime) -> TokenRecord | None:
    """The live web session of the cookie (looked up once per request), else None."""
    state = request.state
    if not hasattr(state, "session"):
        secret = session_secret(request)
        state.session = (
            accounts.token(journal, secret, TokenKind.WEB, now) if secret is not None else None
        )
        if state.session is not None:
            state.secret = secret
    found: TokenRecord | None = state.session
    return found


def cookie_user(request: Request, journal: Journal, now: datetime) -> int | None:
    record = session(request, journal, now)
    return None if record is None else record.user_id


def bearer_user(request: Request, journal: Journal, now: datetime) -> int | None:
    secret = bearer_secret(request)
    if secret is None:
        return None
    user = accounts.token_user(journal, secret, TokenKind.API, now)
    if user is not None:
        request.state.secret = secret
    return user


def used_secret(request: Request) -> str | None:
    """The secret (bearer token or session cookie) that signed this request in, if any."""
    secret: str | None = getattr(request.state, "secret", None)
    return secret


# --------------------------------------------------------------------------- CSRF


def csrf_token(request: Request) -> str:
    """The CSRF token a page embeds: its session's when signed in, else this browser's cookie's
    (made by the middleware when it had none)."""
    record: TokenRecord | None = getattr(request.state, "session", None)
    if record is not None and record.csrf:
        return record.csrf
    return str(request.state.csrf)


def _same(expected: str | None, sent: str | None) -> bool:
    return bool(expected and sent) and hmac.compare_digest(str(expected), str(sent))


def check_csrf(request: Request, sent: str | None) -> None:
    """A signed-in request's CSRF token: the one stored with its web session, or Forbidden."""
    state = request.app.state
    record = session(request, state.journal, state.clock())
    if record is None or not _same(record.csrf, sent):
        raise Forbidden(EXPIRED)


def check_signed_out_csrf(request: Request, sent: str | None) -> None:
    """A signed-out form's CSRF token: the same as this browser's CSRF cookie, or Forbidden."""
    if not _same(request.cookies.get(csrf_cookie(secure(request))), sent):
        raise Forbidden(EXPIRED)


# --------------------------------------------------------------------------- cookies


def sign_in(
    response: Response, request: Request, journal: Journal, user_id: int, now: datetime
) -> None:
    secret, _ = accounts.new_token(journal, user_id, TokenKind.WEB, now)
    response.set_cookie(
        session_cookie(secure(request)),
        secret,
        max_age=int(accounts.WEB_SESSION_LIFE.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=secure(request),
        path="/",
    )


def forget_session(response: Response, request: Request) -> None:
    """The browser drops its session cookie."""
    response.delete_cookie(
        session_cookie(secure(request)),
        path="/",
        httponly=True,
        samesite="lax",
        secure=secure(request),
    )


def sign_out(response: Response, request: Request, journal: Journal) -> None:
    secret = session_secret(request)
    if secret:
        accounts.sign_out(journal, secret)
    forget_session(response, request)


# --------------------------------------------------------------------------- hashing


async def hashing(request: Request, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``call(*args, **kwargs)`` in one of ``HASHING_THREADS`` threads kept for password work:
    a burst of sign-ups waits here (cheaply, in the event loop), not in the shared thread pool
    that every other request needs."""
    state = request.app.state
    limiter = getattr(state, "hashing_threads", None)
    if limiter is None:
        limiter = state.hashing_threads = anyio.CapacityLimiter(HASHING_THREADS)
    return await anyio.to_thread.run_sync(functools.partial(call, *args, **kwargs), limiter=limiter)
