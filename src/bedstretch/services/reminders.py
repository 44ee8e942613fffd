"""A calendar file (RFC 5545) with a recurring stretching event and an alarm at its start."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Reminder:
    ics: str  # the calendar text
    description: str  # for people: "every day at 07:30"


def reminder(at: str, days: str | None, now: datetime, how: str | None = None) -> Reminder:
    """``at`` HH:MM, ``days`` "mon,wed,fri" (None: every day); Invalid names ``at`` or ``days``.
    ``how``: what the event tells the person to do (each door says its own way in)."""
    from bedstretch.core.reminders import TERMINAL, calendar, describe, parse_days, parse_time

    when = parse_time(at)
    chosen = parse_days(days) if days is not None else None
    text = calendar(
        at=when,
        days=chosen,
        today=now.date(),
        stamp=now,
        uid=f"{uuid.uuid4()}@bedstretch",
        how=how or TERMINAL,
    )
    return Reminder(text, describe(when, chosen))
