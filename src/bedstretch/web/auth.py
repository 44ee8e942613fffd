"""Who is asking, on the web: bearer tokens, session cookies and CSRF (accounts: services).

- API tokens go in ``Authorization: Bearer``; pages use the ``bedstretch_session`` cookie
  (HttpOnly, SameSite=Lax, Secure behind HTTPS). The secrets and their checks are
  ``bedstretch.services.accounts``'s; this module only reads and writes the HTTP parts.
- CSRF: a double-submit token. A random ``bedstretch_csrf`` cookie (set by the app's middleware),
  repeated in every form post (hidden ``csrf`` field) and in the ``X-CSRF-Token`` header of
  cookie-authenticated API calls.
"""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import TYPE_CHECKING

from fastapi import Request, Response

from bedstretch.core.errors import Forbidden
from bedstretch.core.records import TokenKind
from bedstretch.services import accounts

if TYPE_CHECKING:
    from bedstretch.journal import Journal

SESSION_COOKIE = "bedstretch_session"
CSRF_COOKIE = "bedstretch_csrf"
CSRF_HEADER = "x-csrf-token"


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def secure(request: Request) -> bool:
    return request.url.scheme == "https"


def csrf_token(request: Request) -> str:
    """This browser's CSRF token (made by the middleware when it had none)."""
    return str(request.state.csrf)


def check_csrf(request: Request, sent: str | None) -> None:
    expected = request.cookies.get(CSRF_COOKIE)
    if not expected or not sent or not hmac.compare_digest(expected, sent):
        raise Forbidden("The form expired: reload the page and try again.")


def sign_in(
    response: Response, request: Request, journal: Journal, user_id: int, now: datetime
) -> None:
    secret, _ = accounts.new_token(journal, user_id, TokenKind.WEB, now)
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=int(accounts.WEB_SESSION_LIFE.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=secure(request),
        path="/",
    )


def sign_out(response: Response, request: Request, journal: Journal) -> None:
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        accounts.sign_out(journal, secret)
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=secure(request)
    )


def cookie_user(request: Request, journal: Journal, now: datetime) -> int | None:
    secret = request.cookies.get(SESSION_COOKIE)
    return accounts.token_user(journal, secret, TokenKind.WEB, now) if secret else None


def bearer_user(request: Request, journal: Journal, now: datetime) -> int | None:
    scheme, _, secret = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return accounts.token_user(journal, secret.strip(), TokenKind.API, now)
