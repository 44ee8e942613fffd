"""The ``bedstretch`` command line: a thin adapter over the catalog and the core.

Start-up matters (a person in bed waits for it): only click, tomllib and the core are imported at
start; rich, SQLAlchemy and matplotlib only inside the commands that need them.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from bedstretch import __version__
from bedstretch.catalog import (
    Catalog,
    ContentError,
    load_catalog,
    load_routine_file,
    user_content_dir,
)
from bedstretch.core.exercises import (
    LYING_POSITIONS,
    TARGET_AREAS,
    Exercise,
    Position,
    Range,
    Variant,
)

if TYPE_CHECKING:
    from bedstretch.core.adapt import Adaptation
    from bedstretch.core.planner import Constraints, Plan
    from bedstretch.core.safety import ScreeningResult
from bedstretch.core.routines import Routine
from bedstretch.core.serialize import exercise_dict, plan_dict, routine_dict
from bedstretch.core.timeline import Timeline, compile_timeline
from bedstretch.tables import mmss, print_table

if TYPE_CHECKING:
    from bedstretch.journal import Journal

F = TypeVar("F", bound=Callable[..., Any])
EXIT_USAGE = 2


def fail(message: str) -> NoReturn:
    click.echo(f"bedstretch: {message}", err=True)
    sys.exit(EXIT_USAGE)


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


class State:
    """What every command shares: the content directory option, and the catalog loaded once."""

    def __init__(self, content: str | None, db: str | None = None) -> None:
        self.content = content
        self.db = db
        self._catalog: Catalog | None = None

    def journal(self) -> Journal:
        """Open the journal (imports SQLAlchemy: only commands that need it call this)."""
        from bedstretch.journal import JournalError, open_journal

        try:
            return open_journal(self.db)
        except JournalError as error:
            fail(str(error))

    @property
    def catalog(self) -> Catalog:
        if self._catalog is None:
            try:
                self._catalog = load_catalog(user_content_dir(self.content))
            except ContentError as error:
                for problem in error.problems:
                    click.echo(str(problem), err=True)
                sys.exit(EXIT_USAGE)
        return self._catalog


pass_state = click.make_pass_decorator(State)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(
    __version__, "-V", "--version", prog_name="bedstretch", message="%(prog)s %(version)s"
)
@click.option(
    "--content",
    metavar="DIR",
    help="Your own exercises/ and routines/ (add to or replace the shipped ones). "
    "Default: $BEDSTRETCH_CONTENT.",
)
@click.option(
    "--db",
    metavar="URL",
    help="Journal database: a SQLAlchemy URL (sqlite:///FILE, postgresql+psycopg://...). "
    "Default: $BEDSTRETCH_DATABASE_URL, else a SQLite file in your data directory.",
)
@click.pass_context
def cli(ctx: click.Context, content: str | None, db: str | None) -> None:
    """A coach for low-back stretches done in and beside bed.

    Browse the stretches from both source articles, see the shipped routines, plan one for your
    time and limits, and see second by second what a session will do.
    """
    ctx.obj = State(content, db)


# --------------------------------------------------------------------------- exercises


def _dose_range(v: Variant) -> str:
    d = v.dose
    parts = []
    if d.hold_seconds and d.reps:
        parts.append(f"{d.reps} reps, {d.hold_seconds} s pause")
    elif d.reps:
        parts.append(f"{d.reps} reps")
    elif d.hold_seconds:
        parts.append(f"{d.hold_seconds} s hold")
    elif d.duration_seconds:
        parts.append(f"{_seconds_range(d.duration_seconds)}")
    if d.sets != Range(1, 1):
        parts[0] = f"{d.sets} x {parts[0]}"
    if d.per_side:
        parts.append("each side")
    return ", ".join(parts)


def _seconds_range(r: Range) -> str:
    if r.low % 60 == 0 and r.high % 60 == 0:
        return f"{Range(r.low // 60, r.high // 60)} min"
    return f"{r} s"


def _sources(e: Exercise) -> str:
    return ", ".join(f"{s.file[:3]}#{s.item}" for s in e.sources)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON (see docs/json.md).")
@click.option(
    "--position",
    "positions",
    multiple=True,
    type=click.Choice([p.value for p in Position]),
    metavar="POSITION",
    help="Only exercises with a variant in this position (repeatable).",
)
@click.option(
    "--target",
    "targets",
    multiple=True,
    type=click.Choice(TARGET_AREAS),
    metavar="AREA",
    help="Only exercises working this area (repeatable).",
)
@click.option(
    "--restore",
    metavar="ID",
    help="Bring back an exercise left out after trouble in two sessions.",
)
@pass_state
def exercises(
    state: State,
    as_json: bool,
    positions: Sequence[str],
    targets: Sequence[str],
    restore: str | None,
) -> None:
    """List every exercise, its positions, dose and sources.

    An exercise that caused trouble (a pain skip or a safety stop) in two sessions is left out of
    later sessions until you restore it with --restore ID.
    """
    if restore is not None:
        _restore(state, restore)
        return
    chosen = [
        e
        for e in state.catalog.exercises.values()
        if (not positions or any(v.position.value in positions for v in e.variants))
        and (not targets or set(targets) & set(e.targets))
    ]
    if as_json:
        emit_json([exercise_dict(e) for e in chosen])
        return
    rows = []
    for e in chosen:
        for i, v in enumerate(e.variants):
            label = e.id if i == 0 else f"  +{v.id}"
            rows.append(
                [label, v.name, v.position.value, _dose_range(v), _sources(e) if i == 0 else ""]
            )
    print_table(["id", "name", "position", "dose", "sources"], rows)


@cli.command()
@click.argument("exercise_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (see docs/json.md).")
@click.option(
    "--svg",
    "svg_file",
    metavar="FILE",
    help="Write the exercise's animated figure as SVG to FILE ('-' for standard output).",
)
@click.option(
    "--variant", metavar="VID", help="With --svg: the variant to draw (default: the default)."
)
@pass_state
def show(
    state: State, exercise_id: str, as_json: bool, svg_file: str | None, variant: str | None
) -> None:
    """Show one exercise in full: every variant, its steps, breathing, form and cautions.

    ID may also be the exercise's name or one of its aliases. With --svg, write its figure
    instead: an animated picture of the key poses (docs/figures.md).
    """
    exercise = state.catalog.find_exercise(exercise_id)
    if exercise is None:
        fail(f"ID: no exercise '{exercise_id}' (see `bedstretch exercises`)")
    if variant is not None and svg_file is None:
        fail("--variant: only with --svg (the text shows every variant)")
    if svg_file is not None:
        _write_figure(state.catalog, exercise, variant, svg_file)
        return
    if as_json:
        emit_json(exercise_dict(exercise))
        return
    out = [f"{exercise.name}  ({exercise.id})", exercise.summary]
    if exercise.aliases:
        out.append("Also called: " + ", ".join(exercise.aliases))
    out.append("Works: " + ", ".join(exercise.targets))
    for v in exercise.variants:
        out += ["", f"{v.name}  [{v.id}]" + ("  (default)" if v is exercise.default else "")]
        out.append(f"  Position: {v.position.label}.  Dose: {_dose_range(v)}.")
        if v.equipment.required:
            out.append("  You need: " + ", ".join(v.equipment.required))
        if v.equipment.optional:
            out.append("  Helpful: " + ", ".join(v.equipment.optional))
        out += [f"  {n}. {s}" for n, s in enumerate(v.steps, 1)]
        out += [f"  Form: {s}" for s in v.form]
        out += [f"  Breathing: {s}" for s in v.breathing]
        if v.dose.cycle:
            out.append(
                "  Rhythm: " + " / ".join(f"{p.breath} {p.seconds or 'hold'}" for p in v.dose.cycle)
            )
        out.append("  Source: " + ", ".join(f"article {s.file}, item {s.item}" for s in v.sources))
    if exercise.cautions:
        out += ["", "Take care:"] + [f"  - {c}" for c in exercise.cautions]
    if exercise.notes:
        out += ["", "Notes:"] + [f"  - {n}" for n in exercise.notes]
    click.echo("\n".join(out))


def _write_figure(catalog: Catalog, exercise: Exercise, variant_id: str | None, to: str) -> None:
    from bedstretch.drawing import svg, title

    variant = exercise.variant(variant_id)
    if variant is None:
        known = ", ".join(v.id for v in exercise.variants)
        fail(f"--variant: exercise '{exercise.id}' has no variant '{variant_id}' (it has: {known})")
    figure = catalog.figures.get((exercise.id, variant.id))
    if figure is None:
        fail(
            f"ID: '{exercise.id}' variant '{variant.id}' has no figure "
            "(add a [figure] table to its file: see docs/figures.md)"
        )
    text = svg(figure, title(exercise, variant))
    if to == "-":
        click.echo(text)
        return
    try:
        Path(to).write_text(text + "\n", encoding="utf-8")
    except OSError as error:
        fail(f"--svg: cannot write {to}: {error.strerror or error}")
    click.echo(f"Wrote {to} ({exercise.id}, variant {variant.id}).")


@cli.command()
@click.argument("directory", metavar="DIR")
@pass_state
def gallery(state: State, directory: str) -> None:
    """Write every exercise's figure (one SVG per exercise and variant) and an index.html to DIR.

    Open DIR/index.html in a browser to see them all; each figure animates its key poses.
    """
    from bedstretch.drawing import file_name, index_html, svg, title

    catalog = state.catalog
    folder = Path(directory)
    entries = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for exercise in catalog.exercises.values():
            for variant in exercise.variants:
                figure = catalog.figures.get((exercise.id, variant.id))
                name = file_name(exercise, variant) if figure else None
                if figure and name:
                    text = svg(figure, title(exercise, variant))
                    (folder / name).write_text(text + "\n", encoding="utf-8")
                entries.append((exercise, variant, name))
        (folder / "index.html").write_text(index_html(entries), encoding="utf-8")
    except OSError as error:
        fail(f"DIR: cannot write to {directory}: {error.strerror or error}")
    drawn = sum(1 for *_, name in entries if name)
    missing = [f"{e.id}/{v.id}" for e, v, name in entries if not name]
    click.echo(f"Wrote {drawn} figures and index.html to {directory}.")
    if missing:
        click.echo("No figure (no [figure] table): " + ", ".join(missing))


def _restore(state: State, name: str) -> None:
    from bedstretch.core.safety import troubled_exercises
    from bedstretch.player.engine import utcnow

    exercise = state.catalog.find_exercise(name)
    if exercise is None:
        fail(f"--restore: no exercise '{name}' (see `bedstretch exercises`)")
    journal = state.journal()
    try:
        was_out = exercise.id in troubled_exercises(journal.exercise_trouble())
        journal.restore_exercise(exercise.id, utcnow())
    finally:
        journal.close()
    if was_out:
        click.echo(f"Restored {exercise.id}: sessions and plans include it again.")
    else:
        click.echo(f"{exercise.id} was not left out; its trouble count starts again from now.")


# --------------------------------------------------------------------------- routines


def _routine_row(routine: Routine, timeline: Timeline) -> list[str]:
    return [
        routine.id,
        routine.name,
        str(len(routine.steps)),
        mmss(timeline.total_seconds),
        routine.description,
    ]


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON (see docs/json.md).")
@pass_state
def routines(state: State, as_json: bool) -> None:
    """List the routines (shipped, and yours from --content)."""
    catalog = state.catalog
    compiled = [(r, compile_timeline(r, catalog.moves)) for r in catalog.routines.values()]
    if as_json:
        emit_json([routine_dict(r, t) for r, t in compiled])
        return
    print_table(
        ["id", "name", "steps", "length", "description"], [_routine_row(r, t) for r, t in compiled]
    )


def _print_steps(routine: Routine, timeline: Timeline) -> None:
    rows = []
    for n, (step, span) in enumerate(zip(routine.steps, timeline.steps, strict=True), 1):
        rows.append(
            [
                str(n),
                mmss(span.at),
                step.variant.name,
                step.position.value,
                step.describe_dose(),
                mmss(span.end - span.at),
            ]
        )
    print_table(["#", "at", "exercise", "position", "dose", "takes"], rows)
    click.echo(f"Total {mmss(timeline.total_seconds)} ({len(timeline.cues)} cues).")


# --------------------------------------------------------------------------- plan

POSITION_NAMES = [p.value for p in Position]


def constraint_options(function: F) -> F:
    """The planner's constraint options, shared by `plan` (and later `start`)."""
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


