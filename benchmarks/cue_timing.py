"""Cue onset error over a whole in-bed routine at --speed 30 (issue 3).

Runs the real program (`bedstretch start in-bed --speed 30 --cue-log FILE`), once on a pipe
(cues printed as lines) and once on a pseudo-terminal (the full-screen player redrawing), and
reads the cue log: error = actual - scheduled, both monotonic clock seconds.
Target: p99 <= 2 ms, and no growth from the first cue to the last.

Run: .venv/bin/python benchmarks/cue_timing.py [--speed 30] [--routine in-bed]
"""

from __future__ import annotations

import argparse
import json
import os
import pty
import statistics
import subprocess
from pathlib import Path

from _journal import EXE, screened_env


def run_piped(args: list[str], env: dict[str, str]) -> None:
    subprocess.run([EXE, *args, "--no-input"], env=env, check=True, capture_output=True)


def run_on_terminal(args: list[str], env: dict[str, str]) -> None:
    pid, fd = pty.fork()
    if pid == 0:
        os.environ.update(env)
        os.environ["COLUMNS"], os.environ["LINES"] = "100", "40"
        os.execv(EXE, [EXE, *args])
    while True:
        try:
            if not os.read(fd, 65536):
                break
        except OSError:
            break
    os.waitpid(pid, 0)


def report(label: str, log: Path) -> None:
    cues = [json.loads(line) for line in log.read_text().splitlines()]
    errors = [(c["actual"] - c["scheduled"]) * 1000 for c in cues]
    ordered = sorted(errors)
    tenth = max(1, len(errors) // 10)
    n = len(errors)
    xs = list(range(n))
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(errors)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, errors, strict=True)) / sum(
        (x - mean_x) ** 2 for x in xs
    )
    print(
        f"{label:<10} {n} cues  p50 {statistics.median(errors):.3f} ms  "
        f"p90 {ordered[int(n * 0.9) - 1]:.3f} ms  p99 {ordered[int(n * 0.99) - 1]:.3f} ms  "
        f"max {ordered[-1]:.3f} ms\n"
        f"{'':<10} first 10% mean {statistics.fmean(errors[:tenth]):.3f} ms, "
        f"last 10% mean {statistics.fmean(errors[-tenth:]):.3f} ms, "
        f"trend {slope * n:+.4f} ms over the session"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--speed", type=float, default=30)
    parser.add_argument("--routine", default="in-bed")
    options = parser.parse_args()
    env, home = screened_env()
    print(f"{options.routine} at --speed {options.speed:g}: onset error = actual - scheduled")
    for label, runner in (("piped", run_piped), ("terminal", run_on_terminal)):
        log = home / f"{label}.jsonl"
        args = [
            "start", options.routine, "--speed", str(options.speed), "--no-voice",
            "--pain-before", "2", "--pain-after", "2", "--cue-log", str(log),
        ]  # fmt: skip
        runner(args, env)
        report(label, log)


if __name__ == "__main__":
    main()
