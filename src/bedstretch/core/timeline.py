"""The timeline: a pure compiler from a routine to timed cues, the contract every player plays.

Each cue has its offset in whole seconds from the start of the session. Players schedule cue ``i``
at ``start + cue.at`` on a monotonic clock, so no drift accumulates; pausing shifts ``start``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from itertools import groupby
from typing import Any

from bedstretch.core import doses
from bedstretch.core.doses import dose_short, say_seconds
from bedstretch.core.exercises import Breath, DoseKind, Phase, Position, Role
from bedstretch.core.positions import Move, Moves
from bedstretch.core.routines import Routine, Step
from bedstretch.core.speech import MODEL, Voice, join_sentences, spoken_text


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
    """Seconds the coach allows for everything that is not the dose itself.

    Each phase that is spoken lasts at least as long as its words take to say (``voice``) plus
    ``gap``; the numbers here are the shortest each may be.
    """

    intro: int = 6
    announce: int = 4
    step_min: int = 3
    get_ready: int = 3
    release: int = 2
    switch_sides: int = 5
    rest: int = 10
    breath_in: int = 4  # breathing cadence during holds and flows without their own cycle
    breath_out: int = 6
    countdown: tuple[int, ...] = (10, 3, 2, 1)
    form_after: int = 12  # a hold at least this long gets a form reminder half-way
    brief_ready: int = 2  # getting ready for an exercise the person knows
    brief_switch: int = 4  # switching sides in one, with the side's instruction said then
    voice: Voice = MODEL  # how long words take to say
    gap: float = 0.5  # seconds of quiet after a spoken phase, before the next one

    def spoken(self, text: str, at_least: int = 0) -> int:
        """Whole seconds a phase that says ``text`` lasts."""
        return max(at_least, math.ceil(self.voice.seconds(text) + self.gap))

    def instruction_seconds(self, text: str) -> int:
        return self.spoken(text, self.step_min)


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
    say: str | None = None  # what a player speaks when it fires (for every cue at this `at`)
    say_seconds: float | None = None  # how long the pacing assumed that takes

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
        Phase(Breath.EXHALE, "Breathe out and soften.", pacing.breath_out),
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


# --- what is said between the doses (one place, for the compiler and the length predictions) ---


def start_text(name: str, minutes: int) -> str:
    unit = "minute" if minutes == 1 else "minutes"
    return f"{name}: about {minutes} {unit}. Move slowly, and stop if anything hurts sharply."


def announce_text(step: Step) -> str:
    return f"{step.variant.name}. {dose_sentence(step)}"


def ready_text(step: Step, side: str | None) -> str:
    return "Get ready." if side is None else f"{step.variant.side_instruction(side)} Get ready."


def release_text(step: Step) -> str:
    return "Release slowly." if step.dose.kind is DoseKind.HOLD else "And rest."


def rest_text(set_no: int, sets: int) -> str:
    return f"Rest. Set {set_no} of {sets} is next."


SWITCH_TEXT = "Switch sides."
END_TEXT = "All done. Well done for looking after your back."


def move_seconds(move: Move, pacing: Pacing) -> int:
    """A move lasts its own seconds, or as long as saying how to make it."""
    return pacing.spoken(move.text, move.seconds) if move.texts else move.seconds


class PacedMoves:
    """``moves``, each lasting what the timeline gives it (``move_seconds``): for planning."""

    def __init__(self, moves: Moves, pacing: Pacing) -> None:
        self.moves = moves
        self.pacing = pacing

    def __call__(self, start: Position, end: Position) -> Move:
        move = self.moves(start, end)
        return replace(move, seconds=move_seconds(move, self.pacing))


def intro_seconds(name: str, minutes: int, pacing: Pacing) -> int:
    return pacing.spoken(start_text(name, minutes), pacing.intro)


@dataclass(frozen=True, slots=True)
class _Phase:
    """One phase of a step as the compiler lays it out; ``kind`` None is a block (the dose)."""

    kind: CueKind | None
    text: str
    seconds: int
    side: str | None = None
    set: int | None = None


def _step_phases(step: Step, pacing: Pacing) -> list[_Phase]:
    """A step's phases in order, with their lengths: the one layout both ``step_seconds`` and
    the compiler follow. A step the person knows (``Step.briefed``) is announced with its brief
    line in one sentence, gets ready quicker, and after switching sides goes straight on."""
    p, brief = step.prescription, step.briefed
    phases: list[_Phase] = []
    if brief:
        text = f"{step.variant.name}: {step.variant.brief} {dose_short(p, step.dose)}"
        phases.append(_Phase(CueKind.EXERCISE, text, pacing.spoken(text, pacing.announce)))
    else:
        text = announce_text(step)
        phases.append(_Phase(CueKind.EXERCISE, text, pacing.spoken(text, pacing.announce)))
        for line in step.instructions:
            phases.append(_Phase(CueKind.INSTRUCTION, line, pacing.instruction_seconds(line)))
    first = True
    for set_no in range(1, p.sets + 1):
        for side in step.sides:
            ready = True
            if not first and side is not None and brief:
                text = f"{SWITCH_TEXT} {step.variant.side_instruction(side)}"
                seconds = pacing.spoken(text, pacing.brief_switch)
                phases.append(_Phase(CueKind.SWITCH_SIDES, text, seconds, side, set_no))
                ready = False  # said while switching
            elif not first and side is not None:
                seconds = pacing.spoken(SWITCH_TEXT, pacing.switch_sides)
                phases.append(_Phase(CueKind.SWITCH_SIDES, SWITCH_TEXT, seconds, side, set_no))
            elif not first:
                text = rest_text(set_no, p.sets)
                phases.append(
                    _Phase(CueKind.REST, text, pacing.spoken(text, pacing.rest), None, set_no)
                )
            first = False
            if ready:
                text = ready_text(step, side)
                least = pacing.brief_ready if brief else pacing.get_ready
                phases.append(
                    _Phase(CueKind.GET_READY, text, pacing.spoken(text, least), side, set_no)
                )
            phases.append(_Phase(None, "", _body_seconds(step), side, set_no))
            text = release_text(step)
            seconds = pacing.spoken(text, pacing.release)
            phases.append(_Phase(CueKind.RELEASE, text, seconds, side, set_no))
    return phases


def step_seconds(step: Step, pacing: Pacing = DEFAULT_PACING) -> int:
    """How long a step lasts on the timeline, not counting the move into its position.

    ``compile_timeline`` produces exactly this (both follow ``_step_phases``); the planner uses
    it to fit doses to the minutes available without compiling cues.
    """
    return sum(phase.seconds for phase in _step_phases(step, pacing))


def compile_timeline(routine: Routine, moves: Moves, pacing: Pacing = DEFAULT_PACING) -> Timeline:
    """Compile a routine into timed cues. Pure and deterministic; the same input, the same cues.

    Every phase that is spoken lasts as long as its words take (``pacing.voice``), and each cue's
    ``say`` is chosen so that nothing said is cut by what comes next (``_fit_speech``).
    """
    cues: list[Cue] = []
    spans: list[StepSpan] = []
    blocks: list[Block] = []
    optional: set[Cue] = set()
    minutes = welcome_minutes(_body_seconds_of(routine, moves, pacing), pacing)
    intro = intro_seconds(routine.name, minutes, pacing)
    cues.append(Cue(0, CueKind.START, start_text(routine.name, minutes), duration=intro))
    t = intro
    position = routine.start_position
    for index, step in enumerate(routine.steps):
        begin = t
        if step.position != position:
            move = moves(position, step.position)
            seconds = move_seconds(move, pacing)
            cues.append(
                Cue(t, CueKind.MOVE, move.text, step.exercise.id, step=index, duration=seconds)
            )
            t += seconds
            position = step.position
        t = _compile_step(cues, blocks, optional, index, step, t, pacing)
        spans.append(StepSpan(index, step.exercise.id, step.variant.id, step.position, begin, t))
    cues.append(Cue(t, CueKind.END, END_TEXT, duration=0))
    said = _fit_speech(cues, optional, pacing.voice)
    return Timeline(routine.id, t, said, tuple(spans), tuple(blocks))


def utterances(routine: Routine, moves: Moves, pacing: Pacing = DEFAULT_PACING) -> set[str]:
    """Every text a player might say for this routine (each cue's, and those said together):
    what an edge measures before compiling with its voice (``Voice.of``)."""
    compiled = compile_timeline(routine, moves, pacing)
    found: set[str] = set()
    for _, group in groupby(compiled.cues, key=lambda c: c.at):
        texts = [t for t in (spoken_text(c) for c in group) if t]
        found.update(texts)
        for size in range(2, len(texts) + 1):
            found.add(join_sentences(texts[:size]))
        if len(texts) > 1:
            found.add(join_sentences(texts[:1]))
    return found


def _fit_speech(cues: list[Cue], optional: set[Cue], voice: Voice) -> tuple[Cue, ...]:
    """Choose what each moment says so that nothing said is cut by what comes next.

    Cues at the same ``at`` are said as one utterance, carried by the first of them (``say``).
    A moment's essential cues (everything but breathing reminders during holds and flows, and
    form reminders) are said; its optional ones only when they end before the next moment that
    has something essential to say, and only when the voice is free. An essential moment that
    cannot end in time (a user's long words in a short phase) is still said, and the moment
    after it stays silent rather than cut it.
    """
    groups = [list(g) for _, g in groupby(cues, key=lambda c: c.at)]
    essential = [[c for c in g if spoken_text(c) and c not in optional] for g in groups]
    extra = [[c for c in g if spoken_text(c) and c in optional] for g in groups]
    next_essential = [math.inf] * len(groups)
    for i in range(len(groups) - 2, -1, -1):
        following = groups[i + 1][0].at if essential[i + 1] else next_essential[i + 1]
        next_essential[i] = following
    out: list[Cue] = []
    free = -math.inf  # when the voice has finished what it was saying
    for i, group in enumerate(groups):
        at = group[0].at
        chosen: list[Cue] = []
        if at >= free:
            for candidate in (
                [c for c in group if c in essential[i] or c in extra[i]],
                essential[i],
            ):
                text = join_sentences(spoken_text(c) or "" for c in candidate)
                if candidate and at + voice.seconds(text) <= next_essential[i]:
                    chosen = candidate
                    break
            else:
                chosen = essential[i]  # too long for its phase: said anyway, whole
        said = join_sentences(spoken_text(c) or "" for c in chosen)
        seconds = round(voice.seconds(said), 2) if said else None
        if said:
            free = at + voice.seconds(said)
        first = chosen[0] if chosen else None
        for cue in group:
            if cue is first:
                out.append(replace(cue, say=said, say_seconds=seconds))
            else:
                out.append(cue)
    return tuple(out)


def _body_seconds_of(routine: Routine, moves: Moves, pacing: Pacing) -> int:
    """The routine's length after its intro."""
    total, position = 0, routine.start_position
    for step in routine.steps:
        total += move_seconds(moves(position, step.position), pacing) + step_seconds(step, pacing)
        position = step.position
    return total


def welcome_minutes(body: int, pacing: Pacing) -> int:
    """The minutes the welcome promises ("about 21 minutes") for a routine whose body (all but
    the welcome) takes ``body`` seconds."""
    return max(1, round((body + pacing.intro) / 60))


def _total_estimate(routine: Routine, moves: Moves, pacing: Pacing) -> int:
    body = _body_seconds_of(routine, moves, pacing)
    return intro_seconds(routine.name, welcome_minutes(body, pacing), pacing) + body


def routine_seconds(routine: Routine, moves: Moves, pacing: Pacing = DEFAULT_PACING) -> int:
    """The routine's total length, equal to ``compile_timeline(...).total_seconds``."""
    return _total_estimate(routine, moves, pacing)


def _compile_step(
    cues: list[Cue],
    blocks: list[Block],
    optional: set[Cue],
    index: int,
    step: Step,
    t: int,
    pacing: Pacing,
) -> int:
    ex = step.exercise.id
    block = 0
    for phase in _step_phases(step, pacing):
        if phase.kind is not None:
            cues.append(
                Cue(t, phase.kind, phase.text, ex, phase.side, set=phase.set, step=index,
                    duration=phase.seconds)
            )  # fmt: skip
            t += phase.seconds
            continue
        begin = t
        set_no = phase.set or 1
        t = _compile_block(cues, optional, index, step, phase.side, set_no, block, t, pacing)
        assert t - begin == phase.seconds
        blocks.append(
            Block(
                len(blocks), index, ex, step.variant.id, phase.side, set_no, step.dose.kind,
                begin, t, t - begin,
                step.prescription.reps if step.dose.kind is DoseKind.REPS else None,
            )
        )  # fmt: skip
        block += 1
    return t


def _compile_block(
    cues: list[Cue],
    optional: set[Cue],
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
            cue(t, CueKind.REP, str(rep), rep, per_rep)  # the count (the dose was announced)
            for phase in step.dose.cycle:
                seconds = phase.seconds if phase.seconds is not None else p.hold_seconds or 0
                cue(t, _BREATH_KIND[phase.breath], phase.cue, rep, seconds)
                t += seconds
        cues.extend(out)
        return end

    # a stretch's flow with its own cycle is a movement, counted; a rest's cycle is breathing
    counting = (
        kind is DoseKind.TIMED and bool(step.dose.cycle) and step.exercise.role is Role.STRETCH
    )
    if kind is DoseKind.TIMED:
        if counting:
            text = f"Keep the movement going for {say_seconds(body)}."
        elif step.dose.cycle:
            text = f"Stay here and breathe with me for {say_seconds(body)}."
        else:
            text = f"Stay here for {say_seconds(body)}."
        cue(t, CueKind.FLOW, text, None, body)
    else:
        cue(t, CueKind.HOLD, f"Hold for {say_seconds(body)}.", None, body)  # a breath follows
        if body >= pacing.form_after and step.variant.form:
            cue(t + body // 2, CueKind.FORM, step.variant.form[block % len(step.variant.form)])
            optional.add(out[-1])  # a reminder: said when there is room for it
        for left in pacing.countdown:
            if left < body and (left <= 3 or body - left >= pacing.form_after):
                cue(
                    end - left,
                    CueKind.COUNTDOWN,
                    f"{left} seconds left." if left > 3 else str(left),
                )
    phases = _cycle(step, pacing)
    own = bool(step.dose.cycle) and phases == step.dose.cycle  # its breaths say what to do
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
            if not own:
                optional.add(out[-1])  # calm breathing: said when there is room for it
            at += seconds
    out.sort(key=lambda c: c.at)  # stable: cues at the same second keep their meaning order
    cues.extend(out)
    return end
