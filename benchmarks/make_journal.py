"""Five years of daily practice in a journal: the data behind the progress and export figures.

Run: .venv/bin/python benchmarks/make_journal.py URL [--years 5] [--seed 1]
  e.g. .venv/bin/python benchmarks/make_journal.py sqlite:////tmp/five-years.sqlite3
       .venv/bin/python benchmarks/make_journal.py postgresql+psycopg://postgres@127.0.0.1/bench

Writes into the journal at URL (created and migrated if new; existing records are kept):
about 1,800 sessions (one most mornings; a few days missed), ~11 steps each (~20,000 steps; the
shipped routines' real blocks and snapshots, mostly `morning`), realistic statuses (mostly
completed; some stopped, a few safety stops and interrupted sessions; some skipped and pain-skipped
steps with pain events), a daily pain check-in slowly improving from ~6 to ~2, the PEG scale once
a week, a screening every four weeks, a few rescreen requests and exercise restores. The same seed
gives the same journal (uids included). Bulk SQLAlchemy Core inserts: a few seconds.
"""

from __future__ import annotations

import argparse
import random
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from bedstretch.catalog import load_catalog
from bedstretch.core.safety import QUESTION_IDS
from bedstretch.core.serialize import routine_dict
from bedstretch.core.timeline import Timeline, compile_timeline
from bedstretch.journal import open_journal
from bedstretch.journal.schema import (
    checkins,
    events,
    exercise_restores,
    rescreen_requests,
    screenings,
    sessions,
    steps,
)

START = date(2021, 1, 4)
ROUTINES = (("morning", 0.8), ("in-bed", 0.1), ("quick", 0.1))


def _uid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _pain_today(rng: random.Random, day: int, days: int) -> int:
    """~6 at first, ~2 after a year or so, with day-to-day noise and the odd flare-up."""
    trend = 2 + 4 * max(0.0, 1 - day / min(days, 400))
    flare = 3 if rng.random() < 0.02 else 0
    return max(0, min(10, round(rng.gauss(trend, 1.0)) + flare))


