"""Moving between positions in bed: what each move costs, and the cheapest way between any two."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bedstretch.core.exercises import Position


@dataclass(frozen=True, slots=True)
class Transition:
    """One direct move, e.g. supine -> prone: "Roll onto your stomach." (8 s, effort 2)."""

    start: Position
    end: Position
    seconds: int
    effort: int
    text: str


@dataclass(frozen=True, slots=True)
class Move:
    """The cheapest way from one position to another: one or more transitions in a row."""

    start: Position
    end: Position
    seconds: int
    effort: int
    texts: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join(self.texts)


class Moves:
    """All-pairs cheapest moves (Floyd-Warshall on effort; ties go to the quicker move).

    Effort is what the planner minimises; seconds is what the timeline allows for moving.
    """

    def __init__(self, transitions: Iterable[Transition]) -> None:
        self.transitions = tuple(transitions)
        best: dict[tuple[Position, Position], Move] = {}
        for p in Position:
            best[p, p] = Move(p, p, 0, 0, ())
        for t in self.transitions:
            move = Move(t.start, t.end, t.seconds, t.effort, (t.text,))
            if t.start != t.end and _better(move, best.get((t.start, t.end))):
                best[t.start, t.end] = move
        for k in Position:
            for i in Position:
                first = best.get((i, k))
                if first is None:
                    continue
                for j in Position:
                    second = best.get((k, j))
                    if second is None or i == j:
                        continue
                    joined = Move(
                        i,
                        j,
                        first.seconds + second.seconds,
                        first.effort + second.effort,
                        first.texts + second.texts,
                    )
                    if _better(joined, best.get((i, j))):
                        best[i, j] = joined
        self._best = best

    def get(self, start: Position, end: Position) -> Move | None:
        return self._best.get((start, end))

    def __call__(self, start: Position, end: Position) -> Move:
        move = self._best.get((start, end))
        if move is None:
            raise KeyError(f"no way to move from {start} to {end}")
        return move

    def reachable(self, start: Position, end: Position) -> bool:
        return (start, end) in self._best


def _better(candidate: Move, current: Move | None) -> bool:
    if current is None:
        return True
    return (candidate.effort, candidate.seconds) < (current.effort, current.seconds)
