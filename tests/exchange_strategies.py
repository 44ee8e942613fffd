"""Hypothesis strategies for whole journals (the records an export carries), shared by the core
and journal export/import tests; plus storing such records through the Journal's own methods."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

from bedstretch.core.exchange import Records, RescreenRecord, RestoreRecord
from bedstretch.core.records import (
    CheckinRecord,
    EventKind,
    EventRecord,
    ScreeningRecord,
    SessionRecord,
    SessionStatus,
    StepRecord,
    StepStatus,
)
from bedstretch.core.safety import QUESTION_IDS, Level
from bedstretch.journal import Journal

ZONES = [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))]
moments = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2099, 12, 31),
    timezones=st.sampled_from(ZONES),
)
days = st.dates(date(2000, 1, 1), date(2099, 12, 31))
# Any text a person could type (no NUL: PostgreSQL text refuses it; no lone surrogates: not UTF-8)
texts = st.text(
    st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), min_size=1, max_size=20
)
slugs = st.from_regex(r"[a-z][a-z0-9-]{0,15}", fullmatch=True)
pains = st.none() | st.integers(0, 10)
FINISHED = [s for s in SessionStatus if s is not SessionStatus.RUNNING]
STORED = [StepStatus.DONE, StepStatus.SKIPPED, StepStatus.PAIN_SKIP]

SNAPSHOT: dict[str, Any] = {
    "routine": {"id": "morning", "name": "Morning", "steps": []},
    "blocks": [
        {
            "index": 0,
            "step": 0,
            "exercise": "knee-to-chest",
            "variant": "single",
            "side": "left",
            "set": 1,
            "kind": "hold",
            "at": 10,
            "end": 40,
            "target_seconds": 30,
            "target_reps": None,
        }
    ],
    "total_seconds": 60,
}


def _id(n: int) -> str:
    return str(uuid.UUID(int=n + 1, version=4))


steps = st.builds(
    StepRecord,
    block=st.integers(0, 40),
    step=st.integers(0, 20),
    exercise=slugs,
    variant=slugs,
    side=st.sampled_from([None, "left", "right"]),
    set=st.integers(1, 3),
    status=st.sampled_from(STORED),
    target_seconds=st.integers(0, 600),
    target_reps=st.none() | st.integers(0, 30),
    actual_seconds=st.integers(0, 600),
    actual_reps=st.none() | st.integers(0, 30),
    finished_at=moments,
    reason=st.none() | texts,
)


@st.composite
def journals(draw: st.DrawFn, *, max_sessions: int = 4) -> Records:
    """A journal's worth of records; every uid and event id unique, like a real journal's."""
    counter = iter(range(10_000))
    screenings = [
        ScreeningRecord(
            id=None,
            uid=_id(next(counter)),
            taken_at=draw(moments),
            outcome=draw(st.sampled_from(list(Level))).value,
            reasons=tuple(draw(st.lists(slugs, max_size=3))),
            answers=draw(st.dictionaries(st.sampled_from(QUESTION_IDS), st.booleans(), max_size=4)),
            age=draw(st.floats(0, 130, allow_nan=False)),
            cleared_at=draw(st.none() | moments),
        )
        for _ in range(draw(st.integers(0, 2)))
    ]
    sessions = []
    for _ in range(draw(st.integers(0, max_sessions))):
        events = tuple(
            EventRecord(
                id=_id(next(counter)),
                kind=draw(st.sampled_from(list(EventKind))),
                at=draw(st.floats(0, 1e5, allow_nan=False)),
                created_at=draw(moments),
                value=draw(pains),
                step=draw(st.none() | st.integers(0, 20)),
                exercise=draw(st.none() | slugs),
            )
            for _ in range(draw(st.integers(0, 3)))
        )
        sessions.append(
            SessionRecord(
                id=0,
                uid=_id(next(counter)),
                routine_id=draw(slugs),
                routine_name=draw(texts),
                started_at=draw(moments),
                status=draw(st.sampled_from(FINISHED)),
                snapshot=SNAPSHOT,
                ended_at=draw(moments),
                pain_before=draw(pains),
                pain_after=draw(pains),
                steps=tuple(draw(st.lists(steps, max_size=4))),
                events=events,
            )
        )
    checkins = [
        CheckinRecord(
            uid=_id(next(counter)),
            day=draw(days),
            created_at=draw(moments),
            pain=pain,
            peg=peg,
        )
        for pain, peg in draw(
            st.lists(
                st.tuples(pains, st.none() | st.tuples(*[st.integers(0, 10)] * 3)).filter(
                    lambda pair: pair != (None, None)
                ),
                max_size=3,
            )
        )
    ]
    restores = [
        RestoreRecord(exercise, at)
        for exercise, at in draw(st.lists(st.tuples(slugs, moments), max_size=2, unique=True))
    ]
    rescreens = [
        RescreenRecord(at, reason)
        for at, reason in draw(st.lists(st.tuples(moments, texts), max_size=2, unique=True))
    ]
    return Records(
        screenings=screenings,
        sessions=sessions,
        checkins=checkins,
        restores=restores,
        rescreens=rescreens,
    )


def store(journal: Journal, records: Records) -> None:
    """Write records the way the program does: through the Journal's methods."""
    for s in records["screenings"]:
        journal.add_screening(
            taken_at=s.taken_at,
            outcome=s.outcome,
            reasons=s.reasons,
            answers=s.answers,
            age=s.age,
            cleared_at=s.cleared_at,
            uid=s.uid,
        )
    for session in records["sessions"]:
        session_id = journal.start_session(
            routine_id=session.routine_id,
            routine_name=session.routine_name,
            snapshot=session.snapshot,
            started_at=session.started_at,
            pain_before=session.pain_before,
            uid=session.uid,
        )
        for step in session.steps:
            journal.record_step(session_id, step)
        for event in session.events:
            journal.record_event(session_id, event)
        if session.status is not SessionStatus.RUNNING:
            assert session.ended_at is not None
            journal.finish_session(
                session_id,
                status=session.status,
                ended_at=session.ended_at,
                pain_after=session.pain_after,
            )
    for c in records["checkins"]:
        journal.add_checkin(day=c.day, created_at=c.created_at, pain=c.pain, peg=c.peg, uid=c.uid)
    for r in records["restores"]:
        journal.restore_exercise(r.exercise, r.at)
    for q in records["rescreens"]:
        journal.request_rescreen(q.at, q.reason)
