"""Real databases for journal tests: a SQLite file, and a fresh PostgreSQL database per test.

PostgreSQL runs at 127.0.0.1:5432 (user postgres, trust auth) on the project's machines. When it
is missing the PostgreSQL tests fail, loudly; set BEDSTRETCH_SKIP_POSTGRES=1 to skip them.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from bedstretch.journal import Journal, open_journal

POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
BACKENDS = ["sqlite", "postgresql"]


def postgres_skipped() -> bool:
    return os.environ.get("BEDSTRETCH_SKIP_POSTGRES") == "1"


def postgres_database() -> Iterator[str]:
    """CREATE a database with a random name, yield its URL, DROP it (even if still in use)."""
    if postgres_skipped():
        pytest.skip("BEDSTRETCH_SKIP_POSTGRES=1")
    import psycopg

    name = f"bedstretch_test_{secrets.token_hex(6)}"
    try:
        admin = psycopg.connect(POSTGRES_ADMIN, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        pytest.fail(
            f"PostgreSQL is not reachable at {POSTGRES_ADMIN} ({error}); "
            "start it, or set BEDSTRETCH_SKIP_POSTGRES=1 to skip the PostgreSQL tests"
        )
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield POSTGRES_URL.format(name=name)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty journal database (nothing created yet)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'journal.sqlite3'}"
    else:
        yield from postgres_database()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'journal.sqlite3'}"


@pytest.fixture
def journal(url: str) -> Iterator[Journal]:
    """An opened (migrated) journal on each backend."""
    opened = open_journal(url)
    try:
        yield opened
    finally:
        opened.close()
