"""The journal keeps what it is given and gives it back, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from bedstretch.core.errors import NotFound
from bedstretch.core.records import (
    EventKind,
    ScreeningRecord,
    SessionRecord,
    SessionStatus,
    StepStatus,
)
from bedstretch.journal import Journal, open_journal, pid_alive
from tests.journal.builders import SNAPSHOT, T0, at, event, start, step

ANSWERS = {"bladder": False, "night_pain": True}


# --------------------------------------------------------------------------- screenings


def test_screening_round_trips_with_its_answers_and_reasons(journal: Journal) -> None:
    added = journal.add_screening(
        taken_at=T0,
        outcome="urgent",
        reasons=["night_pain"],
        answers=ANSWERS,
        age=54.5,
        cleared_at=at(60),
    )
    assert added.id is not None
    assert (
        journal.latest_screening()
        == added
        == ScreeningRecord(
            id=added.id,
            taken_at=T0,
            outcome="urgent",
            reasons=("night_pain",),
            answers=ANSWERS,
            age=54.5,
            cleared_at=at(60),
            uid=added.uid,
        )
    )
    assert added.uid is not None
    assert len(added.uid) == 36


def test_timestamps_come_back_aware_in_utc_whatever_offset_went_in(journal: Journal) -> None:
    paris = timezone(timedelta(hours=1))
    journal.add_screening(
        taken_at=datetime(2025, 3, 1, 8, 0, tzinfo=paris),
        outcome="ok",
        reasons=[],
        answers={},
        age=30,
    )
    latest = journal.latest_screening()
    assert latest is not None
    assert latest.taken_at == T0
    assert latest.taken_at.tzinfo == UTC


def test_naive_timestamps_are_refused(journal: Journal) -> None:
    with pytest.raises(ValueError, match="no timezone"):
        journal.add_screening(
            taken_at=datetime(2025, 3, 1, 7, 0), outcome="ok", reasons=[], answers={}, age=30
        )


def test_latest_screening_is_none_until_one_is_taken_then_the_newest(journal: Journal) -> None:
    assert journal.latest_screening() is None
    journal.add_screening(taken_at=at(10), outcome="ok", reasons=[], answers={}, age=30)
    journal.add_screening(taken_at=at(0), outcome="urgent", reasons=["fever"], answers={}, age=30)
    latest = journal.latest_screening()
    assert latest is not None
    assert (latest.outcome, latest.taken_at) == ("ok", at(10))


def test_clearing_a_screening_records_when_a_clinician_checked(journal: Journal) -> None:
    added = journal.add_screening(
        taken_at=T0, outcome="urgent", reasons=["fever"], answers={}, age=30
    )
    assert added.id is not None
    journal.clear_screening(added.id, at(60 * 24))
    latest = journal.latest_screening()
    assert latest is not None
    assert latest.cleared_at == at(60 * 24)
    with pytest.raises(NotFound, match="no screening 999"):
        journal.clear_screening(999, T0)


def test_rescreen_reason_is_the_latest_request_since_the_latest_screening(
    journal: Journal,
) -> None:
    assert journal.rescreen_reason() is None
    journal.request_rescreen(at(0), "numbness")  # no screening yet: still asks for one
    assert journal.rescreen_reason() == "numbness"
    journal.add_screening(taken_at=at(5), outcome="ok", reasons=[], answers={}, age=30)
    assert journal.rescreen_reason() is None
    journal.request_rescreen(at(10), "tingling during a session")
    journal.request_rescreen(at(20), "new leg pain")
    assert journal.rescreen_reason() == "new leg pain"
    journal.add_screening(taken_at=at(30), outcome="ok", reasons=[], answers={}, age=30)
    assert journal.rescreen_reason() is None


# --------------------------------------------------------------------------- sessions


def test_session_round_trips_with_steps_in_stored_order_and_events_by_time(
    journal: Journal,
) -> None:
    session_id = start(journal, pain_before=None, pid=1234, host="bedside")
    journal.set_pain_before(session_id, 4)
    first = step(2, status=StepStatus.PAIN_SKIP, reason="sharp pain", finished_at=at(1))
    second = step(0, finished_at=at(2))  # stored after the first, though an earlier block
    journal.record_step(session_id, first)
    journal.record_step(session_id, second)
    late = event(EventKind.SHARP, seconds=40.0, created_at=at(1))
    early = event(EventKind.PAIN, seconds=12.5, value=5, created_at=at(3))
    same_second = event(EventKind.PAUSE, seconds=40.0, created_at=at(2), exercise=None)
    for each in (late, early, same_second):
        assert journal.record_event(session_id, each)
    journal.finish_session(
        session_id, status=SessionStatus.COMPLETED, ended_at=at(20), pain_after=2
    )

    stored = journal.session(session_id)
    assert stored is not None
    assert stored.uid is not None
    assert stored == SessionRecord(
        uid=stored.uid,
        id=session_id,
        routine_id="morning",
        routine_name="Morning",
        started_at=T0,
        status=SessionStatus.COMPLETED,
        snapshot=SNAPSHOT,
        ended_at=at(20),
        pain_before=4,
        pain_after=2,
        steps=(first, second),
        events=(early, late, same_second),  # by at, then by created_at
    )


def test_new_session_is_running_without_an_end(journal: Journal) -> None:
    session = journal.session(start(journal))
    assert session is not None
    assert (session.status, session.ended_at, session.steps, session.events) == (
        SessionStatus.RUNNING,
        None,
        (),
        (),
    )


def test_unknown_session_is_none_and_writing_to_it_is_not_found(journal: Journal) -> None:
    assert journal.session(404) is None
    with pytest.raises(NotFound, match="no session 404"):
        journal.record_step(404, step())
    with pytest.raises(NotFound, match="no session 404"):
        journal.record_event(404, event())
    with pytest.raises(NotFound, match="no session 404"):
        journal.finish_session(404, status=SessionStatus.STOPPED, ended_at=T0, pain_after=None)
    with pytest.raises(NotFound, match="no session 404"):
        journal.set_pain_before(404, 3)


@pytest.mark.parametrize("pain", [-1, 11, True])
def test_pain_outside_0_to_10_is_refused(journal: Journal, pain: int) -> None:
    with pytest.raises(ValueError, match="0-10"):
        start(journal, pain_before=pain)


def test_storing_an_event_twice_keeps_one_and_reports_the_repeat(journal: Journal) -> None:
    session_id = start(journal)
    pain = event(EventKind.PAIN, value=6)
    assert journal.record_event(session_id, pain) is True
    assert journal.record_event(session_id, pain) is False
    session = journal.session(session_id)
    assert session is not None
    assert session.events == (pain,)


def test_concurrent_stores_of_one_event_keep_exactly_one(journal: Journal) -> None:
    session_id = start(journal)
    tingling = event(EventKind.TINGLING)
    barrier = threading.Barrier(6)

    def store() -> bool:
        barrier.wait()
        return journal.record_event(session_id, tingling)

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda _: store(), range(6)))
    assert sorted(results) == [False] * 5 + [True]
    session = journal.session(session_id)
    assert session is not None
    assert session.events == (tingling,)


def test_sessions_come_newest_first_with_their_steps_and_events(journal: Journal) -> None:
    ids = [start(journal, at(60 * 24 * day)) for day in (0, 2, 1)]
    for n, session_id in enumerate(ids):
        journal.record_step(session_id, step(n))
        journal.record_event(session_id, event(value=n))
    listed = journal.sessions()
    assert [s.id for s in listed] == [ids[1], ids[2], ids[0]]
    assert [s.steps[0].block for s in listed] == [1, 2, 0]
    assert [s.events[0].value for s in listed] == [1, 2, 0]
    assert listed == [journal.session(i) for i in (ids[1], ids[2], ids[0])]


def test_sessions_since_and_limit_filter_before_loading_steps(journal: Journal) -> None:
    day = 60 * 24
    ids = [start(journal, at(day * n)) for n in range(5)]
    for session_id in ids:
        journal.record_step(session_id, step())
    assert [s.id for s in journal.sessions(since=at(day * 2))] == ids[4:1:-1]
    assert [s.id for s in journal.sessions(limit=2)] == ids[4:2:-1]
    assert [s.id for s in journal.sessions(since=at(day), limit=10)] == ids[4:0:-1]
    assert journal.sessions(limit=0) == []
    assert journal.sessions(since=at(day * 9)) == []
    assert all(len(s.steps) == 1 for s in journal.sessions(limit=2))


@contextmanager
def counting_queries(journal: Journal) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    engine = journal._engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def test_listing_sessions_takes_the_same_few_queries_for_3_or_30_sessions(
    journal: Journal,
) -> None:
    def selects() -> int:
        with counting_queries(journal) as statements:
            journal.sessions()
        return sum(s.lstrip().upper().startswith("SELECT") for s in statements)

    for n in range(3):
        journal.record_step(start(journal, at(n)), step())
    few = selects()
    for n in range(3, 30):
        session_id = start(journal, at(n))
        journal.record_step(session_id, step())
        journal.record_event(session_id, event())
    assert selects() == few == 3


# --------------------------------------------------------------------------- interrupted sessions


def test_reaping_marks_only_sessions_whose_player_is_gone(journal: Journal) -> None:
    alive_pids = {100}
    gone_with_steps = start(journal, at(0), pid=200, host="here")
    journal.record_step(gone_with_steps, step(0, finished_at=at(3)))
    journal.record_event(gone_with_steps, event(created_at=at(5)))
    journal.record_step(gone_with_steps, step(1, finished_at=at(4)))
    gone_without_steps = start(journal, at(10), pid=201, host="here")
    still_playing = start(journal, at(20), pid=100, host="here")
    finished = start(journal, at(30), pid=202, host="here")
    journal.finish_session(finished, status=SessionStatus.STOPPED, ended_at=at(31), pain_after=3)

    reaped = journal.reap_interrupted(at(60), lambda pid, host: pid in alive_pids)

    assert reaped == 2
    statuses = {s.id: (s.status, s.ended_at) for s in journal.sessions()}
    assert statuses == {
        gone_with_steps: (SessionStatus.INTERRUPTED, at(5)),  # its last step or event
        gone_without_steps: (SessionStatus.INTERRUPTED, at(10)),  # when it started
        still_playing: (SessionStatus.RUNNING, None),
        finished: (SessionStatus.STOPPED, at(31)),
    }
    assert journal.reap_interrupted(at(61), lambda pid, host: False) == 1  # still_playing
    assert journal.reap_interrupted(at(62), lambda pid, host: False) == 0


def test_pid_alive_knows_live_and_dead_processes_here_and_trusts_other_hosts() -> None:
    here = socket.gethostname()
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert pid_alive(os.getpid(), here) is True
    assert pid_alive(child.pid, here) is False
    assert pid_alive(child.pid, "another-machine") is True
    assert pid_alive(None, here) is True
    assert pid_alive(child.pid, None) is True


def test_a_browser_session_is_interrupted_only_after_it_was_left_idle(journal: Journal) -> None:
    played = start(journal, at(0))  # no player process: a browser's session
    journal.record_event(played, event(created_at=at(10)))
    untouched = start(journal, at(5))
    three_hours = timedelta(hours=3)

    assert journal.reap_interrupted(at(184), pid_alive, idle_after=three_hours) == 0
    assert journal.reap_interrupted(at(400), pid_alive) == 0  # without idle_after: never
    assert journal.reap_interrupted(at(185), pid_alive, idle_after=three_hours) == 1  # untouched
    assert journal.reap_interrupted(at(189), pid_alive, idle_after=three_hours) == 0
    assert journal.reap_interrupted(at(190), pid_alive, idle_after=three_hours) == 1  # played

    statuses = {s.id: (s.status, s.ended_at) for s in journal.sessions()}
    assert statuses == {
        played: (SessionStatus.INTERRUPTED, at(10)),  # its last event
        untouched: (SessionStatus.INTERRUPTED, at(5)),  # when it started
    }
    # the phone was offline: its queued end arrives later and still finishes the session
    journal.finish_session(played, status=SessionStatus.COMPLETED, ended_at=at(300), pain_after=2)
    finished = journal.session(played)
    assert finished is not None
    assert finished.status is SessionStatus.COMPLETED


def test_reaping_with_pid_alive_spares_this_process(journal: Journal) -> None:
    mine = start(journal, pid=os.getpid(), host=socket.gethostname())
    assert journal.reap_interrupted(at(1), pid_alive) == 0
    session = journal.session(mine)
    assert session is not None
    assert session.status is SessionStatus.RUNNING


# --------------------------------------------------------------------------- exercise trouble


def finish(journal: Journal, session_id: int, status: SessionStatus) -> None:
    journal.finish_session(session_id, status=status, ended_at=at(100), pain_after=None)


def test_trouble_counts_distinct_sessions_with_a_pain_skip(journal: Journal) -> None:
    assert journal.exercise_trouble() == {}
    one = start(journal, at(0))
    journal.record_step(one, step(0, exercise="cat-cow", status=StepStatus.PAIN_SKIP))
    journal.record_step(one, step(1, exercise="cat-cow", status=StepStatus.PAIN_SKIP))
    journal.record_step(one, step(2, exercise="hamstring", status=StepStatus.SKIPPED))
    two = start(journal, at(60))
    journal.record_step(two, step(0, exercise="cat-cow", status=StepStatus.PAIN_SKIP))
    journal.record_step(two, step(1, exercise="hamstring", status=StepStatus.DONE))
    assert journal.exercise_trouble() == {"cat-cow": 2}


def test_safety_stop_counts_for_the_exercise_of_its_latest_tingling_or_pain_event(
    journal: Journal,
) -> None:
    stopped = start(journal, at(0))
    journal.record_event(stopped, event(EventKind.PAIN, seconds=10, value=3, exercise="cat-cow"))
    journal.record_event(stopped, event(EventKind.TINGLING, seconds=50, exercise="hamstring"))
    journal.record_event(stopped, event(EventKind.STOP, seconds=51, exercise="figure-four"))
    finish(journal, stopped, SessionStatus.SAFETY_STOP)
    completed = start(journal, at(60))  # tingling reported, but the session was not stopped
    journal.record_event(completed, event(EventKind.TINGLING, exercise="cat-cow"))
    finish(journal, completed, SessionStatus.COMPLETED)
    also_skipped = start(journal, at(120))
    journal.record_step(also_skipped, step(exercise="hamstring", status=StepStatus.PAIN_SKIP))
    journal.record_event(also_skipped, event(EventKind.PAIN, value=9, exercise="hamstring"))
    finish(journal, also_skipped, SessionStatus.SAFETY_STOP)  # one session, counted once

    assert journal.exercise_trouble() == {"hamstring": 2}


def test_restoring_an_exercise_forgets_its_earlier_trouble(journal: Journal) -> None:
    for hour in (0, 1):
        session_id = start(journal, at(60 * hour))
        journal.record_step(session_id, step(exercise="cat-cow", status=StepStatus.PAIN_SKIP))
        journal.record_step(session_id, step(1, exercise="hamstring", status=StepStatus.PAIN_SKIP))
    journal.restore_exercise("cat-cow", at(150))
    assert journal.exercise_trouble() == {"hamstring": 2}
    later = start(journal, at(180))
    journal.record_step(later, step(exercise="cat-cow", status=StepStatus.PAIN_SKIP))
    assert journal.exercise_trouble() == {"cat-cow": 1, "hamstring": 2}
    journal.restore_exercise("cat-cow", at(200))
    journal.restore_exercise("hamstring", at(200))
    assert journal.exercise_trouble() == {}


# --------------------------------------------------------------------------- lifetime


def test_what_is_written_is_there_after_closing_and_reopening(url: str) -> None:
    with open_journal(url) as journal:
        session_id = start(journal)
        journal.record_step(session_id, step())
    with open_journal(url) as journal:
        session = journal.session(session_id)
    assert session is not None
    assert session.steps == (step(),)
