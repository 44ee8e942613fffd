"""Accounts of the web app, their sign-in (and reset) tokens, and sign-in and sign-up attempts.

Not scoped: whichever person's view is asked, these see every account.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from bedstretch.core.errors import Invalid, NotFound
from bedstretch.core.records import TokenKind, TokenRecord
from bedstretch.journal.base import Base, new_id
from bedstretch.journal.schema import auth_tokens, login_attempts, to_utc, users

__all__ = [
    "Accounts",
    "AttemptClaim",
    "email_attempt_key",
    "hash_token",
    "normalize_email",
    "pair_attempt_key",
]

_HEX64 = re.compile(r"[0-9a-f]{64}")
_KEY_LENGTH = 400  # login_attempts.key


def normalize_email(email: str) -> str:
    """An email as stored and looked up: trimmed, Unicode NFC, lower-cased (NFC again: lower-casing
    can decompose a character), so that "é" typed as one code point or as e + accent is one
    account."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", email.strip()).lower())


def hash_token(secret: str) -> str:
    """What the journal keeps of a sign-in token: the SHA-256 of the secret, in hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _email_hash(email: str) -> str:
    return hashlib.sha256(normalize_email(email).encode()).hexdigest()


def email_attempt_key(email: str) -> str:
    """The ``login_attempts`` key of an account: ``email:<sha256 of the normalised email>``."""
    return "email:" + _email_hash(email)


def pair_attempt_key(email: str, address: str) -> str:
    """The key of an account tried from one address: ``pair:<sha256 of the email>:<address>``
    (``address`` as the sign-in limits count it, an IP or an IPv6 /64)."""
    return f"pair:{_email_hash(email)}:{address}"


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


def _lock_id(key: str) -> int:
    """A PostgreSQL advisory lock id (a signed 64-bit number) for an attempt key."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)


_LOCK = sa.text("SELECT pg_advisory_xact_lock(:key)")


@dataclass(frozen=True, slots=True)
class AttemptClaim:
    """What ``claim_attempt`` decided: ``granted`` with the ids of the rows it recorded, or
    refused (nothing recorded) with ``free_at``, when the fullest key has room again."""

    granted: bool
    ids: tuple[int, ...] = ()
    free_at: datetime | None = None


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

    def set_password(self, user_id: int, password_hash: str) -> None:
        """Store a new password hash for the account (an unknown id: NotFound)."""
        if not password_hash:
            raise Invalid("a user needs a password hash", field="password_hash")
        with self._write() as connection:
            result = connection.execute(
                sa.update(users).where(users.c.id == user_id).values(password_hash=password_hash)
            )
        if result.rowcount == 0:
            raise NotFound(f"no user {user_id} in the journal")

    def user_email(self, user_id: int) -> str | None:
        with self._read() as connection:
            email = connection.execute(
                sa.select(users.c.email).where(users.c.id == user_id)
            ).scalar()
        return None if email is None else str(email)

    def delete_user(self, user_id: int) -> None:
        """Delete an account and everything of it: tokens, sessions with their steps and events,
        screenings, check-ins, rescreen requests, exercise restores (ON DELETE CASCADE), and its
        sign-in attempts (per account, and per account and address). An unknown id changes
        nothing."""
        with self._write() as connection:
            email = connection.execute(
                sa.select(users.c.email).where(users.c.id == user_id)
            ).scalar()
            if email is None:
                return
            connection.execute(sa.delete(users).where(users.c.id == user_id))
            connection.execute(
                sa.delete(login_attempts).where(
                    sa.or_(
                        login_attempts.c.key == email_attempt_key(email),
                        login_attempts.c.key.startswith(f"pair:{_email_hash(email)}:"),
                    )
                )
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

    def take_token(self, token_hash: str, kind: TokenKind | str, now: datetime) -> int | None:
        """Use up a one-time token: the user id of the live token of ``kind`` with this hash,
        deleted in the same transaction (a second use, or two at once, finds nothing)."""
        with self._write() as connection:
            user_id = connection.execute(
                sa.delete(auth_tokens)
                .where(
                    auth_tokens.c.token_hash == token_hash,
                    auth_tokens.c.kind == TokenKind(kind).value,
                    auth_tokens.c.expires_at > to_utc(now),
                )
                .returning(auth_tokens.c.user_id)
            ).scalar()
        return None if user_id is None else int(user_id)

    def delete_user_tokens(
        self, user_id: int, *, keep: str | None = None, kinds: Sequence[TokenKind] = ()
    ) -> int:
        """Sign an account out everywhere: delete its tokens (only those of ``kinds`` when
        given), but the one whose hash is ``keep``; how many went."""
        where = [auth_tokens.c.user_id == user_id]
        if keep is not None:
            where.append(auth_tokens.c.token_hash != keep)
        if kinds:
            where.append(auth_tokens.c.kind.in_([TokenKind(k).value for k in kinds]))
        with self._write() as connection:
            result = connection.execute(sa.delete(auth_tokens).where(*where))
        return int(result.rowcount)

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

    def claim_attempt(
        self, limits: Sequence[tuple[str, int, datetime]], at: datetime
    ) -> AttemptClaim:
        """Count and record one attempt atomically, before it is checked (a password verified).

        ``limits``: (key, most, since) each: refused when any key already has ``most`` rows at
        or after ``since`` (then nothing is recorded); otherwise one row per key is recorded at
        ``at`` and their ids returned (``forget_attempts`` takes them back after a success).
        The count and the insert are one write transaction that concurrent claims on the same
        keys wait for: SQLite's BEGIN IMMEDIATE serialises writers, and on PostgreSQL the
        transaction holds an advisory lock per key (taken in one order: no deadlock). So 30
        claims at once under a limit of 5 grant exactly 5."""
        keys = [_attempt_key(key) for key, _, _ in limits]
        if not keys:
            return AttemptClaim(granted=True)
        table = login_attempts
        window = sa.or_(
            *(sa.and_(table.c.key == key, table.c.at >= to_utc(since)) for key, _, since in limits)
        )
        with self._write() as connection:
            if connection.dialect.name == "postgresql":
                for lock in sorted({_lock_id(key) for key in keys}):
                    connection.execute(_LOCK, {"key": lock})
            counted = connection.execute(
                sa.select(table.c.key, sa.func.count(), sa.func.min(table.c.at))
                .where(window)
                .group_by(table.c.key)
            ).all()
            found = {str(row[0]): (int(row[1]), row[2]) for row in counted}
            free_at = None
            for key, most, since in limits:
                count, oldest = found.get(key, (0, None))
                if count >= most:
                    again = at if oldest is None else oldest + (at - since)
                    free_at = again if free_at is None else max(free_at, again)
            if free_at is not None:
                return AttemptClaim(granted=False, free_at=free_at)
            ids = connection.execute(
                sa.insert(table).returning(table.c.id),
                [{"key": key, "at": to_utc(at)} for key in keys],
            ).scalars()
            return AttemptClaim(granted=True, ids=tuple(int(i) for i in ids))

    def forget_attempts(self, ids: Sequence[int] = (), keys: Sequence[str] = ()) -> None:
        """Take back the rows ``ids`` (an attempt that succeeded) and every row under ``keys``
        (the failures a success clears), in one transaction."""
        with self._write() as connection:
            if ids:
                connection.execute(sa.delete(login_attempts).where(login_attempts.c.id.in_(ids)))
            if keys:
                connection.execute(sa.delete(login_attempts).where(login_attempts.c.key.in_(keys)))

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
