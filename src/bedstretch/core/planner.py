"""The planner: build a routine from constraints (time, positions, equipment, targets).

Method (exact, documented in docs/planner.md):

1. Every routine opens with the ``opening`` exercise and closes with the ``closing`` one.
2. **Selection** is a multiple-choice knapsack solved exactly by dynamic programming over states
   ``(positions used, total weight)``, keeping the quickest selection for each state. Each
   exercise contributes at most one variant, at its minimum dose.
3. **Order**: moving costs depend only on positions, so the best order does each position's
   exercises as one block (the move costs are shortest paths, hence obey the triangle inequality).
   The order of the blocks is an exact Held-Karp shortest path from the opening position through
   every used position to the closing position. Within a block, exercises go by their ``flow``.
   An exercise's weight is ``2 ** (priority - 1)``: one priority-5 stretch outweighs three of
   priority 3, so the most useful stretches are never traded for several minor ones.
4. The winner maximises total weight, then minimises moving effort, then total time; remaining
   ties go to the earlier exercise id, so the result is deterministic.
5. **Dosing**: the time left over is shared out in rounds (stretches by priority, then the opening
   and closing): holds grow by
   5 s, reps by 1, flows by 15 s up to the top of their range, then a set is added. A dose never
   leaves its range.

There is no fallback: the state space is at most 2^(positions) x (sum of priorities), a few
thousand states for any realistic catalog.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache

from bedstretch.core.adapt import Adaptation, ladder
from bedstretch.core.errors import Invalid
from bedstretch.core.exercises import DoseKind, Exercise, Position, Role, Variant
from bedstretch.core.positions import Move, Moves
from bedstretch.core.routines import Prescription, Routine, Step
from bedstretch.core.timeline import (
    DEFAULT_PACING,
    PacedMoves,
    Pacing,
    intro_seconds,
    routine_seconds,
    step_seconds,
    welcome_minutes,
)

METHOD = "exact: knapsack DP over (positions, weight) + Held-Karp block order"


class PlanError(Invalid):
    """The constraints cannot be met (e.g. too little time); ``field`` names the constraint."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field=field)


@dataclass(frozen=True, slots=True)
class Constraints:
    minutes: float | None = None
    positions: frozenset[Position] = frozenset(Position)
    equipment: frozenset[str] = frozenset()
    exclude: frozenset[str] = frozenset()
    targets: frozenset[str] = frozenset()
    troubled: frozenset[str] = frozenset()  # trouble in two sessions: out until restored
    known: frozenset[str] = frozenset()  # done often enough: instructions in one line


@dataclass(frozen=True, slots=True)
class LeftOut:
    exercise: str
    reason: str


@dataclass(frozen=True, slots=True)
class Plan:
    routine: Routine
    total_seconds: int
    value: int  # total weight of the chosen stretches (see ``weight``)
    effort: int  # total effort of moving between positions
    left_out: tuple[LeftOut, ...] = field(default=())
    method: str = METHOD
    reasons: tuple[tuple[str, str], ...] = field(default=())  # (exercise id or "", why)


@dataclass(frozen=True, slots=True)
class _Option:
    exercise: Exercise
    variant: Variant
    prescription: Prescription  # the starting dose: the minimum, or higher after progress
    seconds: int  # at that dose


def _usable(
    exercise: Exercise, c: Constraints, moves: Moves, start: Position
) -> tuple[list[Variant], str | None]:
    """The variants the constraints allow, or why none is."""
    reasons = []
    usable = []
    for v in exercise.variants:
        if v.position not in c.positions:
            reasons.append(f"needs {v.position.label}")
        elif missing := [e for e in v.equipment.required if e not in c.equipment]:
            reasons.append(f"needs {', '.join(missing)}")
        elif not (moves.reachable(start, v.position) and moves.reachable(v.position, start)):
            reasons.append(f"no way to get to {v.position.label}")
        else:
            usable.append(v)
    if usable:
        return usable, None
    return [], " or ".join(dict.fromkeys(reasons))


