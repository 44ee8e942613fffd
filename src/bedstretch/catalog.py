"""Content loading: TOML files -> core objects, with one problem line per file, field and fault.

This is an edge: it reads files. Everything it builds is a plain core value.
"""

from __future__ import annotations

import os
import re
import string
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bedstretch.core.body import Figure
from bedstretch.core.errors import Invalid
from bedstretch.core.exercises import (
    TARGET_AREAS,
    Breath,
    Dose,
    Equipment,
    Exercise,
    Phase,
    Position,
    Range,
    Role,
    Source,
    Variant,
)
from bedstretch.core.positions import Moves, Transition
from bedstretch.core.routines import Prescription, Routine, Step
from bedstretch.figures import FigureSpec, build_figure, parse_figure

SHIPPED = Path(__file__).parent / "content"
SHIPPED_SHOWN = "bedstretch/content/"  # how shipped files are named in problems
CONTENT_ENV = "BEDSTRETCH_CONTENT"
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one field of one file."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        return (
            f"{self.file}: {self.field}: {self.message}"
            if self.field
            else f"{self.file}: {self.message}"
        )


class ContentError(Invalid):
    """Raised with every problem found; the CLI prints one line each and exits 2."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class Catalog:
    exercises: dict[str, Exercise]
    routines: dict[str, Routine]
    moves: Moves
    origins: dict[str, str] = field(default_factory=dict)  # "exercise:id" -> file shown to people
    figures: dict[tuple[str, str], Figure] = field(default_factory=dict)  # (exercise, variant)

    def find_exercise(self, name: str) -> Exercise | None:
        """By id, or by name or alias ignoring case."""
        if name in self.exercises:
            return self.exercises[name]
        wanted = name.strip().lower()
        for exercise in self.exercises.values():
            if wanted == exercise.name.lower() or wanted in (a.lower() for a in exercise.aliases):
                return exercise
        return None

    def with_role(self, role: Role) -> Exercise | None:
        return next((e for e in self.exercises.values() if e.role is role), None)


# --------------------------------------------------------------------------- reading helpers


class _Fields:
    """Typed access to one TOML table that records a Problem instead of raising."""

    def __init__(self, file: str, data: dict[str, Any], problems: list[Problem], prefix: str = ""):
        self.file, self.data, self.problems, self.prefix = file, data, problems, prefix

    def where(self, key: str) -> str:
        return f"{self.prefix}{key}"

    def fail(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.file, self.where(key), message))

    def unknown(self, allowed: set[str]) -> None:
        for key in self.data:
            if key not in allowed:
                self.fail(key, "unknown field")

    def _get(self, key: str, required: bool) -> Any:
        if key not in self.data:
            if required:
                self.fail(key, "missing")
            return None
        return self.data[key]

    def text(self, key: str, required: bool = True) -> str | None:
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.fail(key, "must be a non-empty string")
            return None
        return value.strip()

    def slug(self, key: str, required: bool = True) -> str | None:
        value = self.text(key, required)
        if value is not None and not SLUG.match(value):
            self.fail(key, f"'{value}' is not a slug (lower-case letters, digits and hyphens)")
            return None
        return value

    def integer(self, key: str, low: int, high: int, required: bool = False) -> int | None:
        value = self._get(key, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(key, f"must be a whole number, not {_show(value)}")
            return None
        if not low <= value <= high:
            self.fail(key, f"{value} is outside {low}-{high}")
            return None
        return value

    def boolean(self, key: str, required: bool = True) -> bool | None:
        value = self._get(key, required)
        if value is not None and not isinstance(value, bool):
            self.fail(key, f"must be true or false, not {_show(value)}")
            return None
        return value

    def texts(self, key: str, required: bool = False) -> tuple[str, ...] | None:
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, list):
            self.fail(key, "must be a list of strings")
            return None
        good = []
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                self.fail(f"{key}[{i}]", "must be a non-empty string")
            else:
                good.append(item.strip())
        return tuple(good)

    def choice(
        self, key: str, choices: type[Position] | type[Role] | type[Breath], required: bool = True
    ) -> Any:
        value = self.text(key, required)
        if value is None:
            return None
        try:
            return choices(value)
        except ValueError:
            allowed = ", ".join(c.value for c in choices)
            self.fail(key, f"'{value}' is not one of: {allowed}")
            return None

    def range(self, key: str, required: bool = False) -> Range | None:
        value = self._get(key, required)
        if value is None:
            return None
        if (
            not isinstance(value, list)
            or len(value) != 2
            or any(isinstance(v, bool) or not isinstance(v, int) for v in value)
        ):
            self.fail(key, f"must be [min, max] with two whole numbers, not {_show(value)}")
            return None
        low, high = value
        if low < 1:
            self.fail(key, f"min {low} must be at least 1")
            return None
        if low > high:
            self.fail(key, f"min {low} is greater than max {high}")
            return None
        return Range(low, high)

    def tables(self, key: str) -> Iterator[_Fields]:
        value = self._get(key, False)
        if value is None:
            return
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.fail(key, "must be an array of tables ([[" + key + "]])")
            return
        for i, item in enumerate(value):
            yield _Fields(self.file, item, self.problems, f"{self.prefix}{key}[{i}].")


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


# --------------------------------------------------------------------------- exercises

EXERCISE_FIELDS = {
    "id", "name", "summary", "aliases", "targets", "role", "priority", "flow", "cautions", "notes",
    "variant", "variant_name", "variants",
}  # fmt: skip
VARIANT_FIELDS = {
    "position", "per_side", "hold_seconds", "reps", "duration_seconds", "sets", "cycle", "steps",
    "form", "breathing", "side_text", "brief", "equipment", "sources", "figure",
}  # fmt: skip
SIDE_FIELDS = {"side", "other", "Side"}
DOSE_FIELDS = {"hold_seconds", "reps", "duration_seconds", "cycle"}


def _variant_values(f: _Fields) -> dict[str, Any]:
    """Read the variant fields present in one table (top level or a [[variants]] entry)."""
    values: dict[str, Any] = {}
    readers: dict[str, Callable[[str], Any]] = {
        "position": lambda k: f.choice(k, Position, required=False),
        "per_side": lambda k: f.boolean(k, required=False),
        "hold_seconds": f.range,
        "reps": f.range,
        "duration_seconds": f.range,
        "sets": f.range,
        "steps": f.texts,
        "form": f.texts,
        "breathing": f.texts,
        "side_text": lambda k: f.text(k, required=False),
        "brief": lambda k: f.text(k, required=False),
        "cycle": lambda k: _cycle(f, k),
        "equipment": lambda k: _equipment(f, k),
        "sources": lambda k: _sources(f, k),
        "figure": lambda k: _figure(f, k),
    }
    for key, read in readers.items():
        if key in f.data:
            value = read(key)
            if value is not None:
                values[key] = value
            else:
                values[key] = _INVALID
    return values


_INVALID = object()  # a field that was present but wrong: already reported, don't report "missing"


def _cycle(f: _Fields, key: str) -> tuple[Phase, ...] | None:
    phases = []
    ok = True
    for phase in f.tables(key):
        phase.unknown({"breath", "cue", "seconds"})
        breath = phase.choice("breath", Breath)
        cue = phase.text("cue")
        seconds = phase.integer("seconds", 1, 600)
        if breath is None or cue is None or ("seconds" in phase.data and seconds is None):
            ok = False
            continue
        phases.append(Phase(breath, cue, seconds))
    return tuple(phases) if ok else None


def _equipment(f: _Fields, key: str) -> Equipment | None:
    value = f.data[key]
    if not isinstance(value, dict):
        f.fail(key, "must be a table with required and optional lists")
        return None
    inner = _Fields(f.file, value, f.problems, f.where(key) + ".")
    inner.unknown({"required", "optional"})
    items = {}
    for part in ("required", "optional"):
        names = inner.texts(part) or ()
        for i, name in enumerate(names):
            if not SLUG.match(name):
                inner.fail(f"{part}[{i}]", f"'{name}' is not a slug")
        items[part] = names
    return Equipment(items["required"], items["optional"])


def _sources(f: _Fields, key: str) -> tuple[Source, ...] | None:
    found = []
    for source in f.tables(key):
        source.unknown({"file", "item"})
        file, item = source.text("file"), source.text("item")
        if file and item:
            found.append(Source(file, item))
    return tuple(found)


def _figure(f: _Fields, key: str) -> FigureSpec | None:
    """The [figure] table's own checks (joints, ranges, timing); see bedstretch.figures."""
    spec, found = parse_figure(f.data[key], key)
    for field_name, message in found:
        f.problems.append(Problem(f.file, f"{f.prefix}{field_name}", message))
    return spec


