"""What every kind of record shares: the engine, the person the journal is scoped to, and the
connection helpers (a read, a write, one statement, this person's rows, inserting one row).

This is the journal package's internal API: the record modules (``screenings``, ``sessions``,
``checkins``, ``exercises``, ``accounts``, ``summaries``, ``exchange``) are mixins over ``Base``
and use these helpers; nothing outside ``bedstretch.journal`` may.

Every database fault (a ``DBAPIError`` other than ``IntegrityError``, a connection found dead,
the pool timing out) leaves the helpers as one ``JournalError`` (an ``Unavailable``): the cause's
first line and the URL with any password hidden. ``IntegrityError`` passes through: the record
modules interpret it (a uid taken, a session or user gone meanwhile).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Self

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bedstretch.core.errors import Invalid, NotFound
from bedstretch.journal.engine import WRITE
from bedstretch.journal.errors import JournalError, first_line
from bedstretch.journal.schema import sessions, users
from bedstretch.journal.urls import shown

__all__ = ["FAULTS", "Base", "checked_pain", "new_id"]

# A database fault, as SQLAlchemy raises it. (IntegrityError is a DBAPIError too: the helpers let
# it through, for the record modules to interpret.)
FAULTS = (sa.exc.DBAPIError, sa.exc.DisconnectionError, sa.exc.TimeoutError)


def checked_pain(value: int | None, field: str) -> int | None:
    """A pain rating (or PEG item) as stored: None or a whole number 0-10."""
    if value is not None and (isinstance(value, bool) or not 0 <= value <= 10):
        raise Invalid(f"{field} must be a whole number 0-10, not {value!r}", field=field)
    return value


def new_id(result: sa.CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    if key is None:  # pragma: no cover - every table here has an integer key
        raise JournalError("the database returned no id for a new row")
    return int(key[0])


class Base:
    """The journal at ``url`` seen by one person (``user_id`` None: the terminal's own)."""

    def __init__(
        self, engine: Engine, url: str, *, user_id: int | None = None, owner: bool = True
    ) -> None:
        if user_id is not None and (isinstance(user_id, bool) or not isinstance(user_id, int)):
            raise TypeError(f"user_id must be an int or None, not {user_id!r}")
        self.url = url
        self._engine = engine
        self._writer = engine.execution_options(**{WRITE: True})
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

    def for_user(self, user_id: int | None) -> Self:
        """The same database seen by ``user_id`` (None: the terminal's own person).

        The view shares this journal's engine: closing it does nothing, and it lasts as long
        as the journal it came from.
        """
        return type(self)(self._engine, self.url, user_id=user_id, owner=False)

    def close(self) -> None:
        if self._owner:
            self._engine.dispose()

    def __enter__(self) -> Self:
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
            return f"Journal({shown(self.url)!r})"
        return f"Journal({shown(self.url)!r}, user_id={self._user_id})"

    # ----------------------------------------------------------------------- this person's rows

    def _mine(self, table: sa.Table) -> sa.ColumnElement[bool]:
        """This person's rows of ``table`` (one with a ``user_id`` column)."""
        column = table.c.user_id
        return column.is_(None) if self._user_id is None else column == self._user_id

    def _my_sessions(self) -> sa.Select[tuple[int]]:
        """The ids of this person's sessions (for steps and events)."""
        return sa.select(sessions.c.id).where(self._mine(sessions))

    def _insert(self, table: sa.Table, values: Mapping[str, Any]) -> int:
        """Insert one of this person's rows; its id. A user that is gone: NotFound."""
        try:
            with self._write() as connection:
                result = connection.execute(
                    sa.insert(table).values(**values, user_id=self._user_id)
                )
                return new_id(result)
        except sa.exc.IntegrityError:
            if self._user_id is not None and not self._user_exists(self._user_id):
                raise NotFound(f"no user {self._user_id} in the journal") from None
            raise

    def _user_exists(self, user_id: int) -> bool:
        with self._read() as connection:
            found = connection.execute(sa.select(users.c.id).where(users.c.id == user_id))
            return found.first() is not None

    # ----------------------------------------------------------------------- transactions

    @contextmanager
    def _faults(self) -> Iterator[None]:
        """A database fault inside is JournalError (Unavailable) with its one-line cause; an
        IntegrityError goes on as it is, for the caller to interpret; a value the database
        cannot hold (a DataError: sending it again can never work) is Invalid."""
        try:
            yield
        except sa.exc.IntegrityError:
            raise
        except sa.exc.DataError as error:
            raise Invalid(f"the journal cannot store this value: {first_line(error)}") from None
        except FAULTS as error:
            raise JournalError(f"journal at {shown(self.url)}: {first_line(error)}") from None

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        """One read transaction (a consistent snapshot on SQLite)."""
        with self._faults(), self._engine.connect() as connection:
            yield connection

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
        with self._faults(), self._autocommit.connect() as connection:
            yield connection

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """One short write transaction, committed when the block ends."""
        with self._faults(), self._writer.begin() as connection:
            yield connection
