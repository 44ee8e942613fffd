"""The player loop on a fake clock: cues on time, commands, the pain guard and the journal."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from bedstretch.core.frame import Frame
from bedstretch.core.playback import Command, CommandKind, Fired, Status
from bedstretch.core.records import EventKind, StepStatus
from bedstretch.core.timeline import CueKind, compile_timeline
from bedstretch.journal import Journal, open_journal
from bedstretch.player.clock import FakeClock
from bedstretch.player.engine import Player
from bedstretch.player.inputs import ScriptedInput
from bedstretch.services.sessions import Recorder
from bedstretch.voice import RecordingSpeaker, tone_for
from tests.strategies import CATALOG

ROUTINE = CATALOG.routines["quick"]
TIMELINE = compile_timeline(ROUTINE, CATALOG.moves)
START = 1000.0


@dataclass
class RecordingView:
    live: bool = False
    fired: list[Fired] = field(default_factory=list)
    frames: list[Frame] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    def cue(self, fired: Fired) -> None:
        self.fired.append(fired)

    def draw(self, frame: Frame, message: str, prompt: str) -> None:
        self.frames.append(frame)

    def notice(self, text: str) -> None:
        self.notices.append(text)


@pytest.fixture
def journal() -> Iterator[Journal]:
    with open_journal("sqlite://") as j:  # the in-memory journal
        yield j


def play(
    journal: Journal,
    script: list[tuple[float, Command | str]],
    *,
    speed: float = 1.0,
    live: bool = False,
    baseline: int = 2,
) -> tuple[Player, RecordingView, RecordingSpeaker, int]:
    from datetime import UTC, datetime

    clock = FakeClock(START)
    session = journal.start_session(
        routine_id=ROUTINE.id,
        routine_name=ROUTINE.name,
        snapshot={"blocks": [b.to_dict() for b in TIMELINE.blocks]},
        started_at=datetime.now(UTC),
        pain_before=baseline,
    )
    view, speaker = RecordingView(live=live), RecordingSpeaker()
    player = Player(
        routine=ROUTINE,
        timeline=TIMELINE,
        clock=clock,
        source=ScriptedInput(clock, [(START + at / speed, c) for at, c in script]),
        view=view,
        speaker=speaker,
        recorder=Recorder(journal, session, lambda: datetime.now(UTC)),
        baseline=baseline,
        speed=speed,
        spoken=lambda f: (f.cue.say, tone_for(f.cue)),
    )
    player.run()
    return player, view, speaker, session


def said(journal: Journal, session: int) -> list[EventKind]:
    """The person's events (each block's result is a step_done event too)."""
    record = journal.session(session)
    assert record is not None
    return [e.kind for e in record.events if e.kind is not EventKind.STEP_DONE]


def statuses(journal: Journal, session: int) -> list[tuple[str, str | None, str]]:
    record = journal.session(session)
    assert record is not None
    return [(s.exercise, s.side, s.status) for s in record.steps]


def test_an_uninterrupted_session_fires_every_cue_exactly_on_time(journal: Journal) -> None:
    player, view, _, session = play(journal, [])
    assert player.state.status is Status.FINISHED
    assert [f.cue for f in view.fired] == list(TIMELINE.cues)
    assert all(f.actual == f.scheduled == START + f.cue.at for f in view.fired)
    assert len(statuses(journal, session)) == len(TIMELINE.blocks)
    assert {s for _, _, s in statuses(journal, session)} == {StepStatus.DONE}


def test_at_speed_30_offsets_shrink_but_nothing_drifts(journal: Journal) -> None:
    _, view, _, _ = play(journal, [], speed=30)
    assert all(f.actual == pytest.approx(START + f.cue.at / 30) for f in view.fired)


def test_pause_shifts_the_rest_of_the_session(journal: Journal) -> None:
    script: list[tuple[float, Command | str]] = [
        (50, Command(CommandKind.PAUSE)),
        (50 + 1e-9, Command(CommandKind.RESUME)),
    ]
    _, view, _, _ = play(journal, script)
    late = [f for f in view.fired if f.cue.at > 50]
    assert all(f.actual == pytest.approx(START + f.cue.at) for f in late)


def test_holds_start_and_end_with_a_tone_and_cues_are_spoken(journal: Journal) -> None:
    _, _, speaker, _ = play(journal, [])
    tones = [c for c in speaker.calls if c[0] == "tone"]
    holds = sum(1 for c in TIMELINE.cues if c.kind in (CueKind.HOLD, CueKind.FLOW))
    assert tones.count(("tone", "start")) == holds
    assert ("say", "Switch sides.") in speaker.calls


def test_a_pain_rise_skips_the_stretch_and_the_session_goes_on(journal: Journal) -> None:
    hold = next(b for b in TIMELINE.blocks if b.exercise == "knee-to-chest")
    _, view, _, session = play(journal, [(hold.at + 5, Command(CommandKind.PAIN, 5))])
    assert ("knee-to-chest", "right", "pain_skip") in statuses(journal, session)
    assert ("knee-to-chest", "left", "pain_skip") in statuses(journal, session)
    assert ("figure-four", "right", "done") in statuses(journal, session)
    assert any("Skipped (pain 5/10, up from 2)" in n for n in view.notices)
    record = journal.session(session)
    assert record is not None
    assert [
        (e.kind, e.value, e.exercise) for e in record.events if e.kind is not EventKind.STEP_DONE
    ] == [(EventKind.PAIN, 5, "knee-to-chest")]
    assert len(record.events) == len(record.steps) + 1, "every block's result is an event too"


def test_a_small_pain_change_is_noted_only(journal: Journal) -> None:
    hold = next(b for b in TIMELINE.blocks if b.exercise == "knee-to-chest")
    _, _, _, session = play(journal, [(hold.at + 5, Command(CommandKind.PAIN, 3))])
    assert {s for _, _, s in statuses(journal, session)} == {"done"}


def test_tingling_stops_the_session_and_asks_for_a_new_screening(journal: Journal) -> None:
    hold = next(b for b in TIMELINE.blocks if b.exercise == "figure-four")
    player, _, _, session = play(journal, [(hold.at + 4, Command(CommandKind.TINGLING))])
    assert player.state.status is Status.SAFETY_STOPPED
    assert statuses(journal, session)[-1] == ("figure-four", "right", "pain_skip")
    assert journal.rescreen_reason() == "tingling or numbness in a session"
    assert "Stopped for your safety (tingling or numbness)" in player.message


def test_severe_pain_stops_the_session(journal: Journal) -> None:
    hold = TIMELINE.blocks[1]
    player, _, _, _ = play(journal, [(hold.at + 1, Command(CommandKind.PAIN, 8))])
    assert player.state.status is Status.SAFETY_STOPPED


def test_skip_and_back_from_the_keyboard(journal: Journal) -> None:
    hold = next(b for b in TIMELINE.blocks if b.exercise == "knee-to-chest")
    script: list[tuple[float, Command | str]] = [(hold.at + 3, "n")]
    _, view, _, session = play(journal, script, live=True)
    assert ("knee-to-chest", "right", "skipped") in statuses(journal, session)
    assert view.frames, "a live view is drawn"


def test_quit_asks_first_then_keeps_the_session_as_stopped(journal: Journal) -> None:
    script: list[tuple[float, Command | str]] = [(30, "q"), (31, "x"), (60, "q"), (61, "y")]
    player, _, _, session = play(journal, script, live=True)
    assert player.state.status is Status.STOPPED
    assert said(journal, session) == [], "the closing event is the session's finish"
    assert player.state.position(START + 61) == pytest.approx(61, abs=0.01)


def test_typing_a_pain_number_on_the_keyboard(journal: Journal) -> None:
    hold = next(b for b in TIMELINE.blocks if b.exercise == "figure-four")
    at = hold.at + 2
    script: list[tuple[float, Command | str]] = [(at, "p"), (at, "6"), (at, "enter")]
    _, _, _, session = play(journal, script, live=True)
    assert ("figure-four", "right", "pain_skip") in statuses(journal, session)
