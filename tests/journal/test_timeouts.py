"""PostgreSQL's time limits (journal/timeouts.py): each is set, and each way of waiting too long
is a JournalError (503 on the web) in seconds: a connection whose handshake never completes, a
server that stops answering a statement, and a pool with no connection free."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from bedstretch.journal import JournalError, open_journal
from bedstretch.journal.engine import create_engine
from bedstretch.journal.timeouts import (
    CONNECT_TIMEOUT,
    POOL_TIMEOUT,
    STATEMENT_TIMEOUT,
    answering_within,
    engine_options,
)
from tests.journal.conftest import postgres_database


def test_postgresql_urls_get_the_timeouts_they_do_not_set() -> None:
    url = sa.engine.make_url("postgresql+psycopg://u@h/db")
    assert engine_options(url) == {
        "connect_args": {
            "connect_timeout": CONNECT_TIMEOUT,
            "options": f"-c statement_timeout={STATEMENT_TIMEOUT * 1000}",
        },
        "pool_timeout": POOL_TIMEOUT,
    }
    own = sa.engine.make_url("postgresql+psycopg://u@h/db?connect_timeout=2&options=-c%20x%3D1")
    assert engine_options(own)["connect_args"] == {}


@pytest.fixture
def postgres() -> Iterator[str]:
    yield from postgres_database()


def test_statements_get_ten_seconds_and_migrations_no_limit(postgres: str) -> None:
    from bedstretch.journal.migrate import migration_transaction

    with open_journal(postgres) as journal, journal._engine.connect() as connection:
        assert connection.exec_driver_sql("SHOW statement_timeout").scalar() == "10s"
        connection.rollback()
        with migration_transaction(connection):
            assert connection.exec_driver_sql("SHOW statement_timeout").scalar() == "0"
            assert connection.connection.driver_connection.answer_within is None


@contextlib.contextmanager
def silent_server() -> Iterator[int]:
    """A port that accepts connections and never says a word (a black hole)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            with contextlib.suppress(TimeoutError, OSError):
                held.append(listener.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        stop.set()
        thread.join(2)
        for connection in held:
            connection.close()
        listener.close()


def test_a_server_that_never_answers_the_handshake_is_given_up_on() -> None:
    with silent_server() as port:
        started = time.monotonic()
        with pytest.raises(JournalError, match="cannot connect") as raised:
            open_journal(f"postgresql+psycopg://postgres@127.0.0.1:{port}/nothing")
        assert time.monotonic() - started < CONNECT_TIMEOUT + 2
        assert "\n" not in str(raised.value)


def test_a_statement_the_server_never_answers_is_given_up_on(postgres: str) -> None:
    engine = create_engine(postgres)
    try:
        with engine.connect() as connection:
            driver = connection.connection.driver_connection
            started = time.monotonic()
            # the server answers after 3 s; the client waits 1
            with answering_within(driver, 1.0), pytest.raises(sa.exc.OperationalError) as raised:
                connection.exec_driver_sql("SELECT pg_sleep(3)")
            assert time.monotonic() - started < 2
            assert "did not answer within 1 s" in str(raised.value)
            assert connection.invalidated  # the pool will not hand it out again
        with engine.connect() as connection:  # and a new one works
            assert connection.exec_driver_sql("SELECT 1").scalar() == 1
    finally:
        engine.dispose()


def test_no_pooled_connection_free_is_a_journal_error_and_a_503(postgres: str) -> None:
    from fastapi.testclient import TestClient

    from bedstretch.web.app import create_app

    app = create_app(postgres)
    with TestClient(app) as client:
        engine = app.state.journal._engine
        held = [engine.connect() for _ in range(engine.pool.size() + engine.pool._max_overflow)]
        try:
            started = time.monotonic()
            answer = client.get("/api/v1/sessions", headers={"Authorization": "Bearer x"})
            seconds = time.monotonic() - started
            assert (answer.status_code, answer.headers["retry-after"]) == (503, "5")
            assert POOL_TIMEOUT - 0.5 < seconds < POOL_TIMEOUT + 2
            assert client.get("/api/v1/rules").status_code == 200  # no database needed
        finally:
            for connection in held:
                connection.close()
        assert client.get("/api/v1/sessions").status_code == 401  # back to normal
