"""The bedstretch command line: listings, JSON contracts, plans, timelines and bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bedstretch import __version__
from tests.conftest import Result, hold_exercise

Run = Callable[..., Result]
EXERCISE_KEYS = {
    "id", "name", "aliases", "position", "per_side", "hold_seconds", "reps", "sets",
    "equipment", "sources", "variants",
}  # fmt: skip
ROUTINE_KEYS = {"id", "name", "steps", "total_seconds"}
CUE_KEYS = {"at", "kind", "text", "exercise", "side", "rep"}


def as_json(result: Result) -> Any:
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_version_prints_name_and_version(run: Run) -> None:
    result = run("--version")
    assert (result.code, result.out) == (0, f"bedstretch {__version__}\n")


def test_help_lists_every_command(run: Run) -> None:
    out = run("--help").out
    for command in ("exercises", "show", "routines", "plan", "timeline"):
        assert command in out


# --------------------------------------------------------------------------- exercises


def test_exercises_lists_every_stretch_with_its_variants_as_plain_text(run: Run) -> None:
    result = run("exercises")
    lines = result.out.splitlines()
    assert lines[0].split() == ["ID", "NAME", "POSITION", "DOSE", "SOURCES"]
    assert any(line.startswith("knee-to-chest ") and "000#2, 000#9" in line for line in lines)
    assert any(line.strip().startswith("+legs-straight") for line in lines)
    assert "\x1b[" not in result.out  # no colour codes in a pipe


def test_exercises_json_follows_the_contract(run: Run) -> None:
    data = as_json(run("exercises", "--json"))
    assert len(data) == 14
    for exercise in data:
        assert exercise.keys() >= EXERCISE_KEYS
        assert set(exercise["equipment"]) == {"required", "optional"}
        assert all(set(s) == {"file", "item"} for s in exercise["sources"])
        assert exercise["hold_seconds"] is None or len(exercise["hold_seconds"]) == 2
        assert len(exercise["sets"]) == 2
    hamstring = next(e for e in data if e["id"] == "hamstring")
    assert hamstring["per_side"] is True
    assert hamstring["hold_seconds"] == [20, 30]
    assert hamstring["reps"] is None
    assert hamstring["equipment"]["optional"] == ["towel", "band"]


def test_exercises_can_be_filtered_by_position_and_target(run: Run) -> None:
    data = as_json(run("exercises", "--json", "--position", "prone"))
    assert [e["id"] for e in data] == ["prone-quad"]
    data = as_json(run("exercises", "--json", "--target", "hamstrings"))
    assert "hamstring" in [e["id"] for e in data]


def test_show_prints_every_variant_with_steps_and_sources(run: Run) -> None:
    out = run("show", "cat-cow").out
    assert "Cat-cow on hands and knees  [hands-and-knees]  (default)" in out
    assert "Cat-cow lying on your back  [lying]" in out
    assert "article 001_685499354663a4a4.txt, item 7" in out
    assert "Take care:" in out


def test_show_finds_an_exercise_by_alias(run: Run) -> None:
    assert as_json(run("show", "piriformis stretch", "--json"))["id"] == "figure-four"


def test_show_of_an_unknown_exercise_is_one_line_and_exit_2(run: Run) -> None:
    result = run("show", "backflip")
    assert result.code == 2
    assert result.err == "bedstretch: ID: no exercise 'backflip' (see `bedstretch exercises`)\n"


# --------------------------------------------------------------------------- routines


def test_routines_lists_the_four_shipped_routines(run: Run) -> None:
    data = as_json(run("routines", "--json"))
    assert [r["id"] for r in data] == ["in-bed", "lying-only", "morning", "quick"]
    for routine in data:
        assert routine.keys() >= ROUTINE_KEYS
        assert all("exercise" in step for step in routine["steps"])
    quick = next(r for r in data if r["id"] == "quick")
    assert 4 * 60 <= quick["total_seconds"] <= 6 * 60


def test_routines_table_shows_length_in_minutes(run: Run) -> None:
    lines = run("routines").out.splitlines()
    assert lines[0].split()[:4] == ["ID", "NAME", "STEPS", "LENGTH"]
    assert any(line.startswith("morning ") for line in lines)


# --------------------------------------------------------------------------- plan


def test_plan_for_five_minutes_lying_only(run: Run) -> None:
    data = as_json(run("plan", "--minutes", "5", "--lying-only", "--json"))
    assert data.keys() >= ROUTINE_KEYS
    assert data["total_seconds"] <= 300
    assert data["steps"][0]["exercise"] == "starting-position"
    assert data["steps"][-1]["exercise"] == "relaxation"
    assert {s["position"] for s in data["steps"]} <= {"supine", "prone", "side-lying"}
    assert data["constraints"]["positions"] == ["prone", "side-lying", "supine"]
    reasons = {lo["exercise"]: lo["reason"] for lo in data["left_out"]}
    assert reasons["childs-pose"] == "needs kneeling on the bed"


def test_plan_accepts_equipment_exclusions_and_targets(run: Run) -> None:
    data = as_json(
        run("plan", "-m", "15", "--no-standing", "-e", "towel,band", "-x", "hamstring",
            "-t", "lower-back", "--json")
    )  # fmt: skip
    ids = [s["exercise"] for s in data["steps"]]
    assert "hamstring" not in ids
    assert all(s["position"] != "standing" for s in data["steps"])
    assert data["constraints"]["equipment"] == ["band", "towel"]


def test_plan_prints_a_readable_table(run: Run) -> None:
    out = run("plan", "--minutes", "5", "--lying-only").out
    assert out.startswith("Planned for 5 minutes; positions: prone, side-lying, supine.\n")
    assert "Starting position" in out
    assert "Left out:" in out


def test_a_saved_plan_plays_as_a_routine_file(run: Run, tmp_path: Path) -> None:
    saved = tmp_path / "mine.toml"
    planned = as_json(run("plan", "-m", "8", "--save", str(saved), "--json"))
    timeline = as_json(run("timeline", str(saved), "--json"))
    assert timeline["total_seconds"] == planned["total_seconds"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["plan", "--minutes", "1"],
            "bedstretch: --minutes: 1 min is too short: the shortest plan",
        ),
        (
            ["plan", "--minutes", "abc"],
            "bedstretch plan: Invalid value for '--minutes' / '-m': 'abc' is not a valid float",
        ),
        (
            ["plan", "--minutes", "0"],
            "bedstretch plan: Invalid value for '--minutes' / '-m': 0.0 is not in the range",
        ),
        (["plan", "--exclude", "backflip"], "bedstretch: --exclude: no exercise 'backflip'"),
        (
            ["plan", "--exclude", "relaxation"],
            "bedstretch: --exclude: 'relaxation' opens or closes every plan",
        ),
        (
            ["plan", "--avoid", "air"],
            "bedstretch plan: Invalid value for '--avoid': 'air' is not one of",
        ),
        (
            ["plan", "--minuts", "5"],
            "bedstretch plan: No such option '--minuts'. Did you mean '--minutes'?",
        ),
        (["timeline"], "bedstretch timeline: Missing argument 'ROUTINE'."),
        (
            ["timeline", "evening"],
            "bedstretch: ROUTINE: no routine 'evening' (known: in-bed, lying-only, morning, quick; or give a .toml file)",
        ),
        (["timeline", "missing.toml"], "bedstretch: ROUTINE: no routine file 'missing.toml'"),
        (["dance"], "bedstretch: No such command 'dance'."),
    ],
)
def test_bad_arguments_get_one_line_and_exit_2(run: Run, args: list[str], message: str) -> None:
    result = run(*args)
    assert result.code == 2
    assert result.err.startswith(message), result.err
    assert result.err.count("\n") == 1
    assert result.out == ""


# --------------------------------------------------------------------------- timeline


def test_timeline_json_follows_the_contract(run: Run) -> None:
    data = as_json(run("timeline", "morning", "--json"))
    assert data["total_seconds"] == data["cues"][-1]["at"]
    for cue in data["cues"]:
        assert cue.keys() >= CUE_KEYS
    sides = {c["side"] for c in data["cues"]}
    assert sides == {None, "right", "left"}


def test_timeline_summary_has_one_line_per_exercise(run: Run) -> None:
    out = run("timeline", "morning", "--summary").out
    lines = out.splitlines()
    assert lines[0].startswith("Morning routine (morning): 7 exercises, ")
    assert lines[1].split()[:3] == ["#", "AT", "EXERCISE"]
    assert len(lines) == 2 + 7 + 1
    assert lines[-1].startswith("Total ")


def test_timeline_lists_every_cue_second_by_second(run: Run) -> None:
    out = run("timeline", "quick").out
    assert "switch_sides" in out
    assert "Bring your right knee up. Get ready." in out
    assert "All done." in out


# --------------------------------------------------------------------------- user content


def test_user_content_from_the_option_and_the_environment(
    run: Run, user_content: Callable[[str, str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = user_content("exercises/bridge.toml", hold_exercise())
    ids = [e["id"] for e in as_json(run("--content", str(root), "exercises", "--json"))]
    assert "bridge" in ids
    monkeypatch.setenv("BEDSTRETCH_CONTENT", str(root))
    assert "bridge" in [e["id"] for e in as_json(run("exercises", "--json"))]


def test_bad_user_content_prints_every_problem_and_exits_2(
    run: Run, user_content: Callable[[str, str], Path]
) -> None:
    user_content("exercises/bridge.toml", hold_exercise(position="air"))
    root = user_content("routines/r.toml", 'id = "r"\nname = "R"\n[[steps]]\nexercise = "brige"\n')
    result = run("--content", str(root), "routines")
    assert result.code == 2
    assert result.err.splitlines() == [
        f"{root}/exercises/bridge.toml: position: 'air' is not one of: supine, prone, side-lying, "
        "kneeling, hands-and-knees, seated, standing",
        f"{root}/routines/r.toml: steps[0].exercise: routine 'r' references unknown exercise 'brige'",
    ]


def test_a_bad_routine_file_given_to_timeline_names_the_file(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "r.toml"
    path.write_text('id = "r"\nname = "R"\n[[steps]]\nexercise = "figure-four"\nsets = 9\n')
    result = run("timeline", str(path))
    assert result.code == 2
    assert result.err == (
        f"{path}: steps[0].sets: 9 is outside the exercise's range 1-3 (figure-four, variant 'standard')\n"
    )


# --------------------------------------------------------------------------- the real program


def bedstretch(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bedstretch.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
        timeout=60,
    )


def test_the_installed_console_script_runs() -> None:
    script = Path(sys.executable).with_name("bedstretch")
    done = subprocess.run([str(script), "--version"], capture_output=True, text=True, check=False)
    assert done.stdout == f"bedstretch {__version__}\n"


def test_a_broken_pipe_is_not_a_traceback() -> None:
    done = subprocess.run(
        f"{sys.executable} -m bedstretch.cli timeline in-bed | head -1",
        shell=True,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.stdout.startswith("In-bed routine")
    assert "Traceback" not in done.stderr


def test_invalid_toml_in_user_content_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "exercises").mkdir()
    (tmp_path / "exercises" / "x.toml").write_text("id = [\n")
    done = bedstretch("exercises", env={"BEDSTRETCH_CONTENT": str(tmp_path)})
    assert done.returncode == 2
    assert done.stderr.startswith(f"{tmp_path}/exercises/x.toml: invalid TOML: ")
    assert done.stderr.count("\n") == 1


def test_cli_reference_in_docs_is_up_to_date() -> None:
    docs = Path(__file__).resolve().parents[1] / "docs" / "cli.md"
    done = subprocess.run(
        [sys.executable, "-m", "bedstretch.clidoc", "--check", str(docs)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_a_missing_content_directory_is_one_line_and_exit_2(run: Run, tmp_path: Path) -> None:
    result = run("--content", str(tmp_path / "nope"), "exercises")
    assert result.code == 2
    assert result.err == f"{tmp_path / 'nope'}: content directory does not exist\n"


def test_every_command_lives_in_the_module_the_group_names() -> None:
    import importlib

    from bedstretch.cli.root import COMMANDS, cli

    for module in set(COMMANDS.values()):
        importlib.import_module(f"bedstretch.cli.{module}")
    assert set(cli.commands) == set(COMMANDS)
    for name, module in COMMANDS.items():
        assert cli.commands[name].callback.__module__ == f"bedstretch.cli.{module}"  # type: ignore[union-attr]


def test_the_version_imports_no_command_and_no_content() -> None:
    code = (
        "import sys; from bedstretch.cli import main; main(['--version']); "
        "print(sorted(m for m in sys.modules if m.startswith(('bedstretch.cli.', "
        "'bedstretch.catalog', 'bedstretch.services'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines()[-1] == "['bedstretch.cli.root']"
