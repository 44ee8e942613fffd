"""Screening through the real program: scripted answers, errors, and what it unlocks or blocks."""

from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import Bed

QUICK = ["start", "quick", "--speed", "60", "--no-voice", "--no-input", "--pain-before", "2"]


def test_scripted_screening_prints_the_json_contract(sqlite_bed: Bed) -> None:
    done = sqlite_bed.run(
        "screen", "--answers", str(sqlite_bed.answers(age=60, new_pain=True)), "--json"
    )
    assert done.returncode == 0
    result = json.loads(done.stdout)
    assert (result["outcome"], result["reasons"]) == ("urgent", ["new_pain"])
    assert "doctor" in result["advice"]


def test_an_emergency_blocks_sessions_until_a_clear_screening(sqlite_bed: Bed) -> None:
    sqlite_bed.run("screen", "--answers", str(sqlite_bed.answers(bladder=True)))
    blocked = sqlite_bed.run(*QUICK)
    assert blocked.returncode == 3
    assert "emergency" in blocked.stderr
    assert sqlite_bed.run(*QUICK, "--cleared").returncode == 3  # --cleared never lifts an emergency
    sqlite_bed.screen_ok()
    assert sqlite_bed.run(*QUICK).returncode == 0


def test_an_urgent_result_needs_a_clinicians_clearance_which_is_recorded(sqlite_bed: Bed) -> None:
    sqlite_bed.run("screen", "--answers", str(sqlite_bed.answers(fever=True)))
    assert sqlite_bed.run(*QUICK).returncode == 3
    allowed = sqlite_bed.run(*QUICK, "--cleared")
    assert allowed.returncode == 0, allowed.stderr
    assert sqlite_bed.run(*QUICK).returncode == 0  # the clearance stays recorded


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", "is not valid JSON"),
        ('{"age": 40}', "bladder: missing answer"),
        ("[]", "answers: must be a JSON object"),
    ],
)
def test_bad_answer_files_are_one_line_and_exit_2(
    sqlite_bed: Bed, content: str, message: str
) -> None:
    path = sqlite_bed.home / "bad.json"
    path.write_text(content)
    done = sqlite_bed.run("screen", "--answers", str(path), "--json")
    assert done.returncode == 2
    assert message in done.stderr
    assert done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr


def test_unknown_ids_and_non_numeric_ages_are_errors(sqlite_bed: Bed) -> None:
    answers = json.loads(sqlite_bed.answers().read_text())
    for broken, message in ((answers | {"dizzy": True}, "dizzy: unknown question id"),
                            (answers | {"age": "old"}, "age: must be a number")):  # fmt: skip
        path = sqlite_bed.home / "broken.json"
        path.write_text(json.dumps(broken))
        done = sqlite_bed.run("screen", "--answers", str(path))
        assert (done.returncode, message in done.stderr) == (2, True), done.stderr


def test_interactive_screening_needs_a_terminal(sqlite_bed: Bed) -> None:
    done = sqlite_bed.run("screen")
    assert done.returncode == 2
    assert done.stderr == (
        "bedstretch: --answers: standard input is not a terminal; give the answers as a JSON file\n"
    )


def test_a_bad_database_url_is_one_line(sqlite_bed: Bed) -> None:
    done = sqlite_bed.run("--db", "nosuch://x", "history")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr
