"""The engine for a journal URL: SQLite's pragmas and ``BEGIN IMMEDIATE`` for writers, the
idle ping for PostgreSQL, and one-line ``JournalError``s for a bad URL or a missing driver."""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bedstretch.journal import timeouts
from bedstretch.journal.errors import JournalError, first_line
from bedstretch.journal.urls import shown

__all__ = ["IDLE_PING_SECONDS", "WRITE", "create_engine"]

WRITE = "bedstretch_write"  # execution option: this transaction will write
IDLE_PING_SECONDS = 10.0  # a pooled PostgreSQL connection idle this long is checked before use


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # SQLAlchemy emits BEGIN itself (see _sqlite_begin): the sqlite3 module's own transaction
    # handling skips BEGIN before SELECT and DDL, which breaks repeatable reads and migrations.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA busy_timeout = 30000")  # wait up to 30 s for another writer (a first
        # open runs three migrations that rebuild tables; others opening at once must outwait it)
        cursor.execute("PRAGMA journal_mode = WAL")  # readers never block the player's writes
        cursor.execute("PRAGMA synchronous = FULL")  # a commit survives power loss
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    # A transaction that will write takes the write lock at once (waiting up to busy_timeout),
    # instead of failing with "database is locked" when it upgrades from reading.
    write = connection.get_execution_options().get(WRITE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def create_engine(url: str) -> Engine:
    """An engine for a journal URL, with SQLite's pragmas; JournalError for a bad URL/driver."""
    hidden = shown(url)
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError:
        raise JournalError(
            f"not a database URL: {hidden!r} "
            "(use sqlite:///PATH or postgresql+psycopg://USER@HOST/DATABASE)"
        ) from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise JournalError(
            f"unsupported database {backend!r} in {hidden}: the journal lives in SQLite "
            "(sqlite:///PATH) or PostgreSQL (postgresql+psycopg://USER@HOST/DATABASE)"
        )
    # No SQL parameter (an email, a password hash, a pain rating) in any error's message: an
    # error that reaches a log, a traceback or a client names the statement, never the values.
    options: dict[str, Any] = {"hide_parameters": True}
    if backend == "sqlite" and parsed.database in (None, "", ":memory:"):
        # one in-memory database for the Journal's life, shared by every checkout
        options["poolclass"] = sa.pool.StaticPool
        options["connect_args"] = {"check_same_thread": False}
    if backend == "postgresql":  # a server that stops answering: a fault in seconds
        options.update(timeouts.engine_options(parsed))
    try:
        engine = sa.create_engine(parsed, **options)
    except ImportError as error:
        driver = error.name or parsed.get_driver_name()
        if backend == "postgresql":
            hint = "" if driver == "psycopg" else " and use postgresql+psycopg://"
            raise JournalError(
                f"the PostgreSQL driver {driver!r} is not installed: "
                f"install the postgres extra: pip install 'bedstretch[postgres]'{hint}"
            ) from None
        raise JournalError(
            f"the database driver {driver!r} for {hidden} is not installed"
        ) from None
    except sa.exc.NoSuchModuleError:
        raise JournalError(
            f"unknown database driver {parsed.drivername!r} in {hidden} "
            "(use sqlite:///PATH or postgresql+psycopg://USER@HOST/DATABASE)"
        ) from None
    except sa.exc.ArgumentError as error:
        raise JournalError(f"bad database URL {hidden}: {first_line(error)}") from None
    if engine.dialect.is_async:
        engine.dispose()
        raise JournalError(
            f"{hidden}: the async driver {parsed.get_driver_name()!r} cannot be used here "
            "(use postgresql+psycopg://)"
        )
    if backend == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_connect)
        sa.event.listen(engine, "begin", _sqlite_begin)
    else:
        _ping_when_idle(engine)
        if parsed.get_driver_name() == "psycopg":
            timeouts.bound_answers(engine)
    return engine


def _ping_when_idle(engine: Engine) -> None:
    """A long-lived server survives database restarts: a pooled connection that sat idle for
    IDLE_PING_SECONDS is pinged before use and replaced when dead (the pool then opens a new
    one). Busy connections are not pinged (``pool_pre_ping`` would cost every request a round
    trip); one that breaks in use fails that call and the pool drops every older connection."""

    def checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    def checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < IDLE_PING_SECONDS:
            return
        try:
            with timeouts.answering_within(dbapi_connection, timeouts.PING_WITHIN):
                engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise sa.exc.DisconnectionError(first_line(error)) from error

    sa.event.listen(engine, "checkin", checkin)
    sa.event.listen(engine, "checkout", checkout)
