"""`bedstretch start`: from a routine to a finished, journalled session.

Order matters for how fast the first frame appears: the screen (or the first line) is drawn
before the journal's libraries are imported; then the journal is opened, the screening checked,
the pain before asked, and the player runs. Every change to the journal goes through the
services (``bedstretch.services``): the gate, beginning, each block and event, finishing.
"""

from __future__ import annotations

import contextlib
import signal
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, TYPE_CHECKING

from bedstretch.core.errors import Blocked, Invalid
from bedstretch.core.playback import Command, CommandKind, Fired, Status
from bedstretch.core.records import SessionStatus
from bedstretch.core.routines import Routine
from bedstretch.core.speech import Voice, tone_for
from bedstretch.core.timeline import DEFAULT_PACING, Timeline, compile_timeline, utterances
from bedstretch.player.clock import Clock, MonotonicClock, local_now
from bedstretch.player.engine import Player
from bedstretch.player.inputs import Input, KeyInput, LineInput, NoInput, cbreak
from bedstretch.player.views import LineView, ScreenView
from bedstretch.services import screening, sessions
from bedstretch.tables import mmss

if TYPE_CHECKING:
    from bedstretch.catalog import Catalog
    from bedstretch.journal import Journal
    from bedstretch.services.planning import SessionRoutine
    from bedstretch.voice import Speaker


@dataclass
class StartOptions:
    speed: float = 1.0
    voice: bool | None = None
    rate: int = 150
    voice_name: str = "en"
    cue_log: Path | None = None
    no_input: bool = False
    pain_before: int | None = None
    pain_after: int | None = None
    cleared: bool = False


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
        raise Invalid(f"{option}: expected a pain rating 0-10 on standard input, got '{line}'")
    return int(text)


def run_start(
    catalog: Catalog,
    title: str,
    opener: Callable[[], Journal],
    resolve: Callable[[Journal], SessionRoutine],
    options: StartOptions,
    screen_now: Callable[[Journal], None],
    out: IO[str] = sys.stdout,
    clock: Clock | None = None,
) -> int:
    """Run a whole session; returns the exit status. ``opener`` opens the journal (after
    the first frame is drawn); ``resolve`` builds the routine from it (exercises left out after
    trouble, dose levels); ``screen_now`` runs the interactive screening when one is due on a
    terminal."""
    terminal = sys.stdin.isatty() and sys.stdout.isatty() and not options.no_input
    with contextlib.ExitStack() as stack:
        view: ScreenView | LineView
        if terminal:
            view = stack.enter_context(ScreenView(catalog.figures))
            view.show_text(f"{title}\n\nGetting ready...")  # the first frame
        else:
            view = LineView(out)
            out.write(f"bedstretch: {title}\n")
            out.flush()
        journal = stack.enter_context(opener())
        sessions.reap(journal, local_now())
        _check_screening(journal, options, terminal, view, screen_now)
        chosen = resolve(journal)
        speaker = _speaker(options)
        routine, timeline = chosen.routine, _paced(catalog, chosen, speaker)
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
            raise Invalid("a pain rating 0-10 is needed before starting", field="pain_before")
        return _play(
            journal, routine, timeline, options, view, source, speaker, pain_before, clock, out
        )


def _check_screening(
    journal: Journal,
    options: StartOptions,
    terminal: bool,
    view: ScreenView | LineView,
    screen_now: Callable[[Journal], None],
) -> None:
    """The gate: screen first at a terminal when answers are due; record --cleared."""
    gate = screening.gate(journal, local_now())
    if not gate.allowed and gate.needs_screening:
        if not terminal:
            raise Blocked(
                f"screening needed: {gate.reason}; answer it with `bedstretch screen` "
                "(or `bedstretch screen --answers FILE`) first",
                needs_screening=True,
            )
        if isinstance(view, ScreenView):
            view.__exit__(None, None, None)
        screen_now(journal)
        if isinstance(view, ScreenView):
            view.__enter__()
    screening.require(journal, local_now(), cleared=options.cleared)


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


def _paced(catalog: Catalog, chosen: SessionRoutine, speaker: Speaker) -> Timeline:
    """The timeline paced by the voice the person will hear: espeak-ng's own durations at its
    voice and rate (measured once per text, and kept), so that nothing said is cut."""
    from bedstretch.voice import EspeakSpeaker, measure

    if not isinstance(speaker, EspeakSpeaker):
        return chosen.timeline  # silent: the model's pacing, the same as the web's
    texts = utterances(chosen.routine, catalog.moves)
    seconds = measure(texts, voice=speaker.voice, rate=speaker.rate, engine=speaker.engine)
    pacing = replace(DEFAULT_PACING, voice=Voice.of(seconds))
    return compile_timeline(chosen.routine, catalog.moves, pacing)


def _spoken(fired: Fired) -> tuple[str | None, str | None]:
    return fired.cue.say, tone_for(fired.cue)


def _play(
    journal: Journal,
    routine: Routine,
    timeline: Timeline,
    options: StartOptions,
    view: ScreenView | LineView,
    source: Input,
    speaker: Speaker,
    pain_before: int,
    clock: Clock | None,
    out: IO[str],
) -> int:
    started = sessions.begin(
        journal, routine, timeline, pain_before=pain_before, now=local_now(), player=True
    )
    log = open(options.cue_log, "a", encoding="utf-8") if options.cue_log else None  # noqa: SIM115
    player = Player(
        routine=routine,
        timeline=timeline,
        clock=clock or MonotonicClock(),
        source=source,
        view=view,
        speaker=speaker,
        recorder=sessions.Recorder(journal, started.id, local_now),
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
    at = round(player.state.position(player.clock.now()), 3)
    final = sessions.finish(
        journal, started.id, status, at=at, pain_after=pain_after, now=local_now()
    )
    if isinstance(view, ScreenView):
        view.__exit__(None, None, None)
    record = sessions.get(journal, started.id)
    done = sum(1 for s in record.steps if s.status == "done")
    total = len(timeline.blocks)
    after = f" -> {pain_after}" if pain_after is not None else ""
    out.write(
        f"Session {started.id} saved: {final.value}, {done} of {total} holds and sets done, "
        f"pain {pain_before}{after}.\n"
    )
    if player.message and final is not SessionStatus.COMPLETED:
        out.write(player.message + "\n")
    out.flush()
    return 0
