"""A session, from start to finish: the one way every player changes the journal.

- ``begin``: the screening gate, then a new session with the snapshot of what will be played
  (the same uid again answers the same session: a phone that started offline resends it).
- ``apply_event``: store one event once (by its id) and apply what it means: a block's result
  (``step_done``), the session's end (``complete``, ``stop``), a request to screen again
  (``tingling``). The terminal player and the web API both record everything through it.
- ``finish``: the closing event, made for a player that has the session in hand.
- ``history`` and ``get``: sessions with their blocks and events; sessions whose player is gone
  become ``interrupted`` first.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bedstretch.core.errors import Conflict, Invalid, NotFound
from bedstretch.core.playback import ENDINGS, BlockResult, Event, Status
from bedstretch.core.records import (
    Applied,
    Effect,
    EventKind,
    EventRecord,
    SessionRecord,
    SessionStatus,
    StepRecord,
    StepStatus,
    ending_status,
)
from bedstretch.core.serialize import routine_dict
from bedstretch.services import screening

if TYPE_CHECKING:
    from bedstretch.core.routines import Routine
    from bedstretch.core.timeline import Timeline
    from bedstretch.journal import Journal

ABANDONED_AFTER = timedelta(hours=3)  # a browser's session nothing touched this long: interrupted
OFFLINE_START_LIMIT = timedelta(days=7)  # a start sent later may be this old
CLOCK_SKEW = timedelta(minutes=5)  # ... and this far ahead of the server's clock
RESCREEN_REASON = "tingling or numbness in a session"


def snapshot(routine: Routine, timeline: Timeline) -> dict[str, Any]:
    """What the journal keeps of a session's plan: the routine and the timeline's blocks."""
    return {
        "routine": routine_dict(routine, timeline),
        "blocks": [b.to_dict() for b in timeline.blocks],
        "total_seconds": timeline.total_seconds,
    }


@dataclass(frozen=True, slots=True)
class Started:
    id: int
    uid: str
    created: bool  # False: a session with this uid was already this person's


def started_at(sent: datetime | None, now: datetime) -> datetime:
    """When a session started: ``sent`` for a start sent later (aware, at most 7 days ago,
    not in the future), else ``now``."""
    if sent is None:
        return now
    if sent.tzinfo is None or sent.utcoffset() is None:
        raise Invalid("give a time zone (for example Z)", field="started_at")
    if sent > now + CLOCK_SKEW:
        raise Invalid("that is in the future", field="started_at")
    if sent < now - OFFLINE_START_LIMIT:
        raise Invalid("more than 7 days ago", field="started_at")
    return min(sent, now)


def begin(
    journal: Journal,
    routine: Routine,
    timeline: Timeline,
    *,
    pain_before: int | None,
    now: datetime,
    uid: str | None = None,
    at: datetime | None = None,
    player: bool = False,
) -> Started:
    """Start a session (``at``: when it started, for a start sent later). The gate is checked as
    of then (Blocked when it says no). ``player``: this process plays it (the terminal), so a
    crash shows it interrupted."""
    if uid is not None:
        known = journal.session_id(uid)
        if known is not None:
            return Started(known, uid, created=False)
    when = started_at(at, now)
    screening.require(journal, when)
    from bedstretch.journal import TakenError

    uid = uid or str(uuid.uuid4())
    try:
        session_id = journal.start_session(
            routine_id=routine.id,
            routine_name=routine.name,
            snapshot=snapshot(routine, timeline),
            started_at=when,
            pain_before=pain_before,
            pid=os.getpid() if player else None,
            host=socket.gethostname() if player else None,
            uid=uid,
        )
    except TakenError:  # another person's: say no more than that
        raise Conflict("that session uid is in use: make a new one", field="uid") from None
    return Started(session_id, uid, created=True)


@dataclass(frozen=True, slots=True)
class EventInput:
    """One event as a player sends it. For ``step_done``: ``block`` (an index into the
    session's blocks), ``status`` and what was done; for ``stop``: ``reason`` ("safety" for the
    pain guard); for ``complete`` and ``stop``: ``value``, the pain after (if asked)."""

    id: str
    kind: EventKind
    at: float = 0.0
    value: int | None = None
    step: int | None = None
    exercise: str | None = None
    block: int | None = None
    status: StepStatus | None = None
    actual_seconds: int | None = None
    actual_reps: int | None = None
    reason: str | None = None
    happened_at: datetime | None = None  # when the player saw it (None: when it arrives)


def apply_event(journal: Journal, session_id: int, event: EventInput, now: datetime) -> Applied:
    """Store ``event`` once, with what it means, in one transaction (``Journal.apply_event``).

    ``APPLIED``: stored and applied. ``ENDED``: the session had ended: the event is kept for
    the record and changes nothing (a tingling report still asks for new screening answers).
    ``DUPLICATE``: its id was stored before: nothing changes. Another person's session, or
    none: NotFound. The event keeps the time the player saw it (``happened_at``, kept within
    7 days before ``now`` and never after it), so a late event says when it happened.
    """
    when = happened(event.happened_at, now)
    block = None
    if event.kind is EventKind.STEP_DONE:
        blocks = journal.blocks(session_id)
        if blocks is None:
            raise NotFound(f"no session {session_id}")
        if event.block is None or not 0 <= event.block < len(blocks) or event.status is None:
            raise Invalid("step_done needs block (an index into blocks) and status", field="block")
        block = blocks[event.block]
    record = EventRecord(
        id=event.id,
        kind=event.kind,
        at=event.at,
        created_at=when,
        value=event.value,
        step=event.step if block is None else block["step"],
        exercise=event.exercise if block is None else block["exercise"],
    )
    effect = Effect()
    if block is not None and event.status is not None:
        effect = Effect(step=_step(block, event.status, event, when))
    elif event.kind is EventKind.TINGLING:
        effect = Effect(rescreen=RESCREEN_REASON)
    elif event.kind in (EventKind.COMPLETE, EventKind.STOP):
        effect = Effect(finish=ending_status(event.kind, event.reason))
    return journal.apply_event(session_id, record, effect)


def happened(sent: datetime | None, now: datetime) -> datetime:
    """When an event happened: the player's time, kept between 7 days ago and now (a phone's
    clock may be wrong: its event is kept, at the nearest plausible moment)."""
    if sent is None or sent.tzinfo is None or sent.utcoffset() is None:
        return now
    return max(now - OFFLINE_START_LIMIT, min(sent, now))


def _step(
    block: dict[str, Any], status: StepStatus, event: EventInput, when: datetime
) -> StepRecord:
    return StepRecord(
        block=block["index"],
        step=block["step"],
        exercise=block["exercise"],
        variant=block["variant"],
        side=block["side"],
        set=block["set"],
        status=status,
        target_seconds=block["target_seconds"],
        target_reps=block["target_reps"],
        actual_seconds=min(event.actual_seconds or 0, block["target_seconds"]),
        actual_reps=event.actual_reps,
        finished_at=when,
        reason=event.reason,
    )


def result_event(result: BlockResult) -> EventInput:
    """A block's result (from the playback core) as the ``step_done`` event that records it."""
    block = result.block
    return EventInput(
        id=str(uuid.uuid4()),
        kind=EventKind.STEP_DONE,
        at=float(result.at),
        step=block.step,
        exercise=block.exercise,
        block=block.index,
        status=result.status,
        actual_seconds=result.actual_seconds,
        actual_reps=result.actual_reps,
        reason=result.reason,
    )


