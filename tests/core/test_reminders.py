"""The reminder calendar: RFC 5545 text that calendar apps (and the icalendar library) read."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import icalendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bedstretch.core.reminders import calendar, describe, first_day, fold, parse_days, parse_time

SATURDAY = date(2025, 3, 1)
STAMP = datetime(2025, 3, 1, 9, 15, 30, tzinfo=timezone(timedelta(hours=1)))


def make(at: time = time(7, 30), days: tuple[str, ...] | None = None, uid: str = "r1") -> str:
    return calendar(at=at, days=days, today=SATURDAY, stamp=STAMP, uid=uid)


def event_of(text: str) -> icalendar.Event:
    parsed = icalendar.Calendar.from_ical(text)
    (event,) = parsed.walk("VEVENT")
    return event


# --------------------------------------------------------------------------- days and times


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("mon,tue", ("MO", "TU")),
        ("Fri, mon , WED", ("MO", "WE", "FR")),
        ("monday,sunday", ("MO", "SU")),
        ("sa,su", ("SA", "SU")),
        ("mon,mon", ("MO",)),
    ],
)
def test_day_names_become_rfc_codes_in_week_order(text: str, codes: tuple[str, ...]) -> None:
    assert parse_days(text) == codes


@pytest.mark.parametrize(
    ("text", "message"), [("mon,funday", "'funday'"), ("", "no days"), (",", "no days")]
)
def test_an_unknown_day_is_one_line_naming_it(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        parse_days(text)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "value"), [("07:30", time(7, 30)), ("7:05", time(7, 5)), ("23:59", time(23, 59))]
)
def test_times_are_hh_mm_on_a_24_hour_clock(text: str, value: time) -> None:
    assert parse_time(text) == value


@pytest.mark.parametrize("text", ["24:00", "7", "07:60", "7.30", "seven", "07:30:00", ""])
def test_a_bad_time_is_refused_in_one_line(text: str) -> None:
    with pytest.raises(ValueError, match="HH:MM") as caught:
        parse_time(text)
    assert "\n" not in str(caught.value)


def test_the_first_occurrence_is_today_or_the_next_chosen_day() -> None:
    assert first_day(SATURDAY, None) == SATURDAY
    assert first_day(SATURDAY, ("SA",)) == SATURDAY
    assert first_day(SATURDAY, ("MO", "WE")) == date(2025, 3, 3)
    assert first_day(SATURDAY, ("FR",)) == date(2025, 3, 7)


def test_people_read_when_it_repeats() -> None:
    assert describe(time(7, 0), None) == "every day at 07:00"
    assert describe(time(6, 45), ("MO", "WE", "FR")) == "at 06:45 on Mon, Wed, Fri"
    assert describe(time(6, 45), ("MO", "TU", "WE", "TH", "FR", "SA", "SU")) == "every day at 06:45"


# --------------------------------------------------------------------------- the file


def test_the_calendar_is_crlf_text_with_one_event_and_an_alarm() -> None:
    text = make()
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")
    lines = text.split("\r\n")[:-1]
    assert lines[:3] == [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//bedstretch//bedstretch reminders//EN",
    ]
    assert lines[-1] == "END:VCALENDAR"
    assert lines.count("BEGIN:VEVENT") == 1
    assert "DTSTART:20250301T073000" in lines  # floating: no Z, no TZID
    assert "DTSTAMP:20250301T081530Z" in lines  # the stamp, in UTC
    assert "RRULE:FREQ=DAILY" in lines
    assert "DURATION:PT15M" in lines
    assert "SUMMARY:Back stretches in bed" in lines


def test_icalendar_reads_the_rule_the_start_and_the_alarm() -> None:
    event = event_of(make(time(6, 45), ("MO", "WE", "FR")))
    assert str(event["SUMMARY"]) == "Back stretches in bed"
    assert "bedstretch start" in str(event["DESCRIPTION"])
    start = event.decoded("DTSTART")
    assert start == datetime(2025, 3, 3, 6, 45)  # the next Monday
    assert start.tzinfo is None  # floating local time
    assert event.decoded("DURATION") == timedelta(minutes=15)
    rule = event["RRULE"]
    assert rule["FREQ"] == ["WEEKLY"]
    assert rule["BYDAY"] == ["MO", "WE", "FR"]
    (alarm,) = event.walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert alarm.decoded("TRIGGER") == timedelta(0)
    assert "bedstretch start" in str(alarm["DESCRIPTION"])


def test_a_daily_reminder_starts_today() -> None:
    event = event_of(make(time(7, 0)))
    assert event.decoded("DTSTART") == datetime(2025, 3, 1, 7, 0)
    assert event["RRULE"]["FREQ"] == ["DAILY"]
    assert "BYDAY" not in event["RRULE"]


def test_lines_longer_than_75_octets_are_folded_without_splitting_a_character() -> None:
    uid = "é" * 60 + "@bedstretch"  # 131 octets
    text = make(uid=uid)
    for line in text.split("\r\n"):
        assert len(line.encode("utf-8")) <= 75
    assert str(event_of(text)["UID"]) == uid


@given(st.text(st.characters(exclude_categories=("Cs",)), max_size=300))
def test_folding_keeps_every_character_in_lines_of_75_octets(line: str) -> None:
    parts = fold(line)
    assert all(len(p.encode("utf-8")) <= 75 for p in parts)
    assert all(p.startswith(" ") for p in parts[1:])
    assert parts[0] + "".join(p[1:] for p in parts[1:]) == line


def test_a_stamp_without_a_timezone_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        calendar(at=time(7), days=None, today=SATURDAY, stamp=datetime(2025, 3, 1), uid="x")


def test_the_same_inputs_give_the_same_file() -> None:
    assert make() == make()
    assert make(uid="a") != make(uid="b")
    assert calendar(
        at=time(7), days=None, today=SATURDAY, stamp=STAMP.astimezone(UTC), uid="r1"
    ) == make(time(7))
