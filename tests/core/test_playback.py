"""Playback: cues fire on time and in order; pause, skip, back and stop keep the schedule exact."""

from __future__ import annotations

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from bedstretch.core import playback as pb
from bedstretch.core.playback import BlockResult, CommandKind, Fired, Status, parse_command
from bedstretch.core.records import StepStatus
from bedstretch.core.timeline import CueKind, compile_timeline
from tests.strategies import CATALOG

QUICK = compile_timeline(CATALOG.routines["quick"], CATALOG.moves)
T0 = 500.0


def play_through(
    p: pb.Playback, until: float, step: float = 0.25
) -> tuple[pb.Playback, list[pb.Output]]:
    outputs: list[pb.Output] = []
    now = T0
    while now <= until and not p.over:
        p, out = pb.tick(p, now)
        outputs += out
        now += step
    return p, outputs


def test_every_cue_fires_once_in_order_at_its_due_time() -> None:
    p = pb.start(QUICK, T0)
    fired: list[Fired] = []
    while not p.over:
        due = p.next_due()
        assert due is not None
        p, out = pb.tick(p, due)
        fired += [o for o in out if isinstance(o, Fired)]
    assert [f.index for f in fired] == list(range(len(QUICK.cues)))
    assert all(f.actual == f.scheduled == T0 + f.cue.at for f in fired)
    assert p.status is Status.FINISHED


def test_speed_divides_every_offset() -> None:
    p = pb.start(QUICK, T0, speed=30)
    assert p.due(len(QUICK.cues) - 1) == pytest.approx(T0 + QUICK.total_seconds / 30)


def test_a_pause_shifts_every_later_cue_by_exactly_its_length() -> None:
    p = pb.start(QUICK, T0)
    p, _ = pb.tick(p, T0 + 10)
    before = p.due(p.next_cue)
    p = pb.pause(p, T0 + 10)
    assert p.next_due() is None
    p, out = pb.tick(p, T0 + 500)
    assert out == []
    assert p.position(T0 + 500) == 10
    p = pb.resume(p, T0 + 70)
    assert p.due(p.next_cue) == before + 60


def test_every_finished_hold_yields_a_done_result() -> None:
    _p, outputs = play_through(pb.start(QUICK, T0), T0 + QUICK.total_seconds + 1)
    results = [o for o in outputs if isinstance(o, BlockResult)]
    assert [r.block.index for r in results] == [b.index for b in QUICK.blocks]
    assert all(r.status is StepStatus.DONE for r in results)
    assert all(r.actual_seconds == r.block.target_seconds for r in results)


def test_skip_mid_hold_records_what_was_done_and_jumps_to_the_next_step() -> None:
    block = next(b for b in QUICK.blocks if b.exercise == "knee-to-chest")
    p, _ = play_through(pb.start(QUICK, T0), T0 + block.at + 7)
    now = T0 + block.at + 7
    p, results = pb.skip(p, now)
    assert [(r.block.side, r.status, r.actual_seconds) for r in results] == [
        ("right", StepStatus.SKIPPED, 7),
        ("left", StepStatus.SKIPPED, 0),
    ]
    assert p.position(now) == QUICK.steps[block.step + 1].at
    p, out = pb.tick(p, now)
    assert isinstance(out[0], Fired)
    assert out[0].cue.step == block.step + 1


def test_a_pain_skip_marks_the_rest_of_the_stretch_with_the_reason() -> None:
    block = next(b for b in QUICK.blocks if b.exercise == "figure-four")
    p, _ = play_through(pb.start(QUICK, T0), T0 + block.at + 3)
    p, results = pb.skip(p, T0 + block.at + 3, StepStatus.PAIN_SKIP, "sharp pain")
    assert {r.status for r in results} == {StepStatus.PAIN_SKIP}
    assert {r.reason for r in results} == {"sharp pain"}


def test_back_early_in_a_step_goes_to_the_previous_one_and_later_restarts_it() -> None:
    span = QUICK.steps[2]
    p, _ = play_through(pb.start(QUICK, T0), T0 + span.at + 2)
    assert pb.back(p, T0 + span.at + 2).position(T0 + span.at + 2) == QUICK.steps[1].at
    p, _ = play_through(pb.start(QUICK, T0), T0 + span.at + 20)
    assert pb.back(p, T0 + span.at + 20).position(T0 + span.at + 20) == span.at