def _fixed(
    catalog: list[Exercise], role: Role, c: Constraints, moves: Moves, start: Position
) -> tuple[Exercise, Variant]:
    """The opening or closing exercise and the first variant the constraints allow."""
    exercise = next((e for e in catalog if e.role is role), None)
    if exercise is None:
        raise PlanError("content", f"no exercise has role '{role}'; every plan needs one")
    if exercise.id in c.exclude:
        raise PlanError(
            "exclude", f"'{exercise.id}' opens or closes every plan and cannot be left out"
        )
    variants, reason = _usable(exercise, c, moves, start)
    if not variants:
        raise PlanError("positions", f"'{exercise.id}' {reason}, and every plan includes it")
    return exercise, variants[0]


def plan(
    exercises: Iterable[Exercise],
    moves: Moves,
    constraints: Constraints = Constraints(),
    pacing: Pacing = DEFAULT_PACING,
    *,
    routine_id: str = "plan",
    name: str = "Your plan",
    start_position: Position = Position.SUPINE,
    adaptation: Adaptation | None = None,
) -> Plan:
    """Plan a routine. Deterministic: the same arguments always give the same plan.

    ``adaptation`` (from the journal's history) starts exercises higher up their dose ladder.
    """
    c = constraints
    levels = adaptation.levels if adaptation else {}
    catalog = sorted(exercises, key=lambda e: e.id)
    opening_ex, opening = _fixed(catalog, Role.OPENING, c, moves, start_position)
    closing_ex, closing = _fixed(catalog, Role.CLOSING, c, moves, start_position)

    left_out: list[LeftOut] = []
    groups: list[list[_Option]] = []
    for ex in catalog:
        if ex.role is not Role.STRETCH:
            continue
        if ex.id in c.exclude:
            left_out.append(LeftOut(ex.id, "left out on request"))
            continue
        if ex.id in c.troubled:
            left_out.append(
                LeftOut(ex.id, "caused trouble in two sessions (--restore brings it back)")
            )
            continue
        if c.targets and not c.targets.intersection(ex.targets):
            left_out.append(LeftOut(ex.id, "works none of the target areas"))
            continue
        variants, reason = _usable(ex, c, moves, start_position)
        if not variants:
            left_out.append(LeftOut(ex.id, reason or "not allowed"))
            continue
        known = ex.id in c.known
        groups.append([_option(ex, v, levels.get(ex.id, 0), known, pacing) for v in variants])

    head, tail = opening.position, closing.position
    fixed_steps = (
        Step(opening_ex, opening, Prescription.minimum(opening.dose), opening_ex.id in c.known),
        Step(closing_ex, closing, Prescription.minimum(closing.dose), closing_ex.id in c.known),
    )
    paced = PacedMoves(moves, pacing)  # moves as long as the timeline makes them
    fixed_seconds = sum(step_seconds(s, pacing) for s in fixed_steps)
    fixed_seconds += paced(start_position, head).seconds
    shortest_welcome = intro_seconds(name, 1, pacing)  # for pruning: never longer than it is

    def with_welcome(body: int) -> int:
        """The total of a plan whose body (all but the welcome) takes ``body`` seconds: the
        welcome says "about N minutes", and its words take their own time."""
        return intro_seconds(name, welcome_minutes(body, pacing), pacing) + body

    budget = None if c.minutes is None else int(c.minutes * 60)

    # Positions other than the opening and closing ones get a bit each in the state's mask.
    others = sorted({o.variant.position for g in groups for o in g} - {head, tail})
    bit = {p: 1 << i for i, p in enumerate(others)}

    @cache
    def route(mask: int) -> tuple[int, int, tuple[Position, ...]]:
        """(effort, seconds, order) of the best path head -> every position in mask -> tail."""
        return _held_karp(paced, head, tail, tuple(p for p in others if mask & bit[p]))

    # DP over groups: (mask, value) -> (seconds, chosen options), keeping the quickest.
    states: dict[tuple[int, int], tuple[int, tuple[_Option, ...]]] = {(0, 0): (0, ())}
    for group in groups:
        grown = dict(states)
        for (mask, value), (seconds, chain) in states.items():
            for option in group:
                key = (mask | bit.get(option.variant.position, 0), value + weight(option.exercise))
                total = seconds + option.seconds
                if budget is not None and total + fixed_seconds + shortest_welcome > budget:
                    continue
                current = grown.get(key)
                if current is None or total < current[0]:
                    grown[key] = (total, (*chain, option))
        states = grown

    best: tuple[tuple[int, int, int], int, tuple[_Option, ...]] | None = None
    for (mask, value), (seconds, chain) in states.items():
        effort, move_seconds, _ = route(mask)
        total = with_welcome(seconds + move_seconds + fixed_seconds)
        if budget is not None and total > budget:
            continue
        score = (-value, effort, total)
        if best is None or score < best[0]:
            best = (score, mask, chain)
    if best is None:
        shortest = with_welcome(fixed_seconds + route(0)[1])
        raise PlanError(
            "minutes",
            f"{c.minutes:g} min is too short: the shortest plan (opening and closing only) takes "
            f"{shortest // 60} min {shortest % 60} s",
        )
    (neg_value, effort, _), mask, chosen = best
    chosen_ids = {o.exercise.id for o in chosen}
    for group in groups:
        if group[0].exercise.id not in chosen_ids:
            left_out.append(LeftOut(group[0].exercise.id, f"did not fit in {c.minutes:g} min"))

    order = (head, *route(mask)[2], tail)
    rank = {p: i for i, p in enumerate(order)}
    if head == tail:  # stretches in that position go straight after the opening
        rank[head] = 0
    body = sorted(chosen, key=lambda o: (rank[o.variant.position], o.exercise.flow, o.exercise.id))
    steps = [
        fixed_steps[0],
        *(Step(o.exercise, o.variant, o.prescription, o.exercise.id in c.known) for o in body),
        fixed_steps[1],
    ]
    planned = Routine(routine_id, name, _describe(c), tuple(steps), start_position)
    routine = planned if budget is None else _fit_doses(planned, moves, pacing, budget)
    total = routine_seconds(routine, moves, pacing)
    left_out.sort(key=lambda lo: lo.exercise)
    reasons = _reasons(planned, routine, order, effort, levels, adaptation, c)
    return Plan(routine, total, -neg_value, effort, tuple(left_out), METHOD, reasons)


