"""Exercises: what a stretch is, as data (positions, dosing ranges, steps, sources)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Position(StrEnum):
    """Where the body is. The planner and timeline cost the moves between these."""

    SUPINE = "supine"
    PRONE = "prone"
    SIDE_LYING = "side-lying"
    KNEELING = "kneeling"
    HANDS_AND_KNEES = "hands-and-knees"
    SEATED = "seated"
    STANDING = "standing"

    @property
    def label(self) -> str:
        return POSITION_LABELS[self]


POSITION_LABELS: dict[Position, str] = {
    Position.SUPINE: "lying on your back",
    Position.PRONE: "lying on your stomach",
    Position.SIDE_LYING: "lying on your side",
    Position.KNEELING: "kneeling on the bed",
    Position.HANDS_AND_KNEES: "on hands and knees",
    Position.SEATED: "sitting on the bed",
    Position.STANDING: "standing beside the bed",
}

LYING_POSITIONS = frozenset({Position.SUPINE, Position.PRONE, Position.SIDE_LYING})

TARGET_AREAS: tuple[str, ...] = (
    "lower-back",
    "spine",
    "abdominals",
    "hips",
    "hip-flexors",
    "glutes",
    "piriformis",
    "hamstrings",
    "quadriceps",
    "inner-thighs",
    "whole-body",
)


class Role(StrEnum):
    """Where an exercise may sit in a routine."""

    OPENING = "opening"  # the starting position: every planned routine opens with it
    STRETCH = "stretch"
    CLOSING = "closing"  # the relaxation: every planned routine closes with it


class Breath(StrEnum):
    """One phase of a repetition: breathe in, breathe out, or pause in the position."""

    INHALE = "inhale"
    EXHALE = "exhale"
    PAUSE = "pause"


class DoseKind(StrEnum):
    HOLD = "hold"  # hold a position for hold_seconds, sets times (per side)
    REPS = "reps"  # repeat a breathing cycle reps times (optionally pausing hold_seconds)
    TIMED = "timed"  # keep a breathing cycle going for duration_seconds


@dataclass(frozen=True, slots=True)
class Range:
    """An inclusive range of whole numbers, as the articles give doses ("20-30 s")."""

    low: int
    high: int

    def __contains__(self, value: object) -> bool:
        return isinstance(value, int) and self.low <= value <= self.high

    def clamp(self, value: int) -> int:
        return max(self.low, min(self.high, value))

    def as_list(self) -> list[int]:
        return [self.low, self.high]

    def __str__(self) -> str:
        return str(self.low) if self.low == self.high else f"{self.low}-{self.high}"


@dataclass(frozen=True, slots=True)
class Phase:
    """One phase of a repetition cycle. ``seconds`` is None when the phase lasts the hold dose."""

    breath: Breath
    cue: str
    seconds: int | None


@dataclass(frozen=True, slots=True)
class Dose:
    """The ranges an exercise may be dosed within. Exactly one kind applies (see ``kind``)."""

    sets: Range
    per_side: bool
    hold_seconds: Range | None = None
    reps: Range | None = None
    duration_seconds: Range | None = None
    cycle: tuple[Phase, ...] = ()

    @property
    def kind(self) -> DoseKind:
        if self.reps is not None:
            return DoseKind.REPS
        if self.duration_seconds is not None:
            return DoseKind.TIMED
        return DoseKind.HOLD

    @property
    def cycle_fixed_seconds(self) -> int:
        """Seconds of one cycle that do not depend on the hold dose."""
        return sum(p.seconds for p in self.cycle if p.seconds is not None)

    @property
    def cycle_pauses(self) -> int:
        """How many phases of one cycle last the hold dose."""
        return sum(1 for p in self.cycle if p.seconds is None)


@dataclass(frozen=True, slots=True)
class Source:
    """Where an exercise comes from: an article file and its item ("1", "start", "faq")."""

    file: str
    item: str


@dataclass(frozen=True, slots=True)
class Equipment:
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Variant:
    """One way of doing an exercise (e.g. cat-cow lying down, or on hands and knees)."""

    id: str
    name: str
    position: Position
    dose: Dose
    steps: tuple[str, ...]
    form: tuple[str, ...]
    breathing: tuple[str, ...]
    equipment: Equipment
    sources: tuple[Source, ...]
    side_text: str | None = None  # e.g. "Bring your {side} knee up." with {side} and {other}
    brief: str | None = None  # the one line said instead of the steps once it is known

    def side_instruction(self, side: str) -> str:
        other = "left" if side == "right" else "right"
        if self.side_text:
            return self.side_text.format(side=side, other=other, Side=side.capitalize())
        return f"{side.capitalize()} side."


@dataclass(frozen=True, slots=True)
class Exercise:
    """An exercise with at least one variant; the first variant is the default."""

    id: str
    name: str
    summary: str
    aliases: tuple[str, ...]
    targets: tuple[str, ...]
    cautions: tuple[str, ...]
    variants: tuple[Variant, ...]
    role: Role = Role.STRETCH
    priority: int = 3  # 1-5: how strongly the planner wants it when time is short
    flow: int = 50  # 0-100: earlier or later among exercises in the same position
    notes: tuple[str, ...] = field(default=())

    @property
    def default(self) -> Variant:
        return self.variants[0]

    def variant(self, variant_id: str | None) -> Variant | None:
        if variant_id is None:
            return self.default
        return next((v for v in self.variants if v.id == variant_id), None)

    @property
    def sources(self) -> tuple[Source, ...]:
        seen: dict[Source, None] = {}
        for variant in self.variants:
            for source in variant.sources:
                seen.setdefault(source, None)
        return tuple(seen)
