"""The planner: constraints always respected, exact optimum, deterministic, doses in range."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bedstretch.core.exercises import (
    Dose,
    Equipment,
    Exercise,
    Position,
    Range,
    Role,
    Source,
    Variant,
)
from bedstretch.core.planner import Constraints, PlanError, _grow, plan, weight
from bedstretch.core.positions import Moves
from bedstretch.core.routines import Prescription, Routine, Step
from bedstretch.core.timeline import DEFAULT_PACING, routine_seconds, step_seconds
from tests.strategies import CATALOG, EXERCISES

MOVES = CATALOG.moves
ALL = frozenset(Position)
STRETCH_IDS = sorted(e.id for e in EXERCISES if e.role is Role.STRETCH)

constraints = st.builds(
    Constraints,
    minutes=st.none() | st.floats(4, 40).map(lambda m: round(m, 1)),
    positions=st.sets(st.sampled_from(sorted(ALL - {Position.SUPINE}))).map(
        lambda s: frozenset(s | {Position.SUPINE})
    ),
    equipment=st.sets(st.sampled_from(["towel", "band", "strap", "pillow"])).map(frozenset),
    exclude=st.sets(st.sampled_from(STRETCH_IDS), max_size=4).map(frozenset),
    targets=st.sets(
        st.sampled_from(["lower-back", "hips", "hamstrings", "glutes"]), max_size=2
    ).map(frozenset),
)


def route_effort(routine: Routine, moves: Moves = MOVES) -> int:
    position, effort = routine.start_position, 0
    for step in routine.steps:
        effort += moves(position, step.position).effort
        position = step.position
    return effort


@given(constraints)
@settings(max_examples=60, deadline=None)
def test_plans_always_respect_every_constraint(c: Constraints) -> None:
    result = plan(EXERCISES, MOVES, c)
    steps = result.routine.steps
    assert steps[0].exercise.role is Role.OPENING
    assert steps[-1].exercise.role is Role.CLOSING
    ids = [s.exercise.id for s in steps]
    assert len(ids) == len(set(ids)), "an exercise appears twice"
    for step in steps:
        assert step.position in c.positions
        assert set(step.variant.equipment.required) <= c.equipment
        assert step.exercise.id not in c.exclude
        if c.targets and step.exercise.role is Role.STRETCH:
            assert c.targets & set(step.exercise.targets)
        assert step.prescription.problems(step.dose) == [], "dose outside its range"
    assert result.total_seconds == routine_seconds(result.routine, MOVES)
    if c.minutes is not None:
        assert result.total_seconds <= c.minutes * 60
    assert result.effort == route_effort(result.routine)


@given(constraints)
@settings(max_examples=30, deadline=None)
def test_the_same_constraints_always_give_the_same_plan(c: Constraints) -> None:
    assert plan(EXERCISES, MOVES, c) == plan(list(reversed(EXERCISES)), MOVES, c)


@given(constraints)
@settings(max_examples=30, deadline=None)
def test_block_order_is_the_brute_force_cheapest_order_of_positions(c: Constraints) -> None:
    result = plan(EXERCISES, MOVES, c)
    routine = result.routine
    middle = [
        p for p in dict.fromkeys(s.position for s in routine.steps) if p is not Position.SUPINE
    ]
    best = min(
        route_effort(
            replace(
                routine, steps=tuple(_at(p) for p in (Position.SUPINE, *order, Position.SUPINE))
            )
        )
        for order in itertools.permutations(middle)
    )
    assert result.effort == best


def _at(position: Position) -> Step:
    exercise = EXERCISES[0]
    variant = replace(exercise.default, position=position)
    return Step(exercise, variant, Prescription.minimum(variant.dose))


def test_five_minutes_lying_only_gives_a_plan_of_lying_stretches() -> None:
    lying = frozenset({Position.SUPINE, Position.PRONE, Position.SIDE_LYING})
    result = plan(EXERCISES, MOVES, Constraints(minutes=5, positions=lying))
    assert result.total_seconds <= 300
    assert len(result.routine.steps) >= 3
    assert all(s.position in lying for s in result.routine.steps)


@given(constraints.filter(lambda c: c.minutes is not None))
@settings(max_examples=40, deadline=None)
def test_time_left_over_is_used_until_no_dose_can_grow_further(c: Constraints) -> None:
    result = plan(EXERCISES, MOVES, c)
    assert c.minutes is not None
    left = c.minutes * 60 - result.total_seconds
    for step in result.routine.steps:
        bigger = _grow(step)
        if bigger is not None:
            extra = step_seconds(replace(step, prescription=bigger)) - step_seconds(step)
            assert extra > left, f"{step.exercise.id} could still grow by {extra} s in {left} s"


def test_without_minutes_every_allowed_stretch_is_planned_at_its_minimum_dose() -> None:
    result = plan(EXERCISES, MOVES, Constraints())
    assert {s.exercise.id for s in result.routine.steps} == {e.id for e in EXERCISES}
    assert all(s.prescription == Prescription.minimum(s.dose) for s in result.routine.steps)
    assert result.left_out == ()


def test_left_out_exercises_say_why() -> None:
    result = plan(
        EXERCISES,
        MOVES,
        Constraints(
            minutes=5, positions=frozenset({Position.SUPINE}), exclude=frozenset({"hamstring"})
        ),
    )
    reasons = {lo.exercise: lo.reason for lo in result.left_out}
    assert reasons["hamstring"] == "left out on request"
    assert reasons["childs-pose"] == "needs kneeling on the bed"
    assert "did not fit in 5 min" in reasons.values()


def test_too_few_minutes_is_an_error_that_names_the_shortest_plan() -> None:
    with pytest.raises(PlanError, match=r"minutes: 1 min is too short: the shortest plan"):
        plan(EXERCISES, MOVES, Constraints(minutes=1))


def test_the_opening_and_closing_cannot_be_excluded() -> None:
    with pytest.raises(PlanError, match="exclude: 'relaxation'"):
        plan(EXERCISES, MOVES, Constraints(exclude=frozenset({"relaxation"})))


def test_a_catalog_without_an_opening_exercise_cannot_be_planned() -> None:
    without = [e for e in EXERCISES if e.role is not Role.OPENING]
    with pytest.raises(PlanError, match="no exercise has role 'opening'"):
        plan(without, MOVES)


# --------------------------------------------------------------------------- brute force

OPENING = next(e for e in EXERCISES if e.role is Role.OPENING)
CLOSING = next(e for e in EXERCISES if e.role is Role.CLOSING)


@st.composite
def small_exercise(draw: st.DrawFn, index: int) -> Exercise:
    def variant(vid: str) -> Variant:
        low = draw(st.integers(5, 30))
        dose = Dose(
            sets=Range(1, draw(st.integers(1, 3))),
            per_side=draw(st.booleans()),
            hold_seconds=Range(low, low + draw(st.integers(0, 20))),
        )
        return Variant(
            id=vid,
            name=vid,
            position=draw(st.sampled_from(list(Position))),
            dose=dose,
            steps=tuple(
                draw(
                    st.lists(
                        st.sampled_from(["Lie down.", "Bend one knee up now."]),
                        min_size=1,
                        max_size=3,
                    )
                )
            ),
            form=(),
            breathing=(),
            equipment=Equipment(),
            sources=(Source("000_57bde51688436f72.txt", str(index)),),
        )

    count = draw(st.integers(1, 2))
    return Exercise(
        id=f"ex-{index}",
        name=f"Exercise {index}",
        summary="",
        aliases=(),
        targets=("lower-back",),
        cautions=(),
        variants=tuple(variant(f"v{i}") for i in range(count)),
        priority=draw(st.integers(1, 5)),
        flow=draw(st.integers(0, 100)),
    )


@st.composite
def small_catalogs(draw: st.DrawFn) -> list[Exercise]:
    n = draw(st.integers(0, 5))
    return [OPENING, CLOSING] + [draw(small_exercise(i)) for i in range(n)]


def brute_force(catalog: list[Exercise], minutes: float | None) -> tuple[int, int, int]:
    """(value, effort, total) of the best plan, by trying every selection and every order."""
    stretches = [e for e in catalog if e.role is Role.STRETCH]
    opening = Step(OPENING, OPENING.default, Prescription.minimum(OPENING.default.dose))
    closing = Step(CLOSING, CLOSING.default, Prescription.minimum(CLOSING.default.dose))
    best: tuple[int, int, int] | None = None
    for choice in itertools.product(*[[None, *e.variants] for e in stretches]):
        chosen = [
            Step(e, v, Prescription.minimum(v.dose))
            for e, v in zip(stretches, choice, strict=True)
            if v
        ]
        value = sum(weight(s.exercise) for s in chosen)
        for order in itertools.permutations(chosen):
            routine = Routine("b", "Your plan", "", (opening, *order, closing))  # its welcome
            total = routine_seconds(routine, MOVES)
            if minutes is not None and total > minutes * 60:
                continue
            score = (-value, route_effort(routine), total)
            best = score if best is None or score < best else best
    assert best is not None
    return -best[0], best[1], best[2]


@given(small_catalogs(), st.none() | st.floats(2.5, 8).map(lambda m: round(m, 1)))
@settings(max_examples=40, deadline=None)
def test_on_small_catalogs_the_plan_equals_the_brute_force_optimum(
    catalog: list[Exercise], minutes: float | None
) -> None:
    try:
        result = plan(catalog, MOVES, Constraints(minutes=minutes))
    except PlanError:
        with pytest.raises(AssertionError):
            brute_force(catalog, minutes)
        return
    value, effort, total = brute_force(catalog, minutes)
    at_minimum = replace(
        result.routine,
        steps=tuple(
            replace(s, prescription=Prescription.minimum(s.dose)) for s in result.routine.steps
        ),
    )
    assert (result.value, result.effort) == (value, effort)
    assert routine_seconds(at_minimum, MOVES) == total


def test_step_seconds_depend_on_pacing() -> None:
    step = Step(OPENING, OPENING.default, Prescription.minimum(OPENING.default.dose))
    slower = replace(DEFAULT_PACING, announce=DEFAULT_PACING.announce + 5)
    assert step_seconds(step, slower) == step_seconds(step) + 5
