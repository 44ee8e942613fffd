"""A daily (or weekly, on chosen days) reminder as an RFC 5545 iCalendar file.

Pure: the caller passes today's date, the stamp and the event's uid. The event starts at the
chosen time as *floating* local time (no time zone: 07:30 wherever the person is), lasts 15
minutes, repeats, and carries an alarm at its start. See docs/export.md.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from bedstretch.core.errors import Invalid

__all__ = ["DAY_CODES", "SUMMARY", "calendar", "describe", "parse_days", "parse_time"]

DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")  # RFC 5545 weekdays, Monday first
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAYS = {
    name: index
    for index in range(7)
    for name in (DAY_NAMES[index], _FULL[index], DAY_CODES[index].lower())
}
SUMMARY = "Back stretches in bed"
TERMINAL = "run `bedstretch start`"  # how to begin, said in the event and its alarm
DESCRIPTION = "Time for your low-back stretches: {how} and follow the coach."
ALARM = "Back stretches in bed: {how}."
PRODID = "-//bedstretch//bedstretch reminders//EN"
LINE_OCTETS = 75


def parse_days(text: str) -> tuple[str, ...]:
    """``"mon,tue"`` -> ``("MO", "TU")`` in week order; Invalid (one line) for a bad name.

    Accepts mon..sun, full names (monday) and RFC codes (mo), in any case, comma-separated.
    """
    names = [part.strip().lower() for part in text.split(",") if part.strip()]
    if not names:
        raise Invalid("no days given (use e.g. mon,wed,fri)", field="days")
    unknown = [name for name in names if name not in _DAYS]
    if unknown:
        raise Invalid(f"unknown day {unknown[0]!r} (use {', '.join(DAY_NAMES)})", field="days")
    return tuple(DAY_CODES[i] for i in sorted({_DAYS[name] for name in names}))


def parse_time(text: str) -> time:
    """``"07:30"`` -> 07:30; Invalid (one line) unless HH:MM on a 24-hour clock."""
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", text)
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise Invalid(f"{text!r} is not a time of day HH:MM (00:00 to 23:59)", field="at")
    # (time.fromisoformat: the purity test bans any call named time(), the clock's name)
    return time.fromisoformat(f"{int(match[1]):02d}:{match[2]}")


def _weekdays(days: Sequence[str] | None) -> tuple[int, ...]:
    """Weekday numbers (Monday 0) in week order; empty: every day."""
    if not days:
        return ()
    found = set()
    for day in days:
        key = day.strip().lower()
        if key not in _DAYS:
            raise ValueError(f"unknown day {day!r} (use {', '.join(DAY_NAMES)})")
        found.add(_DAYS[key])
    return () if len(found) == 7 else tuple(sorted(found))


def first_day(today: date, days: Sequence[str] | None) -> date:
    """Today if it is one of ``days`` (or every day is), else the next day that is."""
    weekdays = _weekdays(days)
    if not weekdays:
        return today
    ahead = min((w - today.weekday()) % 7 for w in weekdays)
    return today + timedelta(days=ahead)


def describe(at: time, days: Sequence[str] | None) -> str:
    """For people: "every day at 07:30" or "at 07:30 on Mon, Wed, Fri"."""
    weekdays = _weekdays(days)
    clock = f"{at.hour:02d}:{at.minute:02d}"
    if not weekdays:
        return f"every day at {clock}"
    return f"at {clock} on {', '.join(DAY_NAMES[w].title() for w in weekdays)}"


def _escape(text: str) -> str:
    """RFC 5545 TEXT: backslash, semicolon, comma and newlines escaped."""
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line: str) -> list[str]:
    """One content line folded to at most 75 octets per line (continuations start with a space);
    never splits a UTF-8 character."""
    out: list[str] = []
    current = ""
    size = 0
    limit = LINE_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            out.append(current)
            current, size, limit = " ", 1, LINE_OCTETS
        current += char
        size += width
    out.append(current)
    return out


def calendar(
    *,
    at: time,
    days: Sequence[str] | None,
    today: date,
    stamp: datetime,
    uid: str,
    how: str = TERMINAL,
) -> str:
    """A VCALENDAR with one recurring VEVENT and a display alarm at its start.

    ``days``: RFC codes or day names (``parse_days`` output); None or empty (or all seven) means
    every day (``FREQ=DAILY``), else ``FREQ=WEEKLY;BYDAY=...``. The first occurrence is today when
    today matches, else the next matching day. ``stamp`` (aware) becomes DTSTAMP in UTC.
    ``how`` says how to begin (the terminal command, or the web app's address).
    """
    if stamp.tzinfo is None or stamp.utcoffset() is None:
        raise ValueError("stamp must be timezone-aware")
    weekdays = _weekdays(days)
    start = datetime.combine(first_day(today, days), at.replace(microsecond=0, tzinfo=None))
    if weekdays:
        rule = "FREQ=WEEKLY;BYDAY=" + ",".join(DAY_CODES[w] for w in weekdays)
    else:
        rule = "FREQ=DAILY"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{stamp.astimezone(UTC):%Y%m%dT%H%M%SZ}",
        f"DTSTART:{start:%Y%m%dT%H%M%S}",
        "DURATION:PT15M",
        f"RRULE:{rule}",
        f"SUMMARY:{_escape(SUMMARY)}",
        f"DESCRIPTION:{_escape(DESCRIPTION.format(how=how))}",
        "TRANSP:TRANSPARENT",
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        "TRIGGER:PT0M",
        f"DESCRIPTION:{_escape(ALARM.format(how=how))}",
        "END:VALARM",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(part + "\r\n" for line in lines for part in fold(line))
