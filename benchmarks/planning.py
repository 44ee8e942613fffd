"""Planning, loading and compiling speed over the whole shipped catalog (in-process).

Run: .venv/bin/python benchmarks/planning.py [--runs N]
Target (issue 2): planning over the whole catalog <= 50 ms.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from bedstretch.catalog import load_catalog
from bedstretch.core.exercises import LYING_POSITIONS
from bedstretch.core.planner import Constraints, plan
from bedstretch.core.timeline import compile_timeline


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.99) - 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    runs = parser.parse_args().runs
    catalog = load_catalog()
    exercises = list(catalog.exercises.values())
    cases: list[tuple[str, Callable[[], object]]] = [
        ("load shipped catalog", load_catalog),
        ("plan: whole catalog, no limits", lambda: plan(exercises, catalog.moves)),
        ("plan: whole catalog, 15 min", lambda: plan(exercises, catalog.moves, Constraints(15))),
        ("plan: whole catalog, 30 min", lambda: plan(exercises, catalog.moves, Constraints(30))),
        (
            "plan: 5 min, lying only",
            lambda: plan(exercises, catalog.moves, Constraints(5, positions=LYING_POSITIONS)),
        ),
        (
            "compile timeline: in-bed",
            lambda: compile_timeline(catalog.routines["in-bed"], catalog.moves),
        ),
    ]
    variants = sum(len(e.variants) for e in exercises)
    print(f"{len(exercises)} exercises, {variants} variants, {runs} runs")
    for label, fn in cases:
        median, p99 = timed(fn, runs)
        print(f"{label:<34} median {median:7.2f} ms   p99 {p99:7.2f} ms")


if __name__ == "__main__":
    main()
