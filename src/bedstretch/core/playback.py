"""Playback: a pure state machine that plays a timeline against a clock the caller reads.

Cue ``i`` is due at ``anchor + cue.at / speed`` (clock seconds). Nothing accumulates: pausing
moves ``anchor`` forward by the pause's length, and skip/back re-anchor so the target point of the
timeline is due now. Every function takes ``now`` and returns a new state plus what happened
(cues fired, blocks finished or skipped); the caller performs the effects (screen, voice, journal).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field, replace
from enum import StrEnum

from bedstretch.core.records import EventKind, StepStatus
from bedstretch.core.safety import Action, Report, Verdict, check_pain
from bedstretch.core.timeline import Block, Cue, CueKind, Timeline

BACK_RESTARTS_WITHIN = 5  # timeline seconds: "back" later than this restarts the current step


class Status(StrEnum):
    PLAYING = "playing"
    PAUSED = "paused"
    FINISHED = "finished"  # reached the end
    STOPPED = "stopped"  # the person quit
    SAFETY_STOPPED = "safety_stopped"  # the pain guard stopped the session


class CommandKind(StrEnum):
    PAUSE = "pause"
    RESUME = "resume"
    TOGGLE = "toggle"  # space bar
    SKIP = "skip"
    BACK = "back"
    QUIT = "quit"
    PAIN = "pain"
    SHARP = "sharp"
    TINGLING = "tingling"


@dataclass(frozen=True, slots=True)
class Command:
    kind: CommandKind
    value: int | None = None


def parse_command(line: str) -> Command:
    """A line of the non-terminal protocol: ``pause``, ``resume``, ``skip``, ``back``, ``quit``,
    ``pain N`` (0-10), ``sharp``, ``tingling``. Raises ValueError with a one-line reason."""
    words = line.split()
    if not words:
        raise ValueError("empty command")
    name, args = words[0].lower(), words[1:]
    allowed = {k.value for k in CommandKind} - {CommandKind.TOGGLE.value}
    if name not in allowed:
        raise ValueError(f"unknown command '{name}' (use: {', '.join(sorted(allowed))})")
    kind = CommandKind(name)
    if kind is CommandKind.PAIN:
        if len(args) != 1 or not args[0].isdigit() or not 0 <= int(args[0]) <= 10:
            raise ValueError("pain needs a whole number 0-10, e.g. 'pain 4'")
        return Command(kind, int(args[0]))
    if args:
        raise ValueError(f"'{name}' takes no argument")
    return Command(kind)


@dataclass(frozen=True, slots=True)
class Fired:
    """A cue fired: ``scheduled`` is when it was due, ``actual`` when it fired (clock seconds)."""

    cue: Cue
    index: int
    scheduled: float
    actual: float


@dataclass(frozen=True, slots=True)
class BlockResult:
    block: Block
    status: StepStatus
    actual_seconds: int
    actual_reps: int | None
    reason: str | None = None

    @property
    def at(self) -> int:
        """Where on the timeline the result is recorded: a block done at its end, one cut short
        (skipped, stopped) at its start."""
        return self.block.end if self.status is StepStatus.DONE else self.block.at


@dataclass(frozen=True, slots=True)
class Event:
    """Something the person did, for the journal: where on the timeline, in which step.

    The player that records it adds an id (a UUID) and the wall-clock time.
    """

    kind: EventKind
    at: float  # timeline seconds, rounded to milliseconds
    step: int | None
    exercise: str | None
    value: int | None = None


Output = Fired | BlockResult | Event


@dataclass(frozen=True, slots=True)
class Playback:
    timeline: Timeline
    speed: float
    anchor: float
    next_cue: int = 0
    status: Status = Status.PLAYING
    paused_at: float | None = None
    reported: frozenset[int] = field(default=frozenset())  # blocks already given a result

    # ----------------------------------------------------------------- reading the state

    def position(self, now: float) -> float:
        """Where on the timeline (seconds) playback is at clock time ``now``."""
        at = self.paused_at if self.paused_at is not None else now
        return max(0.0, min(float(self.timeline.total_seconds), (at - self.anchor) * self.speed))

    def due(self, index: int) -> float:
        return self.anchor + self.timeline.cues[index].at / self.speed

    def next_due(self) -> float | None:
        """Clock time the next cue is due, or None when paused or over."""
        if self.status is not Status.PLAYING or self.next_cue >= len(self.timeline.cues):
            return None
        return self.due(self.next_cue)

    @property
    def over(self) -> bool:
        return self.status in (Status.FINISHED, Status.STOPPED, Status.SAFETY_STOPPED)

    def current_step(self, now: float) -> int | None:
        """Index of the routine step being played, or None before the first / after the last."""
        t = self.position(now)
        for span in self.timeline.steps:
            if span.at <= t < span.end:
                return span.index
        return None

    def current_block(self, now: float) -> Block | None:
        t = self.position(now)
        for block in self.timeline.blocks:
            if block.at <= t < block.end:
                return block
        return None

    def last_cue(self) -> Cue | None:
        return self.timeline.cues[self.next_cue - 1] if self.next_cue else None


def start(timeline: Timeline, now: float, speed: float = 1.0) -> Playback:
    if speed <= 0:
        raise ValueError("speed must be positive")
    return Playback(timeline, speed, anchor=now)


def tick(p: Playback, now: float) -> tuple[Playback, list[Output]]:
    """Fire every cue that is due at ``now`` (late ones fire at once, in order)."""
    if p.status is not Status.PLAYING:
        return p, []
    out: list[Output] = []
    index, reported = p.next_cue, set(p.reported)
    status: Status = p.status
    cues = p.timeline.cues
    while index < len(cues) and p.due(index) <= now:
        cue = cues[index]
        if cue.kind is CueKind.RELEASE:  # the result comes first: once "release" shows, it is kept
            block = _block_ending(p.timeline, cue)
            if block is not None and block.index not in reported:
                reported.add(block.index)
                out.append(
                    BlockResult(block, StepStatus.DONE, block.target_seconds, block.target_reps)
                )
        out.append(Fired(cue, index, p.due(index), now))
        if cue.kind is CueKind.END:
            status = Status.FINISHED
        index += 1
    return replace(p, next_cue=index, reported=frozenset(reported), status=status), out


def pause(p: Playback, now: float) -> Playback:
    if p.status is not Status.PLAYING:
        return p
    return replace(p, status=Status.PAUSED, paused_at=now)


def resume(p: Playback, now: float) -> Playback:
    if p.status is not Status.PAUSED or p.paused_at is None:
        return p
    return replace(p, status=Status.PLAYING, anchor=p.anchor + (now - p.paused_at), paused_at=None)


def skip(
    p: Playback, now: float, status: StepStatus = StepStatus.SKIPPED, reason: str | None = None
) -> tuple[Playback, list[Output]]:
    """Leave the current step (the rest of its blocks are skipped) and go to the next one."""
    if p.over:
        return p, []
    t = p.position(now)
    step = p.current_step(now)
    spans = p.timeline.steps
    if step is None:
        following = [s.at for s in spans if s.at > t]
        target = following[0] if following else p.timeline.total_seconds
        return _jump(p, now, target), []
    results = _leave_step(p, step, t, status, reason)
    target = spans[step + 1].at if step + 1 < len(spans) else p.timeline.total_seconds
    reported = p.reported | {r.block.index for r in results}
    return _jump(replace(p, reported=reported), now, target), list(results)


def back(p: Playback, now: float) -> Playback:
    """Restart the current step, or go to the previous one when just into this one."""
    if p.over:
        return p
    t = p.position(now)
    spans = p.timeline.steps
    step = p.current_step(now)
    if step is None:
        step = len(spans) - 1 if spans and t >= spans[-1].end else 0
        if not spans:
            return p
    elif t - spans[step].at <= BACK_RESTARTS_WITHIN and step > 0:
        step -= 1
    target = spans[step].at
    again = frozenset(b.index for b in p.timeline.blocks if b.step >= step)
    return _jump(replace(p, reported=p.reported - again), now, target)


def stop(
    p: Playback, now: float, *, safety: bool = False, reason: str | None = None
) -> tuple[Playback, list[Output]]:
    """End the session early: the block in progress gets a result; later ones are not reached."""
    if p.over:
        return p, []
    t = p.position(now)
    results: list[BlockResult] = []
    block = p.current_block(now)
    if block is not None and block.index not in p.reported:
        status = StepStatus.PAIN_SKIP if safety else StepStatus.SKIPPED
        results.append(_partial(p, block, t, status, reason))
    paused_at = p.paused_at if p.paused_at is not None else now
    final = Status.SAFETY_STOPPED if safety else Status.STOPPED
    reported = p.reported | {r.block.index for r in results}
    return replace(p, status=final, paused_at=paused_at, reported=reported), list(results)


# ----------------------------------------------------------------- commands

QUIT_REASON = "stopped by you"  # the reason a quit gives the block it cut short
MESSAGES = {
    "stopped": "Session stopped. What you did so far is saved.",
    "safety_stop": "Stopped for your safety ({reason}). {advice}",
    "skipped": "Skipped ({reason}). {advice}",
    "noted_between": "Noted: {reason}. Rest until the next stretch starts.",
    "noted": "Noted: {reason}.",
}
# How a session that ended so is closed in the journal: the closing event and its reason.
ENDINGS: dict[Status, tuple[EventKind, str | None]] = {
    Status.FINISHED: (EventKind.COMPLETE, None),
    Status.STOPPED: (EventKind.STOP, "quit"),
    Status.SAFETY_STOPPED: (EventKind.STOP, "safety"),
}
REPORTS = {
    CommandKind.PAIN: (Report.PAIN, EventKind.PAIN),
    CommandKind.SHARP: (Report.SHARP, EventKind.SHARP),
    CommandKind.TINGLING: (Report.TINGLING, EventKind.TINGLING),
}


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one command did: the new state, what to record (events first, then block results),
    the pain guard's verdict for a report, and a message for the person (empty: none)."""

    state: Playback
    outputs: tuple[Output, ...] = ()
    verdict: Verdict | None = None
    message: str = ""
    hush: bool = False  # stop speaking: what was being said is no longer true


