"""A database fault is ``Unavailable`` (JournalError), never ``NotFound``: real faults, provoked
from a second connection (a table gone, a corrupt page, a refusing trigger, connections cut by
the server), on SQLite and PostgreSQL.

This is what keeps a pain report from being lost: the web player drops an event answered 404
(no such session) and keeps one answered 503 (try again).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest

from bedstretch.core.errors import NotFound, Unavailable
from bedstretch.core.records import SessionStatus
from bedstretch.journal import Journal, JournalError, open_journal
from tests.journal.builders import T0, at, event, start, step
from tests.journal.test_migrations import connect

UNKNOWN = 9999


def run_sql(url: str, *statements: str) -> None:
    """Run SQL on the journal's database from another connection, behind the journal's back."""
    with connect(url) as connection:
        for statement in statements:
            connection.exec_driver_sql(statement)
        connection.commit()


@contextmanager
def renamed(url: str, table: str) -> Iterator[None]:
    """The table is gone (renamed away) inside the block, back after it."""
    run_sql(url, f"ALTER TABLE {table} RENAME TO {table}_gone")
    try:
        yield
    finally:
        run_sql(url, f"ALTER TABLE {table}_gone RENAME TO {table}")


def unavailable(call: Callable[[], Any]) -> JournalError:
    """The error ``call`` raises: a one-line JournalError, and not a NotFound."""
    with pytest.raises(JournalError) as raised:
        call()
    error = raised.value
    assert isinstance(error, Unavailable)
    assert not isinstance(error, NotFound)
    assert "\n" not in str(error)
    return error


def not_found(call: Callable[[], Any], session_id: int = UNKNOWN) -> None:
    with pytest.raises(NotFound, match=f"^no session {session_id} in the journal$") as raised:
        call()
    assert not isinstance(raised.value, Unavailable)


def test_an_event_whose_table_is_gone_is_unavailable_not_a_missing_session(
    journal: Journal, url: str
) -> None:
    session_id = start(journal)
    with renamed(url, "events"):
        error = unavailable(lambda: journal.record_event(session_id, event()))
        assert str(error).startswith(f"journal at {journal.url}: ")
        assert "events" in str(error)  # the cause, in one line
    assert journal.record_event(session_id, event()) is True  # back: stored
    not_found(lambda: journal.record_event(UNKNOWN, event()))


def test_with_the_sessions_table_gone_no_write_or_read_says_not_found(
    journal: Journal, url: str
) -> None:
    session_id = start(journal)
    calls: list[Callable[[], Any]] = [
        lambda: journal.record_event(session_id, event()),
        lambda: journal.record_event(UNKNOWN, event()),
        lambda: journal.record_step(session_id, step()),
        lambda: journal.record_step(UNKNOWN, step()),
        lambda: journal.finish_session(
            session_id, status=SessionStatus.COMPLETED, ended_at=at(5), pain_after=1
        ),
        lambda: journal.set_pain_before(UNKNOWN, 2),
        lambda: journal.session(session_id),
        lambda: journal.sessions(),
        lambda: journal.blocks(session_id),
        lambda: journal.session_summaries(),
        lambda: journal.export_records(),
    ]
    with renamed(url, "sessions"):
        for call in calls:
            unavailable(call)
    for unknown in (
        lambda: journal.record_event(UNKNOWN, event()),
        lambda: journal.record_step(UNKNOWN, step()),
        lambda: journal.set_pain_before(UNKNOWN, 2),
    ):
        not_found(unknown)
    assert journal.record_event(session_id, event()) is True


def test_an_event_the_database_refuses_on_a_live_session_is_unavailable_not_missing(
    journal: Journal, url: str
) -> None:
    # a constraint-class failure (an IntegrityError) at the insert: the journal then reads to
    # tell "not yours" from "already stored"; the session is there, so neither is true
    session_id = start(journal)
    if url.startswith("sqlite"):
        run_sql(
            url,
            "CREATE TRIGGER refuse BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'no'); END",
        )
    else:
        run_sql(
            url,
            "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION 'no' USING ERRCODE = 'check_violation'; END $$",
            "CREATE TRIGGER refuse BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION refuse()",
        )
    refused = event()
    error = unavailable(lambda: journal.record_event(session_id, refused))
    assert str(error) == f"event {refused.id} could not be stored"
    not_found(lambda: journal.record_event(UNKNOWN, event()))


def test_a_corrupt_events_table_is_unavailable_not_a_missing_session(sqlite_url: str) -> None:
    # "database disk image is malformed" is a DatabaseError, not an OperationalError
    journal = open_journal(sqlite_url)
    session_id = start(journal)
    journal.record_event(session_id, event())
    journal.close()
    path = sqlite_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # every page in the main file
        (root,) = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'events'").fetchone()
        (size,) = db.execute("PRAGMA page_size").fetchone()
    db.close()
    with open(path, "r+b") as file:
        file.seek((root - 1) * size)
        file.write(b"\xff" * size)
        os.fsync(file.fileno())

    with open_journal(sqlite_url) as journal:
        error = unavailable(lambda: journal.record_event(session_id, event()))
        assert "malformed" in str(error)
        unavailable(lambda: journal.session(session_id))
        not_found(lambda: journal.record_event(UNKNOWN, event()))  # no session to store it in
        journal.add_checkin(day=date(2025, 3, 1), created_at=T0, pain=2)  # the rest still works


# --------------------------------------------------------------------------- PostgreSQL


@pytest.fixture
def postgres_url() -> Iterator[str]:
    from tests.journal.conftest import postgres_database

    yield from postgres_database()


def cut_connections(url: str) -> None:
    """What a PostgreSQL restart does to the journal's pooled connections."""
    from tests.journal.test_opening import _cut_connections

    _cut_connections(url)


