"""Figures in content files: the ``[figure]`` table of an exercise or variant -> a core Figure.

This is an edge beside the catalog: it reads parsed TOML values (never files) and reports every
problem as ``(field, message)``; the catalog adds the file name. See docs/figures.md.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bedstretch.core.body import (
    DEFAULT_REST,
    POINTS,
    Figure,
    Key,
    Pose,
    View,
    breath_keys,
    check_figure,
    resolve_angles,
)
from bedstretch.core.exercises import TARGET_AREAS, Breath, Phase, Position

FIGURE_FIELDS = {"view", "rest", "anchor", "highlight", "keys"}
KEY_FIELDS = {"name", "move", "hold", "breath"}
DEFAULT_MOVE, DEFAULT_HOLD = 2.0, 1.5
MAX_SECONDS = 30.0
Problems = list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class KeySpec:
    name: str
    pose: Pose
    move: float | None
    hold: float | None
    breath: Breath | None


@dataclass(frozen=True, slots=True)
class FigureSpec:
    """A figure table as written: checked on its own, not yet against the variant's position."""

    view: View
    rest: tuple[str, ...]
    anchor: str | None
    highlight: tuple[str, ...] | None
    keys: tuple[KeySpec, ...]


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _seconds(value: Any, where: str, problems: Problems) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        problems.append((where, f"must be a number of seconds, not {_show(value)}"))
        return None
    if not 0 <= value <= MAX_SECONDS:
        problems.append((where, f"{value:g} is outside 0-{MAX_SECONDS:g} seconds"))
        return None
    return float(value)


def _points(value: Any, where: str, problems: Problems, most: int) -> tuple[str, ...] | None:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not 1 <= len(value) <= most:
        problems.append((where, f"must be a list of 1 to {most} body points"))
        return None
    good = []
    for i, name in enumerate(value):
        if name not in POINTS:
            problems.append((f"{where}[{i}]", f"unknown body point {_show(name)} ({_known()})"))
        else:
            good.append(name)
    return tuple(good) if len(good) == len(value) else None


def _known() -> str:
    unsided = [p for p in POINTS if not p.startswith(("right-", "left-"))]
    sided = [p[len("right-") :] for p in POINTS if p.startswith("right-")]
    return "one of " + ", ".join(unsided) + ", or right-/left- " + ", ".join(sided)


def parse_figure(value: Any, key: str = "figure") -> tuple[FigureSpec | None, Problems]:
    """Check a ``[figure]`` table; problems name fields under ``key`` ("figure.keys[1].knee")."""
    problems: Problems = []
    if not isinstance(value, dict):
        return None, [(key, "must be a table ([figure])")]
    for name in value:
        if name not in FIGURE_FIELDS:
            problems.append((f"{key}.{name}", "unknown field"))
    view = View.SIDE
    if "view" in value:
        try:
            view = View(value["view"])
        except ValueError:
            allowed = ", ".join(v.value for v in View)
            problems.append((f"{key}.view", f"{_show(value['view'])} is not one of: {allowed}"))
    rest: tuple[str, ...] = ()
    if "rest" in value:
        rest = _points(value["rest"], f"{key}.rest", problems, 2) or ()
    anchor = None
    if "anchor" in value:
        found = _points(value["anchor"], f"{key}.anchor", problems, 1)
        anchor = found[0] if found else None
    highlight = None
    if "highlight" in value:
        raw = value["highlight"]
        if not isinstance(raw, list):
            problems.append((f"{key}.highlight", "must be a list of target areas"))
        else:
            for i, area in enumerate(raw):
                if area not in TARGET_AREAS:
                    problems.append(
                        (
                            f"{key}.highlight[{i}]",
                            f"{_show(area)} is not one of: {', '.join(TARGET_AREAS)}",
                        )
                    )
            highlight = tuple(a for a in raw if a in TARGET_AREAS)
    keys = _keys(value.get("keys"), f"{key}.keys", problems)
    if problems or keys is None:
        return None, problems
    return FigureSpec(view, rest, anchor, highlight, keys), problems


