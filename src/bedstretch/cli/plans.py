"""``bedstretch plan``, and the planner options it shares with ``start``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from bedstretch.cli.content import print_steps
from bedstretch.cli.root import State, cli, emit_json, fail, local_now, pass_state
from bedstretch.core.exercises import TARGET_AREAS, Position
from bedstretch.core.routines import Routine
from bedstretch.services import planning

F = TypeVar("F", bound=Callable[..., Any])
POSITION_NAMES = [p.value for p in Position]
WITHOUT = {  # the --no-... flags, as positions left out
    "no_standing": {Position.STANDING},
    "no_kneeling": {Position.KNEELING, Position.HANDS_AND_KNEES},
    "no_sitting": {Position.SEATED},
    "no_prone": {Position.PRONE},
}


def constraint_options(function: F) -> F:
    """The planner's constraint options, shared by `plan` and `start`."""
    options = [
        click.option(
            "--minutes", "-m", type=click.FloatRange(min=0.5, max=240), help="Minutes you have."
        ),
        click.option(
            "--lying-only", is_flag=True, help="Only lying positions (for a bad morning)."
        ),
        click.option("--no-standing", is_flag=True, help="Nothing standing beside the bed."),
        click.option("--no-kneeling", is_flag=True, help="No kneeling or hands-and-knees."),
        click.option("--no-sitting", is_flag=True, help="Nothing sitting up."),
        click.option("--no-prone", is_flag=True, help="Nothing lying on your stomach."),
        click.option(
            "--avoid",
            multiple=True,
            type=click.Choice(POSITION_NAMES),
            metavar="POSITION",
            help="Leave out a position (repeatable): " + ", ".join(POSITION_NAMES) + ".",
        ),
        click.option(
            "--equipment",
            "-e",
            multiple=True,
            metavar="ITEM",
            help="Equipment at hand: towel, band, strap, pillow (repeatable or comma-separated).",
        ),
        click.option(
            "--exclude",
            "-x",
            multiple=True,
            metavar="ID",
            help="Leave out an exercise (repeatable).",
        ),
        click.option(
            "--target",
            "-t",
            "targets",
            multiple=True,
            type=click.Choice(TARGET_AREAS),
            metavar="AREA",
            help="Only exercises working these areas (repeatable): "
            + ", ".join(TARGET_AREAS)
            + ".",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def plan_options(options: dict[str, Any]) -> planning.PlanOptions:
    """The shared options as the planner service takes them."""
    avoid = {Position(p) for p in options["avoid"]}
    for flag, gone in WITHOUT.items():
        if options[flag]:
            avoid |= gone
    return planning.PlanOptions(
        minutes=options["minutes"],
        lying_only=options["lying_only"],
        avoid=frozenset(avoid),
        equipment=planning.equipment_items(options["equipment"]),
        exclude=tuple(options["exclude"]),
        targets=frozenset(options["targets"]),
    )


def lessons(state: State) -> planning.History:
    """What plans learn from the journal; nothing when there is no journal yet."""
    journal = state.journal_if_any()
    if journal is None:
        return planning.NO_HISTORY
    with journal:
        return planning.history(state.catalog, journal, local_now())


@cli.command("plan")
@constraint_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON (see docs/json.md).")
@click.option("--explain", is_flag=True, help="Say why each choice was made.")
@click.option(
    "--no-history",
    is_flag=True,
    help="Ignore the journal (no progression, nothing left out after trouble).",
)
@click.option(
    "--save",
    type=click.Path(dir_okay=False, writable=True),
    metavar="FILE",
    help="Also write the plan as a routine file (play it with `bedstretch timeline FILE`).",
)
@pass_state
def plan_command(
    state: State,
    /,
    as_json: bool,
    explain: bool,
    no_history: bool,
    save: str | None,
    **options: Any,
) -> None:
    """Plan a routine for the time, positions and equipment you have.

    Always opens with the starting position and closes with relaxation; orders the stretches so
    you move between positions as little as possible; fits each dose to the time, inside its range.
    Reads your journal: exercises that caused trouble in two sessions stay out, and doses move up
    after comfortable sessions and back after a pain skip (--no-history ignores it).
    """
    catalog = state.catalog
    wanted = plan_options(options)
    planning.constraints(catalog, wanted)  # bad options fail before the journal is read
    learned = planning.NO_HISTORY if no_history else lessons(state)
    planned = planning.make_plan(catalog, wanted, learned)
    result, timeline = planned.plan, planned.timeline
    if save:
        try:
            Path(save).write_text(routine_toml(result.routine), encoding="utf-8")
        except OSError as error:
            fail(f"--save: cannot write {save}: {error.strerror or error}")
    if as_json:
        emit_json(planned.to_dict())
        return
    click.echo(result.routine.description)
    print_steps(result.routine, timeline)
    if result.left_out:
        by_reason: dict[str, list[str]] = {}
        for lo in result.left_out:
            by_reason.setdefault(lo.reason, []).append(lo.exercise)
        click.echo("Left out:")
        for reason, ids in by_reason.items():
            click.echo(f"  {reason}: {', '.join(ids)}")
    if explain:
        click.echo("Why:")
        for exercise, reason in result.reasons:
            click.echo(f"  {exercise + ': ' if exercise else ''}{reason}")
    click.echo(f"Moving effort {result.effort}. Method: {result.method}.")


def routine_toml(routine: Routine) -> str:
    """A routine as a routine file (the content format)."""
    lines = [
        f"id = {json.dumps(routine.id)}",
        f"name = {json.dumps(routine.name)}",
        f"description = {json.dumps(routine.description)}",
        f"start_position = {json.dumps(routine.start_position.value)}",
    ]
    for step in routine.steps:
        p = step.prescription
        lines += [
            "",
            "[[steps]]",
            f"exercise = {json.dumps(step.exercise.id)}",
            f"variant = {json.dumps(step.variant.id)}",
        ]
        for key in ("sets", "hold_seconds", "reps", "duration_seconds"):
            value = getattr(p, key)
            if value is not None:
                lines.append(f"{key} = {value}")
    return "\n".join(lines) + "\n"
