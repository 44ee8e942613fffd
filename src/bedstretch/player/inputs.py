"""Where commands come from: keys on a terminal, lines on a pipe, nothing, or a script (tests).

Each source has ``wait(timeout)``: block up to ``timeout`` seconds (None: forever) for the next
input and return it, or None when the time is up. The player's loop never sleeps any other way,
so waiting for a key and waiting for the next cue are one and the same.
"""

from __future__ import annotations

import contextlib
import os
import select
import sys
import termios
import tty
from collections.abc import Iterator
from typing import IO, Protocol

from bedstretch.core.playback import Command, parse_command
from bedstretch.player.clock import FakeClock

KEY_NAMES = {
    "\x1b[C": "right",
    "\x1b[D": "left",
    "\x1b[A": "up",
    "\x1b[B": "down",
    "\r": "enter",
    "\n": "enter",
    "\x7f": "backspace",
    "\x03": "ctrl-c",
    "\x1b": "escape",
    " ": "space",
}


class Input(Protocol):
    def wait(self, timeout: float | None) -> Command | str | None:
        """A Command (line protocol), a key name (terminal), or None when the time is up."""
        ...


class NoInput:
    """--no-input: ignore stdin; just let time pass (on the real clock)."""

    def wait(self, timeout: float | None) -> Command | str | None:
        if timeout is None:
            raise RuntimeError("nothing to wait for")
        select.select([], [], [], max(0.0, timeout))
        return None


class LineInput:
    """One command per line on a pipe (``pause``, ``skip``, ``pain 5`` ...)."""

    def __init__(self, stream: IO[str], warn: IO[str]) -> None:
        self.fd = stream.fileno()
        self.warn = warn
        self.buffer = b""
        self.eof = False

    def wait(self, timeout: float | None) -> Command | str | None:
        while True:
            if b"\n" in self.buffer:
                line, self.buffer = self.buffer.split(b"\n", 1)
                text = line.decode("utf-8", "replace").strip()
                if not text or text.startswith("#"):
                    continue
                try:
                    return parse_command(text)
                except ValueError as error:
                    print(
                        f"bedstretch: ignored input '{text}': {error}", file=self.warn, flush=True
                    )
                    continue
            if self.eof:
                NoInput().wait(timeout)
                return None
            ready, _, _ = select.select([self.fd], [], [], timeout)
            if not ready:
                return None
            chunk = os.read(self.fd, 4096)
            if not chunk:
                self.eof = True
                if self.buffer:
                    self.buffer += b"\n"
            self.buffer += chunk

    def read_line(self) -> str | None:
        """A whole answer line (e.g. pain before), or None at end of input."""
        while b"\n" not in self.buffer and not self.eof:
            chunk = os.read(self.fd, 4096)
            if not chunk:
                self.eof = True
                break
            self.buffer += chunk
        if not self.buffer:
            return None
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line.decode("utf-8", "replace").strip()


class KeyInput:
    """Single keys from a terminal in cbreak mode (arrows decoded; fast typing split up)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.pending: list[str] = []

    def wait(self, timeout: float | None) -> Command | str | None:
        if not self.pending:
            ready, _, _ = select.select([self.fd], [], [], timeout)
            if not ready:
                return None
            self.pending = split_keys(os.read(self.fd, 64).decode("utf-8", "replace"))
        return self.pending.pop(0) if self.pending else None


def split_keys(data: str) -> list[str]:
    """Key names in a chunk read from a terminal: "3\r" is two keys, an arrow is one."""
    keys = []
    i = 0
    while i < len(data):
        if data.startswith("\x1b[", i) and i + 2 < len(data):
            keys.append(KEY_NAMES.get(data[i : i + 3], "escape"))
            i += 3
            continue
        ch = data[i]
        keys.append(KEY_NAMES.get(ch, ch.lower()))
        i += 1
    return keys


@contextlib.contextmanager
def cbreak(fd: int) -> Iterator[None]:
    """Keys arrive one at a time without echo; the terminal is restored however we leave."""
    saved = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd)
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


class ScriptedInput:
    """Test input: commands at given clock times, advancing a FakeClock instead of sleeping."""

    def __init__(self, clock: FakeClock, script: list[tuple[float, Command | str]]) -> None:
        self.clock = clock
        self.script = sorted(script, key=lambda item: item[0])

    def wait(self, timeout: float | None) -> Command | str | None:
        if self.script and (timeout is None or self.script[0][0] <= self.clock.now() + timeout):
            at, command = self.script.pop(0)
            self.clock.advance(at - self.clock.now())
            return command
        if timeout is None:
            raise RuntimeError("scripted input ran out while the player waits forever")
        self.clock.advance(timeout)
        return None


def stdin_is_terminal() -> bool:
    return sys.stdin.isatty()