def weight(exercise: Exercise) -> int:
    """What an exercise is worth to the planner: doubling with each step of priority."""
    return 1 << (exercise.priority - 1)


def _option(
    exercise: Exercise, variant: Variant, level: int, known: bool, pacing: Pacing
) -> _Option:
    rungs = ladder(variant)
    start = rungs[min(level, len(rungs) - 1)]
    seconds = step_seconds(Step(exercise, variant, start, known), pacing)
    return _Option(exercise, variant, start, seconds)


def _reasons(
    planned: Routine,
    final: Routine,
    order: tuple[Position, ...],
    effort: int,
    levels: Mapping[str, int],
    adaptation: Adaptation | None,
    c: Constraints,
) -> tuple[tuple[str, str], ...]:
    """Why each choice was made, in words (``bedstretch plan --explain``)."""
    out: list[tuple[str, str]] = []
    for before, after in zip(planned.steps, final.steps, strict=True):
        ex = after.exercise
        if ex.role is Role.OPENING:
            out.append((ex.id, "every plan opens with the starting position"))
            continue
        if ex.role is Role.CLOSING:
            out.append((ex.id, "every plan closes with relaxation"))
            continue
        why = [f"priority {ex.priority} of 5"]
        if len(ex.variants) > 1:
            why.append(f"the {after.variant.id} variant ({after.position.label})")
        level = levels.get(ex.id, 0)
        note = adaptation.reasons.get(ex.id) if adaptation else None
        if level and note:
            why.append(f"starts at dose level {level}: {note}")
        elif note:
            why.append(f"starts at its minimum dose: {note}")
        else:
            why.append("starts at its minimum dose")
        if before.prescription != after.prescription:
            why.append(f"grown to {after.describe_dose()} to use the time left")
        else:
            why.append(after.describe_dose())
        out.append((ex.id, "; ".join(why)))
    blocks = " -> ".join(dict.fromkeys(p.value for p in order))
    out.append(("", f"order by position to keep moving easy: {blocks} (effort {effort}, exact)"))
    if c.minutes is not None:
        out.append(("", f"fitted to {c.minutes:g} minutes; doses stay inside their ranges"))
    return tuple(out)


