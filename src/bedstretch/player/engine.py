"""The player's loop: fire cues on time, take commands, guard against pain, keep the journal.

Everything here goes through small interfaces (clock, input, view, speaker, recorder), so the
same loop runs a person's session on a terminal, a scripted one on a pipe, and tests on a
FakeClock without sleeping.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import IO, Protocol

from bedstretch.core import playback as pb
from bedstretch.core.frame import Frame, frame
from bedstretch.core.playback import (
    BlockResult,
    Command,
    CommandKind,
    Event,
    Fired,
    Playback,
    Status,
)
from bedstretch.core.routines import Routine
from bedstretch.core.speech import STALE_AFTER
from bedstretch.core.timeline import Timeline
from bedstretch.player.clock import Clock
from bedstretch.player.inputs import Input

RENDER_SLACK = 0.004  # seconds: never draw when a cue is due sooner than this
REFRESH = 0.1  # seconds between screen refreshes while playing
MESSAGE_SECONDS = 15  # timeline seconds a pain-guard message stays on screen


class View(Protocol):
    """Where the person sees the session: a full screen, or plain lines."""

    live: bool  # redraws frames (terminal) rather than printing cues (pipe)

    def cue(self, fired: Fired) -> None: ...
    def draw(self, frame: Frame, message: str, prompt: str) -> None: ...
    def notice(self, text: str) -> None: ...


class Speaker(Protocol):
    def say(self, text: str, *, deadline: float | None = None) -> None: ...
    def tone(self, kind: str) -> None: ...
    def stop(self) -> None: ...


class Recorder(Protocol):
    """Where a block's result and the person's events go (``services.sessions.Recorder``)."""

    def record(self, output: BlockResult | Event) -> None: ...


@dataclass
class Player:
    routine: Routine
    timeline: Timeline
    clock: Clock
    source: Input
    view: View
    speaker: Speaker
    recorder: Recorder
    baseline: int  # pain before, 0-10
    speed: float = 1.0
    cue_log: IO[str] | None = None
    spoken: Callable[[Fired], tuple[str | None, str | None]] = lambda f: (None, None)
    message: str = ""
    message_at: float = 0.0  # timeline position when the message was set
    prompt: str = ""
    _pain_digits: str | None = None
    _confirm_quit: bool = False
    state: Playback = field(init=False)

    def run(self) -> Status:
        """Play to the end (or a stop); returns how it ended."""
        self.state = pb.start(self.timeline, self.clock.now(), self.speed)
        last_draw = -1.0
        while not self.state.over:
            self.state, outputs = pb.tick(self.state, self.clock.now())
            self._handle(outputs)
            if self.state.over:
                break
            now = self.clock.now()
            due = self.state.next_due()
            room = due is None or due - now > RENDER_SLACK  # drawing never delays a cue
            if self.view.live and room and (now - last_draw >= REFRESH or outputs or due is None):
                self._draw(now)
                last_draw = now
            timeout = None if due is None else max(0.0, due - self.clock.now())
            if self.view.live and self.state.status is Status.PLAYING:
                timeout = REFRESH if timeout is None else min(timeout, REFRESH)
            got = self.source.wait(timeout)
            if got is not None:
                self._input(got)
        self._draw(self.clock.now())
        return self.state.status

    # ----------------------------------------------------------------- effects

    def _handle(self, outputs: Sequence[pb.Output]) -> None:
        for out in outputs:
            if isinstance(out, Fired):
                self._fire(out)
            else:  # committed before anything after it is shown: a hold seen released is kept
                self.recorder.record(out)

    def _fire(self, fired: Fired) -> None:
        if self.cue_log is not None:
            cue = fired.cue
            line = {
                "at": cue.at,
                "kind": cue.kind.value,
                "exercise": cue.exercise,
                "side": cue.side,
                "scheduled": round(fired.scheduled, 6),
                "actual": round(fired.actual, 6),
            }
            self.cue_log.write(json.dumps(line) + "\n")
            self.cue_log.flush()
        self.view.cue(fired)
        text, tone = self.spoken(fired)
        if tone:
            self.speaker.tone(tone)
        if text:  # late speech is dropped, never queued behind
            self.speaker.say(text, deadline=fired.scheduled + STALE_AFTER)

    def _draw(self, now: float) -> None:
        stale = self.state.position(now) - self.message_at > MESSAGE_SECONDS
        if self.message and stale and not self.state.over:
            self.message = ""
        self.view.draw(frame(self.state, self.routine, now), self.message, self.prompt)

    def _say(self, message: str) -> None:
        self.message = message
        self.message_at = self.state.position(self.clock.now())
        self.view.notice(message)

    # ----------------------------------------------------------------- commands

    def _input(self, got: Command | str) -> None:
        command = got if isinstance(got, Command) else self._key(got)
        if command is not None:
            self.command(command)
        if self.view.live:
            self._draw(self.clock.now())

    def _key(self, key: str) -> Command | None:
        """Terminal keys, with two small modes: typing a pain number, and confirming quit."""
        if self._pain_digits is not None:
            if key.isdigit() and len(self._pain_digits) < 2:
                self._pain_digits += key
                self.prompt = (
                    f"Pain now, 0-10: {self._pain_digits}_  (Enter to send, Esc to cancel)"
                )
                return None
            if key == "enter" and self._pain_digits and int(self._pain_digits) <= 10:
                value = int(self._pain_digits)
                self._pain_digits, self.prompt = None, ""
                return Command(CommandKind.PAIN, value)
            if key == "backspace":
                self._pain_digits = self._pain_digits[:-1]
                self.prompt = (
                    f"Pain now, 0-10: {self._pain_digits}_  (Enter to send, Esc to cancel)"
                )
                return None
            if key == "escape":
                self._pain_digits, self.prompt = None, ""
            return None
        if self._confirm_quit:
            self._confirm_quit, self.prompt = False, ""
            return Command(CommandKind.QUIT) if key in ("y", "q", "enter") else None
        mapping = {
            "space": CommandKind.TOGGLE,
            "n": CommandKind.SKIP,
            "right": CommandKind.SKIP,
            "b": CommandKind.BACK,
            "left": CommandKind.BACK,
            "s": CommandKind.SHARP,
            "t": CommandKind.TINGLING,
        }
        if key == "p":
            self._pain_digits = ""
            self.prompt = "Pain now, 0-10: _  (type a number, Enter to send, Esc to cancel)"
            return None
        if key == "q":
            self._confirm_quit = True
            self.prompt = "Stop the session? [y] yes, stop   [any other key] carry on"
            return None
        kind = mapping.get(key)
        return Command(kind) if kind else None

    def command(self, command: Command) -> None:
        """Apply a command through the playback core (the same rules as the web player)."""
        outcome = pb.command(self.state, command, self.clock.now(), self.baseline)
        self.state = outcome.state
        if outcome.hush:
            self.speaker.stop()
        self._handle(outcome.outputs)
        if outcome.message:
            self._say(outcome.message)
