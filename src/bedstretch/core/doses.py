"""How a dose is written and said: the one place for dose wording.

- ``range_text``: what an exercise allows ("2-3 x 20-30 s hold, each side"), for listings.
- ``prescription_text``: one concrete dose ("2 x 30 s hold, each side"), for plans and tables.
- ``dose_sentence``: the dose as the coach says it ("Hold for 30 seconds, twice on each side.").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bedstretch.core.exercises import Dose, DoseKind, Range

if TYPE_CHECKING:
    from bedstretch.core.routines import Prescription


def _seconds_range(r: Range) -> str:
    if r.low % 60 == 0 and r.high % 60 == 0:
        return f"{Range(r.low // 60, r.high // 60)} min"
    return f"{r} s"


def range_text(dose: Dose, *, sides: bool = True) -> str:
    """The ranges a dose allows; ``sides``: add "each side" for a per-side exercise."""
    if dose.kind is DoseKind.REPS:
        text = f"{dose.reps} reps"
        if dose.hold_seconds:
            text += f", {dose.hold_seconds} s pause"
    elif dose.kind is DoseKind.HOLD:
        text = f"{dose.hold_seconds} s hold"
    else:
        text = _seconds_range(dose.duration_seconds) if dose.duration_seconds else ""
    if dose.sets != Range(1, 1):
        text = f"{dose.sets} x {text}"
    if dose.per_side and sides:
        text += ", each side"
    return text


def prescription_text(p: Prescription, dose: Dose) -> str:
    """One concrete dose, short: "2 x 30 s hold, each side"."""
    if dose.kind is DoseKind.HOLD:
        text = f"{p.hold_seconds} s hold"
    elif dose.kind is DoseKind.REPS:
        text = f"{p.reps} reps"
        if p.hold_seconds:
            text += f", {p.hold_seconds} s pause"
    else:
        text = f"{p.duration_seconds} s"
    if p.sets > 1:
        text = f"{p.sets} x {text}"
    if dose.per_side:
        text += ", each side"
    return text


def say_seconds(seconds: int) -> str:
    """Seconds as people say them: "30 seconds", "1 minute", "1 minute 30 seconds"."""
    minutes, rest = divmod(seconds, 60)
    parts = []
    if minutes:
        parts.append(f"{minutes} minute" + ("s" if minutes != 1 else ""))
    if rest or not minutes:
        parts.append(f"{rest} second" + ("s" if rest != 1 else ""))
    return " ".join(parts)


def _times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


def dose_sentence(p: Prescription, dose: Dose) -> str:
    """The dose as one spoken sentence: "Hold for 30 seconds, twice on each side."."""
    if dose.kind is DoseKind.HOLD:
        text = f"Hold for {say_seconds(p.hold_seconds or 0)}"
        repeat = _times(p.sets) if p.sets > 1 else ""
    elif dose.kind is DoseKind.REPS:
        text = f"{p.reps} slow repetitions"
        repeat = f"{p.sets} sets" if p.sets > 1 else ""
    else:
        text = f"For {say_seconds(p.duration_seconds or 0)}"
        repeat = _times(p.sets) if p.sets > 1 else ""
    if repeat:
        text += f", {repeat}"
    if dose.per_side:
        text += " on each side" if repeat else ", on each side"
    return text + "."


def dose_short(p: Prescription, dose: Dose) -> str:
    """The dose in a few words, for someone who knows the exercise: "30 seconds each side."."""
    if dose.kind is DoseKind.HOLD:
        text = say_seconds(p.hold_seconds or 0)
    elif dose.kind is DoseKind.REPS:
        text = f"{p.reps} repetitions"
    else:
        text = say_seconds(p.duration_seconds or 0)
    if p.sets > 1:
        text = (
            f"{_times(p.sets)}, {text}"
            if dose.kind is not DoseKind.REPS
            else f"{p.sets} sets of {text}"
        )
    if dose.per_side:
        text += " each side"
    return text[:1].upper() + text[1:] + "."
