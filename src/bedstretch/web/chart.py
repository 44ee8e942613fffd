"""Progress charts for the web page: small SVG drawn as text, styled by the page's stylesheet.

``bedstretch.charts`` (matplotlib) takes about 340 ms and writes about 100 KB per chart, on a
white background: right for `progress --chart`, too slow and too heavy for a page asked for on
every visit. These are the same two pictures that matter most on a phone (pain over time, days
practised per week) in about 15 KB and a millisecond for 200 sessions, with no inline style
(the page's strict Content-Security-Policy forbids it): classes only, coloured by app.css in the
dark or light theme. Each chart has a title and a description for screen readers, and the page
says the same in words.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from html import escape

from bedstretch.core.progress import Progress

WIDTH, HEIGHT = 360, 210
LEFT, RIGHT, TOP, BOTTOM = 30, 10, 12, 26  # room for the axes' labels
WEEKS_SHOWN = 12
MIN_DAYS_SHOWN = 7  # a short history still reads as days, not as one stretched point
MAX_DAYS_SHOWN = 90  # on a phone, the last three months; the baseline line keeps the start
MIN_SLOTS = 6  # a bar is never wider than a sixth of the chart


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _frame(chart_id: str, title: str, desc: str) -> list[str]:
    return [
        f'<svg class="chart" id="{chart_id}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(desc)}</desc>',
    ]


def _days(result: Progress) -> tuple[date, date]:
    days = [d for d, *_ in result.session_pain] + [d for d, _ in result.checkin_pain]
    last = max([*days, result.today])
    first = min([*days, last - timedelta(days=MIN_DAYS_SHOWN)])
    return max(first, last - timedelta(days=MAX_DAYS_SHOWN)), last


def pain_chart(result: Progress) -> str:
    """Pain (0-10) before and after sessions, and check-ins, over the last days (at most 90);
    the baseline."""
    first, last = _days(result)
    span = max(1, (last - first).days)
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(day: date) -> float:
        return LEFT + inner_w * (day - first).days / span

    def y(value: float) -> float:
        return TOP + inner_h * (1 - value / 10)

    sessions = [(d, b, a) for d, b, a in result.session_pain if d >= first]
    checkins = [(d, v) for d, v in result.checkin_pain if d >= first]
    ratings = len(sessions) + len(checkins)
    desc = f"{ratings} pain ratings from {first.isoformat()} to {last.isoformat()}."
    if result.pain.enough and result.pain.baseline is not None:
        desc += f" Baseline {_num(result.pain.baseline)}, latest {_num(result.pain.latest or 0)}."
    out = _frame("pain-chart", "Pain over time, 0 (none) to 10 (worst)", desc)
    for value in range(0, 11, 2):
        out.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{_num(y(value))}" '
            f'y2="{_num(y(value))}"/><text x="{LEFT - 6}" y="{_num(y(value) + 4)}" '
            f'text-anchor="end">{value}</text>'
        )
    out.append(
        f'<text x="{LEFT}" y="{HEIGHT - 6}">{first.strftime("%d %b")}</text>'
        f'<text x="{WIDTH - RIGHT}" y="{HEIGHT - 6}" text-anchor="end">'
        f"{last.strftime('%d %b')}</text>"
    )
    if result.pain.enough and result.pain.baseline is not None:
        b = _num(y(result.pain.baseline))
        out.append(f'<line class="baseline" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{b}" y2="{b}"/>')
    series: list[tuple[str, Sequence[tuple[date, int]]]] = [
        ("before", [(d, v) for d, v, _ in sessions if v is not None]),
        ("after", [(d, v) for d, _, v in sessions if v is not None]),
    ]
    for name, points in series:
        if len(points) > 1:
            path = " ".join(f"{_num(x(d))},{_num(y(v))}" for d, v in points)
            out.append(f'<polyline class="{name}" points="{path}"/>')
        for d, v in points:
            out.append(f'<circle class="dot-{name}" cx="{_num(x(d))}" cy="{_num(y(v))}" r="3.5"/>')
    for d, v in checkins:
        out.append(
            f'<rect class="dot-checkin" x="{_num(x(d) - 3.5)}" y="{_num(y(v) - 3.5)}" '
            'width="7" height="7"/>'
        )
    out.append("</svg>")
    return "".join(out)


def practice_chart(result: Progress) -> str:
    """Days practised in each of the last weeks, against the daily target (7)."""
    weeks = result.weeks[-WEEKS_SHOWN:]
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = inner_w / max(len(weeks), MIN_SLOTS)

    def y(value: float) -> float:
        return TOP + inner_h * (1 - value / 7)

    days = ", ".join(f"week of {w.start.strftime('%d %b')}: {w.days}" for w in weeks)
    desc = f"Days practised per week (target 7). {days or 'No sessions yet.'}"
    out = _frame("practice-chart", "Days practised per week", desc)
    for value in (0, 2, 4, 6):
        out.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{_num(y(value))}" '
            f'y2="{_num(y(value))}"/><text x="{LEFT - 6}" y="{_num(y(value) + 4)}" '
            f'text-anchor="end">{value}</text>'
        )
    out.append(f'<line class="target" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(7)}" y2="{y(7)}"/>')
    for i, week in enumerate(weeks):
        top = y(week.days)
        out.append(
            f'<rect class="bar" x="{_num(LEFT + i * slot + slot * 0.15)}" y="{_num(top)}" '
            f'width="{_num(slot * 0.7)}" height="{_num(TOP + inner_h - top)}"/>'
        )
    if weeks:
        out.append(f'<text x="{LEFT}" y="{HEIGHT - 6}">{weeks[0].start.strftime("%d %b")}</text>')
    if len(weeks) > 1:
        last = LEFT + (len(weeks) - 1) * slot + slot * 0.85
        out.append(
            f'<text x="{_num(last)}" y="{HEIGHT - 6}" text-anchor="end">'
            f"{weeks[-1].start.strftime('%d %b')}</text>"
        )
    out.append("</svg>")
    return "".join(out)
