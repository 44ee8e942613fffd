"""A journal leaves (export) and comes back (import) intact, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings

from bedstretch.core.exchange import (
    Batch,
    Records,
    RescreenRecord,
    RestoreRecord,
    journal_document,
    parse_document,
)
from bedstretch.core.records import CheckinRecord, EventKind, SessionStatus, StepStatus
from bedstretch.journal import Journal, JournalError, open_journal
from bedstretch.journal.exchange import export_records, import_batch
from bedstretch.journal.schema import (
    checkins,
    events,
    exercise_restores,
    rescreen_requests,
    screenings,
    sessions,
    steps,
)
from tests.exchange_strategies import journals, store
from tests.journal.builders import T0, at, event, start, step
from tests.journal.conftest import postgres_database

NOW = datetime(2026, 1, 1, tzinfo=UTC)
LATER = NOW + timedelta(days=30)


@pytest.fixture
def other(url: str, tmp_path: Path) -> Iterator[Journal]:
    """A second, empty journal on the same backend as ``journal``."""
    if url.startswith("sqlite"):
        opened = open_journal(f"sqlite:///{tmp_path / 'other.sqlite3'}")
        try:
            yield opened
        finally:
            opened.close()
        return
    for other_url in postgres_database():
        opened = open_journal(other_url)
        try:
            yield opened
        finally:
            opened.close()


def wipe(journal: Journal) -> None:
    with journal._write() as connection:
        for table in (events, steps, sessions, screenings, checkins, exercise_restores):
            connection.execute(sa.delete(table))
        connection.execute(sa.delete(rescreen_requests))


def document(journal: Journal, exported_at: datetime = NOW) -> dict[str, Any]:
    return journal_document(**export_records(journal), exported_at=exported_at)


def through_a_file(doc: dict[str, Any]) -> Batch:
    return parse_document(json.loads(json.dumps(doc, ensure_ascii=False)))


def fill(journal: Journal) -> None:
    """A small, typical journal: a screening, two sessions (steps, events), check-ins..."""
    journal.add_screening(
        taken_at=T0 - timedelta(minutes=5),
        outcome="ok",
        reasons=[],
        answers={"bladder": False},
        age=48,
    )
    first = start(journal, T0, pain_before=4)
    journal.record_step(first, step(0))
    journal.record_step(first, step(1, status=StepStatus.PAIN_SKIP, reason="sharp pain"))
    journal.record_event(first, event(EventKind.SHARP, seconds=70))
    journal.finish_session(first, status=SessionStatus.COMPLETED, ended_at=at(9), pain_after=3)
    second = start(journal, T0 + timedelta(days=1), pain_before=3)
    journal.record_step(second, step(0, finished_at=T0 + timedelta(days=1, minutes=1)))
    journal.finish_session(
        second,
        status=SessionStatus.STOPPED,
        ended_at=T0 + timedelta(days=1, minutes=2),
        pain_after=None,
    )
    journal.add_checkin(day=date(2025, 3, 1), created_at=T0, pain=4)
    journal.add_checkin(day=date(2025, 3, 2), created_at=at(1440), pain=3, peg=(4, 5, 3))
    journal.restore_exercise("figure-four", at(60))
    journal.request_rescreen(at(30), "tingling reported")


def without_export_time(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k != "exported_at"}


# --------------------------------------------------------------------------- round trips


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(records=journals(max_sessions=3))
def test_any_journal_exported_and_imported_into_a_fresh_one_exports_the_same(
    journal: Journal, other: Journal, records: Records
) -> None:
    wipe(journal)
    wipe(other)
    store(journal, records)
    first = document(journal, NOW)
    batch = through_a_file(first)

    counts = import_batch(other, batch)
    second = document(other, LATER)

    assert without_export_time(second) == without_export_time(first)
    assert (counts.sessions, counts.screenings, counts.checkins, counts.already) == (
        len(records["sessions"]),
        len(records["screenings"]),
        len(records["checkins"]),
        0,
    )
    # ...and what was exported is what was stored (in the export's order)
    assert sorted(s.uid or "" for s in batch.sessions) == sorted(
        s.uid or "" for s in records["sessions"]
    )
    by_time = [  # the journal gives events back in timeline order
        replace(s, events=tuple(sorted(s.events, key=lambda e: (e.at, e.created_at, e.id))))
        for s in records["sessions"]
    ]
    assert {s.uid: s for s in batch.sessions} == {s.uid: s for s in by_time}
    assert set(batch.checkins) == set(records["checkins"])
    assert {s.uid: s for s in batch.screenings} == {s.uid: s for s in records["screenings"]}
    assert set(batch.restores) == set(records["restores"])
    assert set(batch.rescreens) == set(records["rescreens"])


def test_a_typical_journal_round_trips(journal: Journal, other: Journal) -> None:
    fill(journal)
    counts = import_batch(other, through_a_file(document(journal)))
    assert counts.summary() == (
        "Imported 2 sessions, 1 screening, 2 check-ins, 1 exercise restore, "
        "1 rescreen request (0 already there)."
    )
    assert (counts.steps, counts.events, counts.restores, counts.rescreens) == (3, 1, 1, 1)
    assert document(other) == document(journal)
    # the other journal's own readers see the imported records
    assert [s.uid for s in other.sessions()] == [s.uid for s in journal.sessions()]
    assert other.exercise_trouble() == journal.exercise_trouble()
    assert other.rescreen_reason() == journal.rescreen_reason()
    assert other.checkins() == journal.checkins()


def test_importing_the_same_file_twice_adds_nothing(journal: Journal, other: Journal) -> None:
    fill(journal)
    batch = through_a_file(document(journal))
    import_batch(other, batch)
    before = document(other)

    again = import_batch(other, batch)

    assert again.summary() == "Imported 0 sessions, 0 screenings, 0 check-ins (7 already there)."
    assert (again.steps, again.events, again.restores, again.rescreens) == (0, 0, 0, 0)
    assert document(other) == before


def test_importing_a_journal_into_itself_adds_nothing(journal: Journal) -> None:
    fill(journal)
    before = document(journal)
    counts = import_batch(journal, through_a_file(before))
    assert counts.already == 7
    assert document(journal) == before


def test_a_newer_export_adds_only_what_is_new(journal: Journal, other: Journal) -> None:
    fill(journal)
    import_batch(other, through_a_file(document(journal)))
    third = start(journal, T0 + timedelta(days=2))
    journal.finish_session(
        third,
        status=SessionStatus.COMPLETED,
        ended_at=T0 + timedelta(days=2, minutes=5),
        pain_after=1,
    )
    journal.add_checkin(day=date(2025, 3, 3), created_at=at(2880), pain=2)

    counts = import_batch(other, through_a_file(document(journal)))

    assert counts.summary() == "Imported 1 session, 0 screenings, 1 check-in (7 already there)."
    assert document(other) == document(journal)


def test_an_event_already_stored_is_not_stored_again(journal: Journal, other: Journal) -> None:
    fill(journal)
    batch = through_a_file(document(journal))
    known = batch.sessions[0].events[0]
    elsewhere = start(other, T0 - timedelta(days=9))
    other.record_event(elsewhere, known)

    counts = import_batch(other, batch)

    assert (counts.sessions, counts.events) == (2, 0)
    stored = {s.uid: s for s in other.sessions()}
    assert stored[batch.sessions[0].uid].events == ()


def test_restores_and_rescreens_match_by_what_and_when(journal: Journal, other: Journal) -> None:
    other.restore_exercise("figure-four", at(60))
    other.request_rescreen(at(30), "tingling reported")
    batch = Batch(
        version=1,
        exported_at=NOW,
        restores=(
            RestoreRecord("figure-four", at(60)),  # there already
            RestoreRecord("figure-four", at(61)),
            RestoreRecord("cat-cow", at(60)),
        ),
        rescreens=(RescreenRecord(at(30), "tingling reported"), RescreenRecord(at(30), "new")),
    )
    counts = import_batch(other, batch)
    assert (counts.restores, counts.rescreens, counts.already) == (2, 1, 2)


def test_a_running_session_arrives_interrupted_at_its_last_step(
    journal: Journal, other: Journal
) -> None:
    session_id = start(journal, T0)
    journal.record_step(session_id, step(0, finished_at=at(3)))
    journal.record_event(session_id, event(EventKind.PAUSE, seconds=60, created_at=at(1)))

    import_batch(other, through_a_file(document(journal)))

    (imported,) = other.sessions()
    assert imported.status is SessionStatus.INTERRUPTED
    assert imported.ended_at == at(3)


# --------------------------------------------------------------------------- all or nothing


def test_a_failure_half_way_changes_nothing(journal: Journal, other: Journal) -> None:
    fill(journal)
    import_batch(other, through_a_file(document(journal)))
    wipe(journal)
    fill(journal)  # the same kind of records, with new uids: all new to `other`
    good = through_a_file(document(journal))
    # a record the database refuses (pain 11), written after the sessions and their steps
    bad = replace(
        good, checkins=(*good.checkins, CheckinRecord("bad", date(2025, 3, 9), T0, pain=11))
    )
    before = document(other)

    with pytest.raises(JournalError, match="nothing was imported"):
        import_batch(other, bad)

    assert document(other) == before


# --------------------------------------------------------------------------- reading


def test_export_reads_a_fixed_number_of_queries_whatever_the_size(journal: Journal) -> None:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    sa.event.listen(journal._engine, "before_cursor_execute", count)
    fill(journal)
    statements.clear()
    export_records(journal)
    small = len(statements)
    for day in range(2, 12):
        session_id = start(journal, T0 + timedelta(days=day))
        journal.record_step(session_id, step(0, finished_at=T0 + timedelta(days=day, minutes=1)))
        journal.record_event(session_id, event(created_at=T0 + timedelta(days=day, minutes=1)))
    statements.clear()
    export_records(journal)
    assert len(statements) == small


def test_export_is_oldest_first_and_empty_journals_export_empty_lists(journal: Journal) -> None:
    assert without_export_time(document(journal)) == {
        "format": "bedstretch-journal",
        "version": 1,
        "screenings": [],
        "sessions": [],
        "checkins": [],
        "exercise_restores": [],
        "rescreen_requests": [],
    }
    fill(journal)
    started = [s["started_at"] for s in document(journal)["sessions"]]
    assert started == sorted(started)
