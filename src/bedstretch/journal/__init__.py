"""The journal: screenings, sessions, their steps and events, in SQLite or PostgreSQL.

One code path (SQLAlchemy Core) for both. ``open_journal(url)`` connects, brings the schema up to
date (Alembic, imported only when there is something to migrate) and returns a ``Journal`` whose
methods take and return the plain records of ``bedstretch.core.records``. Every write is its own
short transaction, committed before the method returns. Timestamps must be timezone-aware; they
are stored in UTC and come back aware, in UTC.

A ``Journal`` is scoped to one person: ``user_id`` None is the terminal's own person (the CLI),
a number a web account; ``journal.for_user(user_id)`` is a view of the same database for another
person. Accounts, sign-in tokens and failed sign-ins are kept here too. See docs/journal.md.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import socket
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bedstretch.core.records import (
    CheckinRecord,
    EventKind,
    EventRecord,
    ScreeningRecord,
    SessionRecord,
    SessionStatus,
    StepRecord,
    StepStatus,
    TokenKind,
    TokenRecord,
)
from bedstretch.journal.schema import (
    EVENT_COLUMNS,
    STEP_COLUMNS,
    auth_tokens,
    checkins,
    events,
    exercise_restores,
    instant,
    login_attempts,
    raw_instant,
    rescreen_requests,
    screenings,
    sessions,
    steps,
    to_utc,
    users,
)

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = [
    "DEFAULT_URL_ENV",
    "HEAD",
    "Journal",
    "JournalError",
    "alembic_config",
    "default_url",
    "email_attempt_key",
    "hash_token",
    "normalize_email",
    "open_journal",
    "pid_alive",
    "resolve_url",
]

DEFAULT_URL_ENV = "BEDSTRETCH_DATABASE_URL"
HEAD = "0003"  # the newest migration in migrations/versions (a test holds them together)
MIGRATIONS = Path(__file__).resolve().with_name("migrations")

_WRITE = "bedstretch_write"  # execution option: this transaction will write
IDLE_PING_SECONDS = 10.0  # a pooled PostgreSQL connection idle this long is checked before use
_MIGRATION_LOCK = 0x62656473747263  # PostgreSQL advisory lock key while migrating ("bedstrc")
_TROUBLE_EVENTS = (EventKind.TINGLING.value, EventKind.PAIN.value)
_STEP_STATUS = {s.value: s for s in StepStatus}
_EVENT_KIND = {k.value: k for k in EventKind}


class JournalError(Exception):
    """The journal cannot be used; the message is one line: what is wrong and what to do."""


class TakenError(JournalError):
    """A record's stable id (uid) is already used by another record."""


# --------------------------------------------------------------------------- where it lives


def default_url() -> str:
    """``sqlite:///<user data dir>/journal.sqlite3``; creates the directory."""
    import platformdirs

    directory = Path(platformdirs.user_data_dir("bedstretch", appauthor=False))
    directory.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{directory / 'journal.sqlite3'}"


def resolve_url(option: str | None) -> str:
    """The URL given (``--db``), else ``$BEDSTRETCH_DATABASE_URL``, else ``default_url()``."""
    if option:
        return option
    return os.environ.get(DEFAULT_URL_ENV) or default_url()


def pid_alive(pid: int | None, host: str | None) -> bool:
    """Is the process that plays a session still there? Unknown or another machine: assume so."""
    if pid is None or host is None or host != socket.gethostname():
        return True  # never mark another machine's session
    if pid <= 0:
        return False  # not a process id (and os.kill would signal a whole group)
    if sys.platform == "win32":
        return _windows_pid_alive(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it exists, owned by someone else
        return True
    return True


def _windows_pid_alive(pid: int) -> bool:
    # os.kill(pid, 0) would terminate the process on Windows: ask for its exit code instead.
    import ctypes

    if sys.platform != "win32":  # for mypy: ctypes.WinDLL exists only on Windows
        raise OSError("Windows only")
    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return ctypes.get_last_error() == 5  # ERROR_ACCESS_DENIED: exists, not ours
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return code.value == 259  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)


# --------------------------------------------------------------------------- opening


def _shown(url: str) -> str:
    """The URL for messages, with any password hidden (even when the URL does not parse)."""
    return re.sub(r"(://[^/@:]*:)[^/@]*@", r"\1***@", url)