def build_constraints(
    catalog: Catalog, options: dict[str, Any]
) -> tuple[Constraints, dict[str, Any]]:
    """Constraints from the shared options, plus their JSON echo."""
    from bedstretch.core.planner import Constraints

    positions = set(Position)
    if options["lying_only"]:
        positions &= LYING_POSITIONS
    removed = {
        "no_standing": {Position.STANDING},
        "no_kneeling": {Position.KNEELING, Position.HANDS_AND_KNEES},
        "no_sitting": {Position.SEATED},
        "no_prone": {Position.PRONE},
    }
    for flag, gone in removed.items():
        if options[flag]:
            positions -= gone
    positions -= {Position(p) for p in options["avoid"]}
    equipment = {
        item.strip() for value in options["equipment"] for item in value.split(",") if item.strip()
    }
    exclude = set()
    for name in options["exclude"]:
        exercise = catalog.find_exercise(name)
        if exercise is None:
            fail(f"--exclude: no exercise '{name}' (see `bedstretch exercises`)")
        exclude.add(exercise.id)
    constraints = Constraints(
        minutes=options["minutes"],
        positions=frozenset(positions),
        equipment=frozenset(equipment),
        exclude=frozenset(exclude),
        targets=frozenset(options["targets"]),
    )
    echo = {
        "minutes": constraints.minutes,
        "positions": sorted(p.value for p in constraints.positions),
        "equipment": sorted(constraints.equipment),
        "exclude": sorted(constraints.exclude),
        "targets": sorted(constraints.targets),
    }
    return constraints, echo


