"""Drawing a Frame: a full-screen rich layout for terminals, and plain lines for pipes."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from rich.align import Align
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from bedstretch.core.body import Figure
from bedstretch.core.exercises import Breath
from bedstretch.core.frame import INSTRUCTIONS, PHASES, QUIET, Frame
from bedstretch.core.playback import Fired, Status
from bedstretch.core.timeline import CueKind
from bedstretch.tables import mmss

# A 5-row block font for the countdown: readable from a pillow at arm's length.
DIGITS = {
    "0": ["███", "█ █", "█ █", "█ █", "███"],
    "1": [" ██", "  █", "  █", "  █", "  █"],
    "2": ["███", "  █", "███", "█  ", "███"],
    "3": ["███", "  █", "███", "  █", "███"],
    "4": ["█ █", "█ █", "███", "  █", "  █"],
    "5": ["███", "█  ", "███", "  █", "███"],
    "6": ["███", "█  ", "███", "█ █", "███"],
    "7": ["███", "  █", "  █", "  █", "  █"],
    "8": ["███", "█ █", "███", "█ █", "███"],
    "9": ["███", "█ █", "███", "  █", "███"],
    ":": ["   ", " █ ", "   ", " █ ", "   "],
}
KEYS = "[space] pause  [n] skip  [b] back  [p] pain  [s] sharp pain  [t] tingling  [q] quit"
BREATH_WIDTH = 20


def big_number(value: int) -> list[str]:
    """Rows of ``value`` in the block font, doubled in width."""
    text = str(value) if value < 60 else mmss(value)
    rows = []
    for r in range(5):
        rows.append("  ".join("".join(ch * 2 for ch in DIGITS[c][r]) for c in text))
    return rows


def breath_bar(frame: Frame) -> Text:
    """A bar that fills on the in-breath and empties on the out-breath."""
    if frame.breath is None:
        return Text("")
    if frame.breath == "in":
        filled, label = round(frame.breath_progress * BREATH_WIDTH), "Breathe in "
    elif frame.breath == "out":
        filled, label = round((1 - frame.breath_progress) * BREATH_WIDTH), "Breathe out"
    else:
        filled, label = BREATH_WIDTH, "Hold       "
    bar = Text(label + "  ", style="bold cyan")
    bar.append("█" * filled, style="cyan")
    bar.append("░" * (BREATH_WIDTH - filled), style="grey42")
    return bar


Figures = Mapping[tuple[str, str], Figure]  # (exercise id, variant id) -> its figure


def render(
    frame: Frame, message: str = "", prompt: str = "", figures: Figures | None = None
) -> RenderableType:
    """The whole screen for one frame (``figures``: the catalog's, for the pose beside it)."""
    parts: list[RenderableType] = []
    if frame.exercise:
        title = Text(frame.exercise, style="bold")
        details = [d for d in (frame.position, _side(frame), _set(frame)) if d]
        if details:
            title.append("   " + " · ".join(details), style="grey70")
        parts.append(title)
    else:
        parts.append(Text(frame.routine, style="bold"))
    phase = Text(frame.phase.upper(), style="bold yellow" if frame.phase == "hold" else "yellow")
    if frame.side and frame.phase not in (INSTRUCTIONS, PHASES[CueKind.MOVE]):
        phase.append(f"  ·  {frame.side.upper()} SIDE", style="bold cyan")
    parts.append(phase)
    countdown = None
    if frame.countdown is not None and frame.phase not in QUIET:
        countdown = Text("\n".join(big_number(frame.countdown)), style="bold green")
    still = figure_still(frame, figures or {})
    if countdown is not None or still is not None:
        parts.append(Beside(countdown, still))
    if frame.rep is not None and frame.reps:
        parts.append(Align.center(Text(f"repetition {frame.rep} of {frame.reps}", style="bold")))
    parts.append(Align.center(breath_bar(frame)))
    if frame.instruction is None:  # an instruction being said is highlighted in the list instead
        parts.append(Text(frame.text, style="italic"))
    if frame.instructions:
        steps = Text()
        for i, line in enumerate(frame.instructions):
            style = "bold white" if i == frame.instruction else "grey62"
            steps.append(f"{i + 1}. {line}\n", style=style)
        parts.append(steps)
    if frame.next_exercise:
        parts.append(Text(f"Next: {frame.next_exercise}", style="grey70"))
    if message:
        parts.append(Text(message, style="bold red"))
    if frame.status is Status.PAUSED:
        parts.append(Text("PAUSED: press space to go on", style="bold magenta"))
    parts.append(Text(prompt or KEYS, style="bold" if prompt else "grey50"))
    step = f"step {frame.step_number} of {frame.step_count}" if frame.step_number else "starting"
    subtitle = f"{step} · {mmss(frame.left)} left"
    return Panel(Group(*parts), title=frame.routine, subtitle=subtitle, padding=(0, 2))


# --------------------------------------------------------------------------- the figure

FIGURE_COLS, FIGURE_ROWS, FIGURE_GAP = 30, 5, 4  # as tall as the countdown
ROLE_STYLES = {
    "bed": "grey42",
    "far": "grey50",
    "body": "",
    "near": "",
    "work": "bold orange3",
    "": "",
}
ACTIVE = {PHASES[CueKind.HOLD], PHASES[CueKind.FLOW], PHASES[CueKind.REP]}
BREATH_KEYS = {"in": ("inhale", "exhale"), "out": ("exhale", "inhale"), "hold": ("pause", "pause")}


class Beside:
    """The countdown with a still of the current pose beside it, when the terminal is wide
    enough for both; otherwise the countdown alone (or the figure alone when there is none)."""

    def __init__(self, countdown: Text | None, still: Text | None) -> None:
        self.countdown, self.still = countdown, still

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        numbers = 0
        if self.countdown is not None:
            numbers = max(len(line) for line in self.countdown.plain.splitlines())
        wide = numbers + FIGURE_GAP + FIGURE_COLS <= options.max_width
        if self.still is None or not wide:
            if self.countdown is not None:
                yield Align.center(self.countdown)
            return
        if self.countdown is None:
            yield Align.center(self.still)
            return
        grid = Table.grid(padding=(0, FIGURE_GAP))
        grid.add_row(self.countdown, self.still)
        yield Align.center(grid, vertical="middle")


def figure_still(frame: Frame, figures: Figures) -> Text | None:
    """The current pose in braille: the start pose while instructions are given, the stretched
    one while holding, and for a breathing cycle the pose the breath moves towards."""
    if frame.figure is None:
        return None
    figure = figures.get(frame.figure)
    if figure is None:
        return None
    last = len(figure.keys) - 1
    key, toward, progress = 0, None, 1.0
    if frame.phase in ACTIVE:
        key = last
        if frame.breath is not None and figure.breaths:
            goal, start = (figure.key_for_breath(Breath(b)) for b in BREATH_KEYS[frame.breath])
            if goal is not None:
                key, toward = (goal, None) if start is None else (start, goal)
                progress = round(frame.breath_progress, 1)
    return _still(figure, key, toward, progress, frame.side or "right")


@lru_cache(maxsize=256)
def _still(figure: Figure, key: int, toward: int | None, progress: float, side: str) -> Text:
    from bedstretch.core.body import pose_at
    from bedstretch.drawing import braille

    pose = pose_at(figure, key, toward, progress)
    text = Text()
    for n, row in enumerate(braille(figure, pose, side, FIGURE_COLS, FIGURE_ROWS)):
        if n:
            text.append("\n")
        for chars, role in row:
            text.append(chars, style=ROLE_STYLES[role])
    return text


def _side(frame: Frame) -> str:
    return f"{frame.side} side" if frame.side else ""


def _set(frame: Frame) -> str:
    if frame.set and frame.sets and frame.sets > 1:
        return f"set {frame.set} of {frame.sets}"
    return ""


def plain_line(fired: Fired) -> str:
    """One fired cue as a line for pipes and logs: ``mm:ss kind [side rep] text``."""
    cue = fired.cue
    where = " ".join(x for x in (cue.side or "", f"rep {cue.rep}" if cue.rep else "") if x)
    return f"{mmss(cue.at)}  {cue.kind.value:<12} {where + '  ' if where else ''}{cue.text}"
