"""Is it helping? ``checkin`` and ``progress``."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bedstretch.cli.root import State, cli, emit_json, fail, local_now, pass_state
from bedstretch.services import checkins as checkin_service

if TYPE_CHECKING:
    from bedstretch.core.progress import Progress


@cli.command()
@click.option("--pain", type=click.IntRange(0, 10), metavar="N", help="Pain today, 0-10.")
@click.option(
    "--peg",
    type=click.IntRange(0, 10),
    nargs=3,
    metavar="P E G",
    default=None,
    help="The PEG scale, each 0-10: average pain, interference with enjoyment of life, "
    "interference with general activity.",
)
@click.option(
    "--date",
    "day",
    type=click.DateTime(["%Y-%m-%d"]),
    metavar="YYYY-MM-DD",
    help="The day this check-in is about (back-fill a missed day). Default: today.",
)
@pass_state
def checkin(
    state: State, pain: int | None, peg: tuple[int, int, int] | None, day: datetime | None
) -> None:
    """Record today's pain (0-10), and once a week the PEG scale.

    Without options, asks at the terminal (the PEG questions when none was answered in the
    last 7 days).
    """
    now = local_now()
    when = day.date() if day else now.date()
    if when > now.date():
        fail(f"--date: {when.isoformat()} is in the future")
    if pain is None and not peg and not sys.stdin.isatty():
        fail("--pain: give --pain N and/or --peg P E G (standard input is not a terminal)")
    with state.journal() as journal:
        if pain is None and not peg:
            pain = click.prompt(
                "How much does your back hurt today? (0-10)", type=click.IntRange(0, 10)
            )
            if checkin_service.peg_due(journal, when):
                click.echo("Once a week, three more questions (the PEG scale), each 0-10:")
                p, e, g = (
                    click.prompt(f"  {question}", type=click.IntRange(0, 10))
                    for question in checkin_service.PEG_QUESTIONS
                )
                peg = (p, e, g)
        record = checkin_service.add(journal, pain=pain, peg=peg or None, now=now, day=when)
    parts = []
    if record.pain is not None:
        parts.append(f"pain {record.pain}")
    if record.peg is not None:
        parts.append(f"PEG {record.peg_score:g} ({', '.join(map(str, record.peg))})")
    click.echo(f"Check-in saved for {record.day.isoformat()}: {'; '.join(parts)}.")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON (see docs/json.md).")
@click.option(
    "--since",
    type=click.DateTime(["%Y-%m-%d"]),
    metavar="YYYY-MM-DD",
    help="Only sessions and ratings from this day on.",
)
@click.option(
    "--chart",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Also draw the charts into FILE (.svg or .png).",
)
@pass_state
def progress(state: State, as_json: bool, since: datetime | None, chart: str | None) -> None:
    """Is it helping? Practice, streaks, minutes, the pain trend, PEG and advice.

    A change counts as meaningful only when pain is at least 2 points AND 30 % lower than the
    baseline (the median of your first 3 days of ratings); with fewer than 6 days of ratings there
    is no trend yet.
    """
    from bedstretch.services import progress as progress_service

    if chart and Path(chart).suffix.lower() not in (".svg", ".png"):
        fail(f"--chart: {chart}: use a .svg or .png file name")
    with state.journal() as journal:
        result = progress_service.progress(journal, local_now(), since.date() if since else None)
    if chart:
        from bedstretch.charts import draw_progress

        try:
            draw_progress(result, Path(chart))
        except OSError as error:
            fail(f"--chart: cannot write {chart}: {error.strerror or error}")
    if as_json:
        emit_json(result.to_dict())
        return
    click.echo("\n".join(progress_lines(result)))
    if chart:
        click.echo(f"Charts written to {chart}.")


def progress_lines(result: Progress) -> list[str]:
    """The people's summary of a Progress value."""
    from bedstretch.core.progress import sparkline

    out = [
        f"Practice: {result.sessions} sessions on {result.days_practised} days, "
        f"{result.minutes:.0f} minutes of stretching.",
        f"Streak: {result.streak_current} days (longest {result.streak_longest}).",
    ]
    if result.weeks:
        week = result.weeks[-1]
        recent = " ".join(str(w.days) for w in result.weeks[-8:])
        out.append(f"This week: {week.days} of 7 days. Days per week, last weeks: {recent}.")
    pain = result.pain
    if pain.series:
        line = sparkline([v for _, v in pain.series])
        out.append(f"Pain, day by day (0-10): {line}  ({pain.days} days)")
    if pain.enough:
        percent = "" if pain.change_percent is None else f", {pain.change_percent:+g} %"
        out.append(
            f"Pain: baseline {pain.baseline:g}, latest {pain.latest:g}: "
            f"{pain.change_points:+g} points{percent}, {pain.verdict}."
        )
    if result.peg:
        first, latest = result.peg[0][1], result.peg[-1][1]
        out.append(f"PEG (0-10): {first:g} at first, {latest:g} latest ({len(result.peg)} weeks).")
    if result.pain_skips:
        skipped = ", ".join(f"{e} ({n})" for e, n in result.pain_skips)
        out.append(f"Pain skips: {skipped}.")
    out.append(result.advice)
    if not result.pain.enough:
        out.append("Check in with `bedstretch checkin`.")
    return out
