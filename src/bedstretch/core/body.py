"""The body model: a small skeleton, joint angles with human ranges, and how a pose lies on a bed.

A pose is a set of joint angles in degrees. Forward kinematics turns it into points in 3D (the
skeleton is 3D so that a knee can fall open or a pelvis can twist); a *view* projects those points
to the 2D picture: ``side`` (the classic side view), ``high`` (the side view seen a little from
above, so knees that fall outwards stay visible) and ``top`` (straight down onto the bed).

The scene is part of the model: a person lies on the mattress (whose top is ``y = 0``), or, for
standing poses, stands on the floor beside a bed. A pose is oriented by its *rest* points (the
parts that lie on the bed, e.g. the sacrum and the upper back when lying on your back), then
lowered until they touch the surface; a part that would then be below the surface is a pose that
goes through the bed, and ``check_figure`` reports it.

Coordinates are centimetres. The body's own axes: x forward, y up (along the spine), z to the
person's right. In the picture the person's right side faces the viewer (near); a per-side
stretch is drawn for the right side and mirrored for the left.

Pure: standard library only, no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from bedstretch.core.exercises import Breath, Phase, Position

Vec = tuple[float, float, float]
Mat = tuple[Vec, Vec, Vec]  # rows
Point2 = tuple[float, float]
Pose = tuple[float, ...]  # one angle per DOFS entry, in degrees

# --------------------------------------------------------------------------- joints


@dataclass(frozen=True, slots=True)
class Dof:
    """One degree of freedom of one joint, with the range a healthy adult reaches."""

    name: str  # e.g. "right-hip", "low-back-twist"
    low: float
    high: float
    meaning: str  # what a positive angle does

    @property
    def joint(self) -> str:
        """The joint's plain name for messages: "right-hip-turn" -> "hip turn"."""
        words = self.name.split("-")
        if words[0] in SIDES:
            words = words[1:]
        return " ".join(words)


SIDES = ("right", "left")
SPINE_DOFS = (
    Dof("low-back", -30, 45, "bends the lower back forward (rounds it); negative arches it"),
    Dof("low-back-side", -25, 25, "bends the lower back sideways to the right"),
    Dof("low-back-twist", -20, 20, "turns the body above it to the right"),
    Dof("mid-back", -25, 40, "rounds the middle of the back; negative arches it"),
    Dof("mid-back-twist", -40, 40, "turns the chest to the right"),
    Dof("upper-back", -15, 40, "rounds the upper back"),
    Dof("neck", -45, 60, "tips the head forward (chin to chest); negative tips it back"),
)
LIMB_DOFS = (
    Dof("hip", -30, 145, "lifts the thigh forward (flexion); negative takes it back"),
    Dof("hip-side", -30, 50, "takes the thigh out to the side (abduction)"),
    Dof("hip-turn", -45, 60, "turns the knee outwards (external rotation)"),
    Dof("knee", 0, 155, "bends the knee"),
    Dof("ankle", -55, 30, "pulls the toes up; negative points them"),
    Dof("shoulder", -60, 180, "lifts the arm forward and up; negative takes it back"),
    Dof("shoulder-side", -30, 180, "lifts the arm out to the side"),
    Dof("elbow", 0, 150, "bends the elbow"),
)
DOFS: tuple[Dof, ...] = SPINE_DOFS + tuple(
    Dof(f"{side}-{d.name}", d.low, d.high, d.meaning) for side in SIDES for d in LIMB_DOFS
)
DOF_INDEX: dict[str, int] = {d.name: i for i, d in enumerate(DOFS)}
BOTH_SIDES = frozenset(d.name for d in LIMB_DOFS)  # "knee = 90" sets both knees
NEUTRAL: Pose = (0.0,) * len(DOFS)  # standing tall, arms by the sides