def make_plan(
    catalog: Catalog, options: dict[str, Any], history: History | None = None
) -> tuple[Plan, dict[str, Any]]:
    from bedstretch.core.planner import PlanError, plan

    constraints, echo = build_constraints(catalog, options)
    adaptation = None
    if history is not None:
        constraints = replace(constraints, troubled=history.troubled)
        adaptation = history.adaptation
    try:
        found = plan(catalog.exercises.values(), catalog.moves, constraints, adaptation=adaptation)
    except PlanError as error:
        fail(str(error))
    return found, echo


@dataclass(frozen=True)
class History:
    """What plans learn from the journal: exercises left out, and dose levels."""

    troubled: frozenset[str]
    adaptation: Adaptation


def read_history(state: State, catalog: Catalog, journal: Journal | None = None) -> History | None:
    """The journal's lessons for plans, or None when there is no journal yet."""
    from bedstretch.core.adapt import adapt, ladder
    from bedstretch.core.safety import troubled_exercises
    from bedstretch.journal import resolve_url
    from bedstretch.journal.summaries import session_summaries

    own = journal is None
    if journal is None:
        url = resolve_url(state.db)
        if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
            return None  # no sessions yet: nothing to learn, and no file to create for a plan
        journal = state.journal()
    try:
        summaries = session_summaries(journal, exercises=True)
        troubled = troubled_exercises(journal.exercise_trouble())
    finally:
        if own:
            journal.close()
    tz = datetime.now().astimezone().tzinfo
    assert tz is not None
    top = {e.id: len(ladder(e.default)) - 1 for e in catalog.exercises.values()}
    return History(frozenset(troubled), adapt(summaries, top, tz))


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
    history = None if no_history else read_history(state, catalog)
    result, echo = make_plan(catalog, options, history)
    timeline = compile_timeline(result.routine, catalog.moves)
    if save:
        try:
            Path(save).write_text(routine_toml(result.routine), encoding="utf-8")
        except OSError as error:
            fail(f"--save: cannot write {save}: {error.strerror or error}")
    if as_json:
        data = plan_dict(result, timeline, echo)
        data["reasons"] = [{"exercise": e or None, "reason": r} for e, r in result.reasons]
        emit_json(data)
        return
    click.echo(result.routine.description)
    _print_steps(result.routine, timeline)
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


