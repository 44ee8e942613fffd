"""Red-flag screenings and requests to screen again."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime

import sqlalchemy as sa

from bedstretch.core.errors import NotFound
from bedstretch.core.records import ScreeningRecord
from bedstretch.journal import rows
from bedstretch.journal.base import Base
from bedstretch.journal.schema import rescreen_requests, screenings, to_utc

__all__ = ["Screenings"]


class Screenings(Base):
    def add_screening(
        self,
        *,
        taken_at: datetime,
        outcome: str,
        reasons: Sequence[str],
        answers: Mapping[str, bool],
        age: float,
        cleared_at: datetime | None = None,
        uid: str | None = None,
    ) -> ScreeningRecord:
        uid = uid or str(uuid.uuid4())
        record = ScreeningRecord(
            id=None,
            taken_at=to_utc(taken_at),
            outcome=str(outcome),
            reasons=tuple(reasons),
            answers=dict(answers),
            age=float(age),
            cleared_at=None if cleared_at is None else to_utc(cleared_at),
        )
        new_id = self._insert(
            screenings,
            {
                "uid": uid,
                "taken_at": record.taken_at,
                "outcome": record.outcome,
                "reasons": list(record.reasons),
                "answers": dict(record.answers),
                "age": record.age,
                "cleared_at": record.cleared_at,
            },
        )
        return ScreeningRecord(
            id=new_id,
            taken_at=record.taken_at,
            outcome=record.outcome,
            reasons=record.reasons,
            answers=record.answers,
            age=record.age,
            cleared_at=record.cleared_at,
            uid=uid,
        )

    def latest_screening(self) -> ScreeningRecord | None:
        with self._read() as connection:
            row = connection.execute(
                sa.select(screenings)
                .where(self._mine(screenings))
                .order_by(screenings.c.taken_at.desc(), screenings.c.id.desc())
                .limit(1)
            ).first()
        return None if row is None else rows.screening(row)

    def clear_screening(self, screening_id: int, at: datetime) -> None:
        """A clinician has checked the person after this screening (another person's, or an
        unknown id: NotFound)."""
        with self._write() as connection:
            result = connection.execute(
                sa.update(screenings)
                .where(screenings.c.id == screening_id, self._mine(screenings))
                .values(cleared_at=to_utc(at))
            )
        if result.rowcount == 0:
            raise NotFound(f"no screening {screening_id} in the journal")

    def request_rescreen(self, at: datetime, reason: str) -> None:
        """Something new was reported (e.g. tingling): screen again before the next session."""
        self._insert(rescreen_requests, {"at": to_utc(at), "reason": reason})

    def rescreen_reason(self) -> str | None:
        """The reason of the latest request made after the latest screening, else None."""
        latest = (
            sa.select(sa.func.max(screenings.c.taken_at))
            .where(self._mine(screenings))
            .scalar_subquery()
        )
        with self._read() as connection:
            reason = connection.execute(
                sa.select(rescreen_requests.c.reason)
                .where(
                    self._mine(rescreen_requests),
                    sa.or_(latest.is_(None), rescreen_requests.c.at > latest),
                )
                .order_by(rescreen_requests.c.at.desc(), rescreen_requests.c.id.desc())
                .limit(1)
            ).scalar()
        return None if reason is None else str(reason)
