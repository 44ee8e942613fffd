"""Accounts: sign up, sign in (rate-limited), tokens, passwords, resets, deleting an account.

- Passwords are hashed with argon2id (64 MiB each); at most ``MAX_HASHING`` hashes or checks
  run at once in a process (others wait their turn), so a flood of sign-ups cannot take the
  memory. An unknown email is checked against a dummy hash, so a sign-in takes as long whether
  or not the account exists (no user enumeration).
- A password has 10 or more characters, is not one character repeated, not the email, and not
  one of the ~10,800 most common passwords (``content/passwords/common.txt``, loaded the first
  time a password is chosen).
- Emails are trimmed, put in Unicode NFC and lower-cased everywhere (``normal_email``).
- Tokens are 256-bit random secrets; only their SHA-256 is stored, so a copy of the database
  signs nobody in. ``api`` tokens are bearer tokens; ``web`` ones a browser's session cookie
  (with the session's CSRF token); ``reset`` ones a one-time password reset link (1 hour).
- Sign-in limits (counted in the journal, so every worker process agrees): each attempt is
  recorded *before* its password is checked, in the same transaction as the count, so
  concurrent guesses cannot all slip under a limit; over a limit the password is not checked.
  Per account *and* address 5 failures in 15 minutes (a stranger elsewhere cannot lock the owner
  out), per address 20 (one client trying many accounts), per account from every address 100
  (distributed guessing). A success takes its attempt back and clears the account's failures.
  Sign-ups: 10 an hour per address.
"""

from __future__ import annotations

import ipaddress
import re
import secrets
import threading
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bedstretch.core.errors import Invalid, NotFound, RateLimited
from bedstretch.core.records import TokenKind, TokenRecord

if TYPE_CHECKING:
    from bedstretch.journal import Journal

API_TOKEN_LIFE = timedelta(days=30)
WEB_SESSION_LIFE = timedelta(days=30)
RESET_LIFE = timedelta(hours=1)
LIFE = {TokenKind.API: API_TOKEN_LIFE, TokenKind.WEB: WEB_SESSION_LIFE, TokenKind.RESET: RESET_LIFE}

ATTEMPT_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_PAIR = 5  # one account from one address
MAX_FAILURES_PER_ADDRESS = 20  # one address, any accounts
MAX_FAILURES_PER_ACCOUNT = 100  # one account, from all addresses together
SIGNUP_WINDOW = timedelta(hours=1)
MAX_SIGNUPS_PER_ADDRESS = 10
PURGE_EVERY = timedelta(minutes=10)  # expired tokens and old attempts, from the sign-in path

MAX_HASHING = 2  # argon2 hashes or checks at once per process (64 MiB each)
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
COMMON_PASSWORDS = Path(__file__).parent.parent / "content" / "passwords" / "common.txt"
TOO_MANY = "Too many attempts. Wait {minutes} and try again."

_hasher: Any = None
_dummy_hash: str | None = None
_hashing = threading.BoundedSemaphore(MAX_HASHING)
_checked = 0  # argon2 password checks run in this process
_checked_lock = threading.Lock()
_purged: dict[str, datetime] = {}  # journal URL -> the last purge (this process)


def _argon() -> Any:
    global _hasher
    if _hasher is None:
        from argon2 import PasswordHasher

        _hasher = PasswordHasher()
    return _hasher


def hash_password(password: str) -> str:
    """The argon2id hash; waits while ``MAX_HASHING`` others are being made or checked."""
    with _hashing:
        return str(_argon().hash(password))


def verify_password(stored: str | None, password: str) -> bool:
    """True when ``password`` matches; with no stored hash, spend the same time and say no."""
    from argon2.exceptions import InvalidHashError, VerificationError

    global _dummy_hash, _checked
    if stored is None:
        if _dummy_hash is None:
            _dummy_hash = hash_password(secrets.token_urlsafe(16))
        stored, password = _dummy_hash, password + "\x00"
    with _hashing:
        with _checked_lock:
            _checked += 1
        try:
            return bool(_argon().verify(stored, password))
        except (VerificationError, InvalidHashError):
            return False


def verifications() -> int:
    """How many argon2 password checks this process has run (the sign-in tests count them)."""
    return _checked


# --------------------------------------------------------------------------- what is accepted


def normal_email(email: str) -> str:
    """An email as stored and looked up: trimmed, NFC, lower-cased."""
    from bedstretch.journal import normalize_email

    return normalize_email(email)