# --------------------------------------------------------------------------- timeline


def resolve_routine(catalog: Catalog, name: str) -> Routine:
    """A routine id, or the path of a routine file."""
    if name in catalog.routines:
        return catalog.routines[name]
    path = Path(name)
    if path.suffix == ".toml" or path.exists():
        if not path.is_file():
            fail(f"ROUTINE: no routine file '{name}'")
        try:
            return load_routine_file(path, catalog)
        except ContentError as error:
            for problem in error.problems:
                click.echo(str(problem), err=True)
            sys.exit(EXIT_USAGE)
    known = ", ".join(catalog.routines)
    fail(f"ROUTINE: no routine '{name}' (known: {known}; or give a .toml file)")


@cli.command()
@click.argument("routine_name", metavar="ROUTINE")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (see docs/json.md).")
@click.option("--summary", is_flag=True, help="One line per exercise instead of every cue.")
@pass_state
def timeline(state: State, routine_name: str, as_json: bool, summary: bool) -> None:
    """Show second by second what a session of ROUTINE will do.

    ROUTINE is a routine id (see `bedstretch routines`) or a routine file.
    """
    catalog = state.catalog
    routine = resolve_routine(catalog, routine_name)
    compiled = compile_timeline(routine, catalog.moves)
    if as_json:
        emit_json(compiled.to_dict())
        return
    click.echo(
        f"{routine.name} ({routine.id}): {len(routine.steps)} exercises, "
        f"{mmss(compiled.total_seconds)}"
    )
    if summary:
        _print_steps(routine, compiled)
        return
    rows = []
    for cue in compiled.cues:
        where = cue.side or ""
        if cue.rep is not None:
            where = f"{where} rep {cue.rep}".strip()
        rows.append([mmss(cue.at), cue.kind.value, where, cue.text])
    print_table(["at", "cue", "side/rep", "text"], rows)


# --------------------------------------------------------------------------- sessions


def _without_troubled(routine: Routine, troubled: frozenset[str]) -> Routine:
    from dataclasses import replace

    from bedstretch.core.exercises import Role

    kept = tuple(
        s
        for s in routine.steps
        if s.exercise.role is not Role.STRETCH or s.exercise.id not in troubled
    )
    for gone in sorted({s.exercise.id for s in routine.steps} & troubled):
        click.echo(
            f"bedstretch: leaving out {gone}: it caused trouble in two sessions "
            f"(`bedstretch exercises --restore {gone}` brings it back)",
            err=True,
        )
    if not kept:
        fail("ROUTINE: every exercise of this routine is left out after trouble")
    return replace(routine, steps=kept)


def _has_constraints(options: dict[str, Any]) -> bool:
    flags = ("lying_only", "no_standing", "no_kneeling", "no_sitting", "no_prone")
    lists = ("avoid", "equipment", "exclude", "targets")
    return (
        options["minutes"] is not None
        or any(options[f] for f in flags)
        or any(options[k] for k in lists)
    )