def resolve_angles(
    given: Mapping[str, float], base: Pose = NEUTRAL
) -> tuple[Pose, list[tuple[str, str]]]:
    """Angles by joint name on top of ``base``; problems as (joint name, message).

    A limb joint without a side ("knee") sets both sides; a sided name ("right-knee") given in
    the same table wins over it.
    """
    values = list(base)
    problems: list[tuple[str, str]] = []
    ordered = sorted(given.items(), key=lambda item: item[0] not in BOTH_SIDES)
    for name, angle in ordered:
        if name in BOTH_SIDES:
            targets = [f"{side}-{name}" for side in SIDES]
        elif name in DOF_INDEX:
            targets = [name]
        else:
            problems.append((name, f"unknown joint '{name}'{_did_you_mean(name)}"))
            continue
        dof = DOFS[DOF_INDEX[targets[0]]]
        if not dof.low <= angle <= dof.high:
            problems.append(
                (
                    name,
                    f"{_number(angle)} is outside the {dof.joint}'s range "
                    f"{_number(dof.low)} to {_number(dof.high)} degrees",
                )
            )
            continue
        for target in targets:
            values[DOF_INDEX[target]] = float(angle)
    return tuple(values), problems


def joint_names() -> list[str]:
    """Every name a pose may use: the spine, and each limb joint with and without its side."""
    return [d.name for d in SPINE_DOFS] + [d.name for d in LIMB_DOFS] + list(DOF_INDEX)[7:]


def _did_you_mean(name: str) -> str:
    known = joint_names()
    best = min(known, key=lambda k: _distance(name, k))
    return f" (did you mean '{best}'?)" if _distance(name, best) <= max(1, len(name) // 3) else ""


def _distance(a: str, b: str) -> int:
    """Levenshtein distance (small strings)."""
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def blend(a: Pose, b: Pose, t: float) -> Pose:
    """The pose a fraction ``t`` of the way from ``a`` to ``b`` (angles move together)."""
    return tuple(x + (y - x) * t for x, y in zip(a, b, strict=True))


def ease(t: float) -> float:
    """Slow in, slow out: how a calm movement progresses over its time."""
    return 0.5 - 0.5 * math.cos(math.pi * max(0.0, min(1.0, t)))


# --------------------------------------------------------------------------- skeleton

# Segment lengths (cm), for an adult of about 172 cm.
PELVIS, LUMBAR, LOWER_CHEST, UPPER_CHEST, NECK = 8.0, 17.0, 14.0, 14.0, 17.0
UPPER_ARM, FOREARM, THIGH, SHIN, FOOT = 29.0, 27.0, 43.0, 43.0, 16.0
HIP_HALF, SHOULDER_HALF, SHOULDER_DROP = 9.0, 17.0, 4.0
FOOT_DROP = 22.0  # degrees: the ankle sits above the sole, so ankle -> toes slopes down

# The body's half-thickness at each point (cm): what touches the bed.
RADII: dict[str, float] = {
    "pelvis": 11.0,
    "sacrum": 11.0,
    "waist": 10.0,
    "chest": 11.0,
    "neck": 6.0,
    "head": 10.5,
}
for _side in SIDES:
    RADII.update(
        {
            f"{_side}-shoulder": 6.0,
            f"{_side}-elbow": 4.0,
            f"{_side}-hand": 4.0,
            f"{_side}-hip": 10.0,
            f"{_side}-thigh": 7.0,
            f"{_side}-knee": 5.5,
            f"{_side}-ankle": 5.0,
            f"{_side}-toe": 3.0,
        }
    )
POINTS: tuple[str, ...] = tuple(RADII)

# Segments: (name for messages, from point, to point).
SEGMENTS: tuple[tuple[str, str, str], ...] = (
    ("pelvis", "pelvis", "sacrum"),
    ("lower back", "sacrum", "waist"),
    ("middle of the back", "waist", "chest"),
    ("upper back", "chest", "neck"),
    ("neck", "neck", "head"),
    *(
        (f"{side} {name}", f"{side}-{a}", f"{side}-{b}")
        for side in SIDES
        for name, a, b in (
            ("upper arm", "shoulder", "elbow"),
            ("forearm", "elbow", "hand"),
            ("thigh", "hip", "knee"),
            ("shin", "knee", "ankle"),
            ("foot", "ankle", "toe"),
        )
    ),
)

IDENTITY: Mat = ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0))


def _rot(axis: str, degrees: float) -> Mat:
    if degrees == 0:
        return IDENTITY  # most joints of most poses: skip the arithmetic
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    if axis == "x":
        return ((1.0, 0.0, 0.0), (0.0, c, -s), (0.0, s, c))
    if axis == "y":
        return ((c, 0.0, s), (0.0, 1.0, 0.0), (-s, 0.0, c))
    return ((c, -s, 0.0), (s, c, 0.0), (0.0, 0.0, 1.0))


