"""Honest progress from tables: the meaningful rule at its edges, streaks across calendars."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from bedstretch.core.progress import (
    MIN_DAYS_FOR_TREND,
    SessionSummary,
    daily_pain,
    pain_trend,
    progress,
    sparkline,
    streaks,
)
from bedstretch.core.records import CheckinRecord

D0 = date(2026, 3, 2)  # a Monday


def days(*values: int, start: date = D0) -> list[tuple[date, int]]:
    return [(start + timedelta(days=i), v) for i, v in enumerate(values)]


def session(
    day: date, pain_before: int | None = None, hour: int = 7, **kw: object
) -> SessionSummary:
    return SessionSummary(
        uid=f"s-{day}-{hour}",
        started_at=datetime(day.year, day.month, day.day, hour, tzinfo=UTC),
        status="completed",
        routine="quick",
        pain_before=pain_before,
        done_seconds=300,
        done_steps=6,
        **kw,  # type: ignore[arg-type]
    )


MEANINGFUL = [
    # baseline days, latest days, meaningful?, worse?
    ((8, 8, 8), (6, 6, 6), False, False),  # 2 points but 25 %: not meaningful
    ((3, 3, 3), (2, 2, 2), False, False),  # 33 % but 1 point: not meaningful
    ((6, 7, 6), (4, 4, 4), True, False),  # 2 points and 33 %: meaningful
    ((10, 10, 10), (7, 7, 7), True, False),  # 3 points and 30 % exactly: meaningful
    ((10, 10, 10), (8, 8, 8), False, False),  # 2 points but 20 %
    ((4, 4, 4), (6, 6, 6), False, True),  # 2 points and 50 % worse: clearly worse
    ((8, 8, 8), (9, 9, 9), False, False),  # a little worse is not "clearly"
    ((0, 0, 0), (2, 2, 2), False, True),  # from no pain to 2: worse
]


@pytest.mark.parametrize(("first", "last", "meaningful", "worse"), MEANINGFUL)
def test_the_meaningful_rule_needs_two_points_and_thirty_percent(
    first: tuple[int, ...], last: tuple[int, ...], meaningful: bool, worse: bool
) -> None:
    trend = pain_trend(days(*first, *last))
    assert (trend.meaningful, trend.worse) == (meaningful, worse)


def test_baseline_and_latest_are_medians_of_three_days() -> None:
    trend = pain_trend(days(9, 5, 6, 8, 7, 1, 3, 2))
    assert (trend.baseline, trend.latest) == (6, 2)
    assert trend.change_points == -4
    assert trend.change_percent == pytest.approx(-66.7)


def test_too_few_days_reports_no_trend() -> None:
    trend = pain_trend(days(*([5] * (MIN_DAYS_FOR_TREND - 1))))
    assert not trend.enough
    assert trend.baseline is None
    assert trend.meaningful is False


def test_one_value_per_day_the_days_first_from_checkins_and_sessions() -> None:
    morning = session(D0, pain_before=6, hour=6)
    later = session(D0, pain_before=2, hour=20)
    checkin = CheckinRecord("c1", D0, datetime(2026, 3, 2, 9, tzinfo=UTC), pain=4)
    backfilled = CheckinRecord(
        "c2", D0 + timedelta(days=1), datetime(2026, 3, 9, tzinfo=UTC), pain=3
    )
    assert daily_pain([later, morning], [checkin, backfilled], UTC) == [
        (D0, 6),
        (D0 + timedelta(days=1), 3),
    ]


STREAKS = [
    # practised days (offsets from a start), today offset, (current, longest)
    ([0, 1, 2], 2, (3, 3)),
    ([0, 1, 2], 3, (3, 3)),  # today not practised yet: the streak holds until tomorrow
    ([0, 1, 2], 4, (0, 3)),
    ([0, 1, 3, 4, 5, 6], 6, (4, 4)),
    ([0, 2, 4], 4, (1, 1)),
    ([], 0, (0, 0)),
]


@pytest.mark.parametrize("start", [date(2026, 1, 30), date(2025, 12, 30), date(2024, 2, 28)],
                         ids=["month-end", "year-end", "leap-day"])  # fmt: skip
@pytest.mark.parametrize(("offsets", "today", "expected"), STREAKS)
def test_streaks_count_consecutive_days_across_month_and_year_ends(
    start: date, offsets: list[int], today: int, expected: tuple[int, int]
) -> None:
    practised = [start + timedelta(days=o) for o in offsets]
    assert streaks(practised, start + timedelta(days=today)) == expected


def test_days_follow_the_persons_time_zone() -> None:
    # 23:30 UTC on three evenings is 01:30 the next morning in UTC+2: the same three days, later.
    evenings = [
        SessionSummary(
            f"s{i}", datetime(2026, 12, 30 + i, 23, 30, tzinfo=UTC), "completed", "q", done_steps=1
        )
        for i in range(2)
    ] + [
        SessionSummary(
            "s2", datetime(2027, 1, 1, 23, 30, tzinfo=UTC), "completed", "q", done_steps=1
        )
    ]
    east = timezone(timedelta(hours=2))
    west = timezone(timedelta(hours=-5))
    in_east = progress(evenings, [], today=date(2027, 1, 3), tz=east)
    in_west = progress(evenings, [], today=date(2027, 1, 3), tz=west)
    assert (in_east.streak_current, in_east.streak_longest) == (3, 3)  # 31 Dec - 2 Jan
    assert (in_west.streak_current, in_west.streak_longest) == (0, 3)  # 30 Dec - 1 Jan


def test_sessions_per_week_count_days_against_daily_practice() -> None:
    sessions = [session(D0 + timedelta(days=i)) for i in (0, 1, 1, 3, 9)]
    result = progress(sessions, [], today=D0 + timedelta(days=15), tz=UTC)
    assert [(w.start, w.sessions, w.days) for w in result.weeks] == [
        (D0, 4, 3),
        (D0 + timedelta(days=7), 1, 1),
        (D0 + timedelta(days=14), 0, 0),
    ]
    assert result.to_dict()["sessions_per_week"][0]["target_days"] == 7


def test_sessions_without_a_finished_hold_are_not_practice() -> None:
    empty = SessionSummary("x", datetime(2026, 3, 2, 7, tzinfo=UTC), "stopped", "q", done_steps=0)
    assert progress([empty], [], today=D0, tz=UTC).sessions == 0


ADVICE = [
    # pain by day, today offset, advice contains
    ([5, 5], 2, "Not enough pain ratings for a trend yet: 2 of 6 days"),
    ([6, 6, 6, 3, 3, 3], 6, "meaningfully lower"),
    ([3, 3, 3, 6, 6, 6], 6, "clearly worse"),
    ([6, 6, 6, 5, 5, 5], 10, "No meaningful change yet"),
    ([6, 6, 6, 5, 5, 5], 28, "No meaningful improvement after 4 weeks"),
]


@pytest.mark.parametrize(("pain", "today", "phrase"), ADVICE)
def test_advice_is_honest_about_the_trend(pain: list[int], today: int, phrase: str) -> None:
    checkins = [
        CheckinRecord(f"c{i}", D0 + timedelta(days=i), datetime(2026, 3, 2, tzinfo=UTC), pain=v)
        for i, v in enumerate(pain)
    ]
    result = progress([], checkins, today=D0 + timedelta(days=today), tz=UTC)
    assert phrase in result.advice
    if "worse" in phrase or "4 weeks" in phrase:
        assert "doctor or physiotherapist" in result.advice
    assert "cure" not in result.advice.lower()


def test_since_limits_sessions_and_ratings() -> None:
    sessions = [session(D0 + timedelta(days=i), pain_before=5) for i in range(10)]
    result = progress(
        sessions, [], today=D0 + timedelta(days=10), tz=UTC, since=D0 + timedelta(days=7)
    )
    assert (result.sessions, result.pain.days) == (3, 3)


def test_peg_scores_and_trouble_are_reported() -> None:
    checkins = [
        CheckinRecord("a", D0, datetime(2026, 3, 2, tzinfo=UTC), peg=(6, 6, 7)),
        CheckinRecord("b", D0 + timedelta(days=7), datetime(2026, 3, 9, tzinfo=UTC), peg=(4, 4, 4)),
    ]
    sessions = [
        session(D0, pain_skips=("figure-four",)),
        session(D0 + timedelta(days=1), pain_skips=("figure-four", "hamstring")),
    ]
    data = progress(sessions, checkins, today=D0 + timedelta(days=8), tz=UTC).to_dict()
    assert data["peg"]["first"] == pytest.approx(6.33)
    assert data["peg"]["change"] == pytest.approx(-2.33)
    assert data["trouble"] == [
        {"exercise": "figure-four", "sessions": 2},
        {"exercise": "hamstring", "sessions": 1},
    ]
    assert set(data) >= {"pain", "streak", "sessions_per_week", "advice"}
    assert set(data["pain"]) >= {
        "baseline",
        "latest",
        "change_points",
        "change_percent",
        "meaningful",
    }


def test_sparklines_scale_pain_to_eight_levels() -> None:
    assert sparkline([0, 5, 10]) == "▁▅█"
    assert len(sparkline(list(range(11)) * 10, width=30)) == 30
