"""`bedstretch start`: from a routine to a finished, journalled session.

Order matters for how fast the first frame appears: the screen (or the first line) is drawn
before the journal's libraries are imported; then the journal is opened, the screening checked,
the pain before asked, and the player runs.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

from bedstretch.core.playback import Command, CommandKind, Fired, Status
from bedstretch.core.records import SessionStatus
from bedstretch.core.routines import Routine
from bedstretch.core.safety import Level, session_gate
from bedstretch.core.serialize import routine_dict
from bedstretch.core.timeline import Timeline, compile_timeline
from bedstretch.player.clock import Clock, MonotonicClock
from bedstretch.player.engine import Player, utcnow
from bedstretch.player.inputs import Input, KeyInput, LineInput, NoInput, cbreak
from bedstretch.player.views import LineView, ScreenView
from bedstretch.tables import mmss

if TYPE_CHECKING:
    from bedstretch.catalog import Catalog
    from bedstretch.journal import Journal
    from bedstretch.voice import Speaker

EXIT_BLOCKED = 3  # a safety rule said no (documented in docs/cli.md and docs/safety.md)


class SessionError(Exception):
    """Ends `start` with one line and an exit status (2 bad input, 3 blocked for safety)."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class StartOptions:
    db: str | None = None
    speed: float = 1.0
    voice: bool | None = None
    rate: int = 150
    voice_name: str = "en"
    cue_log: Path | None = None
    no_input: bool = False
    pain_before: int | None = None
    pain_after: int | None = None
    cleared: bool = False


STATUS = {
    Status.FINISHED: SessionStatus.COMPLETED,
    Status.STOPPED: SessionStatus.STOPPED,
    Status.SAFETY_STOPPED: SessionStatus.SAFETY_STOP,
}


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM ends a session like Ctrl-C: stopped and saved, not a traceback."""
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _ask_number_on_screen(view: ScreenView, keys: KeyInput, question: str) -> int | None:
    typed = ""
    while True:
        view.show_text(f"{question}\n\n  {typed}_\n\n(type 0-10 and press Enter; Esc to skip)")
        key = keys.wait(None)
        if isinstance(key, str) and key.isdigit() and len(typed) < 2:
            typed += key
        elif key == "backspace":
            typed = typed[:-1]
        elif key == "enter" and typed and int(typed) <= 10:
            return int(typed)
        elif key in ("escape", "ctrl-c"):
            return None


def _line_number(line: str | None, option: str) -> int | None:
    if line is None:
        return None
    text = line.removeprefix("pain").strip()
    if not text.isdigit() or not 0 <= int(text) <= 10:
        raise SessionError(f"{option}: expected a pain rating 0-10 on standard input, got '{line}'")
    return int(text)


def run_start(
    catalog: Catalog,
    title: str,
    resolve: Callable[[Journal], Routine],
    options: StartOptions,
    screen_now: Callable[[Journal], None],
    out: IO[str] = sys.stdout,
    clock: Clock | None = None,
) -> int:
    """Run a whole session; returns the exit status. ``resolve`` builds the routine from the
    journal (exercises left out after trouble, dose levels); ``screen_now`` runs the interactive
    screening when one is due on a terminal."""
    terminal = sys.stdin.isatty() and sys.stdout.isatty() and not options.no_input
    with contextlib.ExitStack() as stack:
        view: ScreenView | LineView
        if terminal:
            view = stack.enter_context(ScreenView())
            view.show_text(f"{title}\n\nGetting ready...")  # the first frame
        else:
            view = LineView(out)
            out.write(f"bedstretch: {title}\n")
            out.flush()
        from bedstretch.journal import JournalError, open_journal, pid_alive

        try:
            journal = open_journal(options.db)
        except JournalError as error:
            raise SessionError(str(error)) from None
        stack.callback(journal.close)
        journal.reap_interrupted(utcnow(), pid_alive)
        _check_screening(journal, options, terminal, view, screen_now)
        routine = resolve(journal)
        timeline = compile_timeline(routine, catalog.moves)
        if not terminal:
            out.write(
                f"{routine.name}: {len(routine.steps)} exercises, {mmss(timeline.total_seconds)}\n"
            )
        source = _input(terminal, options)
        if terminal:
            stack.enter_context(cbreak(sys.stdin.fileno()))
        pain_before = options.pain_before
        if pain_before is None:
            pain_before = _ask_pain(
                view, source, "How much does your back hurt right now?", "--pain-before"
            )
        if pain_before is None:
            raise SessionError("--pain-before: a pain rating 0-10 is needed before starting")
        return _play(
            catalog, journal, routine, timeline, options, view, source, pain_before, clock, out
        )


def _check_screening(
    journal: Journal,
    options: StartOptions,
    terminal: bool,
    view: ScreenView | LineView,
    screen_now: Callable[[Journal], None],
) -> None:
    for attempt in range(2):
        latest = journal.latest_screening()
        gate = session_gate(
            latest.outcome if latest else None,
            latest.taken_at if latest else None,
            bool(latest and latest.cleared_at),
            utcnow(),
            journal.rescreen_reason(),
        )
        if gate.allowed:
            return
        if gate.needs_screening and attempt == 0:
            if not terminal:
                raise SessionError(
                    f"screening needed: {gate.reason}; answer it with `bedstretch screen` "
                    "(or `bedstretch screen --answers FILE`) first",
                    EXIT_BLOCKED,
                )
            if isinstance(view, ScreenView):
                view.__exit__(None, None, None)
            screen_now(journal)
            if isinstance(view, ScreenView):
                view.__enter__()
            continue
        if latest is not None and latest.outcome == Level.URGENT and options.cleared:
            journal.clear_screening(latest.id or 0, utcnow())
            continue
        raise SessionError(f"not starting: {gate.reason}", EXIT_BLOCKED)
    raise SessionError("not starting: screening is still needed", EXIT_BLOCKED)


def _input(terminal: bool, options: StartOptions) -> Input:
    if terminal:
        return KeyInput(sys.stdin.fileno())
    if options.no_input:
        return NoInput()
    return LineInput(sys.stdin, sys.stderr)


def _ask_pain(view: ScreenView | LineView, source: Input, question: str, option: str) -> int | None:
    if isinstance(view, ScreenView) and isinstance(source, KeyInput):
        return _ask_number_on_screen(
            view, source, f"{question} (0 = no pain, 10 = worst imaginable)"
        )
    if isinstance(source, LineInput):
        view.notice(f"{question} Send a number 0-10 on a line (or use {option}).")
        return _line_number(source.read_line(), option)
    return None


def _speaker(options: StartOptions) -> Speaker:
    from bedstretch.voice import make_speaker

    return make_speaker(
        options.voice,
        rate=options.rate,
        voice=options.voice_name,
        speed=options.speed,
        hint=lambda text: print(text, file=sys.stderr),
    )


def _spoken(fired: Fired) -> tuple[str | None, str | None]:
    from bedstretch.voice import spoken_text, tone_for

    return spoken_text(fired.cue), tone_for(fired.cue)


def _play(
    catalog: Catalog,
    journal: Journal,
    routine: Routine,
    timeline: Timeline,
    options: StartOptions,
    view: ScreenView | LineView,
    source: Input,
    pain_before: int,
    clock: Clock | None,
    out: IO[str],
) -> int:
    snapshot = {
        "routine": routine_dict(routine, timeline),
        "blocks": [b.to_dict() for b in timeline.blocks],
        "total_seconds": timeline.total_seconds,
    }
    session_id = journal.start_session(
        routine_id=routine.id,
        routine_name=routine.name,
        snapshot=snapshot,
        started_at=utcnow(),
        pain_before=pain_before,
        pid=os.getpid(),
        host=socket.gethostname(),
    )
    speaker = _speaker(options)
    log = open(options.cue_log, "a", encoding="utf-8") if options.cue_log else None  # noqa: SIM115
    player = Player(
        routine=routine,
        timeline=timeline,
        clock=clock or MonotonicClock(),
        source=source,
        view=view,
        speaker=speaker,
        recorder=journal,
        session_id=session_id,
        baseline=pain_before,
        speed=options.speed,
        cue_log=log,
        spoken=_spoken,
    )
    interrupted = False
    try:
        with _terminate_as_interrupt():
            try:
                status = player.run()
            except KeyboardInterrupt:  # Ctrl-C or SIGTERM: stop and save, ask nothing more
                interrupted = True
                player.command(Command(CommandKind.QUIT))
                status = player.state.status
    finally:
        if log is not None:
            log.close()
    try:
        pain_after = options.pain_after
        if pain_after is None and status is not Status.SAFETY_STOPPED and not interrupted:
            pain_after = _ask_pain(view, source, "And how much does it hurt now?", "--pain-after")
    finally:  # let the closing words finish (a speed-1 session), unless stopped by a signal
        speaker.close(wait=0.0 if interrupted or options.speed != 1 else 3.0)
    final = STATUS.get(status, SessionStatus.STOPPED)
    journal.finish_session(session_id, status=final, ended_at=utcnow(), pain_after=pain_after)
    if isinstance(view, ScreenView):
        view.__exit__(None, None, None)
    record = journal.session(session_id)
    done = sum(1 for s in record.steps if s.status == "done") if record else 0
    total = len(timeline.blocks)
    after = f" -> {pain_after}" if pain_after is not None else ""
    out.write(
        f"Session {session_id} saved: {final.value}, {done} of {total} holds and sets done, "
        f"pain {pain_before}{after}.\n"
    )
    if player.message and final is not SessionStatus.COMPLETED:
        out.write(player.message + "\n")
    out.flush()
    return 0
