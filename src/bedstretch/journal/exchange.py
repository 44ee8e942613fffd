"""Reading a whole journal out (for export) and importing a checked document into one:
``Journal.export_records()`` and ``Journal.import_batch(batch)`` (the functions of the same
names, taking the journal, are the same).

``export_records`` reads everything in one read transaction with seven queries whatever the size
(screenings, sessions, steps, events, check-ins, restores, rescreen requests), in an order that
depends only on the records (never on local ids), so two journals holding the same records export
the same document.

``import_batch`` writes in ONE transaction: all of it or, if anything fails, nothing. It is
idempotent: sessions, screenings and check-ins already there (same ``uid``) are skipped, events
by ``id``, exercise restores by (exercise, at) and rescreen requests by (reason, at). A session
imported as ``running`` cannot be playing here, so it arrives ``interrupted``. See docs/export.md.

Both work on the journal's person (``Journal.user_id``): export reads only their records, import
writes them as theirs. Uids and event ids are unique in the whole database, so one already
stored for anybody counts as "already there" (and is not copied); restores and rescreen requests
are matched among the person's own.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bedstretch.core.errors import Invalid
from bedstretch.core.exchange import (
    Batch,
    ImportCounts,
    Records,
    RescreenRecord,
    RestoreRecord,
)
from bedstretch.core.records import EventKind, SessionRecord, SessionStatus, StepStatus
from bedstretch.journal.base import Base
from bedstretch.journal.errors import JournalError, first_line
from bedstretch.journal.rows import CHECKIN_COLUMNS, checkin, screening, session, steps_and_events
from bedstretch.journal.schema import (
    checkins,
    events,
    exercise_restores,
    rescreen_requests,
    screenings,
    sessions,
    steps,
    to_utc,
)

if TYPE_CHECKING:
    from bedstretch.journal.facade import Journal

__all__ = ["Exchange", "export_records", "import_batch"]

_CHUNK = 500  # values per IN (...) when looking up a batch's ids


def export_records(journal: Journal) -> Records:
    """``journal.export_records()``."""
    return journal.export_records()


def import_batch(journal: Journal, batch: Batch) -> ImportCounts:
    """``journal.import_batch(batch)``."""
    return journal.import_batch(batch)


class Exchange(Base):
    def export_records(self) -> Records:
        """Every record of the journal's person, oldest first, read in one consistent
        snapshot."""
        with self._read() as connection:
            return _read_all(connection, self)

    def import_batch(self, batch: Batch) -> ImportCounts:
        """Add what the journal does not have yet, as its person's, in one transaction;
        JournalError changes nothing."""
        try:
            with self._write() as connection:
                return _import(connection, batch, self)
        except sa.exc.IntegrityError as error:
            raise JournalError(
                f"nothing was imported: the journal refused a record: {first_line(error)}"
            ) from None
        except JournalError as error:
            raise JournalError(f"nothing was imported: {error}") from None
        except (OverflowError, UnicodeError, RecursionError, sa.exc.StatementError) as error:
            # parse_document refuses what no column can hold; this is the last word if not
            cause = getattr(error, "orig", None) or error
            raise Invalid(
                f"nothing was imported: the journal cannot store a value ({type(cause).__name__})"
            ) from None


# --------------------------------------------------------------------------- export


def _decoder() -> Callable[[str], Mapping[str, Any]]:
    """json.loads, once per distinct text: most sessions replay a few routines, and decoding
    1,800 snapshots one by one is half the time of an export. Records never mutate snapshots."""
    decoded: dict[str, Mapping[str, Any]] = {}

    def decode(text: str) -> Mapping[str, Any]:
        found = decoded.get(text)
        if found is None:
            found = decoded[text] = json.loads(text)
        return found

    return decode


def _read_all(connection: Connection, journal: Base) -> Records:
    mine = journal._mine
    screening_rows = connection.execute(
        sa.select(screenings)
        .where(mine(screenings))
        .order_by(screenings.c.taken_at, screenings.c.uid)
    ).all()
    session_rows = connection.execute(
        sa.select(
            sessions.c.id,
            sessions.c.uid,
            sessions.c.routine_id,
            sessions.c.routine_name,
            # as text: sessions of one routine share a snapshot, decoded once (see _decoder)
            sa.cast(sessions.c.snapshot, sa.Text).label("snapshot"),
            sessions.c.status,
            sessions.c.started_at,
            sessions.c.ended_at,
            sessions.c.pain_before,
            sessions.c.pain_after,
        )
        .where(mine(sessions))
        .order_by(sessions.c.started_at, sessions.c.uid)
    ).all()
    step_lists, event_lists = steps_and_events(connection, journal._my_sessions())
    checkin_rows = connection.execute(
        sa.select(*CHECKIN_COLUMNS)
        .where(mine(checkins))
        .order_by(checkins.c.day, checkins.c.created_at, checkins.c.uid)
    ).all()
    restore_rows = connection.execute(
        sa.select(exercise_restores.c.exercise, exercise_restores.c.at)
        .where(mine(exercise_restores))
        .order_by(exercise_restores.c.at, exercise_restores.c.exercise, exercise_restores.c.id)
    ).all()
    rescreen_rows = connection.execute(
        sa.select(rescreen_requests.c.at, rescreen_requests.c.reason)
        .where(mine(rescreen_requests))
        .order_by(rescreen_requests.c.at, rescreen_requests.c.reason, rescreen_requests.c.id)
    ).all()

    snapshot = _decoder()
    return Records(
        screenings=[screening(row) for row in screening_rows],
        sessions=[
            session(
                row, snapshot(row.snapshot), step_lists.get(row.id, ()), event_lists.get(row.id, ())
            )
            for row in session_rows
        ],
        checkins=[checkin(row) for row in checkin_rows],
        restores=[RestoreRecord(exercise=e, at=at) for e, at in restore_rows],
        rescreens=[RescreenRecord(at=at, reason=reason) for at, reason in rescreen_rows],
    )


# --------------------------------------------------------------------------- import


def _known(
    connection: Connection,
    column: sa.ColumnElement[Any],
    values: Iterable[Any],
    *where: sa.ColumnElement[bool],
) -> set[Any]:
    """Which of ``values`` are stored in ``column`` (of rows matching ``where``): the batch's own
    values are looked up, never a whole column of a database shared by many people."""
    wanted: Sequence[Any] = list(dict.fromkeys(v for v in values if v is not None))
    found: set[Any] = set()
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        found.update(
            connection.execute(sa.select(column).where(column.in_(chunk), *where)).scalars()
        )
    return found


def _insert(
    connection: Connection, table: sa.Table, rows: list[dict[str, Any]], user_id: int | None
) -> None:
    if rows:  # an empty executemany would insert one row of defaults
        connection.execute(sa.insert(table), [{**row, "user_id": user_id} for row in rows])


def _ended(session: SessionRecord) -> datetime:
    """Where an imported "running" session ends: its last step or event, else its start."""
    moments = [s.finished_at for s in session.steps] + [e.created_at for e in session.events]
    return max([session.started_at, *moments])


def _import(connection: Connection, batch: Batch, journal: Base) -> ImportCounts:
    already = 0
    user_id = journal.user_id

    known_screenings = _known(connection, screenings.c.uid, (s.uid for s in batch.screenings))
    new_screenings = [s for s in batch.screenings if s.uid not in known_screenings]
    already += len(batch.screenings) - len(new_screenings)
    _insert(
        connection,
        screenings,
        user_id=user_id,
        rows=[
            {
                "uid": s.uid,
                "taken_at": to_utc(s.taken_at),
                "outcome": s.outcome,
                "reasons": list(s.reasons),
                "answers": dict(s.answers),
                "age": float(s.age),
                "cleared_at": None if s.cleared_at is None else to_utc(s.cleared_at),
            }
            for s in new_screenings
        ],
    )

    known_sessions = _known(connection, sessions.c.uid, (s.uid for s in batch.sessions))
    new_sessions = [s for s in batch.sessions if s.uid not in known_sessions]
    already += len(batch.sessions) - len(new_sessions)
    session_rows = []
    for s in new_sessions:
        running = s.status is SessionStatus.RUNNING
        session_rows.append(
            {
                "uid": s.uid,
                "routine_id": s.routine_id,
                "routine_name": s.routine_name,
                "snapshot": dict(s.snapshot),
                "status": (SessionStatus.INTERRUPTED if running else s.status).value,
                "started_at": to_utc(s.started_at),
                "ended_at": to_utc(_ended(s)) if running and s.ended_at is None else s.ended_at,
                "pain_before": s.pain_before,
                "pain_after": s.pain_after,
                "pid": None,
                "host": None,
            }
        )
    _insert(connection, sessions, session_rows, user_id)
    ids: dict[str, int] = {}
    new_uids = [s.uid for s in new_sessions]
    for start in range(0, len(new_uids), _CHUNK):
        ids.update(
            (uid, id_)
            for id_, uid in connection.execute(
                sa.select(sessions.c.id, sessions.c.uid).where(
                    sessions.c.uid.in_(new_uids[start : start + _CHUNK])
                )
            )
        )
    batch_events = (e.id for s in new_sessions for e in s.events)
    step_rows, event_rows = _children(
        new_sessions, ids, _known(connection, events.c.id, batch_events)
    )
    if step_rows:
        connection.execute(sa.insert(steps), step_rows)
    if event_rows:
        connection.execute(sa.insert(events), event_rows)

    known_checkins = _known(connection, checkins.c.uid, (c.uid for c in batch.checkins))
    new_checkins = [c for c in batch.checkins if c.uid not in known_checkins]
    already += len(batch.checkins) - len(new_checkins)
    _insert(
        connection,
        checkins,
        user_id=user_id,
        rows=[
            {
                "uid": c.uid,
                "day": c.day,
                "pain": c.pain,
                "peg_pain": c.peg[0] if c.peg else None,
                "peg_enjoyment": c.peg[1] if c.peg else None,
                "peg_activity": c.peg[2] if c.peg else None,
                "created_at": to_utc(c.created_at),
            }
            for c in new_checkins
        ],
    )

    known_restores = {
        (e, to_utc(at))
        for e, at in connection.execute(
            sa.select(exercise_restores.c.exercise, exercise_restores.c.at).where(
                journal._mine(exercise_restores)
            )
        )
    }
    restore_rows = _new_pairs(((r.exercise, to_utc(r.at)) for r in batch.restores), known_restores)
    already += len(batch.restores) - len(restore_rows)
    _insert(
        connection,
        exercise_restores,
        [{"exercise": e, "at": at} for e, at in restore_rows],
        user_id,
    )

    known_rescreens = {
        (reason, to_utc(at))
        for at, reason in connection.execute(
            sa.select(rescreen_requests.c.at, rescreen_requests.c.reason).where(
                journal._mine(rescreen_requests)
            )
        )
    }
    rescreen_rows = _new_pairs(((r.reason, to_utc(r.at)) for r in batch.rescreens), known_rescreens)
    already += len(batch.rescreens) - len(rescreen_rows)
    _insert(
        connection,
        rescreen_requests,
        [{"reason": r, "at": at} for r, at in rescreen_rows],
        user_id,
    )

    return ImportCounts(
        sessions=len(new_sessions),
        screenings=len(new_screenings),
        checkins=len(new_checkins),
        restores=len(restore_rows),
        rescreens=len(rescreen_rows),
        steps=len(step_rows),
        events=len(event_rows),
        already=already,
    )


def _new_pairs(
    pairs: Iterable[tuple[str, datetime]], known: set[tuple[str, datetime]]
) -> list[tuple[str, datetime]]:
    """The pairs not known yet, in order, each once (a repeat within the batch is the same)."""
    out = []
    for pair in pairs:
        if pair not in known:
            known.add(pair)
            out.append(pair)
    return out


def _children(
    new_sessions: list[SessionRecord], ids: dict[str, int], known_events: set[str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    step_rows: list[dict[str, Any]] = []
    event_rows: list[dict[str, Any]] = []
    for s in new_sessions:
        session_id = ids[str(s.uid)]
        for t in s.steps:
            step_rows.append(
                {
                    "session_id": session_id,
                    "block": t.block,
                    "step": t.step,
                    "exercise": t.exercise,
                    "variant": t.variant,
                    "side": t.side,
                    "set_number": t.set,
                    "status": StepStatus(t.status).value,
                    "target_seconds": t.target_seconds,
                    "target_reps": t.target_reps,
                    "actual_seconds": t.actual_seconds,
                    "actual_reps": t.actual_reps,
                    "finished_at": to_utc(t.finished_at),
                    "reason": t.reason,
                }
            )
        for e in s.events:
            if e.id in known_events:
                continue  # stored before (under this or another session): stored once
            known_events.add(e.id)
            event_rows.append(
                {
                    "id": e.id,
                    "session_id": session_id,
                    "kind": EventKind(e.kind).value,
                    "at": float(e.at),
                    "created_at": to_utc(e.created_at),
                    "value": e.value,
                    "step": e.step,
                    "exercise": e.exercise,
                }
            )
    return step_rows, event_rows