def _keys(value: Any, where: str, problems: Problems) -> tuple[KeySpec, ...] | None:
    if value is None:
        problems.append((where, "missing: a figure needs at least one [[figure.keys]] pose"))
        return None
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        problems.append((where, "must be an array of tables ([[figure.keys]])"))
        return None
    if not value:
        problems.append((where, "needs at least one key pose"))
        return None
    keys: list[KeySpec] = []
    pose: Pose | None = None
    names: set[str] = set()
    for i, table in enumerate(value):
        at = f"{where}[{i}]"
        before = len(problems)
        name = table.get("name")
        if not isinstance(name, str) or not name.strip():
            problems.append((f"{at}.name", "missing" if name is None else "must be a string"))
        elif name in names:
            problems.append((f"{at}.name", f"'{name}' names two key poses"))
        names.add(name if isinstance(name, str) else "")
        move = hold = None
        if "move" in table:
            move = _seconds(table["move"], f"{at}.move", problems)
        if "hold" in table:
            hold = _seconds(table["hold"], f"{at}.hold", problems)
        breath = None
        if "breath" in table:
            try:
                breath = Breath(table["breath"])
            except ValueError:
                allowed = ", ".join(b.value for b in Breath)
                problems.append(
                    (f"{at}.breath", f"{_show(table['breath'])} is not one of: {allowed}")
                )
        angles: dict[str, float] = {}
        for joint, angle in table.items():
            if joint in KEY_FIELDS:
                continue
            if isinstance(angle, bool) or not isinstance(angle, int | float) or math.isnan(angle):
                problems.append(
                    (f"{at}.{joint}", f"must be an angle in degrees, not {_show(angle)}")
                )
            else:
                angles[joint] = float(angle)
        new_pose, joint_problems = _resolve(angles, pose)
        problems.extend((f"{at}.{joint}", message) for joint, message in joint_problems)
        pose = new_pose
        if len(problems) == before and isinstance(name, str):
            keys.append(KeySpec(name.strip(), new_pose, move, hold, breath))
    return tuple(keys) if len(keys) == len(value) else None


def _resolve(angles: Mapping[str, float], previous: Pose | None) -> tuple[Pose, Problems]:
    """Each key starts from the one before it (the first from standing tall)."""
    if previous is None:
        return resolve_angles(angles)
    return resolve_angles(angles, previous)


def build_figure(
    spec: FigureSpec,
    position: Position,
    per_side: bool,
    targets: Sequence[str],
    cycle: Sequence[Phase],
    key: str = "figure",
) -> tuple[Figure | None, Problems]:
    """The figure of one variant: timing from its breathing cycle, checked against the bed."""
    problems: Problems = []
    seconds = {p.breath: p.seconds for p in cycle if p.seconds is not None}
    breaths = {p.breath for p in cycle}
    keys = []
    for i, k in enumerate(spec.keys):
        if k.breath is not None and k.breath not in breaths:
            have = ", ".join(sorted(b.value for b in breaths)) or "none"
            problems.append(
                (
                    f"{key}.keys[{i}].breath",
                    f"'{k.breath}' is not a phase of this variant's breathing cycle ({have})",
                )
            )
        move = k.move
        if move is None:
            move = float(seconds.get(k.breath, DEFAULT_MOVE)) if k.breath else DEFAULT_MOVE
        hold = DEFAULT_HOLD if k.hold is None else k.hold
        keys.append(Key(k.name, k.pose, move, hold, k.breath))
    rest = spec.rest
    if position is not Position.STANDING and len(rest) == 1:
        problems.append((f"{key}.rest", "lying, sitting or kneeling, give two points to rest on"))
    if problems:
        return None, problems
    figure = Figure(
        position=position,
        keys=tuple(keys),
        view=spec.view,
        rest=rest or DEFAULT_REST[position],
        anchor=spec.anchor,
        highlight=tuple(targets) if spec.highlight is None else spec.highlight,
        per_side=per_side,
        breaths=breath_keys(keys, cycle),
    )
    problems += [(f"{key}.{field}", message) for field, message in check_figure(figure)]
    return (None if problems else figure), problems