@cli.command()
@click.argument("routine_name", metavar="[ROUTINE]", required=False)
@constraint_options
@click.option(
    "--speed",
    type=click.FloatRange(min=0.1, max=100),
    default=1.0,
    show_default=True,
    help="Play N times faster (demos, tests).",
)
@click.option(
    "--voice/--no-voice",
    default=None,
    help="Speak the cues with espeak-ng. Default: on when installed and --speed is 1.",
)
@click.option(
    "--rate",
    type=click.IntRange(80, 400),
    default=150,
    show_default=True,
    help="Speaking rate, words per minute.",
)
@click.option(
    "--voice-name",
    default="en",
    show_default=True,
    metavar="NAME",
    help="espeak-ng voice, e.g. en, en-us, de.",
)
@click.option(
    "--cue-log",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Append one JSON line per cue as it fires (at, kind, exercise, side, scheduled, actual).",
)
@click.option("--no-input", is_flag=True, help="Ignore standard input (no commands).")
@click.option(
    "--pain-before",
    type=click.IntRange(0, 10),
    metavar="N",
    help="Pain now (0-10), instead of being asked.",
)
@click.option(
    "--pain-after",
    type=click.IntRange(0, 10),
    metavar="N",
    help="Pain at the end (0-10), instead of being asked.",
)
@click.option(
    "--cleared",
    is_flag=True,
    help="A clinician has checked you since an 'urgent' screening (recorded).",
)
@pass_state
def start(
    state: State,
    /,
    routine_name: str | None,
    speed: float,
    voice: bool | None,
    rate: int,
    voice_name: str,
    cue_log: str | None,
    no_input: bool,
    pain_before: int | None,
    pain_after: int | None,
    cleared: bool,
    **options: Any,
) -> None:
    """Start a guided session: ROUTINE (an id or file), a plan from the options, or in-bed.

    On a terminal: a full screen with a big countdown; keys: space pause/resume, n or right skip,
    b or left back, p pain 0-10, s sharp pain, t tingling or numbness, q quit. On a pipe: one cue
    per line, and one command per line on standard input (pause, resume, skip, back, quit,
    pain N, sharp, tingling). Sharp pain or pain 2+ above the start skips the stretch; tingling
    or pain 8+ stops the session. Exit status 3 when a safety rule blocks the session.
    """
    from bedstretch.player.session import SessionError, StartOptions, run_start

    catalog = state.catalog
    if routine_name and _has_constraints(options):
        fail("ROUTINE: give a routine or plan options (--minutes, --lying-only...), not both")

    def resolve(journal: Journal) -> Routine:
        history = read_history(state, catalog, journal)
        troubled = history.troubled if history else frozenset()
        if routine_name:
            return _without_troubled(resolve_routine(catalog, routine_name), troubled)
        if _has_constraints(options):
            return make_plan(catalog, options, history)[0].routine
        return _without_troubled(catalog.routines["in-bed"], troubled)

    if routine_name and routine_name not in catalog.routines:
        resolve_routine(catalog, routine_name)  # a bad name or file fails now, before the screen
    title = routine_name or ("your plan" if _has_constraints(options) else "in-bed")
    start_options = StartOptions(
        db=state.db,
        speed=speed,
        voice=voice,
        rate=rate,
        voice_name=voice_name,
        cue_log=Path(cue_log) if cue_log else None,
        no_input=no_input,
        pain_before=pain_before,
        pain_after=pain_after,
        cleared=cleared,
    )
    try:
        code = run_start(catalog, title, resolve, start_options, _screen_interactively)
    except SessionError as error:
        click.echo(f"bedstretch: {error}", err=True)
        sys.exit(error.code)
    sys.exit(code)


def _how_cleared(result: ScreeningResult) -> str:
    """The terminal's way to record a clinician's clearance, after urgent advice."""
    if result.outcome.value != "urgent":
        return ""
    return " Then run `bedstretch start --cleared`."


def _screen_interactively(journal: Journal) -> None:
    """Ask the red-flag questions at the terminal, record and show the outcome."""
    from bedstretch.catalog import load_screening_questions
    from bedstretch.core.safety import DISCLAIMER, QUESTIONS, screen
    from bedstretch.player.engine import utcnow

    texts = load_screening_questions()
    click.echo(DISCLAIMER + "\n")
    answers = {q.id: click.confirm(texts[q.id], default=False) for q in QUESTIONS}
    age = click.prompt("Your age in years", type=click.FloatRange(0, 130))
    result = screen(answers, age)
    journal.add_screening(
        taken_at=utcnow(),
        outcome=result.outcome.value,
        reasons=list(result.reasons),
        answers=answers,
        age=age,
    )
    click.echo(f"\nResult: {result.outcome.value}. {result.advice}{_how_cleared(result)}")


