"""How long the journal waits for PostgreSQL: a server that stops answering is a fault in
seconds (``JournalError``, a 503 on the web), never a request that hangs.

- ``CONNECT_TIMEOUT``: libpq's ``connect_timeout``, the whole handshake (a server that accepts
  the connection and then says nothing is given up on too).
- ``STATEMENT_TIMEOUT``: the server cancels a statement that runs longer (a lock wait included).
- ``ANSWER_WITHIN``: the client's own limit on every wait for the server (a statement, a commit,
  a ping): a network that swallows packets, or a proxy that accepts and never forwards, gets no
  help from a server-side timeout. Past it the connection is closed (the pool replaces it) and
  the call fails with ``OperationalError``. A ping of an idle connection gets ``PING_WITHIN``.
- ``POOL_TIMEOUT``: how long a request waits for a pooled connection when all are in use.

Values in the URL win: ``?connect_timeout=N`` and ``?options=-c statement_timeout=...`` are
left as given. Migrations run without the statement and answer limits (a rebuild may be long).
SQLite keeps its own busy timeout (``engine.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine

__all__ = [
    "ANSWER_WITHIN",
    "CONNECT_TIMEOUT",
    "PING_WITHIN",
    "POOL_TIMEOUT",
    "STATEMENT_TIMEOUT",
    "answering_within",
    "bound_answers",
    "engine_options",
]

CONNECT_TIMEOUT = 5  # seconds
STATEMENT_TIMEOUT = 10  # seconds
ANSWER_WITHIN = 12.0  # seconds: STATEMENT_TIMEOUT, and time for the server to say so
PING_WITHIN = 2.0  # seconds
POOL_TIMEOUT = 5  # seconds


def engine_options(url: URL) -> dict[str, Any]:
    """``create_engine`` options for a PostgreSQL URL: the timeouts the URL does not set."""
    connect: dict[str, Any] = {}
    if "connect_timeout" not in url.query:
        connect["connect_timeout"] = CONNECT_TIMEOUT
    if "options" not in url.query:
        connect["options"] = f"-c statement_timeout={STATEMENT_TIMEOUT * 1000}"
    return {"connect_args": connect, "pool_timeout": POOL_TIMEOUT}


@cache
def _bounded_class() -> type[Any]:
    import psycopg
    from psycopg import errors

    class BoundedConnection(psycopg.Connection[Any]):
        """A psycopg connection whose every wait for the server ends after ``answer_within``
        seconds (None: no limit); then the connection is closed and OperationalError raised."""

        answer_within: float | None = ANSWER_WITHIN

        def wait(self, gen: Any, interval: float = 0.1, timeout: float | None = None) -> Any:
            limit = self.answer_within if timeout is None else timeout
            try:
                return super().wait(gen, interval=interval, timeout=limit)
            except errors._WaitTimeout:
                self.pgconn.finish()  # mid-protocol: unusable; SQLAlchemy sees it closed
                raise psycopg.OperationalError(
                    f"the database did not answer within {limit:g} s"
                ) from None

    return BoundedConnection


def bound_answers(engine: Engine) -> None:
    """Make the engine's PostgreSQL connections ``BoundedConnection``s."""

    def connect(_dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
        return _bounded_class().connect(*cargs, **cparams)

    sa.event.listen(engine, "do_connect", connect)


@contextmanager
def answering_within(dbapi_connection: Any, seconds: float | None) -> Iterator[None]:
    """Within the block, waits on this connection end after ``seconds`` (None: never)."""
    if not hasattr(dbapi_connection, "answer_within"):
        yield  # SQLite, or a connection made elsewhere
        return
    before = dbapi_connection.answer_within
    dbapi_connection.answer_within = seconds
    try:
        yield
    finally:
        dbapi_connection.answer_within = before
