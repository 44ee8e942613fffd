"""What a player shows at one moment: derived from the playback state, the routine and ``now``.

Every player (terminal, and later the browser) draws this; none recomputes it on its own.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

from bedstretch.core.playback import Playback, Status
from bedstretch.core.routines import Routine
from bedstretch.core.timeline import Cue, CueKind

BREATHS = {CueKind.INHALE: "in", CueKind.EXHALE: "out", CueKind.PAUSE: "hold"}
PHASES = {
    CueKind.START: "welcome",
    CueKind.MOVE: "change position",
    CueKind.EXERCISE: "how to do it",
    CueKind.STEP: "how to do it",
    CueKind.GET_READY: "get ready",
    CueKind.HOLD: "hold",
    CueKind.FLOW: "keep going",
    CueKind.REP: "repetitions",
    CueKind.RELEASE: "release",
    CueKind.SWITCH_SIDES: "switch sides",
    CueKind.REST: "rest",
    CueKind.END: "done",
}
INSTRUCTIONS = PHASES[CueKind.STEP]
SAID = set(PHASES) | {
    CueKind.FORM,
    CueKind.COUNTDOWN,
    CueKind.INHALE,
    CueKind.EXHALE,
    CueKind.PAUSE,
}


@dataclass(frozen=True, slots=True)
class Frame:
    routine: str
    status: Status
    step_number: int | None  # 1-based
    step_count: int
    exercise: str | None  # the variant's name
    position: str | None
    instructions: tuple[str, ...]
    instruction: int | None  # index of the instruction being said
    phase: str
    text: str  # what the coach said last
    countdown: int | None  # whole seconds left in the current phase
    side: str | None
    set: int | None
    sets: int | None
    rep: int | None
    reps: int | None
    breath: str | None  # "in", "out", "hold"
    breath_progress: float  # 0..1 through the current breath
    elapsed: int
    total: int
    next_exercise: str | None
    figure: tuple[str, str] | None = None  # (exercise id, variant id): whose figure to draw

    @property
    def left(self) -> int:
        return self.total - self.elapsed


def _latest(cues: tuple[Cue, ...], upto: int, kinds: set[CueKind], step: int | None) -> Cue | None:
    for i in range(upto - 1, -1, -1):
        cue = cues[i]
        if cue.step != step and step is not None:
            return None
        if cue.kind in kinds:
            return cue
    return None


def frame(p: Playback, routine: Routine, now: float) -> Frame:
    t = p.position(now)
    cues = p.timeline.cues
    upto = min(p.next_cue, bisect.bisect_right([c.at for c in cues], t))
    step = p.current_step(now)
    if step is None and upto and cues[upto - 1].step is not None:
        step = cues[upto - 1].step
    last = _latest(cues, upto, set(PHASES), None)
    said = _latest(cues, upto, SAID, None)
    phase = PHASES[last.kind] if last else "welcome"
    countdown = None
    if last is not None and last.duration:
        countdown = max(0, math.ceil(last.at + last.duration - t))
    block = p.current_block(now)
    if block is not None and t >= block.at:
        countdown = max(0, math.ceil(block.end - t))
    breath, progress = None, 0.0
    if block is not None:
        b = _latest(cues, upto, set(BREATHS), step)
        if b is not None and b.at >= block.at and b.duration:
            breath = BREATHS[b.kind]
            progress = max(0.0, min(1.0, (t - b.at) / b.duration))
    rep_cue = _latest(cues, upto, {CueKind.REP}, step)
    instruction = None
    instructions: tuple[str, ...] = ()
    exercise = position = next_exercise = None
    figure = None
    sets = None
    reps = None
    if step is not None:
        current = routine.steps[step]
        exercise, position = current.variant.name, current.position.label
        figure = (current.exercise.id, current.variant.id)
        instructions = current.variant.steps
        sets = current.prescription.sets
        reps = current.prescription.reps
        said_step = _latest(cues, upto, {CueKind.STEP}, step)
        if said_step is not None and phase == INSTRUCTIONS:
            instruction = instructions.index(said_step.text)
        if step + 1 < len(routine.steps):
            next_exercise = routine.steps[step + 1].variant.name
    elif routine.steps and t < 1 + (p.timeline.steps[0].at if p.timeline.steps else 0):
        next_exercise = routine.steps[0].variant.name
    return Frame(
        routine=routine.name,
        status=p.status,
        step_number=None if step is None else step + 1,
        step_count=len(routine.steps),
        exercise=exercise,
        position=position,
        instructions=instructions,
        instruction=instruction,
        phase=phase,
        text=said.text if said else "",
        countdown=countdown,
        side=block.side if block is not None else (last.side if last else None),
        set=block.set if block is not None else None,
        sets=sets,
        rep=rep_cue.rep if rep_cue is not None and block is not None else None,
        reps=reps,
        breath=breath,
        breath_progress=progress,
        elapsed=int(t),
        total=p.timeline.total_seconds,
        next_exercise=next_exercise,
        figure=figure,
    )