@cli.command("screen")
@click.option(
    "--answers",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Answer from a JSON file: every question id true/false, and age.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
@click.option(
    "--cleared",
    is_flag=True,
    help="A clinician has checked you and says exercise is fine (recorded).",
)
@pass_state
def screen_command(state: State, answers: str | None, as_json: bool, cleared: bool) -> None:
    """Red-flag screening: signs that need a doctor before (or instead of) stretching.

    Asked before the first session, after something new (e.g. tingling in a session) and at
    least every 4 weeks. The question ids are listed in docs/safety.md.
    """
    from bedstretch.core.safety import DISCLAIMER, Level, ScreeningInputError, parse_answers, screen
    from bedstretch.player.engine import utcnow

    if answers is None:
        if not sys.stdin.isatty():
            fail("--answers: standard input is not a terminal; give the answers as a JSON file")
        journal = state.journal()
        try:
            _screen_interactively(journal)
        finally:
            journal.close()
        return
    try:
        raw = json.loads(Path(answers).read_text(encoding="utf-8"))
    except OSError as error:
        fail(f"--answers: cannot read {answers}: {error.strerror or error}")
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        fail(f"--answers: {answers} is not valid JSON: {error}")
    try:
        parsed, age = parse_answers(raw)
    except ScreeningInputError as error:
        fail(f"--answers: {answers}: {error}")
    result = screen(parsed, age)
    now = utcnow()
    journal = state.journal()
    try:
        journal.add_screening(
            taken_at=now,
            outcome=result.outcome.value,
            reasons=list(result.reasons),
            answers=parsed,
            age=age,
            cleared_at=now if cleared and result.outcome is Level.URGENT else None,
        )
    finally:
        journal.close()
    if as_json:
        emit_json(result.to_dict())
        return
    click.echo(DISCLAIMER)
    reasons = f" ({', '.join(result.reasons)})" if result.reasons else ""
    click.echo(f"Result: {result.outcome.value}{reasons}. {result.advice}{_how_cleared(result)}")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON (see docs/json.md).")
@click.option(
    "--limit", type=click.IntRange(min=1), metavar="N", help="Only the newest N sessions."
)
@pass_state
def history(state: State, as_json: bool, limit: int | None) -> None:
    """Sessions, newest first: routine, status, times, pain before and after, every step."""
    from bedstretch.journal import pid_alive
    from bedstretch.player.engine import utcnow

    journal = state.journal()
    try:
        journal.reap_interrupted(utcnow(), pid_alive)
        sessions = journal.sessions(limit=limit)
    finally:
        journal.close()
    if as_json:
        emit_json([s.to_dict() for s in sessions])
        return
    rows = []
    for s in sessions:
        entry = s.to_dict()
        done = sum(1 for step in entry["steps"] if step["status"] == "done")
        skipped = sum(1 for step in entry["steps"] if step["status"] in ("skipped", "pain_skip"))
        length = mmss(int((s.ended_at - s.started_at).total_seconds())) if s.ended_at else "-"
        pain = "-" if s.pain_before is None else str(s.pain_before)
        pain += "" if s.pain_after is None else f" -> {s.pain_after}"
        rows.append(
            [
                str(s.id),
                s.started_at.astimezone().strftime("%Y-%m-%d %H:%M"),
                s.routine_id,
                s.status.value,
                length,
                pain,
                f"{done}/{len(entry['steps'])}" + (f" ({skipped} skipped)" if skipped else ""),
            ]
        )
    if not rows:
        click.echo("No sessions yet: `bedstretch start` begins one.")
        return
    print_table(["id", "started", "routine", "status", "length", "pain", "done"], rows)


# --------------------------------------------------------------------------- progress


def _local_today() -> date:
    return datetime.now().astimezone().date()


@cli.command()
@click.option("--pain", type=click.IntRange(0, 10), metavar="N", help="Pain today, 0-10.")
@click.option(
    "--peg",
    type=click.IntRange(0, 10),
    nargs=3,
    metavar="P E G",
    default=None,
    help="The PEG scale, each 0-10: average pain, interference with enjoyment of life, "
    "interference with general activity.",
)
@click.option(
    "--date",
    "day",
    type=click.DateTime(["%Y-%m-%d"]),
    metavar="YYYY-MM-DD",
    help="The day this check-in is about (back-fill a missed day). Default: today.",
)
@pass_state
def checkin(
    state: State, pain: int | None, peg: tuple[int, int, int] | None, day: datetime | None
) -> None:
    """Record today's pain (0-10), and once a week the PEG scale.

    Without options, asks at the terminal (the PEG questions when none was answered in the
    last 7 days).
    """
    from bedstretch.player.engine import utcnow

    today = _local_today()
    when = day.date() if day else today
    if when > today:
        fail(f"--date: {when.isoformat()} is in the future")
    journal = state.journal()
    try:
        if pain is None and not peg:
            if not sys.stdin.isatty():
                fail("--pain: give --pain N and/or --peg P E G (standard input is not a terminal)")
            pain = click.prompt(
                "How much does your back hurt today? (0-10)", type=click.IntRange(0, 10)
            )
            recent = [c for c in journal.checkins(since=when - timedelta(days=6)) if c.peg]
            if not recent:
                click.echo("Once a week, three more questions (the PEG scale), each 0-10:")
                peg = (
                    click.prompt(
                        "  Your average pain in the past week", type=click.IntRange(0, 10)
                    ),
                    click.prompt(
                        "  How much pain interfered with your enjoyment of life",
                        type=click.IntRange(0, 10),
                    ),
                    click.prompt(
                        "  How much pain interfered with your general activity",
                        type=click.IntRange(0, 10),
                    ),
                )
        record = journal.add_checkin(day=when, created_at=utcnow(), pain=pain, peg=peg or None)
    finally:
        journal.close()
    parts = []
    if record.pain is not None:
        parts.append(f"pain {record.pain}")
    if record.peg is not None:
        parts.append(f"PEG {record.peg_score:g} ({', '.join(map(str, record.peg))})")
    click.echo(f"Check-in saved for {record.day.isoformat()}: {'; '.join(parts)}.")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON (see docs/json.md).")
@click.option(
    "--since",
    type=click.DateTime(["%Y-%m-%d"]),
    metavar="YYYY-MM-DD",
    help="Only sessions and ratings from this day on.",
)
@click.option(
    "--chart",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Also draw the charts into FILE (.svg or .png).",
)
@pass_state
def progress(state: State, as_json: bool, since: datetime | None, chart: str | None) -> None:
    """Is it helping? Practice, streaks, minutes, the pain trend, PEG and advice.

    A change counts as meaningful only when pain is at least 2 points AND 30 % lower than the
    baseline (the median of your first 3 days of ratings); with fewer than 6 days of ratings there
    is no trend yet.
    """
    from bedstretch.core.progress import progress as compute
    from bedstretch.journal.summaries import session_summaries

    if chart and Path(chart).suffix.lower() not in (".svg", ".png"):
        fail(f"--chart: {chart}: use a .svg or .png file name")
    journal = state.journal()
    try:
        summaries = session_summaries(journal)
        checkins = journal.checkins()
    finally:
        journal.close()
    tz = datetime.now().astimezone().tzinfo
    assert tz is not None
    result = compute(
        summaries, checkins, today=_local_today(), tz=tz, since=since.date() if since else None
    )
    if chart:
        from bedstretch.charts import draw_progress

        try:
            draw_progress(result, Path(chart))
        except OSError as error:
            fail(f"--chart: cannot write {chart}: {error.strerror or error}")
    if as_json:
        emit_json(result.to_dict())
        return
    click.echo("\n".join(progress_lines(result)))
    if chart:
        click.echo(f"Charts written to {chart}.")


def progress_lines(result: Any) -> list[str]:
    """The people's summary of a Progress value."""
    from bedstretch.core.progress import sparkline

    out = [
        f"Practice: {result.sessions} sessions on {result.days_practised} days, "
        f"{result.minutes:.0f} minutes of stretching.",
        f"Streak: {result.streak_current} days (longest {result.streak_longest}).",
    ]
    if result.weeks:
        week = result.weeks[-1]
        recent = " ".join(str(w.days) for w in result.weeks[-8:])
        out.append(f"This week: {week.days} of 7 days. Days per week, last weeks: {recent}.")
    pain = result.pain
    if pain.series:
        line = sparkline([v for _, v in pain.series])
        out.append(f"Pain, day by day (0-10): {line}  ({pain.days} days)")
    if pain.enough:
        verdict = (
            "a meaningful improvement"
            if pain.meaningful
            else ("clearly worse" if pain.worse else "no meaningful change")
        )
        percent = "" if pain.change_percent is None else f", {pain.change_percent:+g} %"
        out.append(
            f"Pain: baseline {pain.baseline:g}, latest {pain.latest:g}: "
            f"{pain.change_points:+g} points{percent}, {verdict}."
        )
    if result.peg:
        first, latest = result.peg[0][1], result.peg[-1][1]
        out.append(f"PEG (0-10): {first:g} at first, {latest:g} latest ({len(result.peg)} weeks).")
    if result.trouble:
        trouble = ", ".join(f"{e} ({n})" for e, n in result.trouble)
        out.append(f"Pain skips: {trouble}.")
    out.append(result.advice)
    if not result.pain.enough:
        out.append("Check in with `bedstretch checkin`.")
    return out


# --------------------------------------------------------------------------- export, import, remind


def _write_text(out: str, text: str) -> None:
    try:
        Path(out).write_text(text, encoding="utf-8")
    except OSError as error:
        fail(f"--out: cannot write {out}: {error.strerror or error}")


def _write_csv(out: str, tables: dict[str, tuple[list[str], list[list[object]]]]) -> None:
    """One CSV file per table, into a directory or a .zip file."""
    import csv
    import io
    import zipfile

    def render(header: list[str], rows: list[list[object]]) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        return buffer.getvalue()

    target = Path(out)
    try:
        if target.suffix.lower() == ".zip":
            with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
                for name, (header, rows) in tables.items():
                    archive.writestr(f"{name}.csv", render(header, rows))
            return
        if target.exists() and not target.is_dir():
            fail(f"--out: {out} is a file: csv needs a directory or a .zip file")
        target.mkdir(parents=True, exist_ok=True)
        for name, (header, rows) in tables.items():
            (target / f"{name}.csv").write_text(render(header, rows), encoding="utf-8")
    except OSError as error:
        fail(f"--out: cannot write {out}: {error.strerror or error}")


@cli.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "csv", "fhir"]),
    default="json",
    show_default=True,
    help="json: the whole journal (what `bedstretch import` reads); csv: one table per record "
    "type; fhir: a FHIR R4 Bundle of pain and PEG Observations.",
)
@click.option(
    "--out",
    metavar="FILE",
    help="Write here instead of standard output. csv needs it: a directory, or a .zip file.",
)
@pass_state
def export(state: State, fmt: str, out: str | None) -> None:
    """Export the journal: screenings, sessions (steps, events), check-ins (docs/export.md)."""
    from bedstretch.core.exchange import csv_tables, fhir_bundle, journal_document
    from bedstretch.journal import pid_alive
    from bedstretch.journal.exchange import export_records
    from bedstretch.player.engine import utcnow

    if fmt == "csv" and not out:
        fail("--out: csv is several tables: give a directory or a .zip file")
    journal = state.journal()
    try:
        journal.reap_interrupted(utcnow(), pid_alive)
        records = export_records(journal)
    finally:
        journal.close()
    if fmt == "csv":
        assert out is not None
        _write_csv(out, csv_tables(**records))
        click.echo(f"Wrote {len(records['sessions'])} sessions as CSV tables to {out}.", err=True)
        return
    if fmt == "json":
        document = journal_document(**records, exported_at=utcnow())
        text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    else:
        bundle = fhir_bundle(
            sessions=records["sessions"], checkins=records["checkins"], exported_at=utcnow()
        )
        text = json.dumps(bundle, indent=2, ensure_ascii=False)
    if out:
        _write_text(out, text + "\n")
    else:
        click.echo(text)