def _held_karp(
    moves: Callable[[Position, Position], Move],
    head: Position,
    tail: Position,
    middle: tuple[Position, ...],
) -> tuple[int, int, tuple[Position, ...]]:
    """Exact cheapest order (by effort, then seconds) of ``middle`` between head and tail."""
    n = len(middle)
    if n == 0:
        m = moves(head, tail)
        return m.effort, m.seconds, ()
    # best[(mask, last)] = (effort, seconds, path)
    best: dict[tuple[int, int], tuple[int, int, tuple[Position, ...]]] = {}
    for j, p in enumerate(middle):
        m = moves(head, p)
        best[1 << j, j] = (m.effort, m.seconds, (p,))
    for mask in range(1, 1 << n):
        for last in range(n):
            entry = best.get((mask, last))
            if entry is None:
                continue
            for nxt in range(n):
                if mask & (1 << nxt):
                    continue
                m = moves(middle[last], middle[nxt])
                cand = (entry[0] + m.effort, entry[1] + m.seconds, (*entry[2], middle[nxt]))
                key = (mask | 1 << nxt, nxt)
                if key not in best or cand < best[key]:
                    best[key] = cand
    full = (1 << n) - 1
    results = []
    for last in range(n):
        effort, seconds, path = best[full, last]
        m = moves(middle[last], tail)
        results.append((effort + m.effort, seconds + m.seconds, path))
    return min(results)


def _grow(step: Step) -> Prescription | None:
    """The next larger dose within the ranges, or None at the top."""
    p, dose = step.prescription, step.dose
    if (
        dose.kind is DoseKind.HOLD
        and dose.hold_seconds
        and (p.hold_seconds or 0) < dose.hold_seconds.high
    ):
        return replace(p, hold_seconds=dose.hold_seconds.clamp((p.hold_seconds or 0) + 5))
    if dose.kind is DoseKind.REPS and dose.reps and (p.reps or 0) < dose.reps.high:
        return replace(p, reps=(p.reps or 0) + 1)
    if (
        dose.kind is DoseKind.REPS
        and dose.hold_seconds
        and (p.hold_seconds or 0) < dose.hold_seconds.high
    ):
        return replace(p, hold_seconds=(p.hold_seconds or 0) + 1)
    if (
        dose.kind is DoseKind.TIMED
        and dose.duration_seconds
        and (p.duration_seconds or 0) < dose.duration_seconds.high
    ):
        return replace(
            p, duration_seconds=dose.duration_seconds.clamp((p.duration_seconds or 0) + 15)
        )
    if p.sets < dose.sets.high:
        return replace(p, sets=p.sets + 1)
    return None


WELCOME_SLACK = 3  # seconds the welcome can grow by when its "about N minutes" changes


def _fit_doses(routine: Routine, moves: Moves, pacing: Pacing, budget: int) -> Routine:
    steps = list(routine.steps)
    total = routine_seconds(routine, moves, pacing)
    # Stretches first (by priority), then the opening and closing: time goes where it helps most.
    turn = sorted(
        range(len(steps)),
        key=lambda i: (steps[i].exercise.role is not Role.STRETCH, -steps[i].exercise.priority, i),
    )
    grew = True
    while grew:
        grew = False
        for i in turn:
            bigger = _grow(steps[i])
            if bigger is None:
                continue
            candidate = replace(steps[i], prescription=bigger)
            extra = step_seconds(candidate, pacing) - step_seconds(steps[i], pacing)
            if total + extra + WELCOME_SLACK > budget:  # near the end: count exactly (the
                trial = (*steps[:i], candidate, *steps[i + 1 :])  # welcome's words may grow)
                grown = routine_seconds(replace(routine, steps=trial), moves, pacing)
                if grown > budget:
                    continue
                extra = grown - total
            steps[i] = candidate
            total += extra
            grew = True
    return replace(routine, steps=tuple(steps))


def _describe(c: Constraints) -> str:
    parts = []
    if c.minutes is not None:
        parts.append(f"{c.minutes:g} minutes")
    if c.positions != frozenset(Position):
        parts.append("positions: " + ", ".join(sorted(p.value for p in c.positions)))
    if c.equipment:
        parts.append("equipment: " + ", ".join(sorted(c.equipment)))
    if c.targets:
        parts.append("targets: " + ", ".join(sorted(c.targets)))
    if c.exclude:
        parts.append("without: " + ", ".join(sorted(c.exclude)))
    return "Planned for " + ("; ".join(parts) if parts else "no limits") + "."
