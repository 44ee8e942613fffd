"""The timeline: a pure compiler from a routine to timed cues, the contract every player plays.

Each cue has its offset in whole seconds from the start of the session. Players schedule cue ``i``
at ``start + cue.at`` on a monotonic clock, so no drift accumulates; pausing shifts ``start``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from bedstretch.core import doses
from bedstretch.core.doses import say_seconds
from bedstretch.core.exercises import Breath, DoseKind, Phase, Position
from bedstretch.core.positions import Moves
from bedstretch.core.routines import Routine, Step


class CueKind(StrEnum):
    START = "start"  # welcome, at 0
    MOVE = "move"  # change position (roll over, sit up, stand...)
    EXERCISE = "exercise"  # name of the next exercise and its dose
    INSTRUCTION = "instruction"  # one instruction for getting into the stretch
    GET_READY = "get_ready"  # lead-in before each hold, set of reps or timed flow
    HOLD = "hold"  # a hold starts (players sound a tone)
    FLOW = "flow"  # a timed flow starts (e.g. cat-cow for 90 s, relaxation)
    REP = "rep"  # a repetition starts
    INHALE = "inhale"
    EXHALE = "exhale"
    PAUSE = "pause"  # stay in the position for a moment within a repetition
    FORM = "form"  # a reminder about form in the middle of a hold
    COUNTDOWN = "countdown"  # seconds left in a hold
    RELEASE = "release"  # a hold, set or flow ends (players sound a tone)
    SWITCH_SIDES = "switch_sides"
    REST = "rest"  # between sets of an exercise done without sides
    END = "end"  # the session is over, at total_seconds


_BREATH_KIND = {
    Breath.INHALE: CueKind.INHALE,
    Breath.EXHALE: CueKind.EXHALE,
    Breath.PAUSE: CueKind.PAUSE,
}


@dataclass(frozen=True, slots=True)
class Pacing:
    """Seconds the coach allows for everything that is not the dose itself."""

    intro: int = 6
    announce: int = 4
    words_per_second: float = 2.5  # a calm speaking pace for instructions
    step_min: int = 3
    get_ready: int = 3
    release: int = 2
    switch_sides: int = 5
    rest: int = 10
    breath_in: int = 4  # breathing cadence during holds and flows without their own cycle
    breath_out: int = 6
    countdown: tuple[int, ...] = (10, 3, 2, 1)
    form_after: int = 12  # a hold at least this long gets a form reminder half-way

    def instruction_seconds(self, text: str) -> int:
        return max(self.step_min, math.ceil(len(text.split()) / self.words_per_second) + 1)


DEFAULT_PACING = Pacing()


@dataclass(frozen=True, slots=True)
class Cue:
    at: int
    kind: CueKind
    text: str
    exercise: str | None = None
    side: str | None = None
    rep: int | None = None
    set: int | None = None
    step: int | None = None  # index into the routine's steps
    duration: int | None = None  # how long the phase this cue starts lasts

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["kind"] = self.kind.value
        return data


@dataclass(frozen=True, slots=True)
class StepSpan:
    """Where one routine step sits on the timeline (``at`` includes moving into position)."""

    index: int
    exercise: str
    variant: str
    position: Position
    at: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["position"] = self.position.value
        return data


@dataclass(frozen=True, slots=True)
class Block:
    """One hold, set of reps or timed flow on one side: what the journal records as done."""

    index: int
    step: int
    exercise: str
    variant: str
    side: str | None
    set: int
    kind: DoseKind
    at: int  # the hold, first rep or flow starts
    end: int  # ... and ends (the release cue)
    target_seconds: int
    target_reps: int | None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["kind"] = self.kind.value
        return data


@dataclass(frozen=True, slots=True)
class Timeline:
    routine: str
    total_seconds: int
    cues: tuple[Cue, ...]
    steps: tuple[StepSpan, ...]
    blocks: tuple[Block, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "routine": self.routine,
            "total_seconds": self.total_seconds,
            "steps": [s.to_dict() for s in self.steps],
            "blocks": [b.to_dict() for b in self.blocks],
            "cues": [c.to_dict() for c in self.cues],
        }


def dose_sentence(step: Step) -> str:
    """The dose as one spoken sentence: "Hold for 30 seconds, twice on each side."."""
    return doses.dose_sentence(step.prescription, step.dose)


def _cycle(step: Step, pacing: Pacing) -> tuple[Phase, ...]:
    """The breathing cycle of a hold or flow: the exercise's own, or a calm default."""
    if step.dose.cycle and all(p.seconds for p in step.dose.cycle):
        return step.dose.cycle
    return (
        Phase(Breath.INHALE, "Breathe in slowly.", pacing.breath_in),
        Phase(Breath.EXHALE, "Breathe out and let go.", pacing.breath_out),
    )