@cli.command("import")
@click.argument("file", metavar="FILE")
@pass_state
def import_command(state: State, file: str) -> None:
    """Add a json export (`bedstretch export --format json`) to this journal; FILE - reads stdin.

    Importing the same file twice adds nothing: sessions, screenings and check-ins are matched by
    their uid, events by their id. A malformed file, or one written by a newer bedstretch, is
    refused with the field at fault, and nothing is changed.
    """
    from bedstretch.core.exchange import DocumentError, parse_document
    from bedstretch.journal import JournalError
    from bedstretch.journal.exchange import import_batch

    name = "standard input" if file == "-" else file
    try:
        text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
    except OSError as error:
        fail(f"FILE: cannot read {file}: {error.strerror or error}")
    except UnicodeDecodeError:
        fail(f"{name}: not a bedstretch export (not UTF-8 text)")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        fail(f"{name}: not valid JSON: {error}")
    try:
        batch = parse_document(data)
    except DocumentError as error:
        fail(f"{name}: {error}")
    journal = state.journal()
    try:
        counts = import_batch(journal, batch)
    except JournalError as error:
        fail(f"{name}: {error}")
    finally:
        journal.close()
    click.echo(counts.summary())


@cli.command()
@click.option("--at", "at_text", required=True, metavar="HH:MM", help="Time of day, e.g. 07:30.")
@click.option(
    "--days",
    metavar="DAYS",
    help="Only on these days, comma-separated: mon,tue,wed,thu,fri,sat,sun. Default: every day.",
)
@click.option(
    "--ics",
    required=True,
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="The iCalendar file to write (import it into any calendar app).",
)
def remind(at_text: str, days: str | None, ics: str) -> None:
    """Write a calendar file with a recurring stretching event and an alarm at its start."""
    import uuid

    from bedstretch.core.reminders import calendar, describe, parse_days, parse_time

    try:
        at = parse_time(at_text)
    except ValueError as error:
        fail(f"--at: {error}")
    try:
        chosen = parse_days(days) if days is not None else None
    except ValueError as error:
        fail(f"--days: {error}")
    text = calendar(
        at=at,
        days=chosen,
        today=_local_today(),
        stamp=datetime.now().astimezone(),
        uid=f"{uuid.uuid4()}@bedstretch",
    )
    try:
        Path(ics).write_bytes(text.encode("utf-8"))
    except OSError as error:
        fail(f"--ics: cannot write {ics}: {error.strerror or error}")
    click.echo(f"Wrote {ics}: {describe(at, chosen)}, with an alarm. Import it into your calendar.")


