"""The journal's tables, as SQLAlchemy Core (no ORM: it costs import time and buys nothing here).

This is the *current* shape of the schema. Migrations (``migrations/versions``) are frozen copies
that build it step by step; ``tests/journal`` checks that the migrated database matches these
definitions, so a change here without a migration fails the tests.

Several people: ``users`` holds accounts, and every top-level table (screenings, rescreen
requests, sessions, check-ins, exercise restores) has a nullable ``user_id``: NULL is the
terminal's own person (the CLI), a number is a web account. Steps and events belong to a session
and so to its person. ``auth_tokens`` and ``login_attempts`` serve signing in.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def to_utc(value: datetime) -> datetime:
    """The same instant in UTC; a naive datetime is refused rather than guessed at."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"timestamp {value.isoformat()} has no timezone")
    return value.astimezone(UTC)


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """A timezone-aware instant, stored in UTC and always read back aware (in UTC).

    SQLite keeps no offset (it stores text), so values are converted to UTC before storing and
    UTC is attached when reading.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else to_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def raw_instant(column: sa.ColumnElement[datetime]) -> sa.ColumnElement[object]:
    """A UTCDateTime column read without SQLAlchemy's per-row parsing (for bulk reads): SQLite
    gives its stored text, PostgreSQL a datetime; ``instant()`` turns either into an aware UTC
    datetime, several times faster than the generic processor on SQLite."""
    return sa.type_coerce(column, sa.String)


def instant(value: object) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

# Accounts of the web app. ``email`` is stored trimmed, in Unicode NFC and lower-cased;
# ``password_hash`` is what the web layer's hasher (argon2) made: the journal never sees a password.
users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("email", sa.String(320), nullable=False, unique=True),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)


def owner() -> sa.Column[int]:
    """The ``user_id`` of a person's row: NULL for the terminal's own person."""
    return sa.Column(
        "user_id",
        sa.Integer,
        sa.ForeignKey("users.id", ondelete="CASCADE"),
        nullable=True,
        index=True,
    )


# Signed-in clients: API bearer tokens and browser sessions, and one-time password reset links.
# Only the SHA-256 (hex) of the secret is stored, so a copy of the database signs nobody in.
auth_tokens = sa.Table(
    "auth_tokens",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("token_hash", sa.CHAR(64), nullable=False, unique=True),
    sa.Column(
        "user_id",
        sa.Integer,
        sa.ForeignKey("users.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("kind", sa.String(10), nullable=False),  # "api", "web" or "reset" (TokenKind)
    sa.Column("csrf", sa.String(64), nullable=True),  # a web session's CSRF token
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False, index=True),
    sa.CheckConstraint("kind IN ('api', 'web', 'reset')", name="kind_values"),
)

# Sign-in attempts (each recorded before its password is checked; a success removes its rows)
# and sign-ups, counted per key ("email:<sha256 of the email>", "pair:<sha256 of the email and
# address>", "addr:<ip>", "signup:<ip>") over a window, in the database so that every worker
# process sees the same counts. No raw emails here.
login_attempts = sa.Table(
    "login_attempts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("key", sa.String(400), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Index("ix_login_attempts_key_at", "key", "at"),
)

# Red-flag screenings (core/safety.py). answers: question id -> bool; reasons: question ids.
screenings = sa.Table(
    "screenings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    owner(),
    sa.Column("uid", sa.String(36), nullable=False, unique=True),  # stable across export/import
    sa.Column("taken_at", UTCDateTime, nullable=False, index=True),
    sa.Column("outcome", sa.String(20), nullable=False),
    sa.Column("reasons", sa.JSON, nullable=False),
    sa.Column("answers", sa.JSON, nullable=False),
    sa.Column("age", sa.Float, nullable=False),
    sa.Column("cleared_at", UTCDateTime, nullable=True),  # a clinician checked the person
)

# "Something new was reported": the next session needs a new screening first.
rescreen_requests = sa.Table(
    "rescreen_requests",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    owner(),
    sa.Column("at", UTCDateTime, nullable=False, index=True),
    sa.Column("reason", sa.Text, nullable=False),
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    owner(),
    sa.Column("uid", sa.String(36), nullable=False, unique=True),  # stable across export/import
    sa.Column("routine_id", sa.String(100), nullable=False),
    sa.Column("routine_name", sa.String(200), nullable=False),
    # {"routine": routine dict, "blocks": [block dicts]}: what was planned, as played
    sa.Column("snapshot", sa.JSON, nullable=False),
    sa.Column("status", sa.String(20), nullable=False, index=True),
    sa.Column("started_at", UTCDateTime, nullable=False, index=True),
    sa.Column("ended_at", UTCDateTime, nullable=True),
    sa.Column("pain_before", sa.Integer, nullable=True),
    sa.Column("pain_after", sa.Integer, nullable=True),
    # who is playing it: a "running" session whose process is gone was interrupted
    sa.Column("pid", sa.Integer, nullable=True),
    sa.Column("host", sa.String(255), nullable=True),
    sa.CheckConstraint("pain_before BETWEEN 0 AND 10", name="pain_before_range"),
    sa.CheckConstraint("pain_after BETWEEN 0 AND 10", name="pain_after_range"),
)

# One block of the timeline played: a hold, set of reps or timed flow, on one side.
steps = sa.Table(
    "steps",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "session_id",
        sa.Integer,
        sa.ForeignKey("sessions.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("block", sa.Integer, nullable=False),
    sa.Column("step", sa.Integer, nullable=False),
    sa.Column("exercise", sa.String(100), nullable=False),
    sa.Column("variant", sa.String(100), nullable=False),
    sa.Column("side", sa.String(20), nullable=True),
    sa.Column("set_number", sa.Integer, nullable=False),  # StepRecord.set ("set" is SQL)
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("target_seconds", sa.Integer, nullable=False),
    sa.Column("target_reps", sa.Integer, nullable=True),
    sa.Column("actual_seconds", sa.Integer, nullable=False),
    sa.Column("actual_reps", sa.Integer, nullable=True),
    sa.Column("finished_at", UTCDateTime, nullable=False),
    sa.Column("reason", sa.Text, nullable=True),
)

# What happened during a session (pain reports, pause, skip...). The id is a UUID made where the
# event was seen, so storing the same event twice (a retry, two players) keeps one row.
events = sa.Table(
    "events",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column(
        "session_id",
        sa.Integer,
        sa.ForeignKey("sessions.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("at", sa.Float, nullable=False),  # seconds into the timeline
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("value", sa.Integer, nullable=True),
    sa.Column("step", sa.Integer, nullable=True),
    sa.Column("exercise", sa.String(100), nullable=True),
)

# The person put an exercise back into plans after trouble: trouble before this is forgiven.
exercise_restores = sa.Table(
    "exercise_restores",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    owner(),
    sa.Column("exercise", sa.String(100), nullable=False, index=True),
    sa.Column("at", UTCDateTime, nullable=False),
)

# Check-ins: today's pain (0-10) and, once a week, the PEG scale (three 0-10 items). ``day`` is the
# person's own calendar day (a back-filled check-in keeps the day it is about).
checkins = sa.Table(
    "checkins",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    owner(),
    sa.Column("uid", sa.String(36), nullable=False, unique=True),
    sa.Column("day", sa.Date, nullable=False, index=True),
    sa.Column("pain", sa.Integer, nullable=True),
    sa.Column("peg_pain", sa.Integer, nullable=True),
    sa.Column("peg_enjoyment", sa.Integer, nullable=True),
    sa.Column("peg_activity", sa.Integer, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.CheckConstraint("pain BETWEEN 0 AND 10", name="pain_range"),
    sa.CheckConstraint(
        "peg_pain BETWEEN 0 AND 10 AND peg_enjoyment BETWEEN 0 AND 10 "
        "AND peg_activity BETWEEN 0 AND 10",
        name="peg_range",
    ),
)

# The columns a StepRecord / EventRecord is built from (after the session id), in field order.
STEP_COLUMNS = (
    steps.c.session_id,
    steps.c.block,
    steps.c.step,
    steps.c.exercise,
    steps.c.variant,
    steps.c.side,
    steps.c.set_number,
    steps.c.status,
    steps.c.target_seconds,
    steps.c.target_reps,
    steps.c.actual_seconds,
    steps.c.actual_reps,
    steps.c.finished_at,
    steps.c.reason,
)
EVENT_COLUMNS = (
    events.c.session_id,
    events.c.id,
    events.c.kind,
    events.c.at,
    events.c.created_at,
    events.c.value,
    events.c.step,
    events.c.exercise,
)
