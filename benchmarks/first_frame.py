"""Time from `bedstretch start` to the first frame on a terminal (issue 3: <= 300 ms).

Runs the installed program on a pseudo-terminal with a journal that has a clear screening and
`--pain-before` given, and measures wall time to (a) the first byte of the full-screen display
and (b) the first frame of the session itself (the routine's screen with its step counter).

Run: .venv/bin/python benchmarks/first_frame.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import pty
import select
import signal
import statistics
import time

from _journal import EXE, screened_env


def once(env: dict[str, str]) -> tuple[float, float]:
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        os.environ.update(env)
        os.environ["COLUMNS"], os.environ["LINES"] = "100", "40"
        os.execv(EXE, [EXE, "start", "quick", "--no-voice", "--pain-before", "2"])
    first = session = None
    seen = b""
    while session is None and time.perf_counter() - start < 10:
        ready, _, _ = select.select([fd], [], [], 10)
        if not ready:
            break
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if first is None:
            first = time.perf_counter() - start
        seen += chunk
        if b"step 1 of" in seen or b"starting" in seen:
            session = time.perf_counter() - start
    os.kill(pid, signal.SIGTERM)
    os.waitpid(pid, 0)
    os.close(fd)
    return (first or 0.0) * 1000, (session or 0.0) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs
    env, _ = screened_env()
    once(env)  # warm the file cache
    samples = [once(env) for _ in range(runs)]
    firsts = sorted(s[0] for s in samples)
    sessions = sorted(s[1] for s in samples)
    print(f"bedstretch start -> first frame on a pty, {runs} runs")
    for label, values in (("first frame (screen up)", firsts), ("session frame", sessions)):
        print(f"{label:<24} median {statistics.median(values):6.1f} ms  max {values[-1]:6.1f} ms")


if __name__ == "__main__":
    main()