def event(p: Playback, kind: EventKind, now: float, value: int | None = None) -> Event:
    """An event at ``now``, charged to the step being played."""
    step = p.current_step(now)
    exercise = p.timeline.steps[step].exercise if step is not None else None
    return Event(kind, round(p.position(now), 3), step, exercise, value)


def command(p: Playback, cmd: Command, now: float, baseline: int) -> Outcome:
    """Apply one person's command at ``now`` (``baseline``: the pain before the session).

    Every player runs this, so pausing, skipping, going back, quitting and the pain guard mean
    the same on the terminal and in the browser. Nothing happens once the session is over.
    """
    kind = cmd.kind
    if kind is CommandKind.TOGGLE:
        kind = CommandKind.RESUME if p.status is Status.PAUSED else CommandKind.PAUSE
    if p.over:
        return Outcome(p)
    if kind is CommandKind.PAUSE:
        if p.status is not Status.PLAYING:
            return Outcome(p)
        return Outcome(pause(p, now), (event(p, EventKind.PAUSE, now),), hush=True)
    if kind is CommandKind.RESUME:
        if p.status is not Status.PAUSED:
            return Outcome(p)
        return Outcome(resume(p, now), (event(p, EventKind.RESUME, now),))
    if kind is CommandKind.SKIP:
        state, results = skip(p, now)
        return Outcome(state, (event(p, EventKind.SKIP, now), *results), hush=True)
    if kind is CommandKind.BACK:
        return Outcome(back(p, now), (event(p, EventKind.BACK, now),), hush=True)
    if kind is CommandKind.QUIT:
        state, results = stop(p, now, reason=QUIT_REASON)
        return Outcome(state, tuple(results), message=MESSAGES["stopped"], hush=True)
    return _report(p, cmd, kind, now, baseline)