def person_event(event: Event) -> EventInput:
    """Something the person did (from the playback core) as the event that records it."""
    return EventInput(
        str(uuid.uuid4()), event.kind, event.at, event.value, event.step, event.exercise
    )


class Recorder:
    """A player's outputs, recorded as they happen: each block's result and each of the
    person's events, through ``apply_event`` (so the terminal keeps what the web keeps)."""

    def __init__(self, journal: Journal, session_id: int, now: Callable[[], datetime]) -> None:
        self.journal = journal
        self.session_id = session_id
        self.now = now

    def record(self, output: BlockResult | Event) -> None:
        event = result_event(output) if isinstance(output, BlockResult) else person_event(output)
        apply_event(self.journal, self.session_id, event, self.now())


def finish(
    journal: Journal,
    session_id: int,
    how: Status,
    *,
    at: float,
    pain_after: int | None,
    now: datetime,
) -> SessionStatus:
    """End a session as playback ended (``how``), with the pain after if it was asked."""
    kind, reason = ENDINGS.get(how, ENDINGS[Status.STOPPED])
    ending = EventInput(str(uuid.uuid4()), kind, at, pain_after, reason=reason)
    apply_event(journal, session_id, ending, now)
    return ending_status(kind, reason)


def reap(journal: Journal, now: datetime) -> int:
    """Running sessions whose terminal player died, or that no browser has touched for
    ABANDONED_AFTER, become "interrupted" (events that arrive later still finish them)."""
    from bedstretch.journal import pid_alive

    return journal.reap_interrupted(now, pid_alive, idle_after=ABANDONED_AFTER)


def history(journal: Journal, now: datetime, *, limit: int | None = None) -> list[SessionRecord]:
    """Sessions, newest first, each with its blocks and events."""
    reap(journal, now)
    return journal.sessions(limit=limit)


def get(journal: Journal, session_id: int) -> SessionRecord:
    found = journal.session(session_id)
    if found is None:
        raise NotFound(f"no session {session_id}")
    return found
