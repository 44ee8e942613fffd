"""Accounts: sign up, sign in (rate-limited), tokens, and deleting an account with its data.

- Passwords are hashed with argon2id; an unknown email is checked against a dummy hash, so a
  sign-in takes as long whether or not the account exists (no user enumeration).
- Tokens are 256-bit random secrets; only their SHA-256 is stored, so a copy of the database
  signs nobody in. ``api`` tokens are bearer tokens; ``web`` ones a browser's session cookie.
- Failed sign-ins are counted in the journal (per account and per address), so every worker
  process enforces the same limits.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bedstretch.core.errors import Invalid, RateLimited
from bedstretch.core.records import TokenKind

if TYPE_CHECKING:
    from bedstretch.journal import Journal

API_TOKEN_LIFE = timedelta(days=30)
WEB_SESSION_LIFE = timedelta(days=30)
ATTEMPT_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
LIFE = {TokenKind.API: API_TOKEN_LIFE, TokenKind.WEB: WEB_SESSION_LIFE}

_hasher: Any = None
_dummy_hash: str | None = None


def _argon() -> Any:
    global _hasher
    if _hasher is None:
        from argon2 import PasswordHasher

        _hasher = PasswordHasher()
    return _hasher


def hash_password(password: str) -> str:
    return str(_argon().hash(password))


def verify_password(stored: str | None, password: str) -> bool:
    """True when ``password`` matches; with no stored hash, spend the same time and say no."""
    from argon2.exceptions import InvalidHashError, VerificationError

    global _dummy_hash
    if stored is None:
        if _dummy_hash is None:
            _dummy_hash = hash_password(secrets.token_urlsafe(16))
        stored, password = _dummy_hash, password + "\x00"
    try:
        return bool(_argon().verify(stored, password))
    except (VerificationError, InvalidHashError):
        return False


def normal_email(email: str) -> str:
    return email.strip().lower()


def check_credentials(email: str, password: str) -> str:
    """The email as stored, or Invalid naming ``email`` or ``password``."""
    address = normal_email(email)
    if not EMAIL.match(address) or len(address) > 320:
        raise Invalid("enter an email address, like name@example.org", field="email")
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise Invalid(
            f"choose a password of {MIN_PASSWORD} to {MAX_PASSWORD} characters", field="password"
        )
    return address


def sign_up(journal: Journal, email: str, password: str, now: datetime) -> str:
    """Create an account; the email as stored. The answer is the same whether or not the email
    was known (a known one keeps its password), so nobody learns who has an account."""
    address = check_credentials(email, password)
    journal.create_user(address, hash_password(password), now)
    return address


def _attempt_keys(email: str, address: str) -> tuple[str, str]:
    from bedstretch.journal import email_attempt_key

    return email_attempt_key(email), f"addr:{address}"


def authenticate(
    journal: Journal, email: str, password: str, *, address: str, now: datetime
) -> int | None:
    """The user id for good credentials, else None; RateLimited when this account or this
    ``address`` (the client's) failed too often in the last 15 minutes."""
    account_key, address_key = _attempt_keys(email, address)
    since = now - ATTEMPT_WINDOW
    if (
        journal.count_attempts(account_key, since) >= MAX_FAILURES_PER_ACCOUNT
        or journal.count_attempts(address_key, since) >= MAX_FAILURES_PER_ADDRESS
    ):
        raise RateLimited(
            "Too many attempts. Wait 15 minutes and try again.",
            retry_after=int(ATTEMPT_WINDOW.total_seconds()),
        )
    found = journal.user_by_email(normal_email(email))
    if verify_password(found[1] if found else None, password) and found:
        journal.clear_attempts(account_key)
        return found[0]
    for key in (account_key, address_key):
        journal.add_attempt(key, now)
    return None


def new_token(journal: Journal, user_id: int, kind: TokenKind, now: datetime) -> tuple[str, str]:
    """Store a new token for ``user_id``; returns (secret, csrf). Only the hash is kept."""
    from bedstretch.journal import hash_token

    secret = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24)
    journal.add_token(
        token_hash=hash_token(secret),
        user_id=user_id,
        kind=kind,
        csrf=csrf,
        created_at=now,
        expires_at=now + LIFE[kind],
    )
    return secret, csrf


def token_user(journal: Journal, secret: str, kind: TokenKind, now: datetime) -> int | None:
    """Whose live token of this kind ``secret`` is, else None."""
    from bedstretch.journal import hash_token

    record = journal.token(hash_token(secret), now)
    if record is None or record.kind is not kind:
        return None
    return record.user_id


def sign_out(journal: Journal, secret: str) -> None:
    from bedstretch.journal import hash_token

    journal.delete_token(hash_token(secret))


def delete(journal: Journal, user_id: int) -> None:
    """Delete the account and every record of it."""
    journal.delete_user(user_id)
