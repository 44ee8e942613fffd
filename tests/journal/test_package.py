"""The journal package: one facade over modules per kind of record, SQLAlchemy imported only
when needed, its internals used by nobody outside, and its errors in the program's kinds."""

from __future__ import annotations

import ast
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from bedstretch.core.errors import Conflict, Invalid, NotFound, Unavailable
from bedstretch.core.records import SessionStatus, TokenKind
from bedstretch.journal import Journal, JournalError, TakenError, email_attempt_key
from bedstretch.journal.exchange import export_records, import_batch
from bedstretch.journal.summaries import session_summaries
from tests.journal.builders import T0, at, event, start, step
from tests.journal.test_exchange import document, through_a_file

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "bedstretch"


# --------------------------------------------------------------------------- importing


def test_urls_and_the_package_import_without_sqlalchemy() -> None:
    script = (
        "import sys\n"
        "import bedstretch.journal.urls, bedstretch.journal\n"
        "print('sqlalchemy' in sys.modules)\n"
        "from bedstretch.journal import resolve_url, default_url, DEFAULT_URL_ENV, pid_alive\n"
        "from bedstretch.journal import JournalError, TakenError\n"
        "print('sqlalchemy' in sys.modules)\n"
        "from bedstretch.journal import Journal\n"
        "print('sqlalchemy' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.split() == ["False", "False", "True"]


def test_every_public_name_is_there_and_unknown_ones_are_an_attribute_error() -> None:
    import bedstretch.journal as journal

    for name in journal.__all__:
        assert getattr(journal, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = journal.nothing  # type: ignore[attr-defined]


def test_nothing_outside_the_journal_uses_its_internals() -> None:
    internal = {"_read", "_write", "_one_statement", "_mine", "_my_sessions", "_insert"}
    for path in sorted(SRC.rglob("*.py")):
        if SRC / "journal" in path.parents:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute):
                assert node.attr not in internal, f"{path}:{node.lineno} uses {node.attr}"
            if isinstance(node, ast.ImportFrom) and node.module:
                assert node.module not in {"bedstretch.journal.base", "bedstretch.journal.rows"}, (
                    f"{path}:{node.lineno} imports {node.module}"
                )


# --------------------------------------------------------------------------- one facade


def test_summaries_export_and_import_are_methods_of_the_journal_too(journal: Journal) -> None:
    session_id = start(journal)
    journal.record_step(session_id, step())
    journal.record_event(session_id, event())
    journal.add_checkin(day=date(2025, 3, 1), created_at=T0, pain=2)
    assert journal.session_summaries() == session_summaries(journal)
    assert journal.session_summaries(exercises=True) == session_summaries(journal, exercises=True)
    records = journal.export_records()
    assert records == export_records(journal)
    assert [s.id for s in records["sessions"]] == [session_id]

    batch = through_a_file(document(journal))
    again = journal.import_batch(batch)
    assert (again.sessions, again.checkins, again.already) == (0, 0, 2)
    assert import_batch(journal, batch) == again


def test_a_view_is_a_journal() -> None:
    from bedstretch.journal import open_journal

    with open_journal("sqlite://") as journal:
        view = journal.for_user(None)
        assert type(view) is Journal
        assert repr(view) == "Journal('sqlite://')"


# --------------------------------------------------------------------------- error kinds


def test_the_journals_errors_are_of_the_programs_kinds(journal: Journal) -> None:
    assert issubclass(JournalError, Unavailable)
    assert issubclass(TakenError, Conflict)
    assert not issubclass(TakenError, JournalError)
    session_id = start(journal)
    uid = journal.sessions()[0].uid
    assert uid is not None
    with pytest.raises(TakenError, match=f"session uid {uid} is taken") as taken:
        journal.start_session(
            routine_id="morning",
            routine_name="Morning",
            snapshot={},
            started_at=T0,
            pain_before=None,
            uid=uid,
        )
    assert taken.value.field == "uid"
    with pytest.raises(NotFound, match="no session 404 in the journal"):
        journal.record_event(404, event())
    with pytest.raises(NotFound, match="no user 999 in the journal"):
        journal.for_user(999).request_rescreen(T0, "tingling")
    with pytest.raises(NotFound, match="no user 999 in the journal"):
        journal.add_token(
            token_hash="a" * 64,
            user_id=999,
            kind=TokenKind.API,
            csrf=None,
            created_at=T0,
            expires_at=at(60),
        )
    assert journal.record_event(session_id, event()) is True


def invalid(call: object, field: str, match: str) -> None:
    assert callable(call)
    with pytest.raises(Invalid, match=match) as raised:
        call()
    assert raised.value.field == field
    assert isinstance(raised.value, ValueError)


def test_bad_values_are_invalid_and_name_their_field(journal: Journal) -> None:
    session_id = start(journal)
    day = date(2025, 3, 1)
    invalid(lambda: start(journal, pain_before=11), "pain_before", "pain_before must be")
    invalid(
        lambda: journal.finish_session(
            session_id, status=SessionStatus.COMPLETED, ended_at=T0, pain_after=-1
        ),
        "pain_after",
        "0-10",
    )
    invalid(lambda: journal.set_pain_before(session_id, True), "pain_before", "0-10")
    invalid(lambda: journal.add_checkin(day=day, created_at=T0), "pain", "pain rating or the PEG")
    invalid(lambda: journal.add_checkin(day=day, created_at=T0, pain=12), "pain", "0-10")
    invalid(
        lambda: journal.add_checkin(day=day, created_at=T0, peg=(1, 11, 1)), "peg_enjoyment", "0-10"
    )
    invalid(lambda: journal.create_user("", "hash", T0), "email", "1-320")
    invalid(lambda: journal.create_user("a@example.org", "", T0), "password_hash", "password hash")
    user_id = journal.create_user("a@example.org", "hash", T0)
    assert user_id is not None
    invalid(
        lambda: journal.add_token(
            token_hash="secret",
            user_id=user_id,
            kind=TokenKind.WEB,
            csrf="c",
            created_at=T0,
            expires_at=T0 + timedelta(days=1),
        ),
        "token_hash",
        "SHA-256",
    )
    invalid(lambda: journal.add_attempt("a@example.org", T0), "key", "no email")
    invalid(lambda: journal.add_attempt("", T0), "key", "1-400")
    journal.add_attempt(email_attempt_key("a@example.org"), T0)  # the right key is fine
