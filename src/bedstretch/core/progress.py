"""Is it helping? Honest progress from sessions and check-ins: practice, streaks, pain, PEG.

Pure: the caller passes the records, ``today`` and the person's time zone. The rules (DESIGN.md
section 3): pain ratings 0-10, one value per day (the day's first, from check-ins and sessions'
pain before); baseline = median of the first 3 days with a rating, latest = median of the last 3;
a change is *meaningful* only when it is at least 2 points AND at least 30 % better than the
baseline. With fewer than 6 days of ratings there is no trend to report, and we say so. After 4
weeks without a meaningful improvement, or when pain is clearly worse, the advice is to see a
professional. Nothing here claims a cure.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from bedstretch.core.records import CheckinRecord

MIN_DAYS_FOR_TREND = 6  # three for the baseline, three for the latest, no overlap
WINDOW = 3
MEANINGFUL_POINTS = 2
MEANINGFUL_FRACTION = 0.30
REVIEW_AFTER = timedelta(days=28)


@dataclass(frozen=True, slots=True)
class SessionSummary:
    """What progress needs of one session (the journal aggregates it from steps and events)."""

    uid: str
    started_at: datetime
    status: str
    routine: str
    ended_at: datetime | None = None
    pain_before: int | None = None
    pain_after: int | None = None
    done_seconds: int = 0  # time spent in holds, reps and flows that were done
    done_steps: int = 0
    pain_skips: tuple[str, ...] = ()  # exercises skipped by the pain guard
    done_exercises: tuple[str, ...] = ()  # exercises with at least one done block
    pain_reports: int = 0  # pain, sharp and tingling reports

    @property
    def practised(self) -> bool:
        return self.done_steps > 0


@dataclass(frozen=True, slots=True)
class PainTrend:
    days: int  # days with a rating
    baseline: float | None = None
    latest: float | None = None
    change_points: float | None = None  # latest - baseline: negative is better
    change_percent: float | None = None  # the same against the baseline, in percent
    meaningful: bool = False  # a meaningful improvement
    worse: bool = False  # clearly worse: 2+ points and 30 %+ up
    first_day: date | None = None
    last_day: date | None = None
    series: tuple[tuple[date, int], ...] = ()

    @property
    def enough(self) -> bool:
        return self.days >= MIN_DAYS_FOR_TREND

    @property
    def verdict(self) -> str:
        """The trend in words (with enough data)."""
        if self.meaningful:
            return "a meaningful improvement"
        return "clearly worse" if self.worse else "no meaningful change"

    def to_dict(self) -> dict[str, Any]:
        return {
            "days": self.days,
            "enough_data": self.enough,
            "baseline": self.baseline,
            "latest": self.latest,
            "change_points": self.change_points,
            "change_percent": self.change_percent,
            "meaningful": self.meaningful,
            "worse": self.worse,
            "first_day": self.first_day.isoformat() if self.first_day else None,
            "last_day": self.last_day.isoformat() if self.last_day else None,
        }


@dataclass(frozen=True, slots=True)
class Week:
    start: date  # a Monday
    sessions: int
    days: int  # days with practice (the target is 7: daily)
    minutes: float


@dataclass(frozen=True, slots=True)
class Progress:
    today: date
    sessions: int
    days_practised: int
    minutes: float
    streak_current: int
    streak_longest: int
    weeks: tuple[Week, ...]
    pain: PainTrend
    peg: tuple[tuple[date, float], ...]
    pain_skips: tuple[tuple[str, int], ...]  # exercise, sessions with a pain skip
    advice: str
    session_pain: tuple[tuple[date, int | None, int | None], ...] = field(default=())
    checkin_pain: tuple[tuple[date, int], ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        peg_change = None
        if len(self.peg) >= 2:
            peg_change = round(self.peg[-1][1] - self.peg[0][1], 2)
        return {
            "today": self.today.isoformat(),
            "sessions": self.sessions,
            "days_practised": self.days_practised,
            "minutes": round(self.minutes, 1),
            "streak": {"current": self.streak_current, "longest": self.streak_longest},
            "sessions_per_week": [
                {
                    "week": w.start.isoformat(),
                    "sessions": w.sessions,
                    "days": w.days,
                    "target_days": 7,
                    "minutes": round(w.minutes, 1),
                }
                for w in self.weeks
            ],
            "pain": self.pain.to_dict(),
            "peg": {
                "scores": [{"day": d.isoformat(), "score": s} for d, s in self.peg],
                "first": self.peg[0][1] if self.peg else None,
                "latest": self.peg[-1][1] if self.peg else None,
                "change": peg_change,
            },
            # (the JSON key of the first version: the pain skips per exercise)
            "trouble": [{"exercise": e, "sessions": n} for e, n in self.pain_skips],
            "advice": self.advice,
        }


def local_day(moment: datetime, tz: tzinfo) -> date:
    return moment.astimezone(tz).date()


def daily_pain(
    sessions: Iterable[SessionSummary], checkins: Iterable[CheckinRecord], tz: tzinfo
) -> list[tuple[date, int]]:
    """One rating per day: the day's first, from check-ins and sessions' pain before."""
    first: dict[date, tuple[datetime, int]] = {}
    ratings: list[tuple[date, datetime, int]] = [
        (local_day(s.started_at, tz), s.started_at, s.pain_before)
        for s in sessions
        if s.pain_before is not None
    ]
    ratings += [(c.day, c.created_at, c.pain) for c in checkins if c.pain is not None]
    for day, moment, value in ratings:
        if day not in first or moment < first[day][0]:
            first[day] = (moment, value)
    return sorted((day, value) for day, (_, value) in first.items())


def pain_trend(series: Sequence[tuple[date, int]]) -> PainTrend:
    if len(series) < MIN_DAYS_FOR_TREND:
        return PainTrend(
            len(series),
            first_day=series[0][0] if series else None,
            last_day=series[-1][0] if series else None,
            series=tuple(series),
        )
    baseline = float(statistics.median(v for _, v in series[:WINDOW]))
    latest = float(statistics.median(v for _, v in series[-WINDOW:]))
    change = latest - baseline
    percent = None if baseline == 0 else round(change / baseline * 100, 1)
    better = -change
    meaningful = (
        better >= MEANINGFUL_POINTS and baseline > 0 and better / baseline >= MEANINGFUL_FRACTION
    )
    worse = change >= MEANINGFUL_POINTS and (
        baseline == 0 or change / baseline >= MEANINGFUL_FRACTION
    )
    return PainTrend(
        days=len(series),
        baseline=baseline,
        latest=latest,
        change_points=change,
        change_percent=percent,
        meaningful=meaningful,
        worse=worse,
        first_day=series[0][0],
        last_day=series[-1][0],
        series=tuple(series),
    )


def streaks(days: Iterable[date], today: date) -> tuple[int, int]:
    """(current, longest) runs of consecutive days. The current run may end today or
    yesterday (today's session may not have happened yet)."""
    ordered = sorted(set(days))
    longest = run = 0
    previous: date | None = None
    for day in ordered:
        run = run + 1 if previous is not None and day - previous == timedelta(days=1) else 1
        longest = max(longest, run)
        previous = day
    if previous is None or (today - previous).days > 1:
        return 0, longest
    return run, longest


def advice(trend: PainTrend, today: date) -> str:
    if not trend.enough:
        return (
            f"Not enough pain ratings for a trend yet: {trend.days} of {MIN_DAYS_FOR_TREND} days. "
            "Rate your pain each day: every session asks, or add a daily check-in."
        )
    assert trend.change_points is not None
    points = f"{trend.change_points:+g} points"
    percent = "" if trend.change_percent is None else f", {trend.change_percent:+g} %"
    if trend.worse:
        return (
            f"Your pain is clearly worse than when you started ({points}{percent}). Please see a "
            "doctor or physiotherapist before carrying on."
        )
    if trend.meaningful:
        return (
            f"Your pain is meaningfully lower than when you started ({points}{percent}). Keep "
            "going, gently; see a professional if it comes back or gets worse."
        )
    assert trend.first_day is not None
    if today - trend.first_day >= REVIEW_AFTER:
        return (
            f"No meaningful improvement after 4 weeks ({points}{percent}; meaningful means 2 "
            "points and 30 % better). Please see a doctor or physiotherapist: something else may "
            "help more."
        )
    return (
        f"No meaningful change yet ({points}{percent}; meaningful means 2 points and 30 % "
        "better). Many people notice a difference within a few days to a week of daily practice."
    )


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def progress(
    sessions: Sequence[SessionSummary],
    checkins: Sequence[CheckinRecord],
    *,
    today: date,
    tz: tzinfo,
    since: date | None = None,
) -> Progress:
    if since is not None:
        sessions = [s for s in sessions if local_day(s.started_at, tz) >= since]
        checkins = [c for c in checkins if c.day >= since]
    practised = [s for s in sessions if s.practised]
    days = {local_day(s.started_at, tz) for s in practised}
    current, longest = streaks(days, today)
    by_week: dict[date, list[SessionSummary]] = {}
    for s in practised:
        by_week.setdefault(monday(local_day(s.started_at, tz)), []).append(s)
    weeks = []
    if by_week:
        week = min(by_week)
        while week <= monday(today):
            found = by_week.get(week, [])
            weeks.append(
                Week(
                    week,
                    len(found),
                    len({local_day(s.started_at, tz) for s in found}),
                    sum(s.done_seconds for s in found) / 60,
                )
            )
            week += timedelta(days=7)
    trend = pain_trend(daily_pain(sessions, checkins, tz))
    peg = tuple((c.day, c.peg_score) for c in checkins if c.peg_score is not None)
    skipped = Counter(e for s in sessions for e in set(s.pain_skips))
    return Progress(
        today=today,
        sessions=len(practised),
        days_practised=len(days),
        minutes=sum(s.done_seconds for s in practised) / 60,
        streak_current=current,
        streak_longest=longest,
        weeks=tuple(weeks),
        pain=trend,
        peg=peg,
        pain_skips=tuple(sorted(skipped.items(), key=lambda item: (-item[1], item[0]))),
        advice=advice(trend, today),
        session_pain=tuple(
            (local_day(s.started_at, tz), s.pain_before, s.pain_after) for s in sessions
        ),
        checkin_pain=tuple((c.day, c.pain) for c in checkins if c.pain is not None),
    )


SPARKS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[int], width: int = 30) -> str:
    """Pain 0-10 as block characters, the last ``width`` days."""
    return "".join(SPARKS[min(7, round(v * 7 / 10))] for v in values[-width:])
