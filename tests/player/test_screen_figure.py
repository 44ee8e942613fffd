"""The player's screen shows a braille still of the current pose beside the countdown."""

from __future__ import annotations

from dataclasses import replace

from rich.console import Console
from rich.text import Text

from bedstretch.core import playback as pb
from bedstretch.core.frame import Frame, frame
from bedstretch.core.timeline import CueKind, compile_timeline
from bedstretch.player.screen import figure_still, render
from tests.strategies import CATALOG

ROUTINE = CATALOG.routines["in-bed"]
TIMELINE = compile_timeline(ROUTINE, CATALOG.moves)
T0 = 100.0


def frame_at(seconds: float) -> Frame:
    p = pb.start(TIMELINE, T0)
    p, _ = pb.tick(p, T0 + seconds)
    return frame(p, ROUTINE, T0 + seconds)


def screen(shown: Frame, width: int) -> str:
    console = Console(record=True, width=width, height=40, color_system=None)
    console.print(render(shown, figures=CATALOG.figures))
    return console.export_text()


def still_of(shown: Frame) -> Text | None:
    return figure_still(shown, CATALOG.figures)


def braille_in(text: str) -> bool:
    return any("\u2801" <= ch <= "\u28ff" for ch in text)


def hold_of(exercise: str, side: str | None = "right") -> float:
    block = next(b for b in TIMELINE.blocks if b.exercise == exercise and b.side == side)
    return block.at + 2.5


def test_a_wide_screen_shows_the_pose_beside_the_countdown() -> None:
    text = screen(frame_at(hold_of("knee-to-chest")), width=100)
    assert braille_in(text)
    countdown_rows = [line for line in text.splitlines() if "██" in line]
    assert any(braille_in(line) for line in countdown_rows)  # on the same rows


def test_a_narrow_screen_keeps_only_the_countdown() -> None:
    text = screen(frame_at(hold_of("knee-to-chest")), width=40)
    assert not braille_in(text)
    assert "██" in text


def test_the_instructions_show_the_start_pose_and_the_hold_the_stretched_one() -> None:
    step = next(
        c for c in TIMELINE.cues if c.kind is CueKind.INSTRUCTION and c.exercise == "leg-extension"
    )
    instructions = frame_at(step.at + 1)
    holding = frame_at(hold_of("leg-extension"))
    assert instructions.figure == holding.figure == ("leg-extension", "standard")
    start, stretched = still_of(instructions), still_of(holding)
    assert start is not None
    assert stretched is not None
    assert start.plain != stretched.plain
    assert braille_in(screen(instructions, width=100))  # no countdown, the figure alone


def test_the_left_side_is_drawn_as_the_mirror_image() -> None:
    right = still_of(frame_at(hold_of("spinal-twist", "right")))
    left = still_of(frame_at(hold_of("spinal-twist", "left")))
    assert right is not None
    assert left is not None
    assert right.plain != left.plain


def test_a_breathing_cycle_moves_the_still_with_the_breath() -> None:
    block = next(b for b in TIMELINE.blocks if b.exercise == "cat-cow")
    stills = set()
    for cue in TIMELINE.cues:
        if cue.kind in (CueKind.INHALE, CueKind.EXHALE) and block.at <= cue.at < block.end:
            still = still_of(frame_at(cue.at + (cue.duration or 1) - 0.01))
            assert still is not None
            stills.add(still.plain)
    assert len(stills) == 2  # arched at the end of the in-breath, flat at the end of the out


def test_an_exercise_without_a_figure_shows_just_the_countdown() -> None:
    shown = replace(frame_at(hold_of("knee-to-chest")), figure=("my-own", "standard"))
    assert still_of(shown) is None
    text = screen(shown, width=100)
    assert not braille_in(text)
    assert "██" in text
