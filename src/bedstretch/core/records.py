"""What the journal keeps, as plain values: screenings, sessions, their steps and events.

Storage (``bedstretch.journal``) turns rows into these; history, progress and exports read them.
A journal "step" is one block of the timeline: one hold, set of reps or timed flow, on one side.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any


class SessionStatus(StrEnum):
    RUNNING = (
        "running"  # being played now (or killed: shown as interrupted once the player is gone)
    )
    COMPLETED = "completed"
    STOPPED = "stopped"  # the person quit
    SAFETY_STOP = "safety_stop"  # the pain guard stopped it
    INTERRUPTED = "interrupted"  # the player died mid-session (crash, kill -9, power)


class StepStatus(StrEnum):
    DONE = "done"
    SKIPPED = "skipped"
    PAIN_SKIP = "pain_skip"
    NOT_REACHED = "not_reached"  # never stored: derived from the session's snapshot


class EventKind(StrEnum):
    PAIN = "pain"  # value 0-10
    SHARP = "sharp"
    TINGLING = "tingling"
    PAUSE = "pause"
    RESUME = "resume"
    SKIP = "skip"
    BACK = "back"
    STEP_DONE = "step_done"
    STOP = "stop"
    COMPLETE = "complete"


OPEN = frozenset({SessionStatus.RUNNING, SessionStatus.INTERRUPTED})  # may still change


def ending_status(kind: EventKind, reason: str | None) -> SessionStatus:
    """The status a closing event gives a session: ``complete``, or ``stop`` (reason "safety":
    the pain guard stopped it; anything else: the person quit)."""
    if kind is EventKind.COMPLETE:
        return SessionStatus.COMPLETED
    if kind is EventKind.STOP:
        return SessionStatus.SAFETY_STOP if reason == "safety" else SessionStatus.STOPPED
    raise ValueError(f"{kind} does not end a session")


@dataclass(frozen=True, slots=True)
class ScreeningRecord:
    id: int | None
    taken_at: datetime
    outcome: str
    reasons: tuple[str, ...]
    answers: Mapping[str, bool]
    age: float
    cleared_at: datetime | None = None
    uid: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "uid": self.uid,
            "taken_at": self.taken_at.isoformat(),
            "outcome": self.outcome,
            "reasons": list(self.reasons),
            "cleared_at": self.cleared_at.isoformat() if self.cleared_at else None,
        }


@dataclass(frozen=True, slots=True)
class StepRecord:
    block: int  # index into the session snapshot's blocks
    step: int  # index into the routine's steps
    exercise: str
    variant: str
    side: str | None
    set: int
    status: StepStatus
    target_seconds: int
    target_reps: int | None
    actual_seconds: int
    actual_reps: int | None
    finished_at: datetime
    reason: str | None = None  # why it was skipped, e.g. "sharp pain"

    def to_dict(self) -> dict[str, Any]:
        return {
            "block": self.block,
            "step": self.step,
            "exercise": self.exercise,
            "variant": self.variant,
            "side": self.side,
            "set": self.set,
            "status": self.status.value,
            "target_seconds": self.target_seconds,
            "target_reps": self.target_reps,
            "actual_seconds": self.actual_seconds,
            "actual_reps": self.actual_reps,
            "finished_at": self.finished_at.isoformat(),
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class EventRecord:
    id: str  # a UUID made by whoever saw the event happen: storing it twice is a no-op
    kind: EventKind
    at: float  # seconds into the timeline
    created_at: datetime
    value: int | None = None
    step: int | None = None
    exercise: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind.value,
            "at": self.at,
            "created_at": self.created_at.isoformat(),
            "value": self.value,
            "step": self.step,
            "exercise": self.exercise,
        }


class Applied(StrEnum):
    """What storing an event did."""

    APPLIED = "applied"  # stored, and what it means is in the journal with it
    ENDED = "ended"  # stored for the record; the session had ended, so it changed nothing
    DUPLICATE = "duplicate"  # an event with this id was stored before: nothing changed


@dataclass(frozen=True, slots=True)
class Effect:
    """What an event changes besides itself, written in the same transaction as the event:
    a block's result, the session's end, a request to screen again."""

    step: StepRecord | None = None
    finish: SessionStatus | None = None  # with the event's value as the pain after
    rescreen: str | None = None  # the reason

    @property
    def none(self) -> bool:
        return self.step is None and self.finish is None and self.rescreen is None


@dataclass(frozen=True, slots=True)
class SessionRecord:
    id: int
    routine_id: str
    routine_name: str
    started_at: datetime
    status: SessionStatus
    snapshot: Mapping[str, Any]  # {"routine": routine dict, "blocks": [block dicts]}
    ended_at: datetime | None = None
    pain_before: int | None = None
    pain_after: int | None = None
    steps: tuple[StepRecord, ...] = field(default=())
    events: tuple[EventRecord, ...] = field(default=())
    uid: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The history entry (docs/json.md): steps include blocks never reached."""
        return {
            "id": self.id,
            "uid": self.uid,
            "routine": self.routine_id,
            "routine_name": self.routine_name,
            "status": self.status.value,
            "started_at": self.started_at.isoformat(),
            "ended_at": self.ended_at.isoformat() if self.ended_at else None,
            "pain_before": self.pain_before,
            "pain_after": self.pain_after,
            "steps": history_steps(self),
            "events": [e.to_dict() for e in self.events],
        }


@dataclass(frozen=True, slots=True)
class CheckinRecord:
    """A check-in: pain today (0-10) and/or the PEG items (each 0-10), for one calendar day."""

    uid: str
    day: date
    created_at: datetime
    pain: int | None = None
    peg: tuple[int, int, int] | None = None  # average pain, enjoyment of life, general activity

    @property
    def peg_score(self) -> float | None:
        return None if self.peg is None else round(sum(self.peg) / 3, 2)

    def to_dict(self) -> dict[str, Any]:
        return {
            "uid": self.uid,
            "day": self.day.isoformat(),
            "created_at": self.created_at.isoformat(),
            "pain": self.pain,
            "peg": None if self.peg is None else list(self.peg),
            "peg_score": self.peg_score,
        }


class TokenKind(StrEnum):
    API = "api"  # a bearer token for API clients
    WEB = "web"  # a browser's session cookie (with its CSRF token)
    RESET = "reset"  # a one-time password reset link, issued by the server's owner (1 hour)


@dataclass(frozen=True, slots=True)
class TokenRecord:
    """A live sign-in, found by the hash of its secret (the secret itself is never stored)."""

    user_id: int
    kind: TokenKind
    csrf: str | None
    expires_at: datetime


def history_steps(session: SessionRecord) -> list[dict[str, Any]]:
    """Every block of the session's snapshot: its latest stored result, or ``not_reached``."""
    latest: dict[int, StepRecord] = {}
    for step in session.steps:
        latest[step.block] = step
    out = []
    for block in session.snapshot.get("blocks", []):
        record = latest.get(block["index"])
        if record is not None:
            out.append(record.to_dict())
            continue
        out.append(
            {
                "block": block["index"],
                "step": block["step"],
                "exercise": block["exercise"],
                "variant": block["variant"],
                "side": block["side"],
                "set": block["set"],
                "status": StepStatus.NOT_REACHED.value,
                "target_seconds": block["target_seconds"],
                "target_reps": block["target_reps"],
                "actual_seconds": 0,
                "actual_reps": None,
                "finished_at": None,
                "reason": None,
            }
        )
    return out