def test_going_back_lets_the_blocks_be_done_again() -> None:
    block = QUICK.blocks[1]
    p, _ = play_through(pb.start(QUICK, T0), T0 + block.end + 1)
    assert block.index in p.reported
    p = pb.back(p, T0 + block.end + 1)
    assert block.index not in p.reported


def test_stop_mid_hold_records_the_hold_in_progress_and_ends() -> None:
    block = QUICK.blocks[1]
    p, _ = play_through(pb.start(QUICK, T0), T0 + block.at + 5)
    p, results = pb.stop(p, T0 + block.at + 5, safety=True, reason="tingling or numbness")
    assert p.status is Status.SAFETY_STOPPED
    assert [(r.block.index, r.status, r.actual_seconds) for r in results] == [
        (block.index, StepStatus.PAIN_SKIP, 5)
    ]
    assert pb.tick(p, T0 + 10_000) == (p, [])


@pytest.mark.parametrize(
    ("line", "kind", "value"),
    [("pause", CommandKind.PAUSE, None), ("  Skip ", CommandKind.SKIP, None),
     ("pain 7", CommandKind.PAIN, 7), ("pain 0", CommandKind.PAIN, 0),
     ("tingling", CommandKind.TINGLING, None), ("sharp", CommandKind.SHARP, None)],
)  # fmt: skip
def test_the_line_protocol(line: str, kind: CommandKind, value: int | None) -> None:
    command = parse_command(line)
    assert (command.kind, command.value) == (kind, value)


@pytest.mark.parametrize(
    "line", ["", "jump", "pain", "pain 11", "pain -1", "pain x", "skip 2", "toggle"]
)
def test_bad_lines_are_refused_with_a_reason(line: str) -> None:
    with pytest.raises(ValueError, match=r".+"):
        parse_command(line)


class PlaybackMachine(RuleBasedStateMachine):
    """Random key sequences against the state machine, with a clock that only moves forward."""

    def __init__(self) -> None:
        super().__init__()
        self.now = T0
        self.p = pb.start(QUICK, self.now, speed=4)
        self.last_position = 0.0
        self.jumped = False
        self.fired_since_jump: list[int] = []
        self.results: list[BlockResult] = []

    def _take(self, outputs: list[pb.Output]) -> None:
        for out in outputs:
            if isinstance(out, Fired):
                assert out.actual >= out.scheduled - 1e-9
                self.fired_since_jump.append(out.index)
            else:
                self.results.append(out)

    @rule(seconds=st.floats(0, 20))
    def wait(self, seconds: float) -> None:
        self.now += seconds
        self.p, out = pb.tick(self.p, self.now)
        self._take(out)
        due = self.p.next_due()
        assert due is None or due > self.now, "a due cue was left unfired"

    @rule()
    def toggle(self) -> None:
        paused = self.p.status is Status.PAUSED
        self.p = pb.resume(self.p, self.now) if paused else pb.pause(self.p, self.now)

    @rule()
    def skip(self) -> None:
        self.p, out = pb.skip(self.p, self.now)
        self._take(list(out))
        self.fired_since_jump = []

    @rule()
    def back(self) -> None:
        self.p = pb.back(self.p, self.now)
        self.jumped = True
        self.fired_since_jump = []

    @precondition(lambda self: not self.p.over)
    @rule(safety=st.booleans())
    def stop(self, safety: bool) -> None:
        self.p, out = pb.stop(self.p, self.now, safety=safety)
        self._take(list(out))
        assert self.p.over

    @invariant()
    def cues_fire_in_order_without_repeats_between_jumps(self) -> None:
        assert self.fired_since_jump == sorted(set(self.fired_since_jump))

    @invariant()
    def position_stays_on_the_timeline(self) -> None:
        assert 0 <= self.p.position(self.now) <= QUICK.total_seconds

    @invariant()
    def paused_playback_does_not_move(self) -> None:
        if self.p.status is Status.PAUSED:
            assert self.p.next_due() is None
            assert self.p.position(self.now) == self.p.position(self.now + 100)

    @invariant()
    def finished_means_the_end_cue_fired(self) -> None:
        if self.p.status is Status.FINISHED:
            assert QUICK.cues[-1].kind is CueKind.END
            assert self.p.next_cue == len(QUICK.cues)

    @invariant()
    def each_block_has_at_most_one_result_per_pass(self) -> None:
        if not self.jumped:
            indices = [r.block.index for r in self.results]
            assert len(indices) == len(set(indices))
        assert all(r.actual_seconds <= r.block.target_seconds for r in self.results)


TestPlaybackMachine = PlaybackMachine.TestCase
