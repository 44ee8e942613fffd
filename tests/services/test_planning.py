"""Plans and session routines learn from the journal: exercises done in three sessions are said
in one line (brief), the rest in full; asking for full instructions gives every step."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bedstretch.catalog import Catalog
from bedstretch.core.records import StepRecord, StepStatus
from bedstretch.journal import Journal, open_journal
from bedstretch.services import planning

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def journal() -> Iterator[Journal]:
    with open_journal("sqlite://") as opened:
        yield opened


def did(journal: Journal, exercise: str, sessions: int) -> None:
    for n in range(sessions):
        session = journal.start_session(
            routine_id="in-bed", routine_name="In-bed", snapshot={"blocks": []},
            started_at=NOW - timedelta(days=n + 1), pain_before=2,
        )  # fmt: skip
        journal.record_step(
            session,
            StepRecord(0, 0, exercise, "standard", None, 1, StepStatus.DONE, 20, None, 20, None,
                       NOW - timedelta(days=n + 1)),
        )  # fmt: skip


def briefed(chosen: planning.SessionRoutine) -> set[str]:
    return {s.exercise.id for s in chosen.routine.steps if s.briefed}


def test_an_exercise_done_in_three_sessions_is_said_in_one_line(
    catalog: Catalog, journal: Journal
) -> None:
    did(journal, "knee-to-chest", planning.KNOWN_AFTER)
    did(journal, "figure-four", planning.KNOWN_AFTER - 1)
    chosen = planning.session_routine(catalog, journal, NOW, routine=catalog.routines["in-bed"])
    assert briefed(chosen) == {"knee-to-chest"}
    full = planning.session_routine(
        catalog, journal, NOW, routine=catalog.routines["in-bed"], full=True
    )
    assert briefed(full) == set()
    assert chosen.timeline.total_seconds < full.timeline.total_seconds


def test_a_plan_counts_the_time_a_known_exercise_takes(catalog: Catalog, journal: Journal) -> None:
    options = planning.PlanOptions(minutes=10)
    first = planning.make_plan(catalog, options, planning.history(catalog, journal, NOW))
    for exercise in catalog.exercises:
        did(journal, exercise, planning.KNOWN_AFTER)
    later = planning.make_plan(catalog, options, planning.history(catalog, journal, NOW))
    assert all(s.briefed for s in later.plan.routine.steps)
    assert later.timeline.total_seconds <= 10 * 60
    assert later.plan.value >= first.plan.value, "the time saved talking goes to stretching"