def _add_figure(
    f: _Fields,
    drawn: dict[str, Figure],
    variant: Variant,
    spec: FigureSpec | None,
    where: str,
    targets: tuple[str, ...],
) -> None:
    """Check a variant's figure against its position and cycle (the bed!) and keep it."""
    if spec is None:
        return
    dose = variant.dose
    figure, found = build_figure(spec, variant.position, dose.per_side, targets, dose.cycle)
    for field_name, message in found:
        problem = Problem(f.file, f"{where}{field_name}", message)
        if problem not in f.problems:  # an inherited figure reports once, where it is written
            f.problems.append(problem)
    if figure is not None:
        drawn[variant.id] = figure


def _build_variant(
    f: _Fields, vid: str, name: str, values: dict[str, Any], where: str
) -> Variant | None:
    """Check a variant's merged values and build it; report problems under ``where``."""

    def fail(key: str, message: str) -> None:
        f.problems.append(Problem(f.file, f"{where}{key}", message))

    if any(v is _INVALID for v in values.values()):
        return None
    before = len(f.problems)
    for key in ("position", "per_side", "sets", "steps"):
        if key not in values:
            fail(key, "missing")
    hold, reps, duration = (values.get(k) for k in ("hold_seconds", "reps", "duration_seconds"))
    cycle: tuple[Phase, ...] = values.get("cycle", ())
    if hold is None and reps is None and duration is None:
        fail("dose", "needs one of hold_seconds, reps or duration_seconds")
    if reps is not None and duration is not None:
        fail("duration_seconds", "cannot be combined with reps")
    if hold is not None and duration is not None:
        fail("duration_seconds", "cannot be combined with hold_seconds")
    open_phases = [p for p in cycle if p.seconds is None]
    if reps is not None:
        if not cycle:
            fail("cycle", "a reps exercise needs a breathing cycle (its phases)")
        elif open_phases and hold is None:
            fail("cycle", "a phase without seconds needs hold_seconds to say how long it lasts")
        elif hold is not None and not open_phases:
            fail("hold_seconds", "no phase of the cycle lasts the hold (leave seconds out of one)")
    elif open_phases:
        fail("cycle", "every phase needs seconds unless the exercise is dosed in reps")
    side_text = values.get("side_text")
    if side_text is not None:
        try:
            names = {n for _, n, _, _ in string.Formatter().parse(side_text) if n is not None}
        except ValueError as error:
            fail("side_text", f"bad placeholder: {error}")
        else:
            if names - SIDE_FIELDS:
                unknown = min(names - SIDE_FIELDS)
                fail("side_text", f"unknown placeholder {{{unknown}}}; use {{side}} or {{other}}")
    if not values.get("steps") and "steps" in values:
        fail("steps", "needs at least one step")
    if len(f.problems) > before:
        return None
    dose = Dose(
        sets=values["sets"],
        per_side=values["per_side"],
        hold_seconds=hold,
        reps=reps,
        duration_seconds=duration,
        cycle=cycle,
    )
    return Variant(
        id=vid,
        name=name,
        position=values["position"],
        dose=dose,
        steps=values["steps"],
        form=values.get("form", ()),
        breathing=values.get("breathing", ()),
        equipment=values.get("equipment", Equipment()),
        sources=values.get("sources", ()),
        side_text=side_text,
        brief=values.get("brief"),
    )