def _mul(a: Mat, b: Mat) -> Mat:
    if b is IDENTITY:
        return a

    def row(r: Vec) -> Vec:
        return (
            r[0] * b[0][0] + r[1] * b[1][0] + r[2] * b[2][0],
            r[0] * b[0][1] + r[1] * b[1][1] + r[2] * b[2][1],
            r[0] * b[0][2] + r[1] * b[1][2] + r[2] * b[2][2],
        )

    return (row(a[0]), row(a[1]), row(a[2]))


def _apply(m: Mat, v: Vec) -> Vec:
    return (
        m[0][0] * v[0] + m[0][1] * v[1] + m[0][2] * v[2],
        m[1][0] * v[0] + m[1][1] * v[1] + m[1][2] * v[2],
        m[2][0] * v[0] + m[2][1] * v[1] + m[2][2] * v[2],
    )


def _transpose(m: Mat) -> Mat:
    return ((m[0][0], m[1][0], m[2][0]), (m[0][1], m[1][1], m[2][1]), (m[0][2], m[1][2], m[2][2]))


def _add(a: Vec, b: Vec) -> Vec:
    return (a[0] + b[0], a[1] + b[1], a[2] + b[2])


def _sub(a: Vec, b: Vec) -> Vec:
    return (a[0] - b[0], a[1] - b[1], a[2] - b[2])


def distance(a: Vec, b: Vec) -> float:
    return math.dist(a, b)


def _chain(*parts: Mat) -> Mat:
    out = parts[0]
    for part in parts[1:]:
        out = _mul(out, part)
    return out


@dataclass(frozen=True, slots=True)
class Skeleton:
    """A pose's points in the body's own frame (pelvis at the origin), and two frames."""

    points: dict[str, Vec]
    pelvis: Mat  # orientation of the pelvis (identity)
    chest: Mat  # orientation of the upper chest (where the shoulders hang)


def forward(pose: Pose) -> Skeleton:
    """Forward kinematics: joint angles -> points. Segment lengths never change."""
    a = dict(zip((d.name for d in DOFS), pose, strict=True))
    p: dict[str, Vec] = {"pelvis": (0.0, 0.0, 0.0)}
    r_pelvis = IDENTITY
    p["sacrum"] = _apply(r_pelvis, (0.0, PELVIS, 0.0))
    r_lumbar = _chain(
        r_pelvis,
        _rot("z", -a["low-back"]),
        _rot("x", a["low-back-side"]),
        _rot("y", -a["low-back-twist"]),
    )
    p["waist"] = _add(p["sacrum"], _apply(r_lumbar, (0.0, LUMBAR, 0.0)))
    r_lower = _chain(r_lumbar, _rot("z", -a["mid-back"]), _rot("y", -a["mid-back-twist"]))
    p["chest"] = _add(p["waist"], _apply(r_lower, (0.0, LOWER_CHEST, 0.0)))
    r_upper = _mul(r_lower, _rot("z", -a["upper-back"]))
    p["neck"] = _add(p["chest"], _apply(r_upper, (0.0, UPPER_CHEST, 0.0)))
    r_head = _mul(r_upper, _rot("z", -a["neck"]))
    p["head"] = _add(p["neck"], _apply(r_head, (0.0, NECK, 0.0)))
    for side, s in (("right", 1.0), ("left", -1.0)):

        def angle(name: str, side: str = side) -> float:
            return a[f"{side}-{name}"]

        shoulder = _add(p["neck"], _apply(r_upper, (0.0, -SHOULDER_DROP, s * SHOULDER_HALF)))
        r_arm = _chain(
            r_upper, _rot("z", angle("shoulder")), _rot("x", -s * angle("shoulder-side"))
        )
        elbow = _add(shoulder, _apply(r_arm, (0.0, -UPPER_ARM, 0.0)))
        r_forearm = _mul(r_arm, _rot("z", angle("elbow")))
        hand = _add(elbow, _apply(r_forearm, (0.0, -FOREARM, 0.0)))
        hip = _apply(r_pelvis, (0.0, 0.0, s * HIP_HALF))
        r_thigh = _chain(
            r_pelvis,
            _rot("z", angle("hip")),
            _rot("x", -s * angle("hip-side")),
            _rot("y", -s * angle("hip-turn")),
        )
        knee = _add(hip, _apply(r_thigh, (0.0, -THIGH, 0.0)))
        r_shin = _mul(r_thigh, _rot("z", -angle("knee")))
        ankle = _add(knee, _apply(r_shin, (0.0, -SHIN, 0.0)))
        r_foot = _mul(r_shin, _rot("z", angle("ankle") - FOOT_DROP))
        toe = _add(ankle, _apply(r_foot, (FOOT, 0.0, 0.0)))
        thigh = ((hip[0] + knee[0]) / 2, (hip[1] + knee[1]) / 2, (hip[2] + knee[2]) / 2)
        p.update(
            {
                f"{side}-shoulder": shoulder,
                f"{side}-elbow": elbow,
                f"{side}-hand": hand,
                f"{side}-hip": hip,
                f"{side}-thigh": thigh,
                f"{side}-knee": knee,
                f"{side}-ankle": ankle,
                f"{side}-toe": toe,
            }
        )
    return Skeleton(p, r_pelvis, r_upper)


