"""Accounts for the web app: argon2 passwords, tokens, session cookies, CSRF and rate limits.

- Passwords are hashed with argon2id; unknown emails are checked against a dummy hash, so a
  sign-in takes as long whether or not the account exists (no user enumeration).
- Tokens are 256-bit random secrets; only their SHA-256 is stored, so a copy of the database
  lets nobody sign in. API tokens go in ``Authorization: Bearer``; pages use the
  ``bedstretch_session`` cookie (HttpOnly, SameSite=Lax, Secure behind HTTPS).
- CSRF: a double-submit token. A random ``bedstretch_csrf`` cookie, repeated in every form post
  (hidden ``csrf`` field) and in the ``X-CSRF-Token`` header of cookie-authenticated API calls.
- Sign-in attempts are counted in the database (per account and per address), so every worker
  process enforces the same limits.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from fastapi import HTTPException, Request, Response

if TYPE_CHECKING:
    from bedstretch.journal import Journal

SESSION_COOKIE = "bedstretch_session"
CSRF_COOKIE = "bedstretch_csrf"
CSRF_HEADER = "x-csrf-token"
API_TOKEN_LIFE = timedelta(days=30)
WEB_SESSION_LIFE = timedelta(days=30)
ATTEMPT_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20
MIN_PASSWORD = 10

_hasher = None
_dummy_hash: str | None = None


def _argon() -> object:
    global _hasher
    if _hasher is None:
        from argon2 import PasswordHasher

        _hasher = PasswordHasher()
    return _hasher


def hash_password(password: str) -> str:
    return _argon().hash(password)  # type: ignore[attr-defined, no-any-return]


def verify_password(stored: str | None, password: str) -> bool:
    """True when ``password`` matches; with no stored hash, spend the same time and say no."""
    from argon2.exceptions import InvalidHashError, VerificationError

    global _dummy_hash
    if stored is None:
        if _dummy_hash is None:
            _dummy_hash = hash_password(secrets.token_urlsafe(16))
        stored, password = _dummy_hash, password + "\x00"
    try:
        return bool(_argon().verify(stored, password))  # type: ignore[attr-defined]
    except (VerificationError, InvalidHashError):
        return False


def normal_email(email: str) -> str:
    return email.strip().lower()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def now() -> datetime:
    return datetime.now(UTC)


def new_token(journal: Journal, user_id: int, kind: str) -> tuple[str, str]:
    """Store a new token for ``user_id``; returns (secret, csrf)."""
    secret = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24)
    life = API_TOKEN_LIFE if kind == "api" else WEB_SESSION_LIFE
    journal.add_token(
        token_hash=token_hash(secret),
        user_id=user_id,
        kind=kind,
        csrf=csrf,
        created_at=now(),
        expires_at=now() + life,
    )
    return secret, csrf


# --------------------------------------------------------------------------- rate limits


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def attempt_keys(request: Request, email: str) -> tuple[str, str]:
    account = "email:" + hashlib.sha256(normal_email(email).encode()).hexdigest()
    return account, f"addr:{client_address(request)}"


def check_rate(journal: Journal, request: Request, email: str) -> None:
    """429 when this account or this address failed too often in the last 15 minutes."""
    account, address = attempt_keys(request, email)
    since = now() - ATTEMPT_WINDOW
    if (
        journal.count_attempts(account, since) >= MAX_FAILURES_PER_ACCOUNT
        or journal.count_attempts(address, since) >= MAX_FAILURES_PER_ADDRESS
    ):
        raise HTTPException(
            status_code=429,
            detail="Too many attempts. Wait 15 minutes and try again.",
            headers={"Retry-After": str(int(ATTEMPT_WINDOW.total_seconds()))},
        )


def record_failure(journal: Journal, request: Request, email: str) -> None:
    for key in attempt_keys(request, email):
        journal.add_attempt(key, now())


def authenticate(journal: Journal, request: Request, email: str, password: str) -> int | None:
    """The user id for good credentials (rate-limited), else None."""
    check_rate(journal, request, email)
    found = journal.user_by_email(normal_email(email))
    if verify_password(found[1] if found else None, password) and found:
        journal.clear_attempts(attempt_keys(request, email)[0])
        return found[0]
    record_failure(journal, request, email)
    return None


# --------------------------------------------------------------------------- cookies, CSRF


def secure(request: Request) -> bool:
    return request.url.scheme == "https"


def csrf_token(request: Request) -> str:
    """This browser's CSRF token (made by the middleware when it had none)."""
    return str(request.state.csrf)


def check_csrf(request: Request, sent: str | None) -> None:
    expected = request.cookies.get(CSRF_COOKIE)
    if not expected or not sent or not hmac.compare_digest(expected, sent):
        raise HTTPException(
            status_code=403, detail="The form expired: reload the page and try again."
        )


def sign_in(response: Response, request: Request, journal: Journal, user_id: int) -> None:
    secret, _ = new_token(journal, user_id, "web")
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=int(WEB_SESSION_LIFE.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=secure(request),
        path="/",
    )


def sign_out(response: Response, request: Request, journal: Journal) -> None:
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        journal.delete_token(token_hash(secret))
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=secure(request)
    )


def cookie_user(request: Request, journal: Journal) -> int | None:
    secret = request.cookies.get(SESSION_COOKIE)
    if not secret:
        return None
    record = journal.token(token_hash(secret), now())
    if record is None or record.kind != "web":
        return None
    return record.user_id


def bearer_user(request: Request, journal: Journal) -> int | None:
    header = request.headers.get("authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret:
        return None
    record = journal.token(token_hash(secret.strip()), now())
    if record is None or record.kind != "api":
        return None
    return record.user_id


def page_user(request: Request) -> int | None:
    """The signed-in user of a page request, or None."""
    journal: Journal = request.app.state.journal
    return cookie_user(request, journal)