def parse_exercise(
    file: str,
    data: dict[str, Any],
    problems: list[Problem],
    figures: dict[tuple[str, str], Figure] | None = None,
) -> Exercise | None:
    """Build an Exercise from one parsed TOML file, appending every problem found.

    The figures of its variants (those that have one) go into ``figures`` when it is given.
    """
    before = len(problems)
    f = _Fields(file, data, problems)
    f.unknown(EXERCISE_FIELDS | VARIANT_FIELDS)
    ex_id, name, summary = f.slug("id"), f.text("name"), f.text("summary")
    aliases = f.texts("aliases") or ()
    targets = f.texts("targets", required=True) or ()
    for i, target in enumerate(targets):
        if target not in TARGET_AREAS:
            f.fail(f"targets[{i}]", f"'{target}' is not one of: {', '.join(TARGET_AREAS)}")
    if "targets" in data and not targets and isinstance(data["targets"], list):
        f.fail("targets", "needs at least one area")
    role = f.choice("role", Role, required=False) or Role.STRETCH
    priority = f.integer("priority", 1, 5)
    flow = f.integer("flow", 0, 100)
    cautions = f.texts("cautions") or ()
    notes = f.texts("notes") or ()
    default_id = f.slug("variant", required=False) or "standard"
    default_name = f.text("variant_name", required=False) or name or ""

    base = _variant_values(f)
    variants = []
    drawn: dict[str, Figure] = {}
    default = _build_variant(f, default_id, default_name, base, "")
    if default is not None:
        variants.append(default)
        _add_figure(f, drawn, default, base.get("figure"), "", targets)
    seen = {default_id}
    for extra in f.tables("variants"):
        extra.unknown(VARIANT_FIELDS | {"id", "name"})
        vid, vname = extra.slug("id"), extra.text("name")
        own = _variant_values(extra)
        inherited = dict(base)
        if "figure" not in own and own.get("position", base.get("position")) != base.get(
            "position"
        ):
            inherited.pop("figure", None)  # a figure is drawn for its position: not inherited
        if DOSE_FIELDS & own.keys():  # a variant's dose replaces the default's dose as a whole
            for key in DOSE_FIELDS:
                inherited.pop(key, None)
        values = {**inherited, **own}
        if vid is None or vname is None:
            continue
        if vid in seen:
            extra.fail("id", f"variant '{vid}' is defined twice")
            continue
        seen.add(vid)
        variant = _build_variant(f, vid, vname, values, extra.prefix)
        if variant is not None:
            variants.append(variant)
            where = extra.prefix if "figure" in own else ""
            _add_figure(f, drawn, variant, values.get("figure"), where, targets)
    if len(problems) > before or ex_id is None or name is None or summary is None:
        return None
    if figures is not None:
        for stale in [k for k in figures if k[0] == ex_id]:
            del figures[stale]  # a later file with this id replaces the exercise, figures too
        figures.update({(ex_id, vid): figure for vid, figure in drawn.items()})
    return Exercise(
        id=ex_id,
        name=name,
        summary=summary,
        aliases=aliases,
        targets=targets,
        cautions=cautions,
        variants=tuple(variants),
        role=role,
        priority=3 if priority is None else priority,
        flow=50 if flow is None else flow,
        notes=notes,
    )


