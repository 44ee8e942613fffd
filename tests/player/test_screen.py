"""The player's screen, rendered through a captured console."""

from __future__ import annotations

from rich.console import Console

from bedstretch.core import playback as pb
from bedstretch.core.frame import frame
from bedstretch.core.timeline import CueKind, compile_timeline
from bedstretch.player.screen import big_number, plain_line, render
from tests.strategies import CATALOG

ROUTINE = CATALOG.routines["quick"]
TIMELINE = compile_timeline(ROUTINE, CATALOG.moves)
T0 = 100.0


def screen_at(seconds: float, width: int = 90) -> str:
    p = pb.start(TIMELINE, T0)
    p, _ = pb.tick(p, T0 + seconds)
    console = Console(record=True, width=width, height=40, color_system=None)
    console.print(render(frame(p, ROUTINE, T0 + seconds)))
    return console.export_text()


def test_a_hold_shows_exercise_side_countdown_breath_progress_and_next() -> None:
    block = next(b for b in TIMELINE.blocks if b.exercise == "knee-to-chest" and b.side == "right")
    text = screen_at(block.at + 2.5)  # 2.5 s into a 20 s hold: 18 s left, breathing in
    assert "Knee-to-chest stretch" in text
    assert "right side" in text
    assert "HOLD" in text
    assert "\n".join(big_number(18)).splitlines()[0] in text
    assert "Breathe in" in text
    assert "Next: Figure-four stretch" in text
    assert "step 2 of 4" in text
    assert "[space] pause" in text


def test_instructions_are_listed_while_being_said() -> None:
    step = next(
        c for c in TIMELINE.cues if c.kind is CueKind.INSTRUCTION and c.exercise == "figure-four"
    )
    text = screen_at(step.at + 1)
    assert "HOW TO DO IT" in text
    assert "1. Start on your back: knees bent, feet flat on the bed." in text


def test_the_countdown_font_draws_every_digit() -> None:
    for value in (0, 7, 18, 59, 75):
        rows = big_number(value)
        assert len(rows) == 5
        assert len({len(r) for r in rows}) == 1


def test_plain_lines_name_time_kind_side_and_text() -> None:
    p = pb.start(TIMELINE, T0)
    block = TIMELINE.blocks[1]
    p, out = pb.tick(p, T0 + block.at)
    fired = next(o for o in out if isinstance(o, pb.Fired) and o.cue.kind is CueKind.HOLD)
    at = f"{block.at // 60}:{block.at % 60:02d}"
    assert plain_line(fired) == f"{at}  hold         right  Hold for 20 seconds."
