"""Export speed over five years of daily practice (in-process, what `bedstretch export` does).

Run: .venv/bin/python benchmarks/export.py [URL] [--runs N]
  Without URL, a throwaway SQLite journal is filled by benchmarks/make_journal.py first
  (~1,800 sessions, ~20,000 steps). Give a URL (e.g. postgresql+psycopg://...) to time another
  journal; fill it first with make_journal.py.
Target (issue 4): exporting JSON <= 1 s.

Each run: open the journal, read every record (export_records), build the document and
serialise it (json.dumps, as the CLI does), as the `export` command would; the same for the FHIR
bundle and the CSV tables (written into memory). Also, once: parsing the JSON back and importing
it into a new SQLite journal (`bedstretch import`), for information.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bedstretch.core.exchange import csv_tables, fhir_bundle, journal_document, parse_document
from bedstretch.journal import open_journal
from bedstretch.journal.exchange import export_records, import_batch
from make_journal import generate


def export_json(url: str) -> str:
    with open_journal(url) as journal:
        records = export_records(journal)
    document = journal_document(**records, exported_at=datetime.now(UTC))
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def export_fhir(url: str) -> str:
    with open_journal(url) as journal:
        records = export_records(journal)
    bundle = fhir_bundle(
        sessions=records["sessions"], checkins=records["checkins"], exported_at=datetime.now(UTC)
    )
    return json.dumps(bundle, indent=2, ensure_ascii=False)


def export_csv(url: str) -> int:
    with open_journal(url) as journal:
        records = export_records(journal)
    size = 0
    for header, rows in csv_tables(**records).values():
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        size += len(buffer.getvalue())
    return size


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - began) * 1000)
    return statistics.median(samples), max(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url", nargs="?", help="journal URL (default: a new 5-year SQLite file)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bedstretch-export-"))
    try:
        run(args.url, args.runs, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def run(given: str | None, runs: int, scratch: Path) -> None:
    url = given or f"sqlite:///{scratch / 'five-years.sqlite3'}"
    if given is None:
        counts = generate(url)
        print(f"journal: {counts['sessions']} sessions, {counts['steps']} steps, "
              f"{counts['checkins']} check-ins (SQLite)")  # fmt: skip
    text = export_json(url)  # warm: imports, the dialect, the file cache
    print(f"JSON size: {len(text) / 1e6:.1f} MB; median of {runs} runs (max):")
    for name, fn in (
        ("export json (target <= 1000 ms)", lambda: export_json(url)),
        ("export fhir", lambda: export_fhir(url)),
        ("export csv", lambda: export_csv(url)),
    ):
        median, worst = timed(fn, runs)
        print(f"  {name:34} {median:7.0f} ms ({worst:.0f})")
    began = time.perf_counter()
    batch = parse_document(json.loads(text))
    with open_journal(f"sqlite:///{scratch / 'imported.sqlite3'}") as target:
        added = import_batch(target, batch)
    took = (time.perf_counter() - began) * 1000
    print(f"  {'import json, once (new journal)':34} {took:7.0f} ms: {added.summary()}")


if __name__ == "__main__":
    main()