SEGMENT_LENGTHS: dict[tuple[str, str], float] = {
    ("pelvis", "sacrum"): PELVIS,
    ("sacrum", "waist"): LUMBAR,
    ("waist", "chest"): LOWER_CHEST,
    ("chest", "neck"): UPPER_CHEST,
    ("neck", "head"): NECK,
}
for _side in SIDES:
    SEGMENT_LENGTHS.update(
        {
            (f"{_side}-shoulder", f"{_side}-elbow"): UPPER_ARM,
            (f"{_side}-elbow", f"{_side}-hand"): FOREARM,
            (f"{_side}-hip", f"{_side}-knee"): THIGH,
            (f"{_side}-knee", f"{_side}-ankle"): SHIN,
            (f"{_side}-ankle", f"{_side}-toe"): FOOT,
        }
    )


# --------------------------------------------------------------------------- placement


class View(StrEnum):
    """Where the picture is seen from."""

    SIDE = "side"  # level with the bed, from the person's right
    HIGH = "high"  # from the foot end of the right side, a little above (a 3/4 view)
    TOP = "top"  # straight down onto the bed, the head at the top of the picture


VIEW_ELEVATION: dict[View, float] = {View.SIDE: 0.0, View.HIGH: 20.0, View.TOP: 90.0}
VIEW_AZIMUTH: dict[View, float] = {View.SIDE: 0.0, View.HIGH: 30.0, View.TOP: 90.0}

# How each position turns the body's axes (forward, up, right) into the world's (x along the bed
# towards the feet of a person lying on their back, y up, z towards the viewer).
BASE_AXES: dict[Position, tuple[Vec, Vec, Vec]] = {
    Position.SUPINE: ((0.0, 1.0, 0.0), (-1.0, 0.0, 0.0), (0.0, 0.0, 1.0)),
    Position.PRONE: ((0.0, -1.0, 0.0), (1.0, 0.0, 0.0), (0.0, 0.0, 1.0)),
    Position.SIDE_LYING: ((0.0, 0.0, 1.0), (-1.0, 0.0, 0.0), (0.0, -1.0, 0.0)),
    Position.HANDS_AND_KNEES: ((0.0, -1.0, 0.0), (1.0, 0.0, 0.0), (0.0, 0.0, 1.0)),
    Position.KNEELING: ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)),
    Position.SEATED: ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)),
    Position.STANDING: ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)),
}
# Lying, the chest keeps its place and the pelvis moves (a pelvic tilt, a twist); sitting,
# kneeling and standing, the pelvis does.
CHEST_LED = frozenset(
    {Position.SUPINE, Position.PRONE, Position.SIDE_LYING, Position.HANDS_AND_KNEES}
)
DEFAULT_REST: dict[Position, tuple[str, ...]] = {
    Position.SUPINE: ("sacrum", "chest"),
    Position.PRONE: ("pelvis", "chest"),
    Position.SIDE_LYING: ("pelvis", "chest"),
    Position.HANDS_AND_KNEES: ("right-knee", "right-ankle"),
    Position.KNEELING: ("right-knee", "right-ankle"),
    Position.SEATED: ("pelvis", "right-ankle"),
    Position.STANDING: ("right-toe",),
}
DEFAULT_ANCHOR: dict[Position, str] = {
    Position.HANDS_AND_KNEES: "right-knee",
    Position.KNEELING: "right-knee",
}
SINK = 2.0  # cm a body may sink into a soft mattress before it is "through the bed"
BED_EDGE_BEHIND = 12.0  # cm between the edge of the bed and a foot standing on it
BED_HEIGHTS = (25.0, 80.0)  # a bed you can put a foot on, in cm
BED_LENGTH_SHOWN = 90.0  # cm of the bed drawn beside a standing person


