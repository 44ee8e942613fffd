"""`bedstretch account reset-password`: the server's owner issues a one-time reset link (no
email on a self-hosted server), and the link works on the web pages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bedstretch.journal import open_journal
from bedstretch.services import accounts
from bedstretch.web.app import create_app
from tests.conftest import Result

Run = Callable[..., Result]


@pytest.fixture
def journal_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'journal.sqlite3'}"
    with open_journal(url) as journal:
        journal.create_user("kim@example.org", accounts.hash_password("an old long phrase"),
                            datetime.now().astimezone())  # fmt: skip
    return url


def test_reset_password_prints_a_link_that_works_once(run: Run, journal_url: str) -> None:
    result = run("--db", journal_url, "account", "reset-password", "Kim@Example.org")
    assert result.code == 0, result.err
    link = result.out.strip()
    assert link.startswith("/reset?token=")
    assert result.err == "bedstretch: the link works once, within 60 minutes\n"
    with TestClient(create_app(journal_url)) as client:
        page = client.get(link)
        assert page.status_code == 200
        assert "Choose a new password" in page.text


def test_reset_password_with_the_servers_address(run: Run, journal_url: str) -> None:
    result = run("--db", journal_url, "account", "reset-password", "kim@example.org",
                 "--url", "https://stretch.example.org/")  # fmt: skip
    assert result.out.startswith("https://stretch.example.org/reset?token=")


def test_reset_password_for_an_unknown_account_is_one_line(run: Run, journal_url: str) -> None:
    result = run("--db", journal_url, "account", "reset-password", "nobody@example.org")
    assert (result.code, result.out) == (2, "")
    assert result.err == "bedstretch: EMAIL: no account with the email nobody@example.org\n"
    bad = run("--db", journal_url, "account", "reset-password", "not-an-email")
    assert bad.code == 2
    assert bad.err.startswith("bedstretch: EMAIL: enter an email address")