# --------------------------------------------------------------------------- web


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Worker processes (use PostgreSQL for more than one).",
)
@click.option(
    "--proxy",
    is_flag=True,
    help="Behind a reverse proxy: trust its X-Forwarded-* headers (HTTPS, client address).",
)
@pass_state
def serve(state: State, host: str, port: int, workers: int, proxy: bool) -> None:
    """Serve the coach to phones and browsers: pages, a web player and the JSON API.

    Uses the same journal as the terminal (--db); each account sees only its own records.
    The API is described at /openapi.json (docs/api.md).
    """
    import os

    try:
        import uvicorn

        import bedstretch.web.app  # noqa: F401  (fail here, not in a worker, when extras are missing)
    except ImportError as error:
        fail(f"serve: the web extra is missing ({error.name}): pip install 'bedstretch[web]'")
    from bedstretch.journal import resolve_url

    state.catalog  # noqa: B018  (bad content fails now, with its one-line problems)
    os.environ["BEDSTRETCH_DATABASE_URL"] = resolve_url(state.db)
    if state.content:
        os.environ["BEDSTRETCH_CONTENT"] = state.content
    journal = state.journal()  # create and migrate once, before the workers start
    journal.close()
    click.echo(f"bedstretch: serving on http://{host}:{port}/ (Ctrl-C stops)", err=True)
    uvicorn.run(
        "bedstretch.web.app:factory",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,  # paths carry session ids: keep them out of logs
        proxy_headers=proxy,
        forwarded_allow_ips="*" if proxy else None,
        log_level="warning",
    )


# --------------------------------------------------------------------------- entry point


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; every error is one line on stderr and exit status 2, never a traceback."""
    try:
        cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="bedstretch",
            standalone_mode=False,
        )
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.UsageError as error:
        where = error.ctx.command_path if error.ctx else "bedstretch"
        click.echo(f"{where}: {error.format_message()}", err=True)
        return EXIT_USAGE
    except click.ClickException as error:
        click.echo(f"bedstretch: {error.format_message()}", err=True)
        return error.exit_code
    except click.Abort:
        click.echo("bedstretch: aborted", err=True)
        return 130
    except BrokenPipeError:
        sys.stderr.close()  # e.g. `bedstretch timeline in-bed | head`
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