def _first_line(error: BaseException) -> str:
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines()
    return lines[0].strip() if lines else type(cause).__name__


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
    write = connection.get_execution_options().get(_WRITE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _create_engine(url: str) -> Engine:
    """An engine for a journal URL, with SQLite's pragmas; JournalError for a bad URL/driver."""
    shown = _shown(url)
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError:
        raise JournalError(
            f"not a database URL: {shown!r} "
            "(use sqlite:///PATH or postgresql+psycopg://USER@HOST/DATABASE)"
        ) from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise JournalError(
            f"unsupported database {backend!r} in {shown}: the journal lives in SQLite "
            "(sqlite:///PATH) or PostgreSQL (postgresql+psycopg://USER@HOST/DATABASE)"
        )
    options: dict[str, Any] = {}
    if backend == "sqlite" and parsed.database in (None, "", ":memory:"):
        # one in-memory database for the Journal's life, shared by every checkout
        options["poolclass"] = sa.pool.StaticPool
        options["connect_args"] = {"check_same_thread": False}
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
        raise JournalError(f"the database driver {driver!r} for {shown} is not installed") from None
    except sa.exc.NoSuchModuleError:
        raise JournalError(
            f"unknown database driver {parsed.drivername!r} in {shown} "
            "(use sqlite:///PATH or postgresql+psycopg://USER@HOST/DATABASE)"
        ) from None
    except sa.exc.ArgumentError as error:
        raise JournalError(f"bad database URL {shown}: {_first_line(error)}") from None
    if engine.dialect.is_async:
        engine.dispose()
        raise JournalError(
            f"{shown}: the async driver {parsed.get_driver_name()!r} cannot be used here "
            "(use postgresql+psycopg://)"
        )
    if backend == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_connect)
        sa.event.listen(engine, "begin", _sqlite_begin)
    else:
        _ping_when_idle(engine)
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
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise sa.exc.DisconnectionError(_first_line(error)) from error

    sa.event.listen(engine, "checkin", checkin)
    sa.event.listen(engine, "checkout", checkout)


def _cannot_open(url: str, dialect: str, error: BaseException) -> JournalError:
    verb = "open" if dialect == "sqlite" else "connect to"
    return JournalError(f"cannot {verb} the journal at {_shown(url)}: {_first_line(error)}")


def alembic_config(url: str | None = None) -> Config:
    """The Alembic configuration of the journal's migrations (no alembic.ini needed).

    For developers: ``alembic.command.revision(alembic_config("sqlite:///scratch.db"),
    autogenerate=True, message="...")`` writes a new migration against a database at HEAD.
    """
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _revisions(engine: Engine, url: str) -> set[str]:
    """The revisions stored in alembic_version (empty for a new database): the cheap check."""
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table("alembic_version"):
                return set()
            rows = connection.exec_driver_sql("SELECT version_num FROM alembic_version")
            return {str(row[0]) for row in rows}
    except sa.exc.DBAPIError as error:
        raise _cannot_open(url, engine.dialect.name, error) from None


@contextmanager
def _migration_transaction(connection: Connection) -> Iterator[None]:
    """One transaction around a whole upgrade, holding the migration lock.

    SQLite: the write lock (BEGIN IMMEDIATE), and foreign keys off meanwhile, because a batch
    migration copies a table and drops the old one, and dropping ``sessions`` with foreign keys
    on would cascade-delete every step and event. The pragma only changes outside a transaction,
    so it is set on the driver's connection before BEGIN; references are checked before COMMIT.
    PostgreSQL: a transaction-level advisory lock.
    """
    sqlite = connection.dialect.name == "sqlite"
    driver: Any = connection.connection.driver_connection
    if sqlite:
        driver.execute("PRAGMA foreign_keys = OFF")
    try:
        connection.execution_options(**{_WRITE: True})
        with connection.begin():
            if not sqlite:
                connection.execute(
                    sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK}
                )
            yield
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").first()
                if broken is not None:
                    raise JournalError(
                        f"a migration left rows of {broken[0]} pointing at nothing; "
                        "nothing was changed"
                    )
    finally:
        if sqlite:
            driver.execute("PRAGMA foreign_keys = ON")


def _upgrade(engine: Engine, url: str, found: set[str]) -> None:
    """Bring the schema to HEAD in one transaction, holding a lock against a concurrent open."""
    from alembic import command
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    config = alembic_config()
    known = {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}

    def newer(revisions: set[str]) -> JournalError:
        return JournalError(
            f"the journal at {_shown(url)} was written by a newer bedstretch (schema "
            f"{', '.join(sorted(revisions))}; this one knows up to {HEAD}): upgrade bedstretch"
        )

    if found - known:
        raise newer(found - known)
    try:
        with engine.connect() as connection, _migration_transaction(connection):
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except CommandError:  # another, newer program migrated it while we waited for the lock
        raise newer(_revisions(engine, url) - known) from None
    except sa.exc.DBAPIError as error:
        raise JournalError(
            f"cannot bring the journal at {_shown(url)} up to date: {_first_line(error)}"
        ) from None


