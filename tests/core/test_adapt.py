"""Plans that adapt: doses climb after comfortable sessions and step back after pain."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bedstretch.core.adapt import RUN, adapt, ladder
from bedstretch.core.planner import Constraints, plan
from bedstretch.core.progress import SessionSummary
from bedstretch.core.routines import Prescription
from tests.strategies import CATALOG, EXERCISES

FIGURE_FOUR = CATALOG.exercises["figure-four"]
TOP = {e.id: len(ladder(e.default)) - 1 for e in EXERCISES}
T0 = datetime(2026, 3, 2, 7, tzinfo=UTC)


def sessions(*kinds: str, exercise: str = "figure-four") -> list[SessionSummary]:
    """'ok' comfortable and done; 'pain' a pain skip; 'report' done but with a pain report."""
    out = []
    for i, kind in enumerate(kinds):
        out.append(
            SessionSummary(
                uid=f"s{i}",
                started_at=T0 + timedelta(days=i),
                status="completed",
                routine="plan",
                pain_before=3,
                pain_after=3,
                done_steps=5,
                done_exercises=(exercise,) if kind != "pain" else (),
                pain_skips=(exercise,) if kind == "pain" else (),
                pain_reports=1 if kind in ("pain", "report") else 0,
            )
        )
    return out


def test_the_ladder_climbs_towards_sixty_seconds_per_side_inside_the_ranges() -> None:
    rungs = ladder(FIGURE_FOUR.default)
    assert [(p.hold_seconds, p.sets) for p in rungs] == [(20, 1), (25, 1), (30, 1), (30, 2)]
    assert all(p.problems(FIGURE_FOUR.default.dose) == [] for p in rungs)


def test_reps_and_timed_exercises_do_not_climb() -> None:
    assert len(ladder(CATALOG.exercises["pelvic-tilt"].default)) == 1


def test_a_run_of_comfortable_sessions_moves_a_level_up() -> None:
    assert adapt(sessions(*["ok"] * (RUN - 1)), TOP, UTC).levels == {}
    result = adapt(sessions(*["ok"] * RUN), TOP, UTC)
    assert result.levels == {"figure-four": 1}
    assert "3 comfortable sessions in a row" in result.reasons["figure-four"]


def test_levels_stop_at_the_top_of_the_ladder() -> None:
    assert adapt(sessions(*["ok"] * 30), TOP, UTC).levels == {"figure-four": TOP["figure-four"]}


def test_a_pain_skip_steps_back_and_restarts_the_run() -> None:
    result = adapt(sessions(*["ok"] * 6, "pain", "ok", "ok"), TOP, UTC)
    assert result.levels == {"figure-four": 1}
    assert result.reasons["figure-four"] == "stepped back a level after a pain skip on 2026-03-08"


def test_an_uncomfortable_session_restarts_the_run() -> None:
    assert adapt(sessions("ok", "ok", "report", "ok", "ok"), TOP, UTC).levels == {}


def test_the_planner_starts_an_exercise_at_its_level() -> None:
    result = adapt(sessions(*["ok"] * 9), TOP, UTC)
    planned = plan(EXERCISES, CATALOG.moves, Constraints(), adaptation=result)
    step = next(s for s in planned.routine.steps if s.exercise.id == "figure-four")
    assert step.prescription == Prescription(sets=2, hold_seconds=30)
    why = dict(planned.reasons)["figure-four"]
    assert "starts at dose level 3" in why
