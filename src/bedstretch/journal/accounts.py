"""Accounts of the web app, their sign-in tokens, and failed sign-in attempts.

Not scoped: whichever person's view is asked, these see every account.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime

import sqlalchemy as sa

from bedstretch.core.errors import Invalid, NotFound
from bedstretch.core.records import TokenKind, TokenRecord
from bedstretch.journal.base import Base, new_id
from bedstretch.journal.schema import auth_tokens, login_attempts, to_utc, users

__all__ = ["Accounts", "email_attempt_key", "hash_token", "normalize_email"]

_HEX64 = re.compile(r"[0-9a-f]{64}")
_KEY_LENGTH = 400  # login_attempts.key


def normalize_email(email: str) -> str:
    """An email as stored and looked up: trimmed and lower-cased."""
    return email.strip().lower()


def hash_token(secret: str) -> str:
    """What the journal keeps of a sign-in token: the SHA-256 of the secret, in hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


def email_attempt_key(email: str) -> str:
    """The ``login_attempts`` key of an account: ``email:<sha256 of the normalised email>``."""
    return "email:" + hashlib.sha256(normalize_email(email).encode()).hexdigest()


def _token_hash(value: str) -> str:
    if not _HEX64.fullmatch(value):
        raise Invalid(
            "token_hash must be the SHA-256 of the token in lower-case hex (64)",
            field="token_hash",
        )
    return value


def _attempt_key(key: str) -> str:
    if not key or len(key) > _KEY_LENGTH:
        raise Invalid(f"an attempt key has 1-{_KEY_LENGTH} characters", field="key")
    if "@" in key:
        raise Invalid("an attempt key holds no email: use email_attempt_key(email)", field="key")
    return key


_LIVE_TOKEN = sa.select(
    auth_tokens.c.user_id, auth_tokens.c.kind, auth_tokens.c.csrf, auth_tokens.c.expires_at
).where(
    auth_tokens.c.token_hash == sa.bindparam("hash"), auth_tokens.c.expires_at > sa.bindparam("now")
)


class Accounts(Base):
    # ----------------------------------------------------------------------- users

    def create_user(self, email: str, password_hash: str, at: datetime) -> int | None:
        """A new account; its id, or None if the email (trimmed, lower-cased) is taken."""
        address = normalize_email(email)
        if not address or len(address) > 320:
            raise Invalid("an email has 1-320 characters", field="email")
        if not password_hash:
            raise Invalid("a user needs a password hash", field="password_hash")
        try:
            with self._write() as connection:
                result = connection.execute(
                    sa.insert(users).values(
                        email=address, password_hash=password_hash, created_at=to_utc(at)
                    )
                )
                return new_id(result)
        except sa.exc.IntegrityError:  # taken, perhaps a moment ago by another process
            if self.user_by_email(address) is not None:
                return None
            raise

    def user_by_email(self, email: str) -> tuple[int, str] | None:
        """(id, password hash) of the account with this email, else None."""
        with self._read() as connection:
            row = connection.execute(
                sa.select(users.c.id, users.c.password_hash).where(
                    users.c.email == normalize_email(email)
                )
            ).first()
        return None if row is None else (int(row.id), str(row.password_hash))

    def user_email(self, user_id: int) -> str | None:
        with self._read() as connection:
            email = connection.execute(
                sa.select(users.c.email).where(users.c.id == user_id)
            ).scalar()
        return None if email is None else str(email)

    def delete_user(self, user_id: int) -> None:
        """Delete an account and everything of it: tokens, sessions with their steps and events,
        screenings, check-ins, rescreen requests, exercise restores (ON DELETE CASCADE), and its
        failed sign-ins. An unknown id changes nothing."""
        with self._write() as connection:
            email = connection.execute(
                sa.select(users.c.email).where(users.c.id == user_id)
            ).scalar()
            if email is None:
                return
            connection.execute(sa.delete(users).where(users.c.id == user_id))
            connection.execute(
                sa.delete(login_attempts).where(login_attempts.c.key == email_attempt_key(email))
            )

    # ----------------------------------------------------------------------- sign-in tokens

    def add_token(
        self,
        *,
        token_hash: str,
        user_id: int,
        kind: TokenKind | str,
        csrf: str | None,
        created_at: datetime,
        expires_at: datetime,
    ) -> None:
        """Store a token by the SHA-256 hex of its secret (``hash_token``), never the secret.
        An account that does not exist: NotFound."""
        values = {
            "token_hash": _token_hash(token_hash),
            "user_id": user_id,
            "kind": TokenKind(kind).value,
            "csrf": csrf,
            "created_at": to_utc(created_at),
            "expires_at": to_utc(expires_at),
        }
        try:
            with self._write() as connection:
                connection.execute(sa.insert(auth_tokens).values(values))
        except sa.exc.IntegrityError:
            if self.user_email(user_id) is None:
                raise NotFound(f"no user {user_id} in the journal") from None
            raise

    def token(self, token_hash: str, now: datetime) -> TokenRecord | None:
        """The live token with this hash; None if unknown or expired (``expires_at <= now``)."""
        with self._one_statement() as connection:
            row = connection.execute(_LIVE_TOKEN, {"hash": token_hash, "now": to_utc(now)}).first()
        if row is None:
            return None
        return TokenRecord(
            user_id=int(row.user_id),
            kind=TokenKind(row.kind),
            csrf=row.csrf,
            expires_at=row.expires_at,
        )

    def delete_token(self, token_hash: str) -> None:
        """Sign out: the token is gone (an unknown hash changes nothing)."""
        with self._write() as connection:
            connection.execute(sa.delete(auth_tokens).where(auth_tokens.c.token_hash == token_hash))

    def delete_expired_tokens(self, now: datetime) -> int:
        """Housekeeping: delete tokens expired at ``now``; how many went."""
        with self._write() as connection:
            result = connection.execute(
                sa.delete(auth_tokens).where(auth_tokens.c.expires_at <= to_utc(now))
            )
        return int(result.rowcount)

    # ----------------------------------------------------------------------- sign-in attempts

    def count_attempts(self, key: str, since: datetime) -> int:
        """Failed sign-ins under ``key`` at or after ``since``."""
        with self._read() as connection:
            count = connection.execute(
                sa.select(sa.func.count()).where(
                    login_attempts.c.key == key, login_attempts.c.at >= to_utc(since)
                )
            ).scalar()
        return int(count or 0)

    def add_attempt(self, key: str, at: datetime) -> None:
        """One failed sign-in under ``key``: ``email_attempt_key(email)`` or ``"addr:<ip>"``
        (a key with an ``@`` is refused: no raw emails in this table)."""
        with self._write() as connection:
            connection.execute(
                sa.insert(login_attempts).values(key=_attempt_key(key), at=to_utc(at))
            )

    def clear_attempts(self, key: str) -> None:
        """Forget the failed sign-ins under ``key`` (after a successful one)."""
        with self._write() as connection:
            connection.execute(sa.delete(login_attempts).where(login_attempts.c.key == key))

    def delete_attempts_before(self, before: datetime) -> int:
        """Housekeeping: forget failed sign-ins older than any window; how many went."""
        with self._write() as connection:
            result = connection.execute(
                sa.delete(login_attempts).where(login_attempts.c.at < to_utc(before))
            )
        return int(result.rowcount)
