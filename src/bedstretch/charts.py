"""Progress charts people would rather look at than read: pain, weekly practice, PEG.

One tall figure sized for a phone screen (3 panels, shared dates), drawn with matplotlib's Agg
backend (no display needed) into SVG or PNG by the file's extension. Colours are the Okabe-Ito
palette, safe for colour-blind readers; markers differ as well as colours. Every series has a
``gid`` so SVG output can be checked (and styled) by id.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from bedstretch.core.progress import MEANINGFUL_FRACTION, MEANINGFUL_POINTS, Progress

BLUE, ORANGE, GREEN, VERMILLION, SKY, PURPLE, GREY = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#56B4E9",
    "#CC79A7",
    "#6B6B6B",
)
WIDTH_IN, HEIGHT_IN, DPI = 4.5, 9.6, 200  # 900 x 1920 px as PNG: a phone held upright


def draw_progress(result: Progress, path: Path) -> None:
    """Write the progress charts to ``path`` (.svg or .png)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout="constrained")
    pain_ax, week_ax, peg_ax = fig.subplots(3, 1, height_ratios=[1.5, 1, 1])
    fig.suptitle("bedstretch: is it helping?", fontsize=12, fontweight="bold")

    # Pain over time: before and after sessions, check-ins; baseline and meaningful band.
    before = [(d, b) for d, b, _ in result.session_pain if b is not None]
    after = [(d, a) for d, _, a in result.session_pain if a is not None]
    checkins = list(result.checkin_pain)
    series = [
        (before, "Before a session", BLUE, "o", "pain-before"),
        (after, "After a session", ORANGE, "^", "pain-after"),
        (checkins, "Check-in", GREEN, "s", "pain-checkin"),
    ]
    for points, label, colour, marker, gid in series:
        if points:
            days, values = zip(*points, strict=True)
            pain_ax.plot(
                days, values, marker=marker, markersize=4, linestyle="none", color=colour,
                label=label, gid=gid, alpha=0.85,
            )  # fmt: skip
    trend = result.pain
    if trend.enough and trend.baseline is not None:
        threshold = trend.baseline - max(MEANINGFUL_POINTS, MEANINGFUL_FRACTION * trend.baseline)
        pain_ax.axhline(trend.baseline, color=GREY, linestyle="--", linewidth=1.2, gid="baseline",
                        label=f"Baseline {trend.baseline:g}")  # fmt: skip
        pain_ax.axhspan(max(0.0, threshold), trend.baseline, color=SKY, alpha=0.18,
                        gid="meaningful-band", label="Less than a meaningful change")  # fmt: skip
    pain_ax.set_ylim(-0.3, 10.3)
    pain_ax.set_yticks(range(0, 11, 2))
    pain_ax.set_ylabel("Pain (0 = none, 10 = worst)")
    pain_ax.set_title("Pain", loc="left", fontsize=10)
    if any(points for points, *_ in series):
        pain_ax.legend(fontsize=7, loc="upper right", framealpha=0.9)
    else:
        _empty(pain_ax, "No pain ratings yet")

    # Weekly practice against daily (7 days).
    if result.weeks:
        starts = [w.start for w in result.weeks]
        week_ax.bar(starts, [w.days for w in result.weeks], width=6, align="edge", color=BLUE,
                    gid="weekly-days", label="Days practised")  # fmt: skip
        week_ax.axhline(7, color=VERMILLION, linestyle=":", linewidth=1.2, gid="daily-target",
                        label="Daily (7)")  # fmt: skip
        week_ax.legend(fontsize=7, loc="lower left", framealpha=0.9)
    else:
        _empty(week_ax, "No sessions yet")
    week_ax.set_ylim(0, 7.6)
    week_ax.set_yticks(range(0, 8))
    week_ax.set_ylabel("Days per week")
    week_ax.set_title("Practice", loc="left", fontsize=10)

    # PEG, weekly.
    if result.peg:
        days, scores = zip(*result.peg, strict=True)
        peg_ax.plot(days, scores, marker="D", markersize=4, color=PURPLE, gid="peg", label="PEG")
        peg_ax.legend(fontsize=7, loc="upper right", framealpha=0.9)
    else:
        _empty(peg_ax, "No PEG answers yet (weekly, `bedstretch checkin`)")
    peg_ax.set_ylim(-0.3, 10.3)
    peg_ax.set_ylabel("PEG score (0-10)")
    peg_ax.set_title("Pain, enjoyment and activity (PEG)", loc="left", fontsize=10)

    first, last = _date_range(result)
    for ax in (pain_ax, week_ax, peg_ax):
        ax.set_xlim(first - timedelta(days=1), last + timedelta(days=1))
        ax.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=5))  # type: ignore[no-untyped-call]
        locator = ax.xaxis.get_major_locator()
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
        ax.set_xlabel("Date", fontsize=8)
        ax.grid(axis="y", color="#DDDDDD", linewidth=0.6)
        ax.tick_params(labelsize=7)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    fig.savefig(path, format=path.suffix.lower().lstrip("."), dpi=DPI, metadata=_metadata(path))


def _empty(ax: object, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes,  # type: ignore[attr-defined]
            color=GREY, fontsize=8)  # fmt: skip


def _date_range(result: Progress) -> tuple[date, date]:
    days = [d for d, *_ in result.session_pain] + [d for d, _ in result.checkin_pain]
    days += [d for d, _ in result.peg] + [w.start for w in result.weeks]
    if not days:
        return result.today - timedelta(days=7), result.today
    return min(days), max(max(days), result.today)


def _metadata(path: Path) -> dict[str, str | None]:
    # No creation date: the same data gives the same file.
    if path.suffix.lower() == ".svg":
        return {"Date": None, "Creator": "bedstretch"}
    return {"Software": "bedstretch"}
