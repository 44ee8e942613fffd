"""An event and what it changes are one transaction, and an ended session does not change.

Faults are real: on PostgreSQL a trigger ends its own backend (``pg_terminate_backend``) at the
write the event causes (the step, the session's end, the request to screen again), as a killed
worker or a dropped connection would; on SQLite the table the effect goes to is taken away. Then
the event is sent again, as the players do: it is there once, with its effect once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from bedstretch.core.records import (
    Applied,
    Effect,
    EventKind,
    SessionStatus,
    StepStatus,
)
from bedstretch.journal import Journal, JournalError, open_journal
from tests.journal.builders import at, event, start, step
from tests.journal.test_faults import renamed, run_sql

RESCREEN = "tingling or numbness in a session"
EFFECTS = {
    "step": (EventKind.STEP_DONE, Effect(step=step(0)), "steps", "INSERT"),
    "finish": (EventKind.COMPLETE, Effect(finish=SessionStatus.COMPLETED), "sessions", "UPDATE"),
    "rescreen": (EventKind.TINGLING, Effect(rescreen=RESCREEN), "rescreen_requests", "INSERT"),
}


def counts(journal: Journal, session: int) -> tuple[int, int, SessionStatus, bool]:
    """(events, steps, status, screening asked for) of one session."""
    record = journal.session(session)
    assert record is not None
    return len(record.events), len(record.steps), record.status, bool(journal.rescreen_reason())


@contextmanager
def backend_killed_once(url: str, table: str, operation: str) -> Iterator[None]:
    """The next ``operation`` on ``table`` ends the connection that makes it (PostgreSQL)."""
    run_sql(
        url,
        "CREATE TABLE fault_armed (armed boolean)",
        "INSERT INTO fault_armed VALUES (true)",
        """CREATE FUNCTION fault() RETURNS trigger AS $$
           BEGIN
             IF (SELECT armed FROM fault_armed) THEN
               UPDATE fault_armed SET armed = false;  -- rolled back with the transaction...
               PERFORM pg_terminate_backend(pg_backend_pid());
             END IF;
             RETURN NEW;
           END $$ LANGUAGE plpgsql""",
        f"CREATE TRIGGER fault BEFORE {operation} ON {table} FOR EACH ROW EXECUTE FUNCTION fault()",
    )
    try:
        yield
    finally:
        run_sql(
            url, f"DROP TRIGGER fault ON {table}", "DROP FUNCTION fault()", "DROP TABLE fault_armed"
        )


def disarm(url: str) -> None:
    """...so the test disarms it after the fault, from its own connection."""
    run_sql(url, "UPDATE fault_armed SET armed = false")


@pytest.mark.parametrize("effect", sorted(EFFECTS))
def test_a_fault_at_the_effect_stores_neither_and_the_resend_stores_both_once(
    url: str, effect: str
) -> None:
    kind, change, table, operation = EFFECTS[effect]
    journal = open_journal(url)
    try:
        session = start(journal)
        sent = event(kind, value=1)
        fault = (
            backend_killed_once(url, table, operation)
            if url.startswith("postgresql")
            else renamed(url, table)
        )
        with fault:
            with pytest.raises(JournalError):
                journal.apply_event(session, sent, change)
            if url.startswith("postgresql"):
                disarm(url)
                assert counts(journal, session) == (0, 0, SessionStatus.RUNNING, False)
        if url.startswith("sqlite"):  # the table is back: nothing of the event was kept
            assert counts(journal, session) == (0, 0, SessionStatus.RUNNING, False)
        assert journal.apply_event(session, sent, change) is Applied.APPLIED  # the resend
        assert journal.apply_event(session, sent, change) is Applied.DUPLICATE
        events, steps, status, rescreen = counts(journal, session)
        assert events == 1
        assert steps == (1 if effect == "step" else 0)
        assert status is (SessionStatus.COMPLETED if effect == "finish" else SessionStatus.RUNNING)
        assert rescreen is (effect == "rescreen")
    finally:
        journal.close()


def test_an_ended_session_keeps_late_events_but_does_not_change(journal: Journal) -> None:
    session = start(journal)
    stop = event(EventKind.STOP, created_at=at(5))
    assert journal.apply_event(session, stop, Effect(finish=SessionStatus.SAFETY_STOP)) is (
        Applied.APPLIED
    )
    ended = journal.session(session)
    assert ended is not None
    complete = event(EventKind.COMPLETE, value=1, created_at=at(9))
    assert journal.apply_event(session, complete, Effect(finish=SessionStatus.COMPLETED)) is (
        Applied.ENDED
    )
    late_step = event(EventKind.STEP_DONE, created_at=at(9))
    assert journal.apply_event(session, late_step, Effect(step=step(0))) is Applied.ENDED
    after = journal.session(session)
    assert after is not None
    assert (after.status, after.ended_at, after.pain_after, after.steps) == (
        SessionStatus.SAFETY_STOP, ended.ended_at, None, ()
    )  # fmt: skip
    assert sorted(e.kind for e in after.events) == sorted(
        [EventKind.STOP, EventKind.COMPLETE, EventKind.STEP_DONE]
    )
    # a late tingling report still asks for new screening answers: safety first
    tingling = event(EventKind.TINGLING, created_at=at(10))
    assert journal.apply_event(session, tingling, Effect(rescreen=RESCREEN)) is Applied.ENDED
    assert journal.rescreen_reason() == RESCREEN


def test_a_second_complete_changes_neither_the_pain_after_nor_the_end(journal: Journal) -> None:
    session = start(journal)
    first = event(EventKind.COMPLETE, value=2, created_at=at(5))
    journal.apply_event(session, first, Effect(finish=SessionStatus.COMPLETED))
    again = event(EventKind.COMPLETE, value=7, created_at=at(8))
    assert journal.apply_event(session, again, Effect(finish=SessionStatus.COMPLETED)) is (
        Applied.ENDED
    )
    record = journal.session(session)
    assert record is not None
    assert (record.pain_after, record.ended_at) == (2, at(5))


def test_an_interrupted_session_is_still_finished_by_its_late_events(journal: Journal) -> None:
    session = start(journal, pid=1, host="another-machine")
    journal.reap_interrupted(at(300), lambda pid, host: False)
    assert counts(journal, session)[2] is SessionStatus.INTERRUPTED
    done = event(EventKind.STEP_DONE, created_at=at(2))
    assert journal.apply_event(session, done, Effect(step=step(0))) is Applied.APPLIED
    complete = event(EventKind.COMPLETE, value=1, created_at=at(3))
    assert journal.apply_event(session, complete, Effect(finish=SessionStatus.COMPLETED)) is (
        Applied.APPLIED
    )
    record = journal.session(session)
    assert record is not None
    assert (record.status, record.ended_at, [s.status for s in record.steps]) == (
        SessionStatus.COMPLETED, at(3), [StepStatus.DONE]
    )  # fmt: skip


def test_another_persons_session_is_not_found_whatever_the_effect(journal: Journal) -> None:
    from bedstretch.core.errors import NotFound

    user = journal.create_user("someone@example.org", "hash", at(0))
    assert user is not None
    theirs = start(journal.for_user(user))
    for kind, change, _, _ in EFFECTS.values():
        with pytest.raises(NotFound):
            journal.apply_event(theirs, event(kind), change)
    assert journal.for_user(user).session(theirs).events == ()  # type: ignore[union-attr]
