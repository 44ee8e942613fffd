"""Check-ins, session summaries and the progress commands on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bedstretch.core.records import EventKind, SessionStatus, StepStatus
from bedstretch.journal import Journal, open_journal
from bedstretch.journal.summaries import session_summaries
from tests.conftest import Result
from tests.journal.builders import SNAPSHOT, T0, at, event, start, step

Run = Callable[..., Result]


def test_checkins_round_trip_oldest_first(journal: Journal) -> None:
    later = journal.add_checkin(day=date(2025, 3, 2), created_at=at(60), pain=4)
    earlier = journal.add_checkin(day=date(2025, 3, 1), created_at=at(90), peg=(5, 6, 4))
    assert journal.checkins() == [earlier, later]
    assert earlier.peg_score == 5.0
    assert journal.checkins(since=date(2025, 3, 2)) == [later]


def test_a_checkin_needs_something_in_range(journal: Journal) -> None:
    with pytest.raises(ValueError, match="pain rating or the PEG"):
        journal.add_checkin(day=date(2025, 3, 1), created_at=T0)
    with pytest.raises(ValueError, match="0-10"):
        journal.add_checkin(day=date(2025, 3, 1), created_at=T0, peg=(5, 11, 4))


def test_session_summaries_add_up_done_time_skips_and_reports(journal: Journal) -> None:
    first = start(journal, pain_before=5)
    journal.record_step(first, step(0))
    journal.record_step(first, step(1, status=StepStatus.SKIPPED))
    journal.record_step(first, step(2, exercise="figure-four", status=StepStatus.PAIN_SKIP))
    journal.record_event(first, event(EventKind.SHARP, seconds=10))
    journal.finish_session(first, status=SessionStatus.COMPLETED, ended_at=at(10), pain_after=4)
    empty = start(journal, started_at=at(60))
    [one, two] = session_summaries(journal, exercises=True)
    assert (one.done_seconds, one.done_steps, one.pain_skips, one.pain_reports) == (
        28, 1, ("figure-four",), 1,
    )  # fmt: skip
    assert one.done_exercises == ("knee-to-chest",)
    assert (one.pain_before, one.pain_after, one.status) == (5, 4, "completed")
    assert (two.done_steps, two.practised) == (0, False)
    assert two.uid != one.uid
    assert empty


def fill(url: str, days: int, pain: Callable[[int], int]) -> None:
    """A session with one finished hold per day, and its pain before."""
    with open_journal(url) as journal:
        for d in range(days):
            when = datetime.now(UTC) - timedelta(days=days - d)
            sid = journal.start_session(
                routine_id="quick", routine_name="Quick", snapshot=SNAPSHOT, started_at=when,
                pain_before=pain(d),
            )  # fmt: skip
            journal.record_step(sid, step(0, finished_at=when + timedelta(minutes=1)))
            journal.finish_session(
                sid, status=SessionStatus.COMPLETED, ended_at=when + timedelta(minutes=5),
                pain_after=max(0, pain(d) - 1),
            )  # fmt: skip


def test_progress_json_reports_an_honest_trend(run: Run, url: str) -> None:
    fill(url, 14, lambda d: 7 if d < 7 else 3)
    result = run("--db", url, "progress", "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["pain"]["baseline"] == 7
    assert data["pain"]["latest"] == 3
    assert data["pain"]["change_points"] == -4
    assert data["pain"]["meaningful"] is True
    assert data["streak"] == {"current": 14, "longest": 14}
    assert data["sessions_per_week"][-1]["target_days"] == 7
    assert "meaningfully lower" in data["advice"]


def test_progress_with_too_little_data_says_so(run: Run, url: str) -> None:
    fill(url, 2, lambda d: 5)
    out = run("--db", url, "progress").out
    assert "Not enough pain ratings for a trend yet: 2 of 6 days" in out
    assert "Pain, day by day (0-10): ▅▅" in out


def test_checkin_from_the_command_line(run: Run, url: str) -> None:
    saved = run(
        "--db", url, "checkin", "--pain", "4", "--peg", "5", "6", "4", "--date", "2026-01-05"
    )
    assert saved.out == "Check-in saved for 2026-01-05: pain 4; PEG 5 (5, 6, 4).\n"
    with open_journal(url) as journal:
        [checkin] = journal.checkins()
    assert (checkin.day, checkin.pain, checkin.peg) == (date(2026, 1, 5), 4, (5, 6, 4))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--pain", "11"], "Invalid value for '--pain': 11 is not in the range 0<=x<=10."),
        (["--pain", "x"], "Invalid value for '--pain': 'x' is not a valid integer"),
        (["--peg", "1", "2"], "Option '--peg' requires 3 arguments."),
        (
            ["--pain", "3", "--date", "5/1/2026"],
            "Invalid value for '--date': '5/1/2026' does not match",
        ),
        (["--pain", "3", "--date", "2999-01-01"], "--date: 2999-01-01 is in the future"),
        ([], "--pain: give --pain N and/or --peg P E G"),
    ],
)
def test_bad_checkins_are_one_line_and_exit_2(
    run: Run, sqlite_url: str, args: list[str], message: str
) -> None:
    result = run("--db", sqlite_url, "checkin", *args)
    assert result.code == 2
    assert message in result.err
    assert result.err.count("\n") == 1


@pytest.mark.parametrize("suffix", [".svg", ".png"])
def test_charts_are_drawn_with_every_series(
    run: Run, sqlite_url: str, tmp_path: Path, suffix: str
) -> None:
    fill(sqlite_url, 10, lambda d: 6 - d // 3)
    with open_journal(sqlite_url) as journal:
        journal.add_checkin(day=date.today(), created_at=datetime.now(UTC), pain=3, peg=(4, 4, 3))
    chart = tmp_path / f"progress{suffix}"
    result = run("--db", sqlite_url, "progress", "--chart", str(chart))
    assert result.code == 0, result.err
    assert f"Charts written to {chart}." in result.out
    if suffix == ".svg":
        root = ET.parse(chart).getroot()
        ids = {el.get("id") for el in root.iter()}
        for series in ("pain-before", "pain-after", "pain-checkin", "baseline", "meaningful-band",
                       "weekly-days", "daily-target", "peg"):  # fmt: skip
            assert series in ids, series
        assert root.get("width") == "324pt"  # 4.5 inches: a phone's width
    else:
        from PIL import Image

        with Image.open(chart) as image:
            assert image.size == (900, 1920)


def test_a_chart_needs_an_svg_or_png_name(run: Run, sqlite_url: str) -> None:
    result = run("--db", sqlite_url, "progress", "--chart", "out.pdf")
    assert (result.code, result.err) == (
        2,
        "bedstretch: --chart: out.pdf: use a .svg or .png file name\n",
    )


def test_plans_learn_from_the_journal_and_explain_why(run: Run, sqlite_url: str) -> None:
    with open_journal(sqlite_url) as journal:
        for d in range(6):  # six comfortable sessions with figure-four done
            when = T0 + timedelta(days=d)
            sid = journal.start_session(routine_id="q", routine_name="Q", snapshot=SNAPSHOT,
                                        started_at=when, pain_before=3)  # fmt: skip
            journal.record_step(sid, step(0, exercise="figure-four", finished_at=when))
            journal.finish_session(sid, status=SessionStatus.COMPLETED, ended_at=when, pain_after=3)
    planned = json.loads(run("--db", sqlite_url, "plan", "--json").out)
    four = next(s for s in planned["steps"] if s["exercise"] == "figure-four")
    assert four["hold_seconds"] == 30
    assert any("starts at dose level 2" in r["reason"] for r in planned["reasons"])
    fresh = json.loads(run("--db", sqlite_url, "plan", "--json", "--no-history").out)
    assert next(s for s in fresh["steps"] if s["exercise"] == "figure-four")["hold_seconds"] == 20
    explained = run("--db", sqlite_url, "plan", "--explain").out
    assert "Why:" in explained
    assert "figure-four: priority 4 of 5" in explained
