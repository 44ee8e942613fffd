"""Whole sessions through the real program: scripted, pain-stopped, killed, and in history."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

from tests.e2e.conftest import Bed

QUICK = ["start", "quick", "--speed", "60", "--no-voice"]


def test_a_session_needs_a_screening_first(sqlite_bed: Bed) -> None:
    done = sqlite_bed.run(*QUICK, "--pain-before", "2", "--no-input")
    assert done.returncode == 3
    assert done.stderr.strip().endswith(
        "screening needed: no screening on record yet; answer it with `bedstretch screen` "
        "(or `bedstretch screen --answers FILE`) first"
    )
    assert sqlite_bed.history() == []


def test_a_scripted_session_with_a_pain_rise_lands_in_history(bed: Bed) -> None:
    bed.screen_ok()
    proc = bed.popen(*QUICK)
    assert proc.stdin is not None
    assert proc.stdout is not None
    proc.stdin.write("2\n")  # pain before, answered on standard input
    for line in proc.stdout:
        if "Cross your right ankle" in line:  # figure-four, right side, about to hold
            proc.stdin.write("pain 5\n")  # 2 -> 5 skips the stretch
            proc.stdin.write("#  comments and blank lines are ignored\n\n")
            proc.stdin.flush()
            break
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Skipped (pain 5/10, up from 2)" in out
    [session] = bed.history()
    assert session["status"] == "completed"
    assert session["pain_before"] == 2
    assert session["pain_after"] is None  # standard input had ended: not asked again
    steps = [(s["exercise"], s["side"], s["status"]) for s in session["steps"]]  # type: ignore[index]
    assert ("knee-to-chest", "right", "done") in steps
    assert ("figure-four", "right", "pain_skip") in steps
    assert ("figure-four", "left", "pain_skip") in steps
    assert steps[-1] == ("relaxation", None, "done")
    kinds = [e["kind"] for e in session["events"]]  # type: ignore[index]
    assert [k for k in kinds if k != "step_done"] == ["pain", "complete"]
    assert kinds.count("step_done") == len(steps), "each block's result is an event too"


def test_tingling_stops_the_session_and_a_new_screening_is_needed(sqlite_bed: Bed) -> None:
    sqlite_bed.screen_ok()
    proc = sqlite_bed.popen(*QUICK, "--pain-before", "1", "--pain-after", "1")
    assert proc.stdin is not None
    assert proc.stdout is not None
    for line in proc.stdout:
        if " hold " in line:
            proc.stdin.write("tingling\n")
            proc.stdin.flush()
            break
    out, _ = proc.communicate(timeout=60)
    assert "Stopped for your safety (tingling or numbness)" in out
    [session] = sqlite_bed.history()
    assert session["status"] == "safety_stop"
    statuses = {s["status"] for s in session["steps"]}  # type: ignore[index]
    assert statuses == {"done", "pain_skip", "not_reached"}
    again = sqlite_bed.run(*QUICK, "--pain-before", "1", "--no-input")
    assert again.returncode == 3
    assert "you reported something new (tingling or numbness in a session)" in again.stderr


def test_quit_on_standard_input_keeps_the_session_as_stopped(sqlite_bed: Bed) -> None:
    sqlite_bed.screen_ok()
    done = sqlite_bed.run(*QUICK, "--pain-before", "3", "--pain-after", "2", stdin="quit\n")
    assert done.returncode == 0, done.stderr
    [session] = sqlite_bed.history()
    assert (session["status"], session["pain_after"]) == ("stopped", 2)


def test_a_session_killed_with_sigkill_keeps_every_finished_step(
    sqlite_bed: Bed, tmp_path: Path
) -> None:
    sqlite_bed.screen_ok()
    log = tmp_path / "cues.jsonl"
    proc = sqlite_bed.popen(
        "start", "in-bed", "--speed", "40", "--no-voice", "--no-input", "--pain-before", "2",
        "--cue-log", str(log),
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        releases = (
            [x for x in log.read_text().splitlines() if '"release"' in x] if log.exists() else []
        )
        if len(releases) >= 5:
            break
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    logged = [json.loads(x) for x in log.read_text().splitlines()]
    released = sum(1 for c in logged if c["kind"] == "release")
    assert released >= 5
    [session] = sqlite_bed.history()
    assert session["status"] == "interrupted"
    assert session["ended_at"] is not None
    done = [s for s in session["steps"] if s["status"] == "done"]  # type: ignore[index]
    assert len(done) >= released, "a step whose release cue fired was lost"
    assert {s["status"] for s in session["steps"]} == {"done", "not_reached"}  # type: ignore[index]


def test_trouble_in_two_sessions_leaves_an_exercise_out_until_restored(sqlite_bed: Bed) -> None:
    sqlite_bed.screen_ok()
    for _ in range(2):
        proc = sqlite_bed.popen(*QUICK, "--pain-before", "1", "--pain-after", "1")
        assert proc.stdin is not None
        assert proc.stdout is not None
        for line in proc.stdout:
            if " hold " in line and "right" in line:
                proc.stdin.write("sharp\n")  # knee-to-chest is the first hold
                proc.stdin.flush()
                break
        proc.communicate(timeout=60)
    third = sqlite_bed.run(*QUICK, "--pain-before", "1", "--pain-after", "1", "--no-input")
    assert "leaving out knee-to-chest: it caused trouble in two sessions" in third.stderr
    assert "knee-to-chest" not in {s["exercise"] for s in sqlite_bed.history()[0]["steps"]}  # type: ignore[index]
    restored = sqlite_bed.run("exercises", "--restore", "knee-to-chest")
    assert restored.stdout == "Restored knee-to-chest: sessions and plans include it again.\n"
    fourth = sqlite_bed.run(*QUICK, "--pain-before", "1", "--pain-after", "1", "--no-input")
    assert "leaving out" not in fourth.stderr


def test_history_lists_sessions_newest_first_for_people(sqlite_bed: Bed) -> None:
    sqlite_bed.screen_ok()
    for pain in (3, 2):
        sqlite_bed.run(*QUICK, "--pain-before", str(pain), "--pain-after", "1", "--no-input")
    table = sqlite_bed.run("history").stdout.splitlines()
    assert table[0].split() == ["ID", "STARTED", "ROUTINE", "STATUS", "LENGTH", "PAIN", "DONE"]
    assert table[1].split()[0] == "2"
    assert "2 -> 1" in table[1]
