"""Plans and the routine a session plays: constraints from options, the journal's lessons, the plan.

One place for what the CLI's ``plan`` and ``start``, ``POST /api/v1/plan``, ``POST
/api/v1/sessions`` and the planner page all do: exercises that caused trouble in two sessions
stay out, and doses follow the person's history (``bedstretch.core.adapt``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bedstretch.core.errors import Invalid, NotFound
from bedstretch.core.exercises import LYING_POSITIONS, Position, Role
from bedstretch.core.routines import Routine
from bedstretch.core.serialize import plan_dict
from bedstretch.core.timeline import Timeline, compile_timeline

if TYPE_CHECKING:
    from bedstretch.catalog import Catalog
    from bedstretch.core.adapt import Adaptation
    from bedstretch.core.planner import Constraints, Plan
    from bedstretch.journal import Journal


@dataclass(frozen=True, slots=True)
class PlanOptions:
    """What a person asks of a plan, as every door collects it."""

    minutes: float | None = None
    positions: frozenset[Position] | None = None  # None: every position
    lying_only: bool = False
    avoid: frozenset[Position] = frozenset()
    equipment: frozenset[str] = frozenset()
    exclude: tuple[str, ...] = ()  # exercise ids, names or aliases
    targets: frozenset[str] = frozenset()

    @property
    def given(self) -> bool:
        """Was anything asked for (else a session plays a shipped routine)?"""
        return self != PlanOptions()


@dataclass(frozen=True, slots=True)
class History:
    """What plans learn from the journal: exercises left out, dose levels, and the exercises
    the person knows (done in ``KNOWN_AFTER`` sessions: their instructions shrink to one line)."""

    troubled: frozenset[str]
    adaptation: Adaptation | None = None
    known: frozenset[str] = frozenset()


NO_HISTORY = History(frozenset())
KNOWN_AFTER = 3  # sessions in which an exercise was done before its instructions are brief


@dataclass(frozen=True, slots=True)
class Planned:
    plan: Plan
    timeline: Timeline
    constraints: dict[str, Any]  # the constraints as applied (the JSON echo)

    def to_dict(self) -> dict[str, Any]:
        """The plan's JSON (docs/json.md), the same from every door."""
        data = plan_dict(self.plan, self.timeline, self.constraints)
        data["reasons"] = [{"exercise": e or None, "reason": r} for e, r in self.plan.reasons]
        return data


def equipment_items(values: Iterable[str]) -> frozenset[str]:
    """Items from repeated or comma-separated values: ``["towel,band", "pillow"]``."""
    return frozenset(item.strip() for value in values for item in value.split(",") if item.strip())


def constraints(catalog: Catalog, options: PlanOptions) -> tuple[Constraints, dict[str, Any]]:
    """The planner's constraints for ``options``, and their JSON echo; an unknown exercise in
    ``exclude`` is Invalid."""
    from bedstretch.core.planner import Constraints

    positions = set(options.positions if options.positions is not None else Position)
    if options.lying_only:
        positions &= LYING_POSITIONS
    positions -= options.avoid
    exclude = set()
    for name in options.exclude:
        exercise = catalog.find_exercise(name)
        if exercise is None:
            raise Invalid(f"no exercise '{name}'", field="exclude")
        exclude.add(exercise.id)
    found = Constraints(
        minutes=options.minutes,
        positions=frozenset(positions),
        equipment=frozenset(options.equipment),
        exclude=frozenset(exclude),
        targets=frozenset(options.targets),
    )
    echo = {
        "minutes": found.minutes,
        "positions": sorted(p.value for p in found.positions),
        "equipment": sorted(found.equipment),
        "exclude": sorted(found.exclude),
        "targets": sorted(found.targets),
    }
    return found, echo


def history(catalog: Catalog, journal: Journal, now: datetime, *, doses: bool = True) -> History:
    """The journal's lessons for plans: exercises out after trouble, and (``doses``) each one's
    dose level, which reads every session (a fixed routine needs only the first)."""
    from bedstretch.core.adapt import adapt, ladder
    from bedstretch.core.safety import troubled_exercises

    assert now.tzinfo is not None, "now must be aware (in the person's time zone)"
    troubled = frozenset(troubled_exercises(journal.exercise_trouble()))
    done = journal.done_sessions()
    known = frozenset(e for e, sessions in done.items() if sessions >= KNOWN_AFTER)
    if not doses:
        return History(troubled, known=known)
    summaries = journal.session_summaries(exercises=True)
    top = {e.id: len(ladder(e.default)) - 1 for e in catalog.exercises.values()}
    return History(troubled, adapt(summaries, top, now.tzinfo), known)


def make_plan(catalog: Catalog, options: PlanOptions, lessons: History = NO_HISTORY) -> Planned:
    """A plan for ``options`` that respects the journal's ``lessons``; PlanError (Invalid)
    when the options cannot be met."""
    from bedstretch.core.planner import plan

    found, echo = constraints(catalog, options)
    found = replace(found, troubled=lessons.troubled, known=lessons.known)
    result = plan(catalog.exercises.values(), catalog.moves, found, adaptation=lessons.adaptation)
    return Planned(result, compile_timeline(result.routine, catalog.moves), echo)


def routine(catalog: Catalog, routine_id: str) -> Routine:
    found = catalog.routines.get(routine_id)
    if found is None:
        known = ", ".join(catalog.routines)
        raise NotFound(f"no routine '{routine_id}' (known: {known})", field="routine")
    return found


@dataclass(frozen=True, slots=True)
class SessionRoutine:
    """The routine a session plays, its timeline, and the exercises left out after trouble."""

    routine: Routine
    timeline: Timeline
    left_out: tuple[str, ...] = ()


def without_troubled(routine: Routine, troubled: frozenset[str]) -> tuple[Routine, tuple[str, ...]]:
    """A fixed routine minus stretches left out after trouble (never the opening or closing)."""
    kept = tuple(
        s
        for s in routine.steps
        if s.exercise.role is not Role.STRETCH or s.exercise.id not in troubled
    )
    gone = tuple(sorted({s.exercise.id for s in routine.steps} - {s.exercise.id for s in kept}))
    if not kept:
        raise Invalid("every exercise of this routine is left out after trouble", field="routine")
    return replace(routine, steps=kept), gone


def session_routine(
    catalog: Catalog,
    journal: Journal,
    now: datetime,
    *,
    routine: Routine | None = None,
    options: PlanOptions | None = None,
    full: bool = False,
) -> SessionRoutine:
    """What a session plays: a plan for ``options`` that learns from the journal, else
    ``routine`` (default ``in-bed``) without the exercises left out after trouble; the
    exercises the person knows say their one-line brief instead of every step (``full``: every
    step, always). The web's routine timelines are these too, so a phone that starts offline
    plays what the server keeps."""
    planning = options is not None and options.given
    lessons = history(catalog, journal, now, doses=planning)
    if full:
        lessons = replace(lessons, known=frozenset())
    if options is not None and planning:
        planned = make_plan(catalog, options, lessons)
        return SessionRoutine(planned.plan.routine, planned.timeline)
    chosen = routine or catalog.routines["in-bed"]
    kept, gone = without_troubled(chosen, lessons.troubled)
    kept = replace(
        kept, steps=tuple(replace(s, brief=s.exercise.id in lessons.known) for s in kept.steps)
    )
    return SessionRoutine(kept, compile_timeline(kept, catalog.moves), gone)
