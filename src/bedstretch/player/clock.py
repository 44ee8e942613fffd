"""Clocks: the real monotonic one, and a fake one for tests (shipped, not mocked)."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float: ...


class MonotonicClock:
    """time.monotonic: never jumps with the wall clock, so schedules never drift or jump."""

    def now(self) -> float:
        return time.monotonic()


class FakeClock:
    """A clock that only moves when told to: inputs advance it instead of sleeping."""

    def __init__(self, start: float = 1000.0) -> None:
        self.t = start

    def now(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += max(0.0, seconds)


def local_now() -> datetime:
    """The wall clock, aware, in this machine's time zone: the terminal person's days."""
    return datetime.now().astimezone()
