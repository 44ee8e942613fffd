"""Drawing figures: animated SVG (SMIL, no script), Unicode braille stills, the gallery page.

The body model (core/body.py) places each pose on the bed and projects it to strokes; this module
only turns strokes into text. See docs/figures.md.
"""

from __future__ import annotations

import html
import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from bedstretch.core.body import (
    Figure,
    Point2,
    Pose,
    Scene,
    Shape,
    View,
    bed_outline,
    drawing_order,
    frames,
    loop_seconds,
    place,
    project,
    scene_for,
    shapes,
)
from bedstretch.core.exercises import Exercise, Variant

MARGIN = 6.0  # cm around everything drawn
PIXELS_PER_CM = 2.0
ROLE_CLASS = {"glow": "g", "far": "f", "body": "b", "near": "b", "work": "w"}
STYLE = (
    ".bg{fill:#f5f7fa}.bs,.bt,.bb,.pl{stroke-width:4;stroke-linejoin:round}"
    ".bs{fill:#d8e1ec;stroke:#d8e1ec}.bt{fill:#e8eef5;stroke:#e8eef5}.bb{fill:#b7c5d6;stroke:#b7c5d6}"
    ".pl{fill:#fdfdff;stroke:#c9d5e3}"
    ".fl{fill:none;stroke:#b7c5d6;stroke-width:3}"
    ".b,.f,.w,.g{fill:none;stroke-linecap:round;stroke-linejoin:round}"
    ".b{stroke:#35577d}.f{stroke:#93a9c3}.w{stroke:#d8704a}"
    ".g{stroke:#f3b23c;opacity:.3;animation:p 2.4s ease-in-out infinite}"
    "@keyframes p{50%{opacity:.75}}"
    "@media(prefers-color-scheme:dark){.bg{fill:#19212b}.bs{fill:#2b3847;stroke:#2b3847}"
    ".bt{fill:#364556;stroke:#364556}.bb{fill:#222d39;stroke:#222d39}.pl{fill:#4a5a6d;stroke:#5b6c80}"
    ".fl{stroke:#3c4b5c}.b{stroke:#d3dfec}.f{stroke:#6d819a}"
    ".w{stroke:#f29a74}.g{stroke:#f7c35a}}"
)


@dataclass(frozen=True, slots=True)
class Drawing:
    """Everything a figure draws, in picture coordinates (cm, y up), for every frame."""

    times: tuple[float, ...]  # seconds of each frame in the loop
    strokes: tuple[tuple[Shape, ...], ...]  # per frame, the same strokes in the same order
    bed: tuple[tuple[str, tuple[Point2, ...]], ...]
    pillow: tuple[Point2, ...] | None
    box: tuple[float, float, float, float]  # left, bottom, right, top
    loop: float
    figure_box: tuple[float, float, float, float]  # the body and the surface under it only


def _mirror_x(points: Iterable[Point2]) -> tuple[Point2, ...]:
    return tuple((-x, y) for x, y in points)


@lru_cache(maxsize=64)
def drawing(figure: Figure, side: str = "right") -> Drawing:
    """Place every frame of the figure's loop on its bed and project it; mirrored for the left."""
    scene = scene_for(figure)
    timeline = frames(figure)
    placed = [place(figure, pose, scene) for _, pose in timeline]
    strokes = [shapes(figure, points) for points in placed]
    order = drawing_order(figure, strokes)
    strokes = [[frame[i] for i in order] for frame in strokes]
    xs = [p[0] for points in placed for p in points.values()]
    zs = [abs(p[2]) for points in placed for p in points.values()]
    left, right = min(xs) - 22, max(xs) + 22
    bed = bed_outline(scene, figure.view, left, right, max(90.0, 2 * max(zs) + 30))
    pillow = _pillow(figure, scene, placed[0], bed)
    if side == "left":
        strokes = [
            [Shape(s.role, s.width, _mirror_x(s.points), s.depth) for s in frame]
            for frame in strokes
        ]
        bed = [(role, _mirror_x(poly)) for role, poly in bed]
        pillow = _mirror_x(pillow) if pillow else None
    bx, by = [], []
    for frame in strokes:
        for s in frame:
            for x, y in s.points:
                bx += [x - s.width / 2, x + s.width / 2]
                by += [y - s.width / 2, y + s.width / 2]
    for _, poly in bed:
        bx += [x for x, _ in poly]
        by += [y for _, y in poly]
    fx = [x for frame in strokes for s in frame if s.role != "glow" for x, _ in s.points]
    fy = [y for frame in strokes for s in frame if s.role != "glow" for _, y in s.points]
    figure_box = (min(fx) - 8, min(min(fy) - 8, -2.0), max(fx) + 8, max(fy) + 8)
    box = (min(bx) - MARGIN, min(by) - MARGIN, max(bx) + MARGIN, max(by) + MARGIN)
    return Drawing(
        tuple(t for t, _ in timeline),
        tuple(tuple(frame) for frame in strokes),
        tuple(bed),
        pillow,
        box,
        loop_seconds(figure),
        figure_box,
    )