@dataclass(frozen=True, slots=True)
class Scene:
    """The bed the figure is on or beside. Heights in cm; the mattress top is y = 0 in bed."""

    standing: bool  # beside the bed: the floor is y = 0, the bed's top is ``bed_top``
    bed_top: float = 0.0
    bed_edge: float = 0.0  # beside the bed: the bed starts at this x

    def surface(self, x: float) -> float:
        """Height of whatever is under the point at ``x``."""
        if not self.standing:
            return 0.0
        return self.bed_top if x >= self.bed_edge else 0.0


@dataclass(frozen=True, slots=True)
class Key:
    """One key pose of a figure, and its timing in the picture's loop."""

    name: str
    pose: Pose
    move: float  # seconds to move into this pose from the one before (key 0: from the last)
    hold: float  # seconds the picture stays in it
    breath: Breath | None = None  # the breath that moves into it (exercises with a cycle)


HIGHLIGHT_CHAINS: dict[str, tuple[tuple[str, ...], ...]] = {
    # target area -> chains of points that glow ("W" is the working side)
    "lower-back": (("sacrum", "waist"),),
    "abdominals": (("sacrum", "waist"),),
    "spine": (("sacrum", "waist", "chest", "neck"),),
    "hips": (("pelvis", "W-hip", "W-thigh"),),
    "glutes": (("pelvis", "W-hip", "W-thigh"),),
    "piriformis": (("pelvis", "W-hip", "W-thigh"),),
    "hip-flexors": (("pelvis", "W-hip", "W-thigh"),),
    "hamstrings": (("W-hip", "W-knee"),),
    "quadriceps": (("W-hip", "W-knee"),),
    "inner-thighs": (("right-hip", "right-knee"), ("left-hip", "left-knee")),
    "whole-body": (),
}


@dataclass(frozen=True, slots=True)
class Figure:
    """An exercise variant's picture: key poses, how they lie on the bed, and what glows."""

    position: Position
    keys: tuple[Key, ...]
    view: View = View.SIDE
    rest: tuple[str, ...] = ()  # () -> DEFAULT_REST for the position
    anchor: str | None = None  # the point that stays in place from key to key
    highlight: tuple[str, ...] = ()  # target areas that glow
    per_side: bool = False  # drawn for the right side, the working (near) leg highlighted
    breaths: tuple[tuple[Breath, int], ...] = ()  # the key each breath of the cycle moves to

    @property
    def rest_points(self) -> tuple[str, ...]:
        return self.rest or DEFAULT_REST[self.position]

    @property
    def anchor_point(self) -> str:
        if self.anchor:
            return self.anchor
        if self.position is Position.STANDING:
            return self.rest_points[-1]
        return DEFAULT_ANCHOR.get(self.position, "pelvis")

    def key_for_breath(self, breath: Breath) -> int | None:
        return next((i for b, i in self.breaths if b is breath), None)

    @property
    def chains(self) -> tuple[tuple[str, ...], ...]:
        """The chains of points that glow, the working side resolved (the right, the near)."""
        seen: dict[tuple[str, ...], None] = {}
        areas = set(self.highlight)
        if "spine" in areas:
            areas -= {"lower-back", "abdominals"}
        for area in self.highlight:
            if area not in areas:
                continue
            for chain in HIGHLIGHT_CHAINS.get(area, ()):
                seen.setdefault(tuple(p.replace("W-", "right-") for p in chain), None)
        return tuple(seen)


def breath_keys(keys: Sequence[Key], cycle: Sequence[Phase]) -> tuple[tuple[Breath, int], ...]:
    """Which key each breath of the cycle shows: its own key, or (a pause) the one before it."""
    found: dict[Breath, int] = {}
    for i, key in enumerate(keys):
        if key.breath is not None:
            found.setdefault(key.breath, i)
    for n, phase in enumerate(cycle):
        if phase.breath not in found and n > 0 and cycle[n - 1].breath in found:
            found[phase.breath] = found[cycle[n - 1].breath]
    return tuple(found.items())


