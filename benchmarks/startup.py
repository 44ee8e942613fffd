"""Start-up time of the bedstretch command: wall time to first output and to exit.

Run: .venv/bin/python benchmarks/startup.py [--runs N]
Target (issue 2): `bedstretch --version` and `bedstretch exercises` first output, median <= 150 ms.
Runs the installed console script, piped (as scripts use it) and on a pseudo-terminal (as people
see it).
"""

from __future__ import annotations

import argparse
import os
import pty
import select
import statistics
import subprocess
import sys
import time
from pathlib import Path

SCRIPT = Path(sys.executable).with_name("bedstretch")


def piped(args: list[str]) -> tuple[float, float]:
    start = time.perf_counter()
    proc = subprocess.Popen([str(SCRIPT), *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    proc.stdout.read(1)
    first = time.perf_counter() - start
    proc.stdout.read()
    proc.wait()
    return first, time.perf_counter() - start


def on_terminal(args: list[str]) -> tuple[float, float]:
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # child
        os.environ["COLUMNS"] = "120"
        os.execv(str(SCRIPT), [str(SCRIPT), *args])
    first = None
    while True:
        ready, _, _ = select.select([fd], [], [], 10)
        if not ready:
            break
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        if first is None:
            first = time.perf_counter() - start
    os.waitpid(pid, 0)
    os.close(fd)
    total = time.perf_counter() - start
    return (first or total), total


def report(label: str, samples: list[tuple[float, float]]) -> None:
    firsts = sorted(s[0] * 1000 for s in samples)
    totals = sorted(s[1] * 1000 for s in samples)
    p90 = firsts[int(len(firsts) * 0.9) - 1]
    print(
        f"{label:<32} first output median {statistics.median(firsts):6.1f} ms  p90 {p90:6.1f} ms"
        f"   exit median {statistics.median(totals):6.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    runs = parser.parse_args().runs
    cases = [
        ("--version (piped)", piped, ["--version"]),
        ("exercises (piped)", piped, ["exercises"]),
        ("exercises --json (piped)", piped, ["exercises", "--json"]),
        ("--version (terminal)", on_terminal, ["--version"]),
        ("exercises (terminal)", on_terminal, ["exercises"]),
    ]
    print(f"bedstretch start-up, {runs} runs each, {SCRIPT}")
    for label, how, args in cases:
        how(args)  # warm the file cache
        report(label, [how(args) for _ in range(runs)])


if __name__ == "__main__":
    main()
