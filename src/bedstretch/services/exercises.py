"""Exercises left out after trouble (a pain skip or a safety stop in two sessions), and restoring
one (rules: ``bedstretch.core.safety``)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from bedstretch.core.errors import NotFound

if TYPE_CHECKING:
    from bedstretch.catalog import Catalog
    from bedstretch.core.exercises import Exercise
    from bedstretch.journal import Journal


def find(catalog: Catalog, name: str, field: str = "exercise") -> Exercise:
    """An exercise by id, name or alias; NotFound names ``field``."""
    found = catalog.find_exercise(name)
    if found is None:
        raise NotFound(f"no exercise '{name}'", field=field)
    return found


def left_out(journal: Journal) -> frozenset[str]:
    """Ids of the exercises left out of sessions and plans until restored."""
    from bedstretch.core.safety import troubled_exercises

    return troubled_exercises(journal.exercise_trouble())


def restore(journal: Journal, exercise: Exercise, now: datetime) -> bool:
    """Bring an exercise back: its earlier trouble no longer counts. True if it was left out."""
    was_out = exercise.id in left_out(journal)
    journal.restore_exercise(exercise.id, now)
    return was_out