def _oriented(figure: Figure, pose: Pose) -> dict[str, Vec]:
    """The pose turned into the position (before it is moved onto the bed)."""
    skeleton = forward(pose)
    led = skeleton.chest if figure.position in CHEST_LED else skeleton.pelvis
    origin = skeleton.points["chest" if figure.position in CHEST_LED else "pelvis"]
    f, u, r = BASE_AXES[figure.position]
    base: Mat = ((f[0], u[0], r[0]), (f[1], u[1], r[1]), (f[2], u[2], r[2]))
    turn = _mul(base, _transpose(led))
    points = {k: _apply(turn, _sub(v, origin)) for k, v in skeleton.points.items()}
    rest = figure.rest_points
    if len(rest) == 2 and figure.position is not Position.STANDING:
        points = _level(points, rest[0], rest[1])
    return points


def _level(points: dict[str, Vec], a: str, b: str) -> dict[str, Vec]:
    """Turn the body about the viewing axis until points a and b touch one flat surface."""
    (xa, ya, _), (xb, yb, _) = points[a], points[b]
    dx, dy, dr = xb - xa, yb - ya, RADII[b] - RADII[a]
    length = math.hypot(dx, dy)
    if length < 1e-6 or abs(dr) > length:
        return points
    phi = math.atan2(dy, dx)
    turns = sorted(
        (math.asin(dr / length) - phi, math.pi - math.asin(dr / length) - phi),
        key=lambda t: abs(math.remainder(t, math.tau)),
    )
    near, far = (_turned(points, alpha) for alpha in turns)
    # The smaller turn keeps the position's facing. Only when both turns are about as large
    # (a kneeling shin is as far from level either way) does the body go the way that keeps it
    # above the bed.
    gap = abs(math.remainder(turns[1], math.tau)) - abs(math.remainder(turns[0], math.tau))
    if gap < math.radians(45) and _deepest(near, a) > _deepest(far, a) + 10:
        return far
    return near


def _turned(points: dict[str, Vec], alpha: float) -> dict[str, Vec]:
    c, s = math.cos(alpha), math.sin(alpha)
    return {k: (x * c - y * s, x * s + y * c, z) for k, (x, y, z) in points.items()}


def _deepest(points: dict[str, Vec], resting: str) -> float:
    """How far the lowest part of the body hangs below the surface ``resting`` lies on."""
    surface = points[resting][1] - RADII[resting]
    return max(surface - (y - RADII[k]) for k, (_, y, _) in points.items())


def scene_for(figure: Figure) -> Scene:
    """The bed: under everything when lying; beside a standing person, where the foot rests."""
    if figure.position is not Position.STANDING:
        return Scene(standing=False)
    floor = Scene(standing=True, bed_top=1e9, bed_edge=1e9)
    points = _settle(figure, _oriented(figure, figure.keys[0].pose), floor)
    rest = figure.rest_points
    on_bed = rest[1] if len(rest) > 1 else None
    if on_bed is None:
        return Scene(standing=True, bed_top=50.0, bed_edge=max(p[0] for p in points.values()) + 30)
    x, y, _ = points[on_bed]
    return Scene(standing=True, bed_top=y - RADII[on_bed], bed_edge=x - BED_EDGE_BEHIND)


def _settle(figure: Figure, points: dict[str, Vec], scene: Scene) -> dict[str, Vec]:
    """Move the anchor to x = 0 and lower the body until its rest points touch the surface."""
    ax = points[figure.anchor_point][0]
    moved = {k: (x - ax, y, z) for k, (x, y, z) in points.items()}
    rest = figure.rest_points
    if scene.standing:
        on_floor = rest[0]
        lift = -(moved[on_floor][1] - RADII[on_floor])
    else:
        lift = -min(moved[r][1] - RADII[r] for r in rest)
    return {k: (x, y + lift, z) for k, (x, y, z) in moved.items()}


def place(figure: Figure, pose: Pose, scene: Scene | None = None) -> dict[str, Vec]:
    """World points of ``pose``: in the figure's position, resting on the bed (or floor)."""
    scene = scene or scene_for(figure)
    return _settle(figure, _oriented(figure, pose), scene)


@dataclass(frozen=True, slots=True)
class Sinking:
    """The deepest part of a pose below the surface under it."""

    part: str
    depth: float
    into: str  # "bed" or "floor"