# --------------------------------------------------------------------------- routines

ROUTINE_FIELDS = {"id", "name", "description", "start_position", "steps"}
STEP_FIELDS = {"exercise", "variant", "sets", "hold_seconds", "reps", "duration_seconds"}


def parse_routine(
    file: str,
    data: dict[str, Any],
    exercises: dict[str, Exercise],
    moves: Moves,
    problems: list[Problem],
) -> Routine | None:
    """Build a Routine, resolving exercise ids against ``exercises``."""
    before = len(problems)
    f = _Fields(file, data, problems)
    f.unknown(ROUTINE_FIELDS)
    rid, name = f.slug("id"), f.text("name")
    description = f.text("description", required=False) or ""
    start = f.choice("start_position", Position, required=False) or Position.SUPINE
    if "steps" not in data:
        f.fail("steps", "missing: a routine needs at least one [[steps]] table")
    steps: list[Step] = []
    for s in f.tables("steps"):
        s.unknown(STEP_FIELDS)
        ex_id = s.text("exercise")
        variant_id = s.slug("variant", required=False)
        numbers = {
            k: s.integer(k, 1, 3600) for k in ("sets", "hold_seconds", "reps", "duration_seconds")
        }
        if ex_id is None:
            continue
        exercise = exercises.get(ex_id)
        if exercise is None:
            s.fail("exercise", f"routine '{rid or file}' references unknown exercise '{ex_id}'")
            continue
        variant = exercise.variant(variant_id)
        if variant is None:
            known = ", ".join(v.id for v in exercise.variants)
            s.fail("variant", f"exercise '{ex_id}' has no variant '{variant_id}' (it has: {known})")
            continue
        chosen = Prescription(
            sets=numbers["sets"] or variant.dose.sets.low,
            hold_seconds=numbers["hold_seconds"],
            reps=numbers["reps"],
            duration_seconds=numbers["duration_seconds"],
        )
        for key, message in chosen.problems(variant.dose):
            s.fail(key, f"{message} ({ex_id}, variant '{variant.id}')")
        steps.append(Step(exercise, variant, chosen.fill(variant.dose)))
    position = start
    for i, step in enumerate(steps):
        if not moves.reachable(position, step.position):
            f.fail(f"steps[{i}]", f"no move from {position} to {step.position} in positions.toml")
        position = step.position
    if "steps" in data and isinstance(data["steps"], list) and not data["steps"]:
        f.fail("steps", "a routine needs at least one step")
    if len(problems) > before or rid is None or name is None:
        return None
    return Routine(rid, name, description, tuple(steps), start)


