"""Check-ins: today's pain (0-10) and, once a week, the PEG items."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa

from bedstretch.core.errors import Invalid
from bedstretch.core.records import CheckinRecord
from bedstretch.journal import rows
from bedstretch.journal.base import Base, checked_pain
from bedstretch.journal.schema import checkins, to_utc

__all__ = ["Checkins"]


class Checkins(Base):
    def add_checkin(
        self,
        *,
        day: date,
        created_at: datetime,
        pain: int | None = None,
        peg: tuple[int, int, int] | None = None,
        uid: str | None = None,
    ) -> CheckinRecord:
        """Store a check-in for ``day`` (today, or a missed day back-filled)."""
        if pain is None and peg is None:
            raise Invalid("a check-in needs a pain rating or the PEG items", field="pain")
        checked_pain(pain, "pain")
        for name, value in zip(
            ("peg_pain", "peg_enjoyment", "peg_activity"), peg or (), strict=False
        ):
            checked_pain(value, name)
        record = CheckinRecord(uid or str(uuid.uuid4()), day, to_utc(created_at), pain, peg)
        self._insert(
            checkins,
            {
                "uid": record.uid,
                "day": record.day,
                "pain": record.pain,
                "peg_pain": peg[0] if peg else None,
                "peg_enjoyment": peg[1] if peg else None,
                "peg_activity": peg[2] if peg else None,
                "created_at": record.created_at,
            },
        )
        return record

    def checkins(self, *, since: date | None = None) -> list[CheckinRecord]:
        """Check-ins on or after ``since``, oldest first (by day, then when they were made)."""
        query = (
            sa.select(*rows.CHECKIN_COLUMNS)
            .where(self._mine(checkins))
            .order_by(checkins.c.day, checkins.c.created_at, checkins.c.id)
        )
        if since is not None:
            query = query.where(checkins.c.day >= since)
        with self._one_statement() as connection:
            found = connection.execute(query).all()
        return [rows.checkin(row) for row in found]