def _samples(points: Mapping[str, Vec]) -> Iterator[tuple[str, Vec, float]]:
    for name in POINTS:
        yield name.replace("-", " "), points[name], RADII[name]
    for label, a, b in SEGMENTS:
        pa, pb = points[a], points[b]
        for t in (0.5,):
            mid = (
                pa[0] + (pb[0] - pa[0]) * t,
                pa[1] + (pb[1] - pa[1]) * t,
                pa[2] + (pb[2] - pa[2]) * t,
            )
            yield label, mid, RADII[a] + (RADII[b] - RADII[a]) * t


def sinking(points: Mapping[str, Vec], scene: Scene) -> Sinking | None:
    """The part of the body deepest below the surface, if any is more than SINK cm below."""
    worst: Sinking | None = None
    for label, (x, y, _), radius in _samples(points):
        on_bed = not scene.standing or x >= scene.bed_edge
        depth = scene.surface(x) - (y - radius)
        if depth > SINK and (worst is None or depth > worst.depth):
            worst = Sinking(label, depth, "bed" if on_bed else "floor")
    return worst


def check_figure(figure: Figure) -> list[tuple[str, str]]:
    """Problems with a built figure as (field, message): a pose through the bed, a bed too high."""
    problems: list[tuple[str, str]] = []
    scene = scene_for(figure)
    if scene.standing and len(figure.rest_points) > 1:
        low, high = BED_HEIGHTS
        if not low <= scene.bed_top <= high:
            problems.append(
                (
                    "rest",
                    f"the {figure.rest_points[1].replace('-', ' ')} would rest on a bed "
                    f"{scene.bed_top:.0f} cm high (a bed is {low:.0f}-{high:.0f} cm)",
                )
            )
            return problems
    for i, key in enumerate(figure.keys):
        deepest = sinking(place(figure, key.pose, scene), scene)
        if deepest is not None:
            problems.append(
                (
                    f"keys[{i}]",
                    f"pose '{key.name}' puts the {deepest.part} {deepest.depth:.0f} cm "
                    f"through the {deepest.into}",
                )
            )
    return problems


# --------------------------------------------------------------------------- animation


def loop_seconds(figure: Figure) -> float:
    """Length of the picture's loop: every key's hold and the move into it."""
    if len(figure.keys) < 2:
        return 0.0
    return sum(k.move + k.hold for k in figure.keys)


def frames(figure: Figure, step: float = 30.0) -> list[tuple[float, Pose]]:
    """Poses at times through one loop, from key 0 back to key 0: holds, and in-between poses
    every ``step`` degrees of the largest joint movement (eased), so a straight line between two
    drawn frames never shortens a limb visibly."""
    keys = figure.keys
    if len(keys) < 2:
        return [(0.0, keys[0].pose)]
    out: list[tuple[float, Pose]] = []
    t = 0.0
    order = [*range(len(keys)), 0]
    for n, i in enumerate(order):
        key = keys[i]
        if n > 0:
            before = keys[order[n - 1]].pose
            largest = max((abs(x - y) for x, y in zip(before, key.pose, strict=True)), default=0.0)
            parts = max(1, math.ceil(largest / step))
            for j in range(1, parts):
                out.append((t + key.move * j / parts, blend(before, key.pose, ease(j / parts))))
            t += key.move
        out.append((t, key.pose))
        if n < len(order) - 1 and key.hold > 0:
            t += key.hold
            out.append((t, key.pose))
    return out


def pose_at(figure: Figure, key: int, toward: int | None = None, progress: float = 1.0) -> Pose:
    """Key ``key``'s pose, or (with ``toward``) the pose ``progress`` of the way to that key."""
    if toward is None:
        return figure.keys[key].pose
    return blend(figure.keys[key].pose, figure.keys[toward].pose, ease(progress))


# --------------------------------------------------------------------------- projection


@dataclass(frozen=True, slots=True)
class Shape:
    """One stroke of the picture: a polyline in view coordinates (y up), its width and role."""

    role: str  # "far", "body", "near", "work", "glow"
    width: float
    points: tuple[Point2, ...]
    depth: float  # larger is nearer the viewer


def project(point: Vec, view: View) -> tuple[float, float, float]:
    """(x, y, depth) of a world point seen from ``view``."""
    e, a = math.radians(VIEW_ELEVATION[view]), math.radians(VIEW_AZIMUTH[view])
    x, y, z = point
    ce, se, ca, sa = math.cos(e), math.sin(e), math.cos(a), math.sin(a)
    return (
        x * ca - z * sa,
        -x * sa * se + y * ce - z * ca * se,
        x * sa * ce + y * se + z * ca * ce,
    )