def _printable(text: str) -> bool:
    return text.isprintable() and not any("\ud800" <= c <= "\udfff" for c in text)


def check_email(email: str) -> str:
    """The email as stored, or Invalid naming ``email``."""
    address = normal_email(email)
    if not EMAIL.match(address) or len(address) > 320 or not _printable(address):
        raise Invalid("enter an email address, like name@example.org", field="email")
    return address


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords (lower-case), read on first use."""
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def check_password(password: str, email: str | None = None, field: str = "password") -> None:
    """Invalid naming ``field`` when ``password`` is too short or long, one character repeated,
    the email (or its name part), or a common password."""
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise Invalid(
            f"choose a password of {MIN_PASSWORD} to {MAX_PASSWORD} characters", field=field
        )
    folded = password.strip().casefold()
    if len(set(folded)) <= 1:
        raise Invalid("choose a password that is not one character repeated", field=field)
    if email is not None and folded in {email.casefold(), email.partition("@")[0].casefold()}:
        raise Invalid("choose a password that is not your email", field=field)
    if folded in common_passwords() or password.lower() in common_passwords():
        raise Invalid(
            "that password is one of the most common ones: choose another (a few unrelated "
            "words make a good one)",
            field=field,
        )


def check_credentials(email: str, password: str) -> str:
    """The email as stored, or Invalid naming ``email`` or ``password`` (for a new password)."""
    address = check_email(email)
    check_password(password, address)
    return address


# --------------------------------------------------------------------------- limits


def address_key(address: str) -> str:
    """How the limits name a client address: an IPv4 address as it is, an IPv6 one by its /64
    (one household's or phone's network: its addresses within are free to choose)."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return address.strip()[:100] or "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def _refused(now: datetime, free_at: datetime | None) -> RateLimited:
    seconds = max(1, int(((free_at or now) - now).total_seconds()) + 1)
    minutes = max(1, -(-seconds // 60))
    wait = f"{minutes} minute" + ("s" if minutes > 1 else "")
    return RateLimited(TOO_MANY.format(minutes=wait), retry_after=seconds)


def _sign_in_limits(email: str, address: str, now: datetime) -> list[tuple[str, int, datetime]]:
    from bedstretch.journal import email_attempt_key, pair_attempt_key

    where = address_key(address)
    since = now - ATTEMPT_WINDOW
    return [
        (pair_attempt_key(email, where), MAX_FAILURES_PER_PAIR, since),
        (f"addr:{where}", MAX_FAILURES_PER_ADDRESS, since),
        (email_attempt_key(email), MAX_FAILURES_PER_ACCOUNT, since),
    ]


def _checked_password(
    journal: Journal, email: str, password: str, address: str, now: datetime
) -> int | None:
    """The account id when ``password`` is its password, else None; RateLimited (without
    checking the password) when a sign-in limit is reached. The attempt is counted first."""
    limits = _sign_in_limits(email, address, now)
    claim = journal.claim_attempt(limits, now)
    if not claim.granted:
        raise _refused(now, claim.free_at)
    found = journal.user_by_email(normal_email(email))
    if verify_password(found[1] if found else None, password) and found:
        pair, _, account = (key for key, _, _ in limits)
        journal.forget_attempts(ids=claim.ids, keys=(pair, account))
        return found[0]
    return None


# --------------------------------------------------------------------------- use cases


def sign_up(journal: Journal, email: str, password: str, now: datetime, *, address: str) -> str:
    """Create an account; the email as stored. The answer is the same whether or not the email
    was known (a known one keeps its password), so nobody learns who has an account.
    RateLimited after ``MAX_SIGNUPS_PER_ADDRESS`` sign-ups from ``address`` in an hour."""
    stored = check_credentials(email, password)
    key = f"signup:{address_key(address)}"
    claim = journal.claim_attempt([(key, MAX_SIGNUPS_PER_ADDRESS, now - SIGNUP_WINDOW)], now)
    if not claim.granted:
        raise _refused(now, claim.free_at)
    journal.create_user(stored, hash_password(password), now)
    return stored


def authenticate(
    journal: Journal, email: str, password: str, *, address: str, now: datetime
) -> int | None:
    """The user id for good credentials, else None; RateLimited (the password unchecked) when
    this account from this ``address``, this address, or this account failed too often in the
    last 15 minutes. Also purges expired tokens and old attempts, every ``PURGE_EVERY``."""
    purge_if_due(journal, now)
    if not _printable(email.strip()):  # no account has such an email: never look it up
        raise Invalid("enter an email address, like name@example.org", field="email")
    return _checked_password(journal, email, password, address, now)


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


def token(journal: Journal, secret: str, kind: TokenKind, now: datetime) -> TokenRecord | None:
    """The live token of this kind that ``secret`` is (its user and CSRF token), else None."""
    from bedstretch.journal import hash_token

    record = journal.token(hash_token(secret), now)
    if record is None or record.kind is not kind:
        return None
    return record


def token_user(journal: Journal, secret: str, kind: TokenKind, now: datetime) -> int | None:
    """Whose live token of this kind ``secret`` is, else None."""
    record = token(journal, secret, kind, now)
    return None if record is None else record.user_id


def sign_out(journal: Journal, secret: str) -> None:
    """This token (a bearer token or a browser's session) no longer signs anyone in."""
    from bedstretch.journal import hash_token

    journal.delete_token(hash_token(secret))


def sign_out_everywhere(journal: Journal, user_id: int, *, keep: str | None = None) -> int:
    """Every token of the account (API tokens, browser sessions, reset links) stops working,
    but the one whose secret is ``keep``; how many went."""
    from bedstretch.journal import hash_token

    kept = hash_token(keep) if keep is not None else None
    return journal.delete_user_tokens(user_id, keep=kept)


def change_password(
    journal: Journal,
    user_id: int,
    current: str,
    new: str,
    *,
    address: str,
    now: datetime,
    keep: str | None = None,
) -> None:
    """Set a new password when ``current`` is right (Invalid naming ``current_password`` when
    not; the sign-in limits apply), then sign the account out everywhere but ``keep`` (the
    secret of the session or token that asked)."""
    email = journal.user_email(user_id)
    if email is None:
        raise NotFound(f"no user {user_id} in the journal")
    check_password(new, email, field="new_password")
    if _checked_password(journal, email, current, address, now) != user_id:
        raise Invalid("your current password is not right", field="current_password")
    journal.set_password(user_id, hash_password(new))
    sign_out_everywhere(journal, user_id, keep=keep)


def issue_reset(journal: Journal, email: str, now: datetime) -> str:
    """A one-time password reset secret for the account (for the server's owner: NotFound when
    there is no such account). It works once, for ``RESET_LIFE``; an earlier one stops working."""
    stored = check_email(email)
    found = journal.user_by_email(stored)
    if found is None:
        raise NotFound(f"no account with the email {stored}", field="email")
    journal.delete_user_tokens(found[0], kinds=(TokenKind.RESET,))
    secret, _ = new_token(journal, found[0], TokenKind.RESET, now)
    return secret


def reset_user(journal: Journal, secret: str, now: datetime) -> int | None:
    """Whose live reset link ``secret`` is (the link is not used up), else None."""
    return token_user(journal, secret, TokenKind.RESET, now) if secret else None


def reset_password(journal: Journal, secret: str, new: str, now: datetime) -> str:
    """Set a new password with a reset link, which is used up, and sign the account out
    everywhere; the account's email. Invalid naming ``token`` when the link is unknown, used or
    expired, or ``new_password`` when the password is refused (the link then still works)."""
    from bedstretch.journal import hash_token

    gone = Invalid(
        "this reset link has expired or was used already: ask for a new one", field="token"
    )
    user_id = reset_user(journal, secret, now)
    email = journal.user_email(user_id) if user_id is not None else None
    if user_id is None or email is None:
        raise gone
    check_password(new, email, field="new_password")
    if journal.take_token(hash_token(secret), TokenKind.RESET, now) != user_id:
        raise gone  # used a moment ago by another request
    journal.set_password(user_id, hash_password(new))
    journal.delete_user_tokens(user_id)
    return email


def purge(journal: Journal, now: datetime) -> tuple[int, int]:
    """Housekeeping: delete expired tokens and attempts older than every window; how many of
    each went."""
    oldest = now - max(ATTEMPT_WINDOW, SIGNUP_WINDOW)
    tokens = journal.delete_expired_tokens(now)
    attempts = journal.delete_attempts_before(oldest)
    _purged[journal.url] = now
    return tokens, attempts


def purge_if_due(journal: Journal, now: datetime) -> None:
    """``purge`` when this process last purged this journal ``PURGE_EVERY`` ago or more."""
    last = _purged.get(journal.url)
    if last is None or not timedelta(0) <= now - last < PURGE_EVERY:
        purge(journal, now)


def delete(journal: Journal, user_id: int) -> None:
    """Delete the account and every record of it."""
    journal.delete_user(user_id)
