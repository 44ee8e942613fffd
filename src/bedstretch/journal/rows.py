"""Rows to records, written once: screenings, sessions, steps, events, check-ins; and the one
function that loads the steps and events of a set of sessions (for ``Journal.sessions()``,
``Journal.session()`` and the export)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

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
from bedstretch.journal.schema import (
    EVENT_COLUMNS,
    STEP_COLUMNS,
    checkins,
    events,
    instant,
    raw_instant,
    steps,
)

__all__ = [
    "CHECKIN_COLUMNS",
    "checkin",
    "screening",
    "session",
    "steps_and_events",
]

_STEP_STATUS = {s.value: s for s in StepStatus}
_EVENT_KIND = {k.value: k for k in EventKind}
_SESSION_STATUS = {s.value: s for s in SessionStatus}


def screening(row: sa.Row[Any]) -> ScreeningRecord:
    """A row of ``select(screenings)``."""
    return ScreeningRecord(
        id=row.id,
        taken_at=row.taken_at,
        outcome=row.outcome,
        reasons=tuple(row.reasons),
        answers=dict(row.answers),
        age=row.age,
        cleared_at=row.cleared_at,
        uid=row.uid,
    )


def session(
    row: sa.Row[Any],
    snapshot: Mapping[str, Any],
    steps: Sequence[StepRecord],
    events: Sequence[EventRecord],
) -> SessionRecord:
    """A row with the sessions table's columns (``snapshot`` decoded by the caller)."""
    return SessionRecord(
        id=row.id,
        routine_id=row.routine_id,
        routine_name=row.routine_name,
        started_at=row.started_at,
        status=_SESSION_STATUS.get(row.status) or SessionStatus(row.status),
        snapshot=snapshot,
        ended_at=row.ended_at,
        pain_before=row.pain_before,
        pain_after=row.pain_after,
        steps=tuple(steps),
        events=tuple(events),
        uid=row.uid,
    )


def steps_and_events(
    connection: Connection, ids: sa.Select[tuple[int]]
) -> tuple[dict[int, list[StepRecord]], dict[int, list[EventRecord]]]:
    """The steps (in the order stored) and events (by ``at``, then when they were made) of the
    sessions whose ids ``ids`` selects, by session id: two queries whatever the count."""
    step_query = (
        sa.select(*STEP_COLUMNS)
        .where(steps.c.session_id.in_(ids))
        .order_by(steps.c.session_id, steps.c.id)  # faster than by id alone on SQLite (its index)
    )
    step_lists: dict[int, list[StepRecord]] = {}
    for (
        session_id,
        block,
        step,
        exercise,
        variant,
        side,
        set_number,
        status,
        target_seconds,
        target_reps,
        actual_seconds,
        actual_reps,
        finished_at,
        reason,
    ) in connection.execute(step_query):
        record = StepRecord(
            block,
            step,
            exercise,
            variant,
            side,
            set_number,
            _STEP_STATUS.get(status) or StepStatus(status),
            target_seconds,
            target_reps,
            actual_seconds,
            actual_reps,
            finished_at,
            reason,
        )
        found = step_lists.get(session_id)
        if found is None:
            step_lists[session_id] = [record]
        else:
            found.append(record)

    event_query = (
        sa.select(*EVENT_COLUMNS)
        .where(events.c.session_id.in_(ids))
        .order_by(events.c.at, events.c.created_at, events.c.id)
    )
    event_lists: dict[int, list[EventRecord]] = {}
    for session_id, id_, kind, at, created_at, value, step, exercise in connection.execute(
        event_query
    ):
        event = EventRecord(
            id_, _EVENT_KIND.get(kind) or EventKind(kind), at, created_at, value, step, exercise
        )
        event_lists.setdefault(session_id, []).append(event)
    return step_lists, event_lists


# The columns ``checkin`` reads, raw (no per-row parsing: SQLite gives text, PostgreSQL values).
CHECKIN_COLUMNS = (
    checkins.c.uid,
    sa.type_coerce(checkins.c.day, sa.String),
    raw_instant(checkins.c.created_at),
    checkins.c.pain,
    checkins.c.peg_pain,
    checkins.c.peg_enjoyment,
    checkins.c.peg_activity,
)


def checkin(row: Sequence[Any]) -> CheckinRecord:
    """A row of ``select(*CHECKIN_COLUMNS)``."""
    uid, day, created, pain, peg_pain, enjoyment, activity = row
    return CheckinRecord(
        uid=uid,
        day=day if isinstance(day, date) else date.fromisoformat(str(day)),
        created_at=instant(created),
        pain=pain,
        peg=None if peg_pain is None else (peg_pain, enjoyment, activity),
    )