def _report(p: Playback, cmd: Command, kind: CommandKind, now: float, baseline: int) -> Outcome:
    report, event_kind = REPORTS[kind]
    noted = event(p, event_kind, now, cmd.value)
    verdict = check_pain(report, cmd.value, baseline)
    said = {"reason": verdict.reason, "advice": verdict.advice}
    if verdict.action is Action.STOP_SESSION:
        state, results = stop(p, now, safety=True, reason=verdict.reason)
        message = MESSAGES["safety_stop"].format(**said)
        return Outcome(state, (noted, *results), verdict, message, hush=True)
    if verdict.action is Action.SKIP_STRETCH:
        if p.current_step(now) is None:
            return Outcome(p, (noted,), verdict, MESSAGES["noted_between"].format(**said))
        state, results = skip(p, now, StepStatus.PAIN_SKIP, verdict.reason)
        return Outcome(state, (noted, *results), verdict, MESSAGES["skipped"].format(**said), True)
    return Outcome(p, (noted,), verdict, MESSAGES["noted"].format(**said))


# ----------------------------------------------------------------- helpers


def _jump(p: Playback, now: float, target: float) -> Playback:
    """Re-anchor so that timeline point ``target`` is due now; cues before it will not fire."""
    starts = [c.at for c in p.timeline.cues]
    index = bisect.bisect_left(starts, target)
    anchor = now - target / p.speed
    if p.status is Status.PAUSED:
        return replace(p, anchor=anchor, next_cue=index, paused_at=now)
    return replace(p, anchor=anchor, next_cue=index)


def _block_ending(timeline: Timeline, release: Cue) -> Block | None:
    for block in timeline.blocks:
        if block.step == release.step and block.set == release.set and block.side == release.side:
            return block
    return None


def _partial(
    p: Playback, block: Block, t: float, status: StepStatus, reason: str | None
) -> BlockResult:
    if t < block.at:
        return BlockResult(block, status, 0, 0 if block.target_reps is not None else None, reason)
    seconds = int(min(t, block.end) - block.at)
    reps = None
    if block.target_reps is not None:
        reps = sum(
            1
            for c in p.timeline.cues[: p.next_cue]
            if c.kind is CueKind.REP and c.step == block.step and c.set == block.set
            and c.side == block.side and block.at <= c.at <= t
        )  # fmt: skip
    return BlockResult(block, status, seconds, reps, reason)


def _leave_step(
    p: Playback, step: int, t: float, status: StepStatus, reason: str | None
) -> list[BlockResult]:
    return [
        _partial(p, block, t, status, reason)
        for block in p.timeline.blocks
        if block.step == step and block.index not in p.reported
    ]