def _pillow(
    figure: Figure,
    scene: Scene,
    points: dict[str, tuple[float, float, float]],
    bed: Sequence[tuple[str, tuple[Point2, ...]]],
) -> tuple[Point2, ...] | None:
    """A pillow under a head that rests on the bed (drawn behind it), or at the far end of a bed
    beside a standing person, so the box reads as a bed."""
    if scene.standing:
        if figure.view is not View.SIDE:
            return None
        end = max(x for role, poly in bed if role == "side" for x, _ in poly)
        top = scene.bed_top
        return ((end - 36, top), (end - 4, top), (end - 7, top + 9), (end - 33, top + 9))
    if figure.position.value != "supine":
        return None
    x, y, z = points["head"]
    if y > 16:
        return None
    if figure.view is View.SIDE:
        corners = [(x - 17, 0.0, 0.0), (x + 15, 0.0, 0.0), (x + 13, 7.0, 0.0), (x - 15, 7.0, 0.0)]
    else:
        corners = [
            (x - 16, 0.0, z - 22),
            (x + 16, 0.0, z - 22),
            (x + 16, 0.0, z + 22),
            (x - 16, 0.0, z + 22),
        ]
    return tuple(project(c, figure.view)[:2] for c in corners)


# --------------------------------------------------------------------------- SVG


def _num(value: float) -> str:
    return str(round(value))


def svg(figure: Figure, title: str, side: str = "right") -> str:
    """An animated SVG of the figure's loop (SMIL), light and dark, at most a few kilobytes."""
    d = drawing(figure, side)
    left, bottom, right, top = d.box
    width, height = right - left, top - bottom

    def at(p: Point2) -> str:
        return f"{_num(p[0] - left)} {_num(top - p[1])}"

    def path(points: Sequence[Point2], close: bool = False) -> str:
        text = "M" + "L".join(at(p) for p in points)
        return text + ("Z" if close else "")

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_num(width)} {_num(height)}" '
        f'width="{_num(width * PIXELS_PER_CM)}" height="{_num(height * PIXELS_PER_CM)}" '
        f'role="img" aria-label="{html.escape(title)}">',
        f"<title>{html.escape(title)}</title>",
        f"<style>{STYLE}</style>",
        '<rect class="bg" width="100%" height="100%" rx="8"/>',
    ]
    for role, poly in d.bed:
        if role == "floor":
            out.append(f'<path class="fl" d="{path(poly)}"/>')
        else:
            cls = {"side": "bs", "top": "bt", "base": "bb"}[role]
            out.append(f'<path class="{cls}" d="{path(poly, close=True)}"/>')
    if d.pillow:
        out.append(f'<path class="pl" d="{path(d.pillow, close=True)}"/>')
    times = (
        ";".join(f"{t / d.loop:.3f}".rstrip("0").rstrip(".") or "0" for t in d.times)
        if d.loop
        else ""
    )
    for n, first in enumerate(d.strokes[0]):
        values = [path(frame[n].points) for frame in d.strokes]
        attrs = f'class="{ROLE_CLASS[first.role]}" stroke-width="{_num(first.width)}"'
        if d.loop and len(set(values)) > 1:
            out.append(
                f'<path {attrs} d="{values[0]}"><animate attributeName="d" dur="{d.loop:g}s" '
                f'repeatCount="indefinite" keyTimes="{times}" values="{";".join(values)}"/></path>'
            )
        else:
            out.append(f'<path {attrs} d="{values[0]}"/>')
    out.append("</svg>")
    return "".join(out)


# --------------------------------------------------------------------------- braille

BRAILLE_BITS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))  # [row][column]
PRIORITY = {"bed": 1, "far": 2, "body": 3, "near": 3, "work": 4}
THIN = 0.55  # braille strokes are drawn thinner than the SVG's: a stick figure reads better


