"""Views: the full-screen terminal (rich Live) and plain lines for pipes."""

from __future__ import annotations

import sys
from types import TracebackType
from typing import IO

from bedstretch.core.frame import Frame
from bedstretch.core.playback import Fired
from bedstretch.player.screen import Figures, plain_line, render


class LineView:
    """A pipe: every cue as one line as it fires; notices as lines too."""

    live = False

    def __init__(self, out: IO[str] = sys.stdout) -> None:
        self.out = out

    def cue(self, fired: Fired) -> None:
        self.out.write(plain_line(fired) + "\n")
        self.out.flush()

    def draw(self, frame: Frame, message: str, prompt: str) -> None:
        return None

    def notice(self, text: str) -> None:
        self.out.write(f"-- {text}\n")
        self.out.flush()


class ScreenView:
    """A terminal: one full screen, redrawn in place (alternate screen, cursor hidden)."""

    live = True

    def __init__(self, figures: Figures | None = None) -> None:
        from rich.console import Console
        from rich.live import Live
        from rich.text import Text

        self.figures = figures or {}
        self.console = Console()
        self._live = Live(
            Text("Getting ready..."),
            console=self.console,
            screen=True,
            auto_refresh=False,
            transient=False,
        )

    def __enter__(self) -> ScreenView:
        self._live.__enter__()
        self._live.refresh()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._live.__exit__(kind, error, trace)

    def cue(self, fired: Fired) -> None:
        return None

    def draw(self, frame: Frame, message: str, prompt: str) -> None:
        self._live.update(render(frame, message, prompt, self.figures), refresh=True)

    def show_text(self, text: str) -> None:
        from rich.panel import Panel

        self._live.update(Panel(text), refresh=True)

    def notice(self, text: str) -> None:
        return None
