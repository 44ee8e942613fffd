"""Routines: an ordered list of exercises, each with a concrete dose inside its ranges."""

from __future__ import annotations

from dataclasses import dataclass

from bedstretch.core.doses import prescription_text
from bedstretch.core.exercises import Dose, Exercise, Position, Range, Variant


@dataclass(frozen=True, slots=True)
class Prescription:
    """The dose chosen for one step: concrete numbers, each inside the exercise's range."""

    sets: int = 1
    hold_seconds: int | None = None
    reps: int | None = None
    duration_seconds: int | None = None

    @staticmethod
    def minimum(dose: Dose) -> Prescription:
        return Prescription(
            sets=dose.sets.low,
            hold_seconds=_low(dose.hold_seconds),
            reps=_low(dose.reps),
            duration_seconds=_low(dose.duration_seconds),
        )

    def fill(self, dose: Dose) -> Prescription:
        """Fill fields left unset with the range's lower end."""
        low = Prescription.minimum(dose)
        return Prescription(
            sets=self.sets,
            hold_seconds=low.hold_seconds if self.hold_seconds is None else self.hold_seconds,
            reps=low.reps if self.reps is None else self.reps,
            duration_seconds=(
                low.duration_seconds if self.duration_seconds is None else self.duration_seconds
            ),
        )

    def problems(self, dose: Dose) -> list[tuple[str, str]]:
        """(field, message) for every value outside its range or not used by this dose kind."""
        found: list[tuple[str, str]] = []
        checks: list[tuple[str, int | None, Range | None]] = [
            ("sets", self.sets, dose.sets),
            ("hold_seconds", self.hold_seconds, dose.hold_seconds),
            ("reps", self.reps, dose.reps),
            ("duration_seconds", self.duration_seconds, dose.duration_seconds),
        ]
        for name, value, allowed in checks:
            if value is None:
                continue
            if allowed is None:
                found.append((name, f"this exercise is not dosed by {name}"))
            elif value not in allowed:
                found.append((name, f"{value} is outside the exercise's range {allowed}"))
        return found


def _low(r: Range | None) -> int | None:
    return None if r is None else r.low


@dataclass(frozen=True, slots=True)
class Step:
    """One exercise of a routine, in one variant, with its dose."""

    exercise: Exercise
    variant: Variant
    prescription: Prescription
    brief: bool = False  # known to the person: one line instead of its steps (if it has one)

    @property
    def briefed(self) -> bool:
        """Said briefly: known to the person, and the variant has a brief line."""
        return self.brief and bool(self.variant.brief)

    @property
    def instructions(self) -> tuple[str, ...]:
        """What the coach says before the first hold: the steps, or the brief line."""
        return (self.variant.brief or "",) if self.briefed else self.variant.steps

    @property
    def position(self) -> Position:
        return self.variant.position

    @property
    def dose(self) -> Dose:
        return self.variant.dose

    @property
    def sides(self) -> tuple[str | None, ...]:
        return ("right", "left") if self.dose.per_side else (None,)

    def describe_dose(self) -> str:
        """Short human text: "2 x 30 s hold, each side"."""
        return prescription_text(self.prescription, self.dose)


@dataclass(frozen=True, slots=True)
class Routine:
    """An ordered list of steps, played from ``start_position`` (a person waking up in bed)."""

    id: str
    name: str
    description: str
    steps: tuple[Step, ...]
    start_position: Position = Position.SUPINE