def braille(
    figure: Figure, pose: Pose, side: str, cols: int, rows: int
) -> list[list[tuple[str, str]]]:
    """A still of ``pose`` in Unicode braille: rows of (text, role) runs, the figure's whole loop
    fitting in ``cols`` x ``rows`` cells so it never jumps in size from pose to pose."""
    d = drawing(figure, side)
    scene = scene_for(figure)
    points = place(figure, pose, scene)
    drawn = shapes(figure, points)
    strokes = [drawn[i] for i in drawing_order(figure, [drawn]) if drawn[i].role != "glow"]
    if side == "left":
        strokes = [Shape(s.role, s.width, _mirror_x(s.points), s.depth) for s in strokes]
    left, bottom, right, top = d.figure_box
    w, h = cols * 2, rows * 4
    scale = min((w - 1) / (right - left), (h - 1) / (top - bottom))
    ox = (w - (right - left) * scale) / 2
    oy = (h - (top - bottom) * scale) / 2
    grid: list[list[str]] = [[""] * w for _ in range(h)]

    def to_dots(p: Point2) -> Point2:
        return ((p[0] - left) * scale + ox, (top - p[1]) * scale + oy)

    def stamp(x: float, y: float, radius: float, role: str) -> None:
        r = max(0.5, radius)
        for gy in range(max(0, math.floor(y - r)), min(h, math.ceil(y + r) + 1)):
            for gx in range(max(0, math.floor(x - r)), min(w, math.ceil(x + r) + 1)):
                if (gx - x) ** 2 + (gy - y) ** 2 <= r * r + 0.25:
                    cell = grid[gy][gx]
                    if not cell or PRIORITY[role] >= PRIORITY[cell]:
                        grid[gy][gx] = role

    def line(points: Sequence[Point2], radius: float, role: str) -> None:
        dots = [to_dots(p) for p in points]
        if len(dots) == 1:
            dots = dots * 2
        for (x0, y0), (x1, y1) in itertools.pairwise(dots):
            steps = max(1, math.ceil(math.hypot(x1 - x0, y1 - y0) * 2))
            for i in range(steps + 1):
                t = i / steps
                stamp(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t, radius, role)

    for role, poly in d.bed:  # the mattress's top edge, the floor, the side of a bed beside
        if role == "floor":
            line(poly, 0.4, "bed")
        elif role == "side":
            line([poly[3], poly[2]], 0.4, "bed")  # bed_outline lists the top edge last
            if scene.standing:
                line([poly[3], poly[0]], 0.4, "bed")
    for s in strokes:
        line(s.points, s.width * scale * THIN / 2, s.role)
    out: list[list[tuple[str, str]]] = []
    for cy in range(rows):
        runs: list[tuple[str, str]] = []
        for cx in range(cols):
            bits, role = 0, ""
            for dy in range(4):
                for dx in range(2):
                    cell = grid[cy * 4 + dy][cx * 2 + dx]
                    if cell:
                        bits |= BRAILLE_BITS[dy][dx]
                        if not role or PRIORITY[cell] > PRIORITY[role]:
                            role = cell
            char = chr(0x2800 + bits) if bits else " "
            if runs and runs[-1][1] == role:
                runs[-1] = (runs[-1][0] + char, role)
            else:
                runs.append((char, role))
        out.append(runs)
    return out


# --------------------------------------------------------------------------- gallery


def file_name(exercise: Exercise, variant: Variant) -> str:
    """``knee-to-chest.svg`` for the default variant, ``knee-to-chest--legs-straight.svg``."""
    if variant is exercise.default:
        return f"{exercise.id}.svg"
    return f"{exercise.id}--{variant.id}.svg"


def title(exercise: Exercise, variant: Variant) -> str:
    name = variant.name if variant.name != exercise.name else exercise.name
    return f"{name} (right side; the left is its mirror image)" if variant.dose.per_side else name


def index_html(entries: Sequence[tuple[Exercise, Variant, str | None]]) -> str:
    """The gallery page: every exercise and variant with its figure (or a note that it has none)."""
    cards = []
    for exercise, variant, name in entries:
        picture = (
            f'<img src="{html.escape(name)}" alt="{html.escape(title(exercise, variant))}">'
            if name
            else '<p class="none">No figure: this variant\'s file has no [figure] table.</p>'
        )
        side = " · each side" if variant.dose.per_side else ""
        cards.append(
            f"<figure>{picture}<figcaption><b>{html.escape(variant.name)}</b>"
            f"<span>{html.escape(variant.position.label)}{side}</span>"
            f"{html.escape(exercise.summary)}</figcaption></figure>"
        )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>bedstretch figures</title><style>"
        ":root{color-scheme:light dark;font-family:system-ui,sans-serif}"
        "body{margin:0 auto;max-width:72rem;padding:1rem;background:#eef2f7;color:#1f2d3d}"
        "main{display:grid;gap:1rem;grid-template-columns:repeat(auto-fill,minmax(18rem,1fr))}"
        "figure{margin:0;background:#fff;border-radius:.75rem;padding:.75rem}"
        "img{width:100%;height:12rem;object-fit:contain}"
        "figcaption{font-size:.9rem;line-height:1.35}figcaption b,figcaption span{display:block}"
        "figcaption span{color:#5b6b7d}.none{height:12rem}"
        "@media(prefers-color-scheme:dark){body{background:#10161d;color:#dde6ef}"
        "figure{background:#19212b}figcaption span{color:#93a3b5}}"
        "</style></head><body><h1>bedstretch figures</h1>"
        "<p>Every exercise and variant, drawn from its key poses. Per-side stretches show the "
        "right side, highlighted; the glow marks where you should feel the stretch.</p>"
        f"<main>{''.join(cards)}</main></body></html>\n"
    )
