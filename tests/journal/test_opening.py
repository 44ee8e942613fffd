"""Where the journal lives, and one-line errors when it cannot be opened."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bedstretch.journal import (
    DEFAULT_URL_ENV,
    JournalError,
    default_url,
    open_journal,
    resolve_url,
)
from tests.journal.builders import T0


def test_default_url_is_a_sqlite_file_in_the_user_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    url = default_url()
    assert url == f"sqlite:///{tmp_path / 'data' / 'bedstretch' / 'journal.sqlite3'}"
    assert (tmp_path / "data" / "bedstretch").is_dir()


def test_url_comes_from_the_option_then_the_environment_then_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv(DEFAULT_URL_ENV, raising=False)
    assert resolve_url(None) == default_url()
    monkeypatch.setenv(DEFAULT_URL_ENV, "sqlite:///from-env.db")
    assert resolve_url(None) == "sqlite:///from-env.db"
    assert resolve_url("sqlite:///from-option.db") == "sqlite:///from-option.db"


def test_open_without_url_uses_the_default_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv(DEFAULT_URL_ENV, raising=False)
    with open_journal() as journal:
        assert journal.url == default_url()
    assert (tmp_path / "data" / "bedstretch" / "journal.sqlite3").is_file()


def test_in_memory_journal_keeps_its_data_while_open() -> None:
    with open_journal("sqlite://") as journal:
        journal.request_rescreen(T0, "tingling")
        assert journal.rescreen_reason() == "tingling"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("nonsense", "not a database URL"),
        ("mysql://user@localhost/bedstretch", "unsupported database 'mysql'"),
        ("sqlite+nodriver:///x.db", "unknown database driver 'sqlite+nodriver'"),
        ("postgresql+psycopg2://postgres@127.0.0.1/x", "install the postgres extra"),
        ("postgresql+asyncpg://postgres@127.0.0.1/x", "install the postgres extra"),
    ],
)
def test_bad_url_or_driver_is_a_one_line_journal_error(url: str, expected: str) -> None:
    with pytest.raises(JournalError, match=re.escape(expected)) as raised:
        open_journal(url)
    assert "\n" not in str(raised.value)


def test_missing_psycopg_says_to_install_the_postgres_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if the extra were not installed
    with pytest.raises(JournalError) as raised:
        open_journal("postgresql+psycopg://postgres@127.0.0.1/x")
    assert str(raised.value) == (
        "the PostgreSQL driver 'psycopg' is not installed: "
        "install the postgres extra: pip install 'bedstretch[postgres]'"
    )


def test_unreachable_server_says_cannot_connect_and_hides_the_password() -> None:
    with pytest.raises(JournalError, match="cannot connect to") as raised:
        open_journal("postgresql+psycopg://me:s3cret@127.0.0.1:1/bedstretch")
    message = str(raised.value)
    assert "s3cret" not in message
    assert "me:***@127.0.0.1:1" in message
    assert "\n" not in message


def test_sqlite_file_in_a_missing_directory_cannot_be_opened(tmp_path: Path) -> None:
    with pytest.raises(JournalError, match="cannot open the journal at sqlite:///"):
        open_journal(f"sqlite:///{tmp_path / 'missing' / 'journal.sqlite3'}")


def test_file_that_is_not_a_database_cannot_be_opened(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("these are not the tables you are looking for\n" * 100)
    with pytest.raises(JournalError, match=r"cannot open the journal.*not a database"):
        open_journal(f"sqlite:///{path}")


def _cut_connections(url: str) -> None:
    """What a PostgreSQL restart does to a server's pooled connections."""
    import psycopg

    from tests.journal.conftest import POSTGRES_ADMIN

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )


@pytest.fixture
def postgres_url() -> Iterator[str]:
    from tests.journal.conftest import postgres_database

    yield from postgres_database()


def test_a_connection_idle_past_the_ping_age_is_checked_and_replaced_when_dead(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bedstretch.journal.engine as engine_module

    journal = open_journal(postgres_url)
    try:
        assert journal.latest_screening() is None  # a pooled connection now exists
        _cut_connections(postgres_url)
        monkeypatch.setattr(engine_module, "IDLE_PING_SECONDS", 0.0)
        assert journal.latest_screening() is None  # pinged, found dead, replaced: no error
    finally:
        journal.close()


def test_a_recently_used_connection_that_died_fails_one_call_in_one_line_then_recovers(
    postgres_url: str,
) -> None:
    journal = open_journal(postgres_url)
    try:
        journal.latest_screening()
        _cut_connections(postgres_url)
        with pytest.raises(JournalError) as failed:  # not pinged: it was used a moment ago
            journal.latest_screening()
        assert "\n" not in str(failed.value)
        assert journal.latest_screening() is None  # the pool dropped the dead connections
    finally:
        journal.close()
