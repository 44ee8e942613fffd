"""Hypothesis strategies over the shipped catalog: random valid routines and prescriptions."""

from __future__ import annotations

from hypothesis import strategies as st

from bedstretch.catalog import load_catalog
from bedstretch.core.exercises import Dose, Exercise, Range
from bedstretch.core.routines import Prescription, Routine, Step

CATALOG = load_catalog()
EXERCISES: list[Exercise] = list(CATALOG.exercises.values())


def _in(r: Range | None) -> st.SearchStrategy[int | None]:
    return st.none() if r is None else st.integers(r.low, r.high)


def prescriptions(dose: Dose) -> st.SearchStrategy[Prescription]:
    return st.builds(
        Prescription,
        sets=st.integers(dose.sets.low, dose.sets.high),
        hold_seconds=_in(dose.hold_seconds),
        reps=_in(dose.reps),
        duration_seconds=_in(dose.duration_seconds),
    )


@st.composite
def steps(draw: st.DrawFn) -> Step:
    exercise = draw(st.sampled_from(EXERCISES))
    variant = draw(st.sampled_from(exercise.variants))
    return Step(exercise, variant, draw(prescriptions(variant.dose)))


routines = st.builds(
    lambda s: Routine("random", "Random routine", "", tuple(s)),
    st.lists(steps(), min_size=1, max_size=8),
)