# --------------------------------------------------------------------------- positions


def parse_positions(file: str, data: dict[str, Any], problems: list[Problem]) -> Moves:
    f = _Fields(file, data, problems)
    f.unknown({"move"})
    transitions = []
    for m in f.tables("move"):
        m.unknown({"from", "to", "seconds", "effort", "text"})
        start, end = m.choice("from", Position), m.choice("to", Position)
        seconds = m.integer("seconds", 1, 600, required=True)
        effort = m.integer("effort", 0, 100, required=True)
        text = m.text("text")
        if start and end and seconds is not None and effort is not None and text:
            transitions.append(Transition(start, end, seconds, effort, text))
    return Moves(transitions)


# --------------------------------------------------------------------------- files


def _read_toml(path: Path, shown: str, problems: list[Problem]) -> dict[str, Any] | None:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        problems.append(Problem(shown, "", f"invalid TOML: {error}"))
    except UnicodeDecodeError:
        problems.append(Problem(shown, "", "is not UTF-8 text"))
    except OSError as error:
        problems.append(Problem(shown, "", f"cannot be read: {error.strerror or error}"))
    return None


def _layer_files(root: Path, folder: str, shown_root: str) -> dict[str, tuple[Path, str]]:
    directory = root / folder
    if not directory.is_dir():
        return {}
    return {
        p.name: (p, f"{shown_root}{folder}/{p.name}")
        for p in sorted(directory.iterdir())
        if p.suffix == ".toml" and p.is_file()
    }


def user_content_dir(option: str | None) -> Path | None:
    """The user's content directory from ``--content`` or BEDSTRETCH_CONTENT, if any."""
    value = option or os.environ.get(CONTENT_ENV)
    return Path(value).expanduser() if value else None


