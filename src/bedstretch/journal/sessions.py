"""Sessions, the steps played and the events reported in them, and reaping sessions whose
player is gone."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bedstretch.core.errors import Invalid, NotFound
from bedstretch.core.records import (
    OPEN,
    Applied,
    Effect,
    EventKind,
    EventRecord,
    SessionRecord,
    SessionStatus,
    StepRecord,
    StepStatus,
)
from bedstretch.journal import rows
from bedstretch.journal.base import Base, checked_pain
from bedstretch.journal.errors import JournalError, TakenError, first_line
from bedstretch.journal.schema import events, rescreen_requests, sessions, steps, to_utc

__all__ = ["Sessions"]

_EVENT_FIELDS = ("id", "kind", "at", "created_at", "value", "step", "exercise")


@functools.cache
def _store_event(dialect: str, *, scoped: bool) -> Any:
    """INSERT one event if its session is the person's and its id is new, in one statement
    (the web API's busiest call), built once: parameters e_<field>, ``session``, ``owner``."""
    from sqlalchemy.dialects import postgresql, sqlite

    insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    owner = sessions.c.user_id == sa.bindparam("owner") if scoped else sessions.c.user_id.is_(None)
    source = sa.select(
        *(sa.bindparam(f"e_{name}", type_=events.c[name].type) for name in _EVENT_FIELDS),
        sessions.c.id,
    ).where(sessions.c.id == sa.bindparam("session"), owner)
    statement = (
        insert(events)
        .from_select([*_EVENT_FIELDS, "session_id"], source)
        .on_conflict_do_nothing(index_elements=[events.c.id])
    )
    return statement.execution_options(preserve_rowcount=True)


@functools.cache
def _insert_event(dialect: str) -> Any:
    """INSERT one event unless its id is stored (inside a transaction that checked the session)."""
    from sqlalchemy.dialects import postgresql, sqlite

    insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(events).on_conflict_do_nothing(index_elements=[events.c.id])
    return statement.execution_options(preserve_rowcount=True)


def _event_row(session_id: int, event: EventRecord) -> dict[str, Any]:
    return {
        "id": event.id,
        "session_id": session_id,
        "kind": EventKind(event.kind).value,
        "at": float(event.at),
        "created_at": to_utc(event.created_at),
        "value": event.value,
        "step": event.step,
        "exercise": event.exercise,
    }


def _step_row(session_id: int, step: StepRecord) -> dict[str, Any]:
    return {
        "session_id": session_id,
        "block": step.block,
        "step": step.step,
        "exercise": step.exercise,
        "variant": step.variant,
        "side": step.side,
        "set_number": step.set,
        "status": StepStatus(step.status).value,
        "target_seconds": step.target_seconds,
        "target_reps": step.target_reps,
        "actual_seconds": step.actual_seconds,
        "actual_reps": step.actual_reps,
        "finished_at": to_utc(step.finished_at),
        "reason": step.reason,
    }


def _missing(session_id: int) -> NotFound:
    return NotFound(f"no session {session_id} in the journal")


class Sessions(Base):
    def _owns(self, connection: Connection, session_id: int) -> bool:
        return (
            connection.execute(
                sa.select(sessions.c.id).where(sessions.c.id == session_id, self._mine(sessions))
            ).first()
            is not None
        )

    def _no_session(self, session_id: int) -> NotFound | None:
        """None if the session is this person's, else the error for a missing session (only
        when the database says so: a failed read is a JournalError)."""
        with self._read() as connection:
            found = self._owns(connection, session_id)
        return None if found else _missing(session_id)

    def start_session(
        self,
        *,
        routine_id: str,
        routine_name: str,
        snapshot: Mapping[str, Any],
        started_at: datetime,
        pain_before: int | None,
        pid: int | None = None,
        host: str | None = None,
        uid: str | None = None,
    ) -> int:
        """A new session, status "running"; returns its id. A ``uid`` already used (by
        anyone): TakenError."""
        values = {
            "uid": uid or str(uuid.uuid4()),
            "routine_id": routine_id,
            "routine_name": routine_name,
            "snapshot": dict(snapshot),
            "status": SessionStatus.RUNNING.value,
            "started_at": to_utc(started_at),
            "pain_before": checked_pain(pain_before, "pain_before"),
            "pid": pid,
            "host": host,
        }
        try:
            return self._insert(sessions, values)
        except sa.exc.IntegrityError:
            raise TakenError(f"session uid {values['uid']} is taken", field="uid") from None

    def session_id(self, uid: str) -> int | None:
        """The id of this person's session with this uid (None: none of theirs)."""
        with self._one_statement() as connection:
            found = connection.execute(
                sa.select(sessions.c.id).where(sessions.c.uid == uid, self._mine(sessions))
            ).scalar()
        return None if found is None else int(found)

    def record_step(self, session_id: int, step: StepRecord) -> None:
        """Store one played block; durable when this returns.

        Another person's session is a missing one: NotFound "no session N in the journal".
        """
        values = _step_row(session_id, step)
        try:
            with self._write() as connection:
                if not self._owns(connection, session_id):
                    raise _missing(session_id)
                connection.execute(sa.insert(steps).values(values))
        except sa.exc.IntegrityError:  # the session was deleted meanwhile, or a bad value
            missing = self._no_session(session_id)
            if missing:
                raise missing from None
            raise

    def record_event(self, session_id: int, event: EventRecord) -> bool:
        """Store an event once: False if an event with this id is already stored.

        Another person's session is a missing one: NotFound "no session N in the journal"
        (whatever the event). Event ids are unique in the whole journal: on one's own session,
        an id already stored (by anyone, under any session) returns False and changes nothing.
        A database fault, at the insert or at the reads after it, is a JournalError (never
        NotFound: the event was not stored, and sending it again may work).
        """
        values = {
            "e_id": event.id,
            "e_kind": EventKind(event.kind).value,
            "e_at": float(event.at),
            "e_created_at": to_utc(event.created_at),
            "e_value": event.value,
            "e_step": event.step,
            "e_exercise": event.exercise,
            "session": session_id,
            "owner": self._user_id,
        }
        insert = _store_event(self._engine.dialect.name, scoped=self._user_id is not None)
        try:
            with self._one_statement(write=True) as connection:
                if connection.execute(insert, values).rowcount == 1:
                    return True
        except sa.exc.IntegrityError:  # the session was deleted meanwhile, or a bad value
            pass
        missing = self._no_session(session_id)  # nothing stored: not mine, or the id is known
        if missing:
            raise missing
        if self._event_stored(event.id):
            return False
        raise JournalError(f"event {event.id} could not be stored")

    def apply_event(self, session_id: int, event: EventRecord, effect: Effect) -> Applied:
        """Store an event and what it changes in ONE transaction: both are there, or neither
        (a fault, a killed worker, a cut connection between them leaves no event without its
        effect, so the resend that follows applies both).

        The session's row is locked first (PostgreSQL: FOR UPDATE; SQLite: the write lock), so
        events of one session are applied one at a time. A session that has ended (completed,
        stopped, safety stop) keeps a late event for the record but changes nothing, except
        a request to screen again, which is always kept: safety first. An interrupted session
        may still be finished by its late events. Another person's session, or none:
        NotFound; an event id already stored (by anyone): DUPLICATE, nothing changes.
        """
        if effect.none:
            return Applied.APPLIED if self.record_event(session_id, event) else Applied.DUPLICATE
        row = _event_row(session_id, event)
        try:
            return self._apply(session_id, row, event, effect)
        except sa.exc.IntegrityError as error:  # a value the schema refuses: resending won't help
            raise Invalid(f"the journal refused this event: {first_line(error)}") from None

    def _apply(
        self, session_id: int, row: dict[str, Any], event: EventRecord, effect: Effect
    ) -> Applied:
        with self._write() as connection:
            status = connection.execute(
                sa.select(sessions.c.status)
                .where(sessions.c.id == session_id, self._mine(sessions))
                .with_for_update()
            ).scalar()
            if status is None:
                raise _missing(session_id)
            stored = connection.execute(_insert_event(self._engine.dialect.name), row).rowcount
            if stored != 1:
                return Applied.DUPLICATE
            if effect.rescreen is not None:
                connection.execute(
                    sa.insert(rescreen_requests).values(
                        user_id=self._user_id, at=row["created_at"], reason=effect.rescreen
                    )
                )
            if SessionStatus(status) not in OPEN:
                return Applied.ENDED
            if effect.step is not None:
                connection.execute(sa.insert(steps).values(_step_row(session_id, effect.step)))
            if effect.finish is not None:
                connection.execute(
                    sa.update(sessions)
                    .where(sessions.c.id == session_id)
                    .values(
                        status=SessionStatus(effect.finish).value,
                        ended_at=row["created_at"],
                        pain_after=checked_pain(event.value, "pain_after"),
                    )
                )
        return Applied.APPLIED

    def _event_stored(self, event_id: str) -> bool:
        with self._read() as connection:
            stored = connection.execute(
                sa.select(events.c.id).where(events.c.id == event_id)
            ).first()
        return stored is not None

    def blocks(self, session_id: int) -> list[dict[str, Any]] | None:
        """The played timeline's blocks of one of this person's sessions (None: no such session).

        A light read for the web API, which needs them to turn a ``step_done`` event into a step.
        """
        with self._one_statement() as connection:
            snapshot = connection.execute(
                sa.select(sessions.c.snapshot).where(
                    sessions.c.id == session_id, self._mine(sessions)
                )
            ).scalar()
        return None if snapshot is None else list(snapshot.get("blocks", []))

    def finish_session(
        self,
        session_id: int,
        *,
        status: SessionStatus,
        ended_at: datetime,
        pain_after: int | None,
    ) -> None:
        with self._write() as connection:
            result = connection.execute(
                sa.update(sessions)
                .where(sessions.c.id == session_id, self._mine(sessions))
                .values(
                    status=SessionStatus(status).value,
                    ended_at=to_utc(ended_at),
                    pain_after=checked_pain(pain_after, "pain_after"),
                )
            )
        if result.rowcount == 0:
            raise _missing(session_id)

    def set_pain_before(self, session_id: int, pain: int) -> None:
        with self._write() as connection:
            result = connection.execute(
                sa.update(sessions)
                .where(sessions.c.id == session_id, self._mine(sessions))
                .values(pain_before=checked_pain(pain, "pain_before"))
            )
        if result.rowcount == 0:
            raise _missing(session_id)

    def session(self, session_id: int) -> SessionRecord | None:
        """One session with its steps (in the order stored) and events (by ``at``); None if
        there is no such session of this person."""
        with self._read() as connection:
            found = self._load(connection, sessions.c.id == session_id, None)
        return found[0] if found else None

    def sessions(
        self, *, since: datetime | None = None, limit: int | None = None
    ) -> list[SessionRecord]:
        """Sessions started at or after ``since``, newest first, at most ``limit``.

        Three queries whatever the count: sessions, then all their steps, then all their events.
        """
        where = None if since is None else sessions.c.started_at >= to_utc(since)
        with self._read() as connection:
            return self._load(connection, where, limit)

    def _load(
        self, connection: Connection, where: sa.ColumnElement[bool] | None, limit: int | None
    ) -> list[SessionRecord]:
        """This person's sessions matching ``where``, newest first, with steps and events."""
        newest_first = (sessions.c.started_at.desc(), sessions.c.id.desc())
        mine = self._mine(sessions) if where is None else sa.and_(self._mine(sessions), where)
        query = sa.select(sessions).where(mine).order_by(*newest_first)
        ids = sa.select(sessions.c.id).where(mine)
        if limit is not None:
            query, ids = query.limit(limit), ids.order_by(*newest_first).limit(limit)
        found = connection.execute(query).all()
        if not found:
            return []
        step_lists, event_lists = rows.steps_and_events(connection, ids)
        return [
            rows.session(row, row.snapshot, step_lists.get(row.id, ()), event_lists.get(row.id, ()))
            for row in found
        ]

    def reap_interrupted(
        self,
        now: datetime,
        alive: Callable[[int | None, str | None], bool],
        *,
        idle_after: timedelta | None = None,
    ) -> int:
        """Mark this person's "running" sessions whose player is gone as "interrupted"; returns
        how many.

        ``alive(pid, host)`` decides (``pid_alive`` by default in the CLI). A session with no
        player process (a browser's) is gone when nothing reached the journal for
        ``idle_after`` (None: never). A reaped session ends at its last step or event (else when
        it started), never later than ``now``; events that arrive later still finish it.
        """
        now = to_utc(now)
        with self._read() as connection:
            running = connection.execute(
                sa.select(sessions.c.id, sessions.c.pid, sessions.c.host, sessions.c.started_at)
                .where(sessions.c.status == SessionStatus.RUNNING.value, self._mine(sessions))
                .order_by(sessions.c.id)
            ).all()
        browser = idle_after is not None
        candidates = [r for r in running if (browser and r.pid is None) or not alive(r.pid, r.host)]
        if not candidates:
            return 0
        ids = [row.id for row in candidates]
        reaped = 0
        with self._write() as connection:
            last_step: dict[int, datetime] = dict(
                connection.execute(
                    sa.select(steps.c.session_id, sa.func.max(steps.c.finished_at))
                    .where(steps.c.session_id.in_(ids))
                    .group_by(steps.c.session_id)
                ).all()
            )
            last_event: dict[int, datetime] = dict(
                connection.execute(
                    sa.select(events.c.session_id, sa.func.max(events.c.created_at))
                    .where(events.c.session_id.in_(ids))
                    .group_by(events.c.session_id)
                ).all()
            )
            for row in candidates:
                started: datetime = row.started_at
                moments = [m for m in (last_step.get(row.id), last_event.get(row.id)) if m]
                last = max(moments, default=started)
                if alive(row.pid, row.host) and idle_after is not None and now - last < idle_after:
                    continue  # a browser's session that is still being played
                ended = max(started, min(last, now))
                result = connection.execute(
                    sa.update(sessions)
                    .where(
                        sessions.c.id == row.id,
                        sessions.c.status == SessionStatus.RUNNING.value,  # not finished since
                    )
                    .values(status=SessionStatus.INTERRUPTED.value, ended_at=ended)
                )
                reaped += result.rowcount
        return reaped
