"""`bedstretch progress --json` over five years of daily sessions (issue 4: <= 100 ms after
start-up), on SQLite and PostgreSQL.

Builds the journal with make_journal.py (about 1,800 sessions and 20,000 steps), then times, in
one process, what the command does after start-up: open the journal, the summary queries,
the progress maths and the JSON. Also times the whole command as a process, for reference.

Run: .venv/bin/python benchmarks/progress.py [--runs 20] [--postgres]
"""

from __future__ import annotations

import argparse
import json
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from bedstretch.core.progress import progress
from bedstretch.journal import open_journal
from bedstretch.journal.summaries import session_summaries
from make_journal import generate

EXE = str(Path(sys.executable).with_name("bedstretch"))


def after_startup(url: str) -> str:
    with open_journal(url) as journal:
        summaries = session_summaries(journal)
        checkins = journal.checkins()
    now = datetime.now().astimezone()
    assert now.tzinfo is not None
    result = progress(summaries, checkins, today=now.date(), tz=now.tzinfo)
    return json.dumps(result.to_dict(), indent=2)


def timed(label: str, fn: object, runs: int) -> None:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    print(f"{label:<44} median {statistics.median(samples):7.1f} ms   max {samples[-1]:7.1f} ms")


def bench(url: str, runs: int) -> None:
    counts = generate(url)
    print(f"{url.split('://')[0]}: {counts}")
    after_startup(url)  # warm caches
    timed("progress after start-up (in-process)", lambda: after_startup(url), runs)
    command = [EXE, "--db", url, "progress", "--json"]
    whole = lambda: subprocess.run(command, check=True, capture_output=True)  # noqa: E731
    timed("bedstretch progress --json (whole process)", whole, max(3, runs // 4))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--postgres", action="store_true", help="also on PostgreSQL")
    options = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="bedstretch-progress-"))
    bench(f"sqlite:///{home / 'journal.sqlite3'}", options.runs)
    if options.postgres:
        import psycopg

        name = f"bedstretch_bench_{secrets.token_hex(4)}"
        with psycopg.connect("postgresql://postgres@127.0.0.1/postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
            try:
                bench(f"postgresql+psycopg://postgres@127.0.0.1/{name}", options.runs)
            finally:
                admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
