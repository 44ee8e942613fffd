"""Commands about the content: exercises, show, gallery, routines, timeline."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from bedstretch.catalog import Catalog, load_routine_file
from bedstretch.cli.root import State, cli, emit_json, fail, local_now, pass_state
from bedstretch.core.doses import range_text
from bedstretch.core.exercises import TARGET_AREAS, Exercise, Position
from bedstretch.core.routines import Routine
from bedstretch.core.serialize import exercise_dict, routine_dict
from bedstretch.core.timeline import Timeline, compile_timeline
from bedstretch.services import exercises as exercise_service
from bedstretch.tables import mmss, print_table


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
                [label, v.name, v.position.value, range_text(v.dose), _sources(e) if i == 0 else ""]
            )
    print_table(["id", "name", "position", "dose", "sources"], rows)


def _restore(state: State, name: str) -> None:
    exercise = exercise_service.find(state.catalog, name, field="restore")
    with state.journal() as journal:
        was_out = exercise_service.restore(journal, exercise, local_now())
    if was_out:
        click.echo(f"Restored {exercise.id}: sessions and plans include it again.")
    else:
        click.echo(f"{exercise.id} was not left out; its trouble count starts again from now.")


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
    exercise = exercise_service.find(state.catalog, exercise_id)
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
        out.append(f"  Position: {v.position.label}.  Dose: {range_text(v.dose)}.")
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


# --------------------------------------------------------------------------- routines


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
    rows = [
        [r.id, r.name, str(len(r.steps)), mmss(t.total_seconds), r.description] for r, t in compiled
    ]
    print_table(["id", "name", "steps", "length", "description"], rows)


def print_steps(routine: Routine, timeline: Timeline) -> None:
    """One row per exercise: when it starts, its dose, how long it takes."""
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


def resolve_routine(catalog: Catalog, name: str) -> Routine:
    """A routine id, or the path of a routine file."""
    if name in catalog.routines:
        return catalog.routines[name]
    path = Path(name)
    if path.suffix == ".toml" or path.exists():
        if not path.is_file():
            fail(f"ROUTINE: no routine file '{name}'")
        return load_routine_file(path, catalog)
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
        print_steps(routine, compiled)
        return
    rows = []
    for cue in compiled.cues:
        where = cue.side or ""
        if cue.rep is not None:
            where = f"{where} rep {cue.rep}".strip()
        rows.append([mmss(cue.at), cue.kind.value, where, cue.text])
    print_table(["at", "cue", "side/rep", "text"], rows)