TRUNK_WIDTH, LIMB_WIDTH, ARM_WIDTH, NECK_WIDTH, HEAD_WIDTH = 22.0, 11.0, 8.0, 9.0, 21.0
GLOW_EXTRA = 14.0  # the glow shows this much wider than the part it lights
TRUNK = frozenset({"pelvis", "sacrum", "waist", "chest", "neck"})


def shapes(figure: Figure, points: Mapping[str, Vec]) -> list[Shape]:
    """The strokes that draw a placed pose: glows, then far limbs, trunk, near limbs (the same
    strokes in the same order for every pose, so frames can be animated stroke by stroke)."""
    view = figure.view

    def stroke(role: str, width: float, names: Sequence[str]) -> Shape:
        projected = [project(points[n], view) for n in names]
        depth = sum(p[2] for p in projected) / len(projected)
        return Shape(role, width, tuple((p[0], p[1]) for p in projected), depth)

    near_leg = "work" if figure.per_side else "near"
    far = "near" if view is View.TOP else "far"  # from above, neither side is behind
    out = [
        stroke("glow", GLOW_EXTRA + (TRUNK_WIDTH if TRUNK.issuperset(chain) else LIMB_WIDTH), chain)
        for chain in figure.chains
    ]
    limbs = [
        stroke(far, ARM_WIDTH, ("left-shoulder", "left-elbow", "left-hand")),
        stroke(far, LIMB_WIDTH, ("left-hip", "left-knee", "left-ankle", "left-toe")),
        stroke("body", TRUNK_WIDTH, ("left-hip", "right-hip")),
        stroke("body", TRUNK_WIDTH, ("pelvis", "sacrum", "waist", "chest", "neck")),
        stroke("body", TRUNK_WIDTH, ("left-shoulder", "right-shoulder")),
        stroke("body", NECK_WIDTH, ("neck", "head")),
        stroke("body", HEAD_WIDTH, ("head", "head")),
        stroke("near", ARM_WIDTH, ("right-shoulder", "right-elbow", "right-hand")),
        stroke(near_leg, LIMB_WIDTH, ("right-hip", "right-knee", "right-ankle", "right-toe")),
    ]
    return out + limbs


def drawing_order(figure: Figure, frames: Sequence[Sequence[Shape]]) -> list[int]:
    """One order of the strokes for every frame: glows first, then far to near on average (in a
    side view the listed order: far limbs, trunk, near limbs)."""
    first = frames[0]
    if figure.view is View.SIDE:
        return list(range(len(first)))

    def depth(i: int) -> float:
        return sum(frame[i].depth for frame in frames) / len(frames)

    return sorted(range(len(first)), key=lambda i: (first[i].role != "glow", depth(i)))


def bed_outline(
    scene: Scene, view: View, left: float, right: float, width: float
) -> list[tuple[str, tuple[Point2, ...]]]:
    """Polygons of the bed (and floor) seen from ``view``: ("top" | "side" | "base" | "floor")."""
    e = math.radians(VIEW_ELEVATION[view])
    half = width / 2

    def box(
        role: str, x0: float, x1: float, y0: float, y1: float
    ) -> list[tuple[str, tuple[Point2, ...]]]:
        out: list[tuple[str, tuple[Point2, ...]]] = []
        front = [(x0, y0, half), (x1, y0, half), (x1, y1, half), (x0, y1, half)]
        top = [(x0, y1, -half), (x1, y1, -half), (x1, y1, half), (x0, y1, half)]
        if math.cos(e) > 0.05:
            out.append((role, tuple(project(p, view)[:2] for p in front)))
        if math.sin(e) > 0.05 and role != "base":
            out.append(("top", tuple(project(p, view)[:2] for p in top)))
        return out

    if not scene.standing:
        return box("side", left, right, -20.0, 0.0) + box("base", left + 6, right - 6, -34.0, -20.0)
    top, edge = scene.bed_top, scene.bed_edge
    end = max(right, edge + BED_LENGTH_SHOWN)
    beside = box("side", edge, end, top - 20, top) + box("base", edge + 4, end, 8.0, top - 20)
    return [("floor", ((left, 0.0), (end, 0.0))), *beside]