def open_journal(url: str | None = None) -> Journal:
    """Open (creating or migrating if needed) the journal at ``url`` (None: ``resolve_url``).

    ``sqlite://`` is an in-memory journal that lasts as long as the returned ``Journal``.
    """
    resolved = resolve_url(url)
    engine = _create_engine(resolved)
    try:
        found = _revisions(engine, resolved)
        if found != {HEAD}:
            _upgrade(engine, resolved, found)
    except BaseException:
        engine.dispose()
        raise
    return Journal(engine, resolved)


# --------------------------------------------------------------------------- accounts

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
        raise ValueError("token_hash must be the SHA-256 of the token in lower-case hex (64)")
    return value


def _attempt_key(key: str) -> str:
    if not key or len(key) > _KEY_LENGTH:
        raise ValueError(f"an attempt key has 1-{_KEY_LENGTH} characters")
    if "@" in key:
        raise ValueError("an attempt key holds no email: use email_attempt_key(email)")
    return key


# --------------------------------------------------------------------------- the journal


def _pain(value: int | None, field: str) -> int | None:
    if value is not None and (isinstance(value, bool) or not 0 <= value <= 10):
        raise ValueError(f"{field} must be a whole number 0-10, not {value!r}")
    return value


def _new_id(result: sa.CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    if key is None:  # pragma: no cover - every table here has an integer key
        raise JournalError("the database returned no id for a new row")
    return int(key[0])


def _screening(row: sa.Row[Any]) -> ScreeningRecord:
    return ScreeningRecord(
        id=row.id,
        taken_at=row.taken_at,
        outcome=row.outcome,
        reasons=tuple(row.reasons),
        answers=dict(row.answers),
        age=row.age,
        cleared_at=row.cleared_at,
        uid=row.uid,
    )


_EVENT_FIELDS = ("id", "kind", "at", "created_at", "value", "step", "exercise")


@functools.cache
def _store_event(dialect: str, *, scoped: bool) -> Any:
    """INSERT one event if its session is the person's and its id is new, in one statement
    (the web API's busiest call), built once: parameters e_<field>, ``session``, ``owner``."""
    from sqlalchemy.dialects import postgresql, sqlite

    insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    owner = sessions.c.user_id == sa.bindparam("owner") if scoped else sessions.c.user_id.is_(None)
    source = sa.select(
        *(sa.bindparam(f"e_{name}", type_=events.c[name].type) for name in _EVENT_FIELDS),
        sessions.c.id,
    ).where(sessions.c.id == sa.bindparam("session"), owner)
    statement = (
        insert(events)
        .from_select([*_EVENT_FIELDS, "session_id"], source)
        .on_conflict_do_nothing(index_elements=[events.c.id])
    )
    return statement.execution_options(preserve_rowcount=True)


_LIVE_TOKEN = sa.select(
    auth_tokens.c.user_id, auth_tokens.c.kind, auth_tokens.c.csrf, auth_tokens.c.expires_at
).where(
    auth_tokens.c.token_hash == sa.bindparam("hash"), auth_tokens.c.expires_at > sa.bindparam("now")
)


class Journal:
    """The journal at ``url``, seen by one person; close it when done.

    ``user_id`` None is the terminal's own person (the CLI); ``for_user`` gives a view of the
    same database for another person. Every read sees only that person's rows, every write is
    theirs. Accounts, tokens and sign-in attempts are not scoped.

    A file or PostgreSQL journal may be shared between threads (each call checks out its own
    connection); the in-memory ``sqlite://`` journal has one connection: one thread at a time.
    """

    def __init__(
        self, engine: Engine, url: str, *, user_id: int | None = None, owner: bool = True
    ) -> None:
        if user_id is not None and (isinstance(user_id, bool) or not isinstance(user_id, int)):
            raise TypeError(f"user_id must be an int or None, not {user_id!r}")
        self.url = url
        self._engine = engine
        self._writer = engine.execution_options(**{_WRITE: True})
        self._autocommit = (
            engine.execution_options(isolation_level="AUTOCOMMIT")
            if engine.dialect.name == "postgresql"
            else None
        )
        self._user_id = user_id
        self._owner = owner

    @property
    def user_id(self) -> int | None:
        """Whose journal this is: None for the terminal's own person, else a user's id."""
        return self._user_id

    def for_user(self, user_id: int | None) -> Journal:
        """The same database seen by ``user_id`` (None: the terminal's own person).

        The view shares this journal's engine: closing it does nothing, and it lasts as long
        as the journal it came from.
        """
        return Journal(self._engine, self.url, user_id=user_id, owner=False)

    def close(self) -> None:
        if self._owner:
            self._engine.dispose()

    def __enter__(self) -> Journal:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        if self._user_id is None:
            return f"Journal({_shown(self.url)!r})"
        return f"Journal({_shown(self.url)!r}, user_id={self._user_id})"

    def _mine(self, table: sa.Table) -> sa.ColumnElement[bool]:
        """This person's rows of ``table`` (one with a ``user_id`` column)."""
        column = table.c.user_id
        return column.is_(None) if self._user_id is None else column == self._user_id

    def _my_sessions(self) -> sa.Select[tuple[int]]:
        """The ids of this person's sessions (for steps and events)."""
        return sa.select(sessions.c.id).where(self._mine(sessions))

    def _owns(self, connection: Connection, session_id: int) -> bool:
        return (
            connection.execute(
                sa.select(sessions.c.id).where(sessions.c.id == session_id, self._mine(sessions))
            ).first()
            is not None
        )

    def _insert(self, table: sa.Table, values: Mapping[str, Any]) -> int:
        """Insert one of this person's rows; its id. A user that is gone: JournalError."""
        try:
            with self._write() as connection:
                result = connection.execute(
                    sa.insert(table).values(**values, user_id=self._user_id)
                )
                return _new_id(result)
        except sa.exc.IntegrityError:
            if self._user_id is not None and self.user_email(self._user_id) is None:
                raise JournalError(f"no user {self._user_id} in the journal") from None
            raise

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        """One read transaction (a consistent snapshot on SQLite)."""
        try:
            with self._engine.connect() as connection:
                yield connection
        except sa.exc.OperationalError as error:
            raise JournalError(f"journal at {_shown(self.url)}: {_first_line(error)}") from None

    @contextmanager
    def _one_statement(self, *, write: bool = False) -> Iterator[Connection]:
        """A connection for exactly one statement; durable when the block ends, if it writes.

        On PostgreSQL the statement is a transaction of its own, which saves the BEGIN and
        COMMIT or ROLLBACK round trips (the web API's busiest calls are single statements);
        on SQLite, where those cost nothing, it is ``_read`` or ``_write``.
        """
        if self._autocommit is None:
            with self._write() if write else self._read() as connection:
                yield connection
            return
        try:
            with self._autocommit.connect() as connection:
                yield connection
        except sa.exc.OperationalError as error:
            raise JournalError(f"journal at {_shown(self.url)}: {_first_line(error)}") from None

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """One short write transaction, committed when the block ends."""
        try:
            with self._writer.begin() as connection:
                yield connection
        except sa.exc.OperationalError as error:
            raise JournalError(f"journal at {_shown(self.url)}: {_first_line(error)}") from None

    def _no_session(self, session_id: int) -> JournalError | None:
        """None if the session is this person's, else the error for a missing session."""
        with self._read() as connection:
            found = self._owns(connection, session_id)
        return None if found else JournalError(f"no session {session_id} in the journal")

    # ----------------------------------------------------------------------- screenings

    def add_screening(
        self,
        *,
        taken_at: datetime,
        outcome: str,
        reasons: Sequence[str],
        answers: Mapping[str, bool],
        age: float,
        cleared_at: datetime | None = None,
        uid: str | None = None,
    ) -> ScreeningRecord:
        uid = uid or str(uuid.uuid4())
        record = ScreeningRecord(
            id=None,
            taken_at=to_utc(taken_at),
            outcome=str(outcome),
            reasons=tuple(reasons),
            answers=dict(answers),
            age=float(age),
            cleared_at=None if cleared_at is None else to_utc(cleared_at),
        )
        new_id = self._insert(
            screenings,
            {
                "uid": uid,
                "taken_at": record.taken_at,
                "outcome": record.outcome,
                "reasons": list(record.reasons),
                "answers": dict(record.answers),
                "age": record.age,
                "cleared_at": record.cleared_at,
            },
        )
        return ScreeningRecord(
            id=new_id,
            taken_at=record.taken_at,
            outcome=record.outcome,
            reasons=record.reasons,
            answers=record.answers,
            age=record.age,
            cleared_at=record.cleared_at,
            uid=uid,
        )

    def latest_screening(self) -> ScreeningRecord | None:
        with self._read() as connection:
            row = connection.execute(
                sa.select(screenings)
                .where(self._mine(screenings))
                .order_by(screenings.c.taken_at.desc(), screenings.c.id.desc())
                .limit(1)
            ).first()
        return None if row is None else _screening(row)

    def clear_screening(self, screening_id: int, at: datetime) -> None:
        """A clinician has checked the person after this screening."""
        with self._write() as connection:
            result = connection.execute(
                sa.update(screenings)
                .where(screenings.c.id == screening_id, self._mine(screenings))
                .values(cleared_at=to_utc(at))
            )
        if result.rowcount == 0:
            raise JournalError(f"no screening {screening_id} in the journal")

    def request_rescreen(self, at: datetime, reason: str) -> None:
        """Something new was reported (e.g. tingling): screen again before the next session."""
        self._insert(rescreen_requests, {"at": to_utc(at), "reason": reason})

    def rescreen_reason(self) -> str | None:
        """The reason of the latest request made after the latest screening, else None."""
        latest = (
            sa.select(sa.func.max(screenings.c.taken_at))
            .where(self._mine(screenings))
            .scalar_subquery()
        )
        with self._read() as connection:
            reason = connection.execute(
                sa.select(rescreen_requests.c.reason)
                .where(
                    self._mine(rescreen_requests),
                    sa.or_(latest.is_(None), rescreen_requests.c.at > latest),
                )
                .order_by(rescreen_requests.c.at.desc(), rescreen_requests.c.id.desc())
                .limit(1)
            ).scalar()
        return None if reason is None else str(reason)

    # ----------------------------------------------------------------------- sessions

    def start_session(
        self,
        *,
        routine_id: str,
        routine_name: str,
        snapshot: Mapping[str, Any],
        started_at: datetime,
        pain_before: int | None,
        pid: int | None = None,
        host: str | None = None,
        uid: str | None = None,
    ) -> int:
        """A new session, status "running"; returns its id. A ``uid`` already used (by
        anyone): TakenError."""
        values = {
            "uid": uid or str(uuid.uuid4()),
            "routine_id": routine_id,
            "routine_name": routine_name,
            "snapshot": dict(snapshot),
            "status": SessionStatus.RUNNING.value,
            "started_at": to_utc(started_at),
            "pain_before": _pain(pain_before, "pain_before"),
            "pid": pid,
            "host": host,
        }
        try:
            return self._insert(sessions, values)
        except sa.exc.IntegrityError:
            raise TakenError(f"session uid {values['uid']} is taken") from None

    def session_id(self, uid: str) -> int | None:
        """The id of this person's session with this uid (None: none of theirs)."""
        with self._one_statement() as connection:
            found = connection.execute(
                sa.select(sessions.c.id).where(sessions.c.uid == uid, self._mine(sessions))
            ).scalar()
        return None if found is None else int(found)

    def record_step(self, session_id: int, step: StepRecord) -> None:
        """Store one played block; durable when this returns.

        Another person's session is a missing one: JournalError "no session N in the journal".
        """
        values = {
            "session_id": session_id,
            "block": step.block,
            "step": step.step,
            "exercise": step.exercise,
            "variant": step.variant,
            "side": step.side,
            "set_number": step.set,
            "status": StepStatus(step.status).value,
            "target_seconds": step.target_seconds,
            "target_reps": step.target_reps,
            "actual_seconds": step.actual_seconds,
            "actual_reps": step.actual_reps,
            "finished_at": to_utc(step.finished_at),
            "reason": step.reason,
        }
        try:
            with self._write() as connection:
                if not self._owns(connection, session_id):
                    raise JournalError(f"no session {session_id} in the journal")
                connection.execute(sa.insert(steps).values(values))
        except sa.exc.IntegrityError:  # the session was deleted meanwhile, or a bad value
            missing = self._no_session(session_id)
            if missing:
                raise missing from None
            raise

    def record_event(self, session_id: int, event: EventRecord) -> bool:
        """Store an event once: False if an event with this id is already stored.

        Another person's session is a missing one: JournalError "no session N in the journal"
        (whatever the event). Event ids are unique in the whole journal: on one's own session,
        an id already stored (by anyone, under any session) returns False and changes nothing.
        """
        values = {
            "e_id": event.id,
            "e_kind": EventKind(event.kind).value,
            "e_at": float(event.at),
            "e_created_at": to_utc(event.created_at),
            "e_value": event.value,
            "e_step": event.step,
            "e_exercise": event.exercise,
            "session": session_id,
            "owner": self._user_id,
        }
        insert = _store_event(self._engine.dialect.name, scoped=self._user_id is not None)
        try:
            with self._one_statement(write=True) as connection:
                if connection.execute(insert, values).rowcount == 1:
                    return True
        except sa.exc.IntegrityError:  # the session was deleted meanwhile, or a bad value
            pass
        missing = self._no_session(session_id)  # nothing stored: not mine, or the id is known
        if missing:
            raise missing
        if self._event_stored(event.id):
            return False
        raise JournalError(f"event {event.id} could not be stored")

    def blocks(self, session_id: int) -> list[dict[str, Any]] | None:
        """The played timeline's blocks of one of this person's sessions (None: no such session).

        A light read for the web API, which needs them to turn a ``step_done`` event into a step.
        """
        with self._one_statement() as connection:
            snapshot = connection.execute(
                sa.select(sessions.c.snapshot).where(
                    sessions.c.id == session_id, self._mine(sessions)
                )
            ).scalar()
        return None if snapshot is None else list(snapshot.get("blocks", []))

    def _event_stored(self, event_id: str) -> bool:
        with self._read() as connection:
            stored = connection.execute(
                sa.select(events.c.id).where(events.c.id == event_id)
            ).first()
        return stored is not None

    def finish_session(
        self,
        session_id: int,
        *,
        status: SessionStatus,
        ended_at: datetime,
        pain_after: int | None,
    ) -> None:
        with self._write() as connection:
            result = connection.execute(
                sa.update(sessions)
                .where(sessions.c.id == session_id, self._mine(sessions))
                .values(
                    status=SessionStatus(status).value,
                    ended_at=to_utc(ended_at),
                    pain_after=_pain(pain_after, "pain_after"),
                )
            )
        if result.rowcount == 0:
            raise JournalError(f"no session {session_id} in the journal")

    def set_pain_before(self, session_id: int, pain: int) -> None:
        with self._write() as connection:
            result = connection.execute(
                sa.update(sessions)
                .where(sessions.c.id == session_id, self._mine(sessions))
                .values(pain_before=_pain(pain, "pain_before"))
            )
        if result.rowcount == 0:
            raise JournalError(f"no session {session_id} in the journal")

    def session(self, session_id: int) -> SessionRecord | None:
        """One session with its steps (in the order stored) and events (by ``at``); None if
        there is no such session of this person."""
        with self._read() as connection:
            found = self._load(connection, sessions.c.id == session_id, None)
        return found[0] if found else None

    def sessions(
        self, *, since: datetime | None = None, limit: int | None = None
    ) -> list[SessionRecord]:
        """Sessions started at or after ``since``, newest first, at most ``limit``.

        Three queries whatever the count: sessions, then all their steps, then all their events.
        """
        where = None if since is None else sessions.c.started_at >= to_utc(since)
        with self._read() as connection:
            return self._load(connection, where, limit)

    def _load(
        self, connection: Connection, where: sa.ColumnElement[bool] | None, limit: int | None
    ) -> list[SessionRecord]:
        """This person's sessions matching ``where``, newest first, with steps and events."""
        newest_first = (sessions.c.started_at.desc(), sessions.c.id.desc())
        mine = self._mine(sessions) if where is None else sa.and_(self._mine(sessions), where)
        query = sa.select(sessions).where(mine).order_by(*newest_first)
        ids = sa.select(sessions.c.id).where(mine)
        if limit is not None:
            query, ids = query.limit(limit), ids.order_by(*newest_first).limit(limit)
        rows = connection.execute(query).all()
        if not rows:
            return []

        step_query = (
            sa.select(*STEP_COLUMNS).where(steps.c.session_id.in_(ids)).order_by(steps.c.id)
        )
        step_lists: dict[int, list[StepRecord]] = {}
        for (
            session_id,
            block,
            step,
            exercise,
            variant,
            side,
            set_number,
            status,
            target_seconds,
            target_reps,
            actual_seconds,
            actual_reps,
            finished_at,
            reason,
        ) in connection.execute(step_query).all():
            record = StepRecord(
                block,
                step,
                exercise,
                variant,
                side,
                set_number,
                _STEP_STATUS.get(status) or StepStatus(status),
                target_seconds,
                target_reps,
                actual_seconds,
                actual_reps,
                finished_at,
                reason,
            )
            found = step_lists.get(session_id)
            if found is None:
                step_lists[session_id] = [record]
            else:
                found.append(record)

        event_query = (
            sa.select(*EVENT_COLUMNS)
            .where(events.c.session_id.in_(ids))
            .order_by(events.c.at, events.c.created_at, events.c.id)
        )
        event_lists: dict[int, list[EventRecord]] = {}
        for session_id, id_, kind, at, created_at, value, step, exercise in connection.execute(
            event_query
        ).all():
            event = EventRecord(
                id_, _EVENT_KIND.get(kind) or EventKind(kind), at, created_at, value, step, exercise
            )
            event_lists.setdefault(session_id, []).append(event)

        return [
            SessionRecord(
                id=row.id,
                routine_id=row.routine_id,
                routine_name=row.routine_name,
                started_at=row.started_at,
                status=SessionStatus(row.status),
                snapshot=row.snapshot,
                ended_at=row.ended_at,
                pain_before=row.pain_before,
                pain_after=row.pain_after,
                steps=tuple(step_lists.get(row.id, ())),
                events=tuple(event_lists.get(row.id, ())),
                uid=row.uid,
            )
            for row in rows
        ]

    def reap_interrupted(
        self,
        now: datetime,
        alive: Callable[[int | None, str | None], bool],
        *,
        idle_after: timedelta | None = None,
    ) -> int:
        """Mark this person's "running" sessions whose player is gone as "interrupted"; returns
        how many.

        ``alive(pid, host)`` decides (``pid_alive`` by default in the CLI). A session with no
        player process (a browser's) is gone when nothing reached the journal for
        ``idle_after`` (None: never). A reaped session ends at its last step or event (else when
        it started), never later than ``now``; events that arrive later still finish it.
        """
        now = to_utc(now)
        with self._read() as connection:
            running = connection.execute(
                sa.select(sessions.c.id, sessions.c.pid, sessions.c.host, sessions.c.started_at)
                .where(sessions.c.status == SessionStatus.RUNNING.value, self._mine(sessions))
                .order_by(sessions.c.id)
            ).all()
        browser = idle_after is not None
        candidates = [r for r in running if (browser and r.pid is None) or not alive(r.pid, r.host)]
        if not candidates:
            return 0
        ids = [row.id for row in candidates]
        reaped = 0
        with self._write() as connection:
            last_step: dict[int, datetime] = dict(
                connection.execute(
                    sa.select(steps.c.session_id, sa.func.max(steps.c.finished_at))
                    .where(steps.c.session_id.in_(ids))
                    .group_by(steps.c.session_id)
                ).all()
            )
            last_event: dict[int, datetime] = dict(
                connection.execute(
                    sa.select(events.c.session_id, sa.func.max(events.c.created_at))
                    .where(events.c.session_id.in_(ids))
                    .group_by(events.c.session_id)
                ).all()
            )
            for row in candidates:
                started: datetime = row.started_at
                moments = [m for m in (last_step.get(row.id), last_event.get(row.id)) if m]
                last = max(moments, default=started)
                if alive(row.pid, row.host) and idle_after is not None and now - last < idle_after:
                    continue  # a browser's session that is still being played
                ended = max(started, min(last, now))
                result = connection.execute(
                    sa.update(sessions)
                    .where(
                        sessions.c.id == row.id,
                        sessions.c.status == SessionStatus.RUNNING.value,  # not finished since
                    )
                    .values(status=SessionStatus.INTERRUPTED.value, ended_at=ended)
                )
                reaped += result.rowcount
        return reaped

    # ----------------------------------------------------------------------- check-ins

    def add_checkin(
        self,
        *,
        day: date,
        created_at: datetime,
        pain: int | None = None,
        peg: tuple[int, int, int] | None = None,
        uid: str | None = None,
    ) -> CheckinRecord:
        """Store a check-in for ``day`` (today, or a missed day back-filled)."""
        if pain is None and peg is None:
            raise ValueError("a check-in needs a pain rating or the PEG items")
        _pain(pain, "pain")
        for name, value in zip(
            ("peg_pain", "peg_enjoyment", "peg_activity"), peg or (), strict=False
        ):
            _pain(value, name)
        record = CheckinRecord(uid or str(uuid.uuid4()), day, to_utc(created_at), pain, peg)
        self._insert(
            checkins,
            {
                "uid": record.uid,
                "day": record.day,
                "pain": record.pain,
                "peg_pain": peg[0] if peg else None,
                "peg_enjoyment": peg[1] if peg else None,
                "peg_activity": peg[2] if peg else None,
                "created_at": record.created_at,
            },
        )
        return record

    def checkins(self, *, since: date | None = None) -> list[CheckinRecord]:
        """Check-ins on or after ``since``, oldest first (by day, then when they were made)."""
        query = (
            sa.select(
                checkins.c.uid,
                sa.type_coerce(checkins.c.day, sa.String),
                raw_instant(checkins.c.created_at),
                checkins.c.pain,
                checkins.c.peg_pain,
                checkins.c.peg_enjoyment,
                checkins.c.peg_activity,
            )
            .where(self._mine(checkins))
            .order_by(checkins.c.day, checkins.c.created_at, checkins.c.id)
        )
        if since is not None:
            query = query.where(checkins.c.day >= since)
        with self._one_statement() as connection:
            rows = connection.execute(query).all()
        return [
            CheckinRecord(
                uid=uid,
                day=day if isinstance(day, date) else date.fromisoformat(str(day)),
                created_at=instant(created),
                pain=pain,
                peg=None if peg_pain is None else (peg_pain, enjoyment, activity),
            )
            for uid, day, created, pain, peg_pain, enjoyment, activity in rows
        ]

    # ----------------------------------------------------------------------- exercises

    def restore_exercise(self, exercise: str, at: datetime) -> None:
        """The person puts an exercise back into plans: its earlier trouble no longer counts."""
        self._insert(exercise_restores, {"exercise": exercise, "at": to_utc(at)})

    def exercise_trouble(self) -> dict[str, int]:
        """Exercise id -> number of distinct sessions with trouble since its latest restore.

        Trouble in a session: a step of the exercise skipped for pain (``pain_skip``), or the
        session ended ``safety_stop`` and its latest ``tingling`` or ``pain`` event names the
        exercise. Only sessions started after the exercise's latest restore count. Exercises
        without trouble are left out.
        """
        with self._read() as connection:
            latest_restore = sa.func.max(exercise_restores.c.at)
            restored: dict[str, datetime] = dict(
                connection.execute(
                    sa.select(exercise_restores.c.exercise, latest_restore)
                    .where(self._mine(exercise_restores))
                    .group_by(exercise_restores.c.exercise)
                ).all()
            )
            skips = connection.execute(
                sa.select(steps.c.exercise, steps.c.session_id, sessions.c.started_at)
                .join_from(steps, sessions, steps.c.session_id == sessions.c.id)
                .where(steps.c.status == StepStatus.PAIN_SKIP.value, self._mine(sessions))
                .distinct()
            ).all()
            stop_events = connection.execute(
                sa.select(events.c.session_id, events.c.exercise, sessions.c.started_at)
                .join_from(events, sessions, events.c.session_id == sessions.c.id)
                .where(
                    sessions.c.status == SessionStatus.SAFETY_STOP.value,
                    events.c.kind.in_(_TROUBLE_EVENTS),
                    self._mine(sessions),
                )
                .order_by(events.c.session_id, events.c.at, events.c.created_at, events.c.id)
            ).all()
        stops: dict[int, tuple[str | None, datetime]] = {}
        for session_id, exercise, started_at in stop_events:
            stops[session_id] = (exercise, started_at)  # the latest one wins
        troubled: dict[str, set[int]] = {}
        candidates = [(e, s, t) for e, s, t in skips]
        candidates += [(e, s, t) for s, (e, t) in stops.items() if e is not None]
        for exercise, session_id, started_at in candidates:
            since = restored.get(exercise)
            if since is None or started_at > since:
                troubled.setdefault(exercise, set()).add(session_id)
        return {exercise: len(ids) for exercise, ids in sorted(troubled.items())}

    # ----------------------------------------------------------------------- accounts
    # Not scoped: whichever view is asked, these see every account.

    def create_user(self, email: str, password_hash: str, at: datetime) -> int | None:
        """A new account; its id, or None if the email (trimmed, lower-cased) is taken."""
        address = normalize_email(email)
        if not address or len(address) > 320:
            raise ValueError("an email has 1-320 characters")
        if not password_hash:
            raise ValueError("a user needs a password hash")
        try:
            with self._write() as connection:
                result = connection.execute(
                    sa.insert(users).values(
                        email=address, password_hash=password_hash, created_at=to_utc(at)
                    )
                )
                return _new_id(result)
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
        """Store a token by the SHA-256 hex of its secret (``hash_token``), never the secret."""
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
                raise JournalError(f"no user {user_id} in the journal") from None
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
