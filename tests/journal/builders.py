"""Records with sensible defaults, so each test states only what it is about."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from bedstretch.core.records import EventKind, EventRecord, StepRecord, StepStatus
from bedstretch.journal import Journal

T0 = datetime(2025, 3, 1, 7, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    """A moment ``minutes`` after T0."""
    return T0 + timedelta(minutes=minutes)


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
            "target_seconds": 30,
            "target_reps": None,
        }
    ],
}


def step(
    block: int = 0,
    *,
    exercise: str = "knee-to-chest",
    status: StepStatus = StepStatus.DONE,
    finished_at: datetime | None = None,
    reason: str | None = None,
) -> StepRecord:
    return StepRecord(
        block=block,
        step=block // 2,
        exercise=exercise,
        variant="single",
        side="left" if block % 2 == 0 else "right",
        set=1,
        status=status,
        target_seconds=30,
        target_reps=None,
        actual_seconds=28 if status is StepStatus.DONE else 5,
        actual_reps=None,
        finished_at=finished_at or at(block + 1),
        reason=reason,
    )


def event(
    kind: EventKind = EventKind.PAIN,
    *,
    seconds: float = 10.0,
    created_at: datetime | None = None,
    value: int | None = None,
    exercise: str | None = "knee-to-chest",
    id: str | None = None,
) -> EventRecord:
    return EventRecord(
        id=id or str(uuid.uuid4()),
        kind=kind,
        at=seconds,
        created_at=created_at or at(seconds / 60),
        value=value,
        step=0,
        exercise=exercise,
    )


def start(
    journal: Journal,
    started_at: datetime = T0,
    *,
    pain_before: int | None = 3,
    pid: int | None = None,
    host: str | None = None,
) -> int:
    return journal.start_session(
        routine_id="morning",
        routine_name="Morning",
        snapshot=SNAPSHOT,
        started_at=started_at,
        pain_before=pain_before,
        pid=pid,
        host=host,
    )