def _body_seconds(step: Step) -> int:
    """Seconds of one hold, one set of reps, or one timed flow."""
    p, dose = step.prescription, step.dose
    if dose.kind is DoseKind.HOLD:
        return p.hold_seconds or 0
    if dose.kind is DoseKind.REPS:
        per_rep = dose.cycle_fixed_seconds + dose.cycle_pauses * (p.hold_seconds or 0)
        return (p.reps or 0) * per_rep
    return p.duration_seconds or 0


def step_seconds(step: Step, pacing: Pacing = DEFAULT_PACING) -> int:
    """How long a step lasts on the timeline, not counting the move into its position.

    ``compile_timeline`` produces exactly this (a test holds the two together); the planner uses it
    to fit doses to the minutes available without compiling cues.
    """
    blocks = step.prescription.sets * len(step.sides)
    between = pacing.switch_sides if step.dose.per_side else pacing.rest
    intro = pacing.announce + sum(pacing.instruction_seconds(s) for s in step.variant.steps)
    per_block = pacing.get_ready + _body_seconds(step) + pacing.release
    return intro + blocks * per_block + (blocks - 1) * between


def compile_timeline(routine: Routine, moves: Moves, pacing: Pacing = DEFAULT_PACING) -> Timeline:
    """Compile a routine into timed cues. Pure and deterministic; the same input, the same cues."""
    cues: list[Cue] = []
    spans: list[StepSpan] = []
    blocks: list[Block] = []
    minutes = max(1, round(_total_estimate(routine, moves, pacing) / 60))
    count = len(routine.steps)
    cues.append(
        Cue(
            0,
            CueKind.START,
            f"{routine.name}: {count} exercise{'s' if count != 1 else ''}, about {minutes} minute"
            f"{'s' if minutes != 1 else ''}. Move slowly, and stop if anything hurts sharply.",
            duration=pacing.intro,
        )
    )
    t = pacing.intro
    position = routine.start_position
    for index, step in enumerate(routine.steps):
        begin = t
        if step.position != position:
            move = moves(position, step.position)
            cues.append(
                Cue(t, CueKind.MOVE, move.text, step.exercise.id, step=index, duration=move.seconds)
            )
            t += move.seconds
            position = step.position
        t = _compile_step(cues, blocks, index, step, t, pacing)
        spans.append(StepSpan(index, step.exercise.id, step.variant.id, step.position, begin, t))
    cues.append(Cue(t, CueKind.END, "All done. Well done for looking after your back.", duration=0))
    return Timeline(routine.id, t, tuple(cues), tuple(spans), tuple(blocks))


def _total_estimate(routine: Routine, moves: Moves, pacing: Pacing) -> int:
    total, position = pacing.intro, routine.start_position
    for step in routine.steps:
        total += moves(position, step.position).seconds + step_seconds(step, pacing)
        position = step.position
    return total


def routine_seconds(routine: Routine, moves: Moves, pacing: Pacing = DEFAULT_PACING) -> int:
    """The routine's total length, equal to ``compile_timeline(...).total_seconds``."""
    return _total_estimate(routine, moves, pacing)


