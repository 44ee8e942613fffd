"""Is it helping? Progress from the journal (maths: ``bedstretch.core.progress``), the last pain
rating, and what to play today."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bedstretch.catalog import Catalog
    from bedstretch.core.progress import Progress
    from bedstretch.journal import Journal

BAD_DAY_PAIN = 6  # a last rating this high or more suggests the lying-only routine
LAST_PAIN_WINDOW = timedelta(days=60)  # check-ins this recent count for the last rating


def progress(journal: Journal, now: datetime, since: date | None = None) -> Progress:
    """Practice, streaks, minutes, the honest pain trend, PEG and advice, as of ``now`` (aware,
    in the person's time zone: days and weeks are theirs)."""
    from bedstretch.core.progress import progress as compute

    assert now.tzinfo is not None, "now must be aware (in the person's time zone)"
    return compute(
        journal.session_summaries(),
        journal.checkins(),
        today=now.date(),
        tz=now.tzinfo,
        since=since,
    )


@dataclass(frozen=True, slots=True)
class LastPain:
    value: int | None = None
    at: datetime | None = None


def last_pain(journal: Journal, now: datetime) -> LastPain:
    """The most recent pain rating: the latest session's (after, else before) or a check-in's."""
    found = LastPain()
    latest = journal.sessions(limit=1)
    if latest:
        s = latest[0]
        pain = s.pain_after if s.pain_after is not None else s.pain_before
        if pain is not None:
            found = LastPain(pain, s.ended_at or s.started_at)
    for c in journal.checkins(since=now.date() - LAST_PAIN_WINDOW):
        if c.pain is not None and (found.at is None or c.created_at > found.at):
            found = LastPain(c.pain, c.created_at)
    return found


@dataclass(frozen=True, slots=True)
class Suggestion:
    routine: str  # a routine id
    why: str


def suggest(catalog: Catalog, sessions: int, last: int | None) -> Suggestion:
    """Today's routine: gentle the first time, lying down after a bad rating, else in-bed."""
    if sessions == 0:
        choice, why = "quick", "A gentle first session: a few minutes on your back."
    elif last is not None and last >= BAD_DAY_PAIN:
        choice = "lying-only"
        why = f"Your last pain rating was {last}: everything lying on your back today."
    else:
        choice, why = "in-bed", "The whole routine, in bed, from the starting position to a rest."
    if choice not in catalog.routines:
        choice = next(iter(catalog.routines))
    return Suggestion(choice, why)