def load_catalog(user_dir: Path | None = None) -> Catalog:
    """Load the shipped content, then the user's directory on top. Raises ContentError."""
    problems: list[Problem] = []
    layers: list[tuple[Path, str]] = [(SHIPPED, SHIPPED_SHOWN)]
    if user_dir is not None:
        if not user_dir.is_dir():
            raise ContentError([Problem(str(user_dir), "", "content directory does not exist")])
        layers.append((user_dir, f"{user_dir}/"))

    positions = (SHIPPED / "positions.toml", f"{SHIPPED_SHOWN}positions.toml")
    if user_dir is not None and (user_dir / "positions.toml").is_file():
        positions = (user_dir / "positions.toml", f"{user_dir}/positions.toml")
    data = _read_toml(*positions, problems)
    moves = parse_positions(positions[1], data or {}, problems)

    origins: dict[str, str] = {}
    figures: dict[tuple[str, str], Figure] = {}
    exercises = _load_layered(
        layers,
        "exercises",
        origins,
        problems,
        lambda shown, d: parse_exercise(shown, d, problems, figures),
    )
    for role in (Role.OPENING, Role.CLOSING):
        holders = sorted(  # the shipped one keeps the role; a user's second one is the problem
            (e for e in exercises.values() if e.role is role),
            key=lambda e: not origins[f"exercises:{e.id}"].startswith(SHIPPED_SHOWN),
        )
        for extra in holders[1:]:
            problems.append(
                Problem(
                    origins[f"exercises:{extra.id}"],
                    "role",
                    f"only one exercise may be '{role}', and '{holders[0].id}' already is",
                )
            )
    routines = _load_layered(
        layers,
        "routines",
        origins,
        problems,
        lambda shown, d: parse_routine(shown, d, exercises, moves, problems),
    )
    if problems:
        raise ContentError(problems)
    figures = {k: v for k, v in figures.items() if k[0] in exercises}
    return Catalog(exercises, routines, moves, origins, figures)


def _load_layered(
    layers: list[tuple[Path, str]],
    folder: str,
    origins: dict[str, str],
    problems: list[Problem],
    parse: Callable[[str, dict[str, Any]], Any],
) -> dict[str, Any]:
    """Files by name (a user's file replaces the shipped one of the same name), then by id."""
    files: list[dict[str, tuple[Path, str]]] = [
        _layer_files(root, folder, shown) for root, shown in layers
    ]
    for upper in range(1, len(files)):
        for name in files[upper]:
            for lower in files[:upper]:
                lower.pop(name, None)
    result: dict[str, Any] = {}
    for layer in files:
        in_layer: dict[str, str] = {}
        for path, shown in layer.values():
            data = _read_toml(path, shown, problems)
            if data is None:
                continue
            item = parse(shown, data)
            if item is None:
                continue
            if item.id in in_layer:
                problems.append(
                    Problem(shown, "id", f"'{item.id}' is also the id in {in_layer[item.id]}")
                )
                continue
            in_layer[item.id] = shown
            result[item.id] = item
            origins[f"{folder}:{item.id}"] = shown
    return dict(sorted(result.items()))


def load_routine_file(path: Path, catalog: Catalog) -> Routine:
    """Load one routine file against a loaded catalog (``bedstretch timeline FILE``)."""
    problems: list[Problem] = []
    data = _read_toml(path, str(path), problems)
    routine = None
    if data is not None:
        routine = parse_routine(str(path), data, catalog.exercises, catalog.moves, problems)
    if problems or routine is None:
        raise ContentError(problems or [Problem(str(path), "", "is not a valid routine")])
    return routine


def load_screening_questions() -> dict[str, str]:
    """Question id -> the words people read (content/screening.toml); ids fixed by the core."""
    from bedstretch.core.safety import QUESTION_IDS

    shown = f"{SHIPPED_SHOWN}screening.toml"
    problems: list[Problem] = []
    data = _read_toml(SHIPPED / "screening.toml", shown, problems) or {}
    f = _Fields(shown, data, problems)
    f.unknown(set(QUESTION_IDS))
    texts = {qid: f.text(qid) for qid in QUESTION_IDS}
    if problems:
        raise ContentError(problems)
    return {qid: text for qid, text in texts.items() if text}
