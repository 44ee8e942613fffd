"""Check-ins: today's pain (0-10) and, once a week, the PEG scale (three items, each 0-10)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from bedstretch.core.errors import Invalid

if TYPE_CHECKING:
    from bedstretch.core.records import CheckinRecord
    from bedstretch.journal import Journal

PEG_EVERY = timedelta(days=7)
PEG_QUESTIONS = (
    "Your average pain in the past week",
    "How much pain interfered with your enjoyment of life",
    "How much pain interfered with your general activity",
)


def _score(value: int | None, field: str) -> None:
    if value is not None and (isinstance(value, bool) or not 0 <= value <= 10):
        raise Invalid(f"must be a whole number 0-10, not {value!r}", field=field)


def add(
    journal: Journal,
    *,
    pain: int | None,
    peg: tuple[int, int, int] | None,
    now: datetime,
    day: date | None = None,
) -> CheckinRecord:
    """Record a check-in for ``day`` (default: today, ``now``'s date; never a future day)."""
    if pain is None and peg is None:
        raise Invalid("a check-in needs a pain rating or the PEG items", field="pain")
    _score(pain, "pain")
    if peg is not None:
        if len(peg) != 3:
            raise Invalid("the PEG scale has three items", field="peg")
        for value in peg:
            _score(value, "peg")
    today = now.date()
    when = day or today
    if when > today:
        raise Invalid(f"{when.isoformat()} is in the future", field="date")
    return journal.add_checkin(day=when, created_at=now, pain=pain, peg=peg)


def peg_due(journal: Journal, today: date) -> bool:
    """Is the weekly PEG due: none answered in the 7 days up to ``today``?"""
    since = today - (PEG_EVERY - timedelta(days=1))
    return not any(c.peg for c in journal.checkins(since=since))