def _compile_step(
    cues: list[Cue], blocks: list[Block], index: int, step: Step, t: int, pacing: Pacing
) -> int:
    ex = step.exercise.id
    p = step.prescription
    cues.append(
        Cue(
            t,
            CueKind.EXERCISE,
            f"{step.variant.name}. {dose_sentence(step)}",
            ex,
            step=index,
            duration=pacing.announce,
        )
    )
    t += pacing.announce
    for text in step.variant.steps:
        seconds = pacing.instruction_seconds(text)
        cues.append(Cue(t, CueKind.INSTRUCTION, text, ex, step=index, duration=seconds))
        t += seconds
    block = 0
    for set_no in range(1, p.sets + 1):
        for side in step.sides:
            if block:
                if side is not None:
                    cues.append(
                        Cue(
                            t,
                            CueKind.SWITCH_SIDES,
                            "Switch sides.",
                            ex,
                            side,
                            set=set_no,
                            step=index,
                            duration=pacing.switch_sides,
                        )
                    )
                    t += pacing.switch_sides
                else:
                    cues.append(
                        Cue(
                            t,
                            CueKind.REST,
                            f"Rest. Set {set_no} of {p.sets} is next.",
                            ex,
                            set=set_no,
                            step=index,
                            duration=pacing.rest,
                        )
                    )
                    t += pacing.rest
            ready = "Get ready."
            if side is not None:
                ready = f"{step.variant.side_instruction(side)} {ready}"
            cues.append(
                Cue(
                    t,
                    CueKind.GET_READY,
                    ready,
                    ex,
                    side,
                    set=set_no,
                    step=index,
                    duration=pacing.get_ready,
                )
            )
            t += pacing.get_ready
            begin = t
            t = _compile_block(cues, index, step, side, set_no, block, t, pacing)
            blocks.append(
                Block(
                    len(blocks),
                    index,
                    ex,
                    step.variant.id,
                    side,
                    set_no,
                    step.dose.kind,
                    begin,
                    t,
                    t - begin,
                    p.reps if step.dose.kind is DoseKind.REPS else None,
                )
            )
            cues.append(
                Cue(
                    t,
                    CueKind.RELEASE,
                    "Release slowly." if step.dose.kind is DoseKind.HOLD else "And rest.",
                    ex,
                    side,
                    set=set_no,
                    step=index,
                    duration=pacing.release,
                )
            )
            t += pacing.release
            block += 1
    return t


def _compile_block(
    cues: list[Cue],
    index: int,
    step: Step,
    side: str | None,
    set_no: int,
    block: int,
    t: int,
    pacing: Pacing,
) -> int:
    """Cues of one hold, one set of reps or one timed flow, starting at ``t``; returns its end."""
    ex, p, kind = step.exercise.id, step.prescription, step.dose.kind
    body = _body_seconds(step)
    end = t + body
    out: list[Cue] = []

    def cue(
        at: int, kind: CueKind, text: str, rep: int | None = None, dur: int | None = None
    ) -> None:
        out.append(Cue(at, kind, text, ex, side, rep, set_no, index, dur))

    if kind is DoseKind.REPS:
        reps = p.reps or 0
        per_rep = body // reps if reps else 0
        for rep in range(1, reps + 1):
            cue(t, CueKind.REP, f"Repetition 1 of {reps}." if rep == 1 else str(rep), rep, per_rep)
            for phase in step.dose.cycle:
                seconds = phase.seconds if phase.seconds is not None else p.hold_seconds or 0
                cue(t, _BREATH_KIND[phase.breath], phase.cue, rep, seconds)
                t += seconds
        cues.extend(out)
        return end

    counting = kind is DoseKind.TIMED and bool(step.dose.cycle)  # count a movement, not breaths
    if kind is DoseKind.TIMED:
        text = "Keep the movement going" if counting else "Stay here"
        cue(t, CueKind.FLOW, f"{text} for {say_seconds(body)}.", None, body)
    else:
        cue(t, CueKind.HOLD, f"Hold for {say_seconds(body)}. Breathe slowly.", None, body)
        if body >= pacing.form_after and step.variant.form:
            cue(t + body // 2, CueKind.FORM, step.variant.form[block % len(step.variant.form)])
        for left in pacing.countdown:
            if left < body and (left <= 3 or body - left >= pacing.form_after):
                cue(
                    end - left,
                    CueKind.COUNTDOWN,
                    f"{left} seconds left." if left > 3 else str(left),
                )
    phases = _cycle(step, pacing)
    cycle_seconds = sum(ph.seconds or 0 for ph in phases)
    at, rep = t, 0
    while at < end:
        rep += 1
        if counting:
            cue(at, CueKind.REP, str(rep), rep, min(cycle_seconds, end - at))
        for phase in phases:
            if at >= end:
                break
            seconds = min(phase.seconds or 0, end - at)
            cue(at, _BREATH_KIND[phase.breath], phase.cue, rep if counting else None, seconds)
            at += seconds
    out.sort(key=lambda c: c.at)  # stable: cues at the same second keep their meaning order
    cues.extend(out)
    return end
