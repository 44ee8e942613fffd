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
    CueKind.INSTRUCTION: "how to do it",
    CueKind.GET_READY: "get ready",
    CueKind.HOLD: "hold",
    CueKind.FLOW: "keep going",
    CueKind.REP: "repetitions",
    CueKind.RELEASE: "release",
    CueKind.SWITCH_SIDES: "switch sides",
    CueKind.REST: "rest",
    CueKind.END: "done",
}
INSTRUCTIONS = PHASES[CueKind.INSTRUCTION]
# Phases whose countdown a player does not show (the words matter, not the seconds).
QUIET = frozenset({INSTRUCTIONS, PHASES[CueKind.START], PHASES[CueKind.END]})
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
    next_step: int | None = None  # index of the routine step that comes next, if one is shown

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
    # Every cue the position has reached is shown, fired yet or not: after a skip or back (while
    # paused too), the cues at the point jumped to are "now" (they are said when they fire).
    upto = bisect.bisect_right([c.at for c in cues], t)
    step = p.current_step(now)
    if step is None and upto and cues[upto - 1].step is not None:
        step = cues[upto - 1].step
    last = _latest(cues, upto, set(PHASES), None)
    said = _latest(cues, upto, SAID, None)
    phase = PHASES[last.kind if last else CueKind.START]
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
    exercise = position = None
    next_step: int | None = None
    figure = None
    sets = None
    reps = None
    if step is not None:  # from the timeline (names from the routine): what the web player sees
        span = p.timeline.steps[step]
        exercise, position = routine.steps[step].variant.name, span.position.label
        figure = (span.exercise, span.variant)
        instructions = tuple(
            c.text for c in cues if c.kind is CueKind.INSTRUCTION and c.step == step
        )
        blocks = [b for b in p.timeline.blocks if b.step == step]
        sets = max((b.set for b in blocks), default=None)
        reps = blocks[0].target_reps if blocks else None
        said_step = _latest(cues, upto, {CueKind.INSTRUCTION}, step)
        if said_step is not None and phase == INSTRUCTIONS:
            instruction = instructions.index(said_step.text)
        if step + 1 < len(p.timeline.steps):
            next_step = step + 1
    elif p.timeline.steps and t < 1 + p.timeline.steps[0].at:
        next_step = 0
    return Frame(
        routine=routine.name,
        status=p.status,
        step_number=None if step is None else step + 1,
        step_count=len(p.timeline.steps),
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
        next_exercise=None if next_step is None else routine.steps[next_step].variant.name,
        figure=figure,
        next_step=next_step,
    )