def test_connections_cut_under_an_event_make_it_unavailable_then_it_recovers(
    postgres_url: str,
) -> None:
    with open_journal(postgres_url) as journal:
        session_id = start(journal)
        journal.record_event(session_id, event())  # a pooled connection, used a moment ago
        cut_connections(postgres_url)
        pain = event(value=6)
        error = unavailable(lambda: journal.record_event(session_id, pain))
        assert "terminating connection" in str(error) or "closed" in str(error)
        assert journal.record_event(session_id, pain) is True  # sent again: stored once
        assert journal.record_event(session_id, pain) is False
        not_found(lambda: journal.record_event(UNKNOWN, event()))


def test_a_fault_in_the_read_after_a_refused_insert_is_unavailable_not_missing(
    postgres_url: str,
) -> None:
    # The insert fails as an IntegrityError and, meanwhile, the server cuts every other
    # connection: the read that follows (is the session there?) runs on a dead connection.
    # That must not conclude "no session N".
    with open_journal(postgres_url) as journal:
        session_id = start(journal)
        run_sql(
            postgres_url,
            "CREATE FUNCTION refuse_and_cut() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "PERFORM pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid(); "
            "RAISE EXCEPTION 'no' USING ERRCODE = 'foreign_key_violation'; END $$",
            "CREATE TRIGGER refuse_and_cut BEFORE INSERT ON events "
            "FOR EACH ROW EXECUTE FUNCTION refuse_and_cut()",
        )
        # two pooled connections: the insert takes one, the read after it the other
        first, second = journal._engine.connect(), journal._engine.connect()
        first.close()
        second.close()
        error = unavailable(lambda: journal.record_event(session_id, event()))
        assert "terminating connection" in str(error) or "closed" in str(error)
        not_found(lambda: journal.record_event(UNKNOWN, event()))


def test_a_database_that_went_away_is_unavailable() -> None:
    # the server is gone for good (its database dropped): every call says so, none "not found"
    from tests.journal.conftest import postgres_database

    databases = postgres_database()
    url = next(databases)
    journal = open_journal(url)
    try:
        session_id = start(journal)
        databases.close()  # DROP DATABASE ... WITH (FORCE)
        unavailable(lambda: journal.record_event(session_id, event()))
        unavailable(lambda: journal.record_event(UNKNOWN, event()))
        unavailable(lambda: journal.finish_session(
            session_id, status=SessionStatus.STOPPED, ended_at=at(1), pain_after=None
        ))  # fmt: skip
    finally:
        journal.close()
