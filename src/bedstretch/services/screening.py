"""Red-flag screening and the gate before every session (rules: ``bedstretch.core.safety``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bedstretch.core.errors import Blocked
from bedstretch.core.safety import QUESTIONS, Gate, Level, ScreeningResult, screen, session_gate

if TYPE_CHECKING:
    from collections.abc import Mapping

    from bedstretch.journal import Journal


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    level: Level
    text: str


def questions() -> list[Question]:
    """The questions in order, with the words people read (``content/screening.toml``)."""
    from bedstretch.catalog import load_screening_questions

    texts = load_screening_questions()
    return [Question(q.id, q.level, texts[q.id]) for q in QUESTIONS]


def record(
    journal: Journal, answers: Mapping[str, bool], age: float, now: datetime, *, cleared: bool
) -> ScreeningResult:
    """Screen and keep the answers; ``cleared``: a clinician has checked the person (recorded
    only with an urgent outcome, which it then lets pass)."""
    result = screen(answers, age)
    journal.add_screening(
        taken_at=now,
        outcome=result.outcome.value,
        reasons=list(result.reasons),
        answers=dict(answers),
        age=age,
        cleared_at=now if cleared and result.outcome is Level.URGENT else None,
    )
    return result


def gate(journal: Journal, at: datetime) -> Gate:
    """May a session start ``at``? The core's rule on the latest screening and any request to
    screen again (after tingling)."""
    latest = journal.latest_screening()
    return session_gate(
        latest.outcome if latest else None,
        latest.taken_at if latest else None,
        bool(latest and latest.cleared_at),
        at,
        journal.rescreen_reason(),
    )


def clear(journal: Journal, now: datetime) -> bool:
    """Record a clinician's clearance on the latest screening if it was urgent; True if done."""
    latest = journal.latest_screening()
    if latest is None or latest.outcome != Level.URGENT or latest.id is None:
        return False
    journal.clear_screening(latest.id, now)
    return True


def require(journal: Journal, at: datetime, *, cleared: bool = False) -> Gate:
    """The gate, or Blocked (``needs_screening`` when new answers would open it).

    ``cleared``: the person says a clinician has checked them since an urgent screening: the
    clearance is recorded and the gate asked again.
    """
    found = gate(journal, at)
    if not found.allowed and cleared and clear(journal, at):
        found = gate(journal, at)
    if not found.allowed:
        raise Blocked(f"not starting: {found.reason}", needs_screening=found.needs_screening)
    return found