def generate(url: str, years: float = 5, seed: int = 1) -> dict[str, int]:
    """Fill the journal at ``url``; returns how many rows of each kind were written."""
    rng = random.Random(seed)
    catalog = load_catalog()
    compiled: dict[str, tuple[dict[str, Any], Timeline]] = {}
    for name, _ in ROUTINES:
        routine = catalog.routines[name]
        timeline = compile_timeline(routine, catalog.moves)
        snapshot = {
            "routine": routine_dict(routine, timeline),
            "blocks": [b.to_dict() for b in timeline.blocks],
            "total_seconds": timeline.total_seconds,
        }
        compiled[name] = (snapshot, timeline)
    names = [name for name, _ in ROUTINES]
    weights = [weight for _, weight in ROUTINES]

    days = round(365.25 * years)
    screening_rows: list[dict[str, Any]] = []
    session_rows: list[dict[str, Any]] = []
    step_rows: list[tuple[str, dict[str, Any]]] = []  # (session uid, row)
    event_rows: list[tuple[str, dict[str, Any]]] = []
    checkin_rows: list[dict[str, Any]] = []
    restore_rows: list[dict[str, Any]] = []
    rescreen_rows: list[dict[str, Any]] = []

    for n in range(days):
        day = START + timedelta(days=n)
        morning = datetime(day.year, day.month, day.day, 6, 30, tzinfo=UTC)
        morning += timedelta(minutes=rng.randint(0, 90), seconds=rng.random() * 60)
        pain = _pain_today(rng, n, days)
        if n % 28 == 0:
            screening_rows.append(
                {
                    "uid": _uid(rng),
                    "taken_at": morning - timedelta(minutes=3),
                    "outcome": "ok",
                    "reasons": [],
                    "answers": dict.fromkeys(QUESTION_IDS, False),
                    "age": 46 + n / 365.25,
                    "cleared_at": None,
                }
            )
        checkin_rows.append(
            {
                "uid": _uid(rng),
                "day": day,
                "pain": pain,
                "peg_pain": None,
                "peg_enjoyment": None,
                "peg_activity": None,
                "created_at": morning - timedelta(minutes=1),
            }
        )
        if day.weekday() == 6:  # PEG on Sundays
            checkin_rows[-1].update(
                peg_pain=pain,
                peg_enjoyment=max(0, min(10, pain + rng.randint(-1, 2))),
                peg_activity=max(0, min(10, pain + rng.randint(-1, 1))),
            )
        if rng.random() < 0.02:
            continue  # a missed day
        name = rng.choices(names, weights)[0]
        snapshot, timeline = compiled[name]
        session_uid = _uid(rng)
        roll = rng.random()
        status = (
            "completed"
            if roll < 0.93
            else "stopped"
            if roll < 0.975
            else "interrupted"
            if roll < 0.993
            else "safety_stop"
        )
        blocks = timeline.blocks
        played = len(blocks) if status == "completed" else rng.randint(1, len(blocks))
        last = morning
        for block in blocks[:played]:
            finished = morning + timedelta(seconds=block.end)
            kind = rng.random()
            step_status, reason, actual = "done", None, block.target_seconds
            if kind < 0.01 or (status == "safety_stop" and block is blocks[played - 1]):
                step_status, reason, actual = "pain_skip", "sharp pain", rng.randint(1, 10)
                event_rows.append(
                    (
                        session_uid,
                        {
                            "id": _uid(rng),
                            "kind": "tingling" if status == "safety_stop" else "sharp",
                            "at": float(block.at + actual),
                            "created_at": morning + timedelta(seconds=block.at + actual),
                            "value": None,
                            "step": block.step,
                            "exercise": block.exercise,
                        },
                    )
                )
            elif kind < 0.04:
                step_status, actual = "skipped", rng.randint(0, 5)
            elif kind < 0.06:
                seconds = float(block.at + rng.randint(1, max(1, block.target_seconds)))
                event_rows.append(
                    (
                        session_uid,
                        {
                            "id": _uid(rng),
                            "kind": "pain",
                            "at": seconds,
                            "created_at": morning + timedelta(seconds=seconds),
                            "value": min(10, pain + 1),
                            "step": block.step,
                            "exercise": block.exercise,
                        },
                    )
                )
            step_rows.append(
                (
                    session_uid,
                    {
                        "block": block.index,
                        "step": block.step,
                        "exercise": block.exercise,
                        "variant": block.variant,
                        "side": block.side,
                        "set_number": block.set,
                        "status": step_status,
                        "target_seconds": block.target_seconds,
                        "target_reps": block.target_reps,
                        "actual_seconds": actual,
                        "actual_reps": block.target_reps if step_status == "done" else None,
                        "finished_at": finished,
                        "reason": reason,
                    },
                )
            )
            last = finished
        if rng.random() < 0.05:
            at = float(rng.randint(10, max(11, blocks[played - 1].end)))
            for offset, kind_name in ((0.0, "pause"), (20.0, "resume")):
                event_rows.append(
                    (
                        session_uid,
                        {
                            "id": _uid(rng),
                            "kind": kind_name,
                            "at": at + offset,
                            "created_at": morning + timedelta(seconds=at + offset),
                            "value": None,
                            "step": None,
                            "exercise": None,
                        },
                    )
                )
        if status == "safety_stop":
            rescreen_rows.append({"at": last, "reason": "tingling reported in a session"})
        session_rows.append(
            {
                "uid": session_uid,
                "routine_id": name,
                "routine_name": snapshot["routine"]["name"],
                "snapshot": snapshot,
                "status": status,
                "started_at": morning,
                "ended_at": last + timedelta(seconds=5),
                "pain_before": pain,
                "pain_after": max(0, pain - rng.choice((0, 1, 1, 2)))
                if status != "stopped"
                else None,
                "pid": None,
                "host": None,
            }
        )
        if n % 300 == 299:
            restore_rows.append({"exercise": "figure-four", "at": last + timedelta(hours=2)})

    journal = open_journal(url)
    try:
        with journal._write() as connection:
            for table, rows in (
                (screenings, screening_rows),
                (sessions, session_rows),
                (checkins, checkin_rows),
                (exercise_restores, restore_rows),
                (rescreen_requests, rescreen_rows),
            ):
                if rows:
                    connection.execute(sa.insert(table), rows)
            ids = dict(connection.execute(sa.select(sessions.c.uid, sessions.c.id)).all())
            for table, children in ((steps, step_rows), (events, event_rows)):
                rows = [{**row, "session_id": ids[uid]} for uid, row in children]
                if rows:
                    connection.execute(sa.insert(table), rows)
    finally:
        journal.close()
    return {
        "sessions": len(session_rows),
        "steps": len(step_rows),
        "events": len(event_rows),
        "checkins": len(checkin_rows),
        "screenings": len(screening_rows),
        "restores": len(restore_rows),
        "rescreens": len(rescreen_rows),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="journal URL, e.g. sqlite:////tmp/five-years.sqlite3")
    parser.add_argument("--years", type=float, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    began = time.perf_counter()
    counts = generate(args.url, args.years, args.seed)
    took = time.perf_counter() - began
    print(", ".join(f"{n} {name}" for name, n in counts.items()) + f" written in {took:.1f} s")


if __name__ == "__main__":
    main()
