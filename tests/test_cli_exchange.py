"""`bedstretch export`, `import` and `remind`: files out, files in, one-line errors, exit 2."""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import zipfile
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import icalendar
import pytest

from bedstretch.core.records import EventKind, SessionStatus, StepStatus
from bedstretch.core.safety import QUESTION_IDS
from bedstretch.journal import open_journal
from tests.conftest import Result
from tests.journal.builders import T0, at, event, start, step

Run = Callable[..., Result]
TABLES = {
    "screenings",
    "sessions",
    "steps",
    "events",
    "checkins",
    "exercise_restores",
    "rescreen_requests",
}


@pytest.fixture
def db(tmp_path: Path) -> str:
    """A journal file with a screening, two sessions and two check-ins."""
    url = f"sqlite:///{tmp_path / 'journal.sqlite3'}"
    with open_journal(url) as journal:
        journal.add_screening(
            taken_at=T0 - timedelta(minutes=5), outcome="ok", reasons=[], answers={}, age=40
        )
        first = start(journal, T0, pain_before=5)
        journal.record_step(first, step(0))
        journal.record_step(first, step(1, status=StepStatus.PAIN_SKIP, reason="sharp pain"))
        journal.record_event(first, event(EventKind.SHARP, seconds=70))
        journal.finish_session(first, status=SessionStatus.COMPLETED, ended_at=at(9), pain_after=3)
        second = start(journal, T0 + timedelta(days=1), pain_before=4)
        journal.finish_session(
            second,
            status=SessionStatus.COMPLETED,
            ended_at=T0 + timedelta(days=1, minutes=8),
            pain_after=2,
        )
        journal.add_checkin(day=date(2025, 3, 1), created_at=T0, pain=5)
        journal.add_checkin(day=date(2025, 3, 2), created_at=at(1440), pain=4, peg=(5, 6, 4))
    return url


@pytest.fixture
def empty_db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'empty.sqlite3'}"


def exported(run: Run, db: str) -> dict[str, Any]:
    result = run("--db", db, "export", "--format", "json")
    assert result.code == 0, result.err
    data: dict[str, Any] = json.loads(result.out)
    return data


def one_line_error(result: Result) -> str:
    assert result.code == 2
    assert result.out == ""
    lines = result.err.splitlines()
    assert len(lines) == 1, result.err
    assert "Traceback" not in result.err
    return lines[0]


def journal_content(run: Run, db: str) -> dict[str, Any]:
    data = exported(run, db)
    del data["exported_at"]
    return data


# --------------------------------------------------------------------------- export


def test_export_json_prints_the_whole_journal(run: Run, db: str) -> None:
    data = exported(run, db)
    assert (data["format"], data["version"]) == ("bedstretch-journal", 1)
    assert [len(data[k]) for k in ("screenings", "sessions", "checkins")] == [1, 2, 2]
    assert [s["status"] for s in data["sessions"][0]["steps"]] == ["done", "pain_skip"]


def test_export_is_json_by_default_and_writes_a_file_with_out(
    run: Run, db: str, tmp_path: Path
) -> None:
    out = tmp_path / "journal.json"
    result = run("--db", db, "export", "--out", str(out))
    assert result.code == 0, result.err
    assert result.out == ""
    assert json.loads(out.read_text(encoding="utf-8"))["format"] == "bedstretch-journal"


def test_export_fhir_is_a_valid_r4_bundle(run: Run, db: str) -> None:
    from fhir.resources.R4B.bundle import Bundle

    result = run("--db", db, "export", "--format", "fhir")
    assert result.code == 0, result.err
    bundle = Bundle.model_validate_json(result.out)
    # 2 sessions x (before, after) + 2 check-in pains + 1 PEG
    assert len(bundle.entry) == 7
    codes = [entry.resource.code.coding[0].code for entry in bundle.entry]
    assert codes.count("72514-3") == 6
    assert codes.count("91148-7") == 1


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_export_csv_writes_one_table_per_record_type_into_a_directory(
    run: Run, db: str, tmp_path: Path
) -> None:
    out = tmp_path / "tables"
    result = run("--db", db, "export", "--format", "csv", "--out", str(out))
    assert result.code == 0, result.err
    assert {p.stem for p in out.glob("*.csv")} == TABLES
    sessions = read_csv((out / "sessions.csv").read_text(encoding="utf-8"))
    steps = read_csv((out / "steps.csv").read_text(encoding="utf-8"))
    assert [s["pain_before"] for s in sessions] == ["5", "4"]
    assert {s["session_uid"] for s in steps} == {sessions[0]["uid"]}
    checkins = read_csv((out / "checkins.csv").read_text(encoding="utf-8"))
    assert checkins[1]["peg_score"] == "5.0"


def test_export_csv_writes_a_zip_file(run: Run, db: str, tmp_path: Path) -> None:
    out = tmp_path / "tables.zip"
    result = run("--db", db, "export", "--format", "csv", "--out", str(out))
    assert result.code == 0, result.err
    with zipfile.ZipFile(out) as archive:
        assert {Path(n).stem for n in archive.namelist()} == TABLES
        events = read_csv(archive.read("events.csv").decode("utf-8"))
    assert [e["kind"] for e in events] == ["sharp"]


def test_export_csv_needs_out(run: Run, db: str) -> None:
    assert "--out" in one_line_error(run("--db", db, "export", "--format", "csv"))


def test_export_csv_into_an_existing_file_is_refused(run: Run, db: str, tmp_path: Path) -> None:
    taken = tmp_path / "taken.csv"
    taken.write_text("x", encoding="utf-8")
    line = one_line_error(run("--db", db, "export", "--format", "csv", "--out", str(taken)))
    assert "is a file" in line


def test_export_to_a_missing_directory_is_one_line(run: Run, db: str, tmp_path: Path) -> None:
    out = tmp_path / "missing" / "journal.json"
    assert "cannot write" in one_line_error(run("--db", db, "export", "--out", str(out)))


# --------------------------------------------------------------------------- import


def test_an_export_imports_into_another_journal_intact(
    run: Run, db: str, empty_db: str, tmp_path: Path
) -> None:
    file = tmp_path / "journal.json"
    run("--db", db, "export", "--out", str(file))

    result = run("--db", empty_db, "import", str(file))

    assert result.code == 0, result.err
    assert result.out == "Imported 2 sessions, 1 screening, 2 check-ins (0 already there).\n"
    assert journal_content(run, empty_db) == journal_content(run, db)


def test_importing_twice_adds_nothing(run: Run, db: str, empty_db: str, tmp_path: Path) -> None:
    file = tmp_path / "journal.json"
    run("--db", db, "export", "--out", str(file))
    run("--db", empty_db, "import", str(file))
    before = journal_content(run, empty_db)

    result = run("--db", empty_db, "import", str(file))

    assert result.out == "Imported 0 sessions, 0 screenings, 0 check-ins (5 already there).\n"
    assert journal_content(run, empty_db) == before


def refused(run: Run, db: str, tmp_path: Path, content: str) -> str:
    before = journal_content(run, db)
    file = tmp_path / "bad.json"
    file.write_text(content, encoding="utf-8")
    line = one_line_error(run("--db", db, "import", str(file)))
    assert str(file) in line
    assert journal_content(run, db) == before
    return line


def test_a_newer_version_is_refused_and_nothing_changes(run: Run, db: str, tmp_path: Path) -> None:
    data = exported(run, db)
    data["version"] = 2
    data["sessions"][0]["uid"] = "a-new-session"
    line = refused(run, db, tmp_path, json.dumps(data))
    assert "version: written by a newer bedstretch" in line


def test_a_bad_field_is_named_by_its_path_and_nothing_changes(
    run: Run, db: str, tmp_path: Path
) -> None:
    data = exported(run, db)
    for session in data["sessions"]:
        session["uid"] = session["uid"][:-4] + "beef"  # new sessions: would be imported
    data["sessions"][1]["steps"] = [dict(data["sessions"][0]["steps"][0], status="great")]
    line = refused(run, db, tmp_path, json.dumps(data))
    assert "sessions[1].steps[0].status: must be one of done, skipped, pain_skip" in line


def test_another_format_is_refused(run: Run, db: str, tmp_path: Path) -> None:
    line = refused(run, db, tmp_path, json.dumps({"resourceType": "Bundle"}))
    assert "format: missing: not a bedstretch journal export" in line


def test_a_file_that_is_not_json_is_refused(run: Run, db: str, tmp_path: Path) -> None:
    assert "not valid JSON" in refused(run, db, tmp_path, "{ this is not json")


def test_a_fhir_export_is_not_importable(run: Run, db: str, tmp_path: Path) -> None:
    fhir = run("--db", db, "export", "--format", "fhir").out
    assert "format" in refused(run, db, tmp_path, fhir)


def test_a_missing_file_is_one_line(run: Run, db: str, tmp_path: Path) -> None:
    line = one_line_error(run("--db", db, "import", str(tmp_path / "nowhere.json")))
    assert "cannot read" in line


def test_a_file_that_is_not_text_is_one_line(run: Run, db: str, tmp_path: Path) -> None:
    file = tmp_path / "photo.json"
    file.write_bytes(b"\xff\xd8\xff\xe0 not text")
    assert "not UTF-8" in one_line_error(run("--db", db, "import", str(file)))


# --------------------------------------------------------------------------- remind


def test_remind_writes_a_calendar_file_with_a_rule_and_an_alarm(run: Run, tmp_path: Path) -> None:
    ics = tmp_path / "stretch.ics"
    result = run("remind", "--at", "06:45", "--days", "mon,wed,fri", "--ics", str(ics))
    assert result.code == 0, result.err
    assert "at 06:45 on Mon, Wed, Fri" in result.out
    raw = ics.read_bytes()
    assert raw.count(b"\r\n") == raw.count(b"\n")
    (event,) = icalendar.Calendar.from_ical(raw).walk("VEVENT")
    start_at = event.decoded("DTSTART")
    assert (start_at.hour, start_at.minute, start_at.tzinfo) == (6, 45, None)
    assert start_at.weekday() in (0, 2, 4)
    assert event["RRULE"]["BYDAY"] == ["MO", "WE", "FR"]
    assert len(event.walk("VALARM")) == 1


def test_remind_every_day_by_default(run: Run, tmp_path: Path) -> None:
    ics = tmp_path / "stretch.ics"
    result = run("remind", "--at", "7:00", "--ics", str(ics))
    assert result.code == 0, result.err
    assert "every day at 07:00" in result.out
    (event,) = icalendar.Calendar.from_ical(ics.read_bytes()).walk("VEVENT")
    assert event["RRULE"]["FREQ"] == ["DAILY"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--at", "25:00"], "--at: '25:00' is not a time of day HH:MM"),
        (["--at", "07:00", "--days", "mon,someday"], "--days: unknown day 'someday'"),
    ],
)
def test_remind_with_a_bad_time_or_day_is_one_line(
    run: Run, tmp_path: Path, args: list[str], message: str
) -> None:
    ics = tmp_path / "stretch.ics"
    assert message in one_line_error(run("remind", *args, "--ics", str(ics)))
    assert not ics.exists()


def test_remind_needs_a_file(run: Run) -> None:
    assert "--ics" in one_line_error(run("remind", "--at", "07:00"))


# --------------------------------------------------------------------------- files that broke import


def history(run: Run, db: str) -> str:
    result = run("--db", db, "history", "--json")
    assert result.code == 0, result.err
    return result.out


def refused_file(run: Run, db: str, file: Path | str) -> str:
    """Import ``file``: one line on standard error, exit 2, and the journal as it was."""
    before, exported_before = history(run, db), journal_content(run, db)
    line = one_line_error(run("--db", db, "import", str(file)))
    assert line.startswith("bedstretch: ")
    assert history(run, db) == before
    assert journal_content(run, db) == exported_before
    return line


def new_sessions(data: dict[str, Any]) -> dict[str, Any]:
    """The export with fresh uids and event ids: every session would be imported."""
    for n, session in enumerate(data["sessions"]):
        session["uid"] = f"a1a1a1a1-0000-4000-8000-{n:012d}"
        for m, each in enumerate(session["events"]):
            each["id"] = f"b2b2b2b2-{n:04d}-4000-8000-{m:012d}"
    return data


def test_json_nested_100000_deep_is_one_line(run: Run, db: str, tmp_path: Path) -> None:
    file = tmp_path / "deep.json"
    file.write_text("[" * 100_000 + "]" * 100_000)
    assert "nested too deeply" in refused_file(run, db, file)


@pytest.mark.parametrize("depth", [100, 5_000])
def test_a_snapshot_nested_deep_is_one_line(run: Run, db: str, tmp_path: Path, depth: int) -> None:
    data = new_sessions(exported(run, db))
    text = json.dumps(data)
    nested = '{"a": ' * depth + "1" + "}" * depth  # json.dumps itself cannot write it this deep
    text = text.replace('"snapshot": {', f'"snapshot": {{"deep": {nested}, ', 1)
    file = tmp_path / "deep-snapshot.json"
    file.write_text(text)
    line = refused_file(run, db, file)
    if depth == 100:  # readable JSON: the parser names the snapshot
        assert "sessions[0].snapshot.deep" in line
        assert "nested more than 64 levels deep" in line
    else:  # too deep for the JSON reader itself
        assert "nested too deeply" in line


@pytest.mark.parametrize(
    ("where", "value"),
    [
        (("routine_name",), "Morning \ud800"),
        (("steps", 0, "reason"), "\udcff"),
        (("routine",), "a\x00b"),
    ],
)
def test_a_lone_surrogate_or_a_nul_in_a_string_is_one_line(
    run: Run, db: str, tmp_path: Path, where: tuple[Any, ...], value: str
) -> None:
    data = new_sessions(exported(run, db))
    target: Any = data["sessions"][0]
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = value
    file = tmp_path / "surrogate.json"
    file.write_text(json.dumps(data))  # ensure_ascii: "\ud800" and "\u0000" as escapes
    assert (
        "\\ud800" in file.read_text()
        or "\\udcff" in file.read_text()
        or "\\u0000" in file.read_text()
    )
    line = refused_file(run, db, file)
    assert (
        ".".join(["sessions[0]", *(f"[{k}]" if isinstance(k, int) else k for k in where)]).replace(
            ".[", "["
        )
        in line
    )
    assert "lone surrogate" in line or "NUL" in line


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda d: d["sessions"][0]["steps"][0].update(block=2**70), "sessions[0].steps[0].block: must be at most 2147483647"),
        (lambda d: d["sessions"][0]["steps"][0].update(set=-1), "sessions[0].steps[0].set: must be at least 0"),
        (lambda d: d["sessions"][0]["events"][0].update(id="event-1"), "sessions[0].events[0].id: must be a UUID"),
        (lambda d: d["screenings"][0]["answers"].update(mood=True), "screenings[0].answers: 'mood' is not a screening question"),
        (lambda d: d["screenings"][0].update(age=10**400), "screenings[0].age: must be a number 0-150"),
    ],
)  # fmt: skip
def test_a_value_the_journal_cannot_hold_is_named_and_nothing_changes(
    run: Run, db: str, tmp_path: Path, change: Callable[[dict[str, Any]], None], words: str
) -> None:
    data = new_sessions(exported(run, db))
    data["screenings"][0]["uid"] = "c3c3c3c3-0000-4000-8000-000000000001"
    data["screenings"][0]["answers"] = {"bladder": False}
    change(data)
    file = tmp_path / "bad.json"
    file.write_text(json.dumps(data))
    assert words in refused_file(run, db, file)


def test_a_number_of_5000_digits_is_one_line(run: Run, db: str, tmp_path: Path) -> None:
    file = tmp_path / "digits.json"
    file.write_text('{"format": "bedstretch-journal", "version": ' + "9" * 5000 + "}")
    assert "number too long" in refused_file(run, db, file)


def test_dev_zero_is_too_large_not_out_of_memory(run: Run, db: str) -> None:
    """The real program, with its memory capped at 2 GB: reading without a limit would fill
    the machine's memory (a test that did so in-process would take the test run with it)."""
    import resource
    import subprocess
    import sys

    def capped() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    before = history(run, db)
    done = subprocess.run(
        [str(Path(sys.executable).with_name("bedstretch")), "--db", db, "import", "/dev/zero"],
        capture_output=True, text=True, timeout=120, preexec_fn=capped, check=False,
    )  # fmt: skip
    assert (done.returncode, done.stdout) == (2, ""), done.stderr[-2000:]
    assert done.stderr == (
        "bedstretch: /dev/zero: too large for a bedstretch export (more than 64 MB)\n"
    )
    assert history(run, db) == before


# --------------------------------------------------------------------------- a full disk


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 2 MB filesystem (tmpfs) mounted for the test: writes fail with ENOSPC when full.
    Mounting needs root (as on the project's machines and CI); elsewhere the tests skip."""
    import shutil
    import subprocess

    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(disk)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if mounted.returncode != 0 or not shutil.which("umount"):
        pytest.skip(f"cannot mount a small filesystem here: {mounted.stderr.strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def fill(disk: Path) -> None:
    """Write zeros until the filesystem says it is full."""
    fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        with pytest.raises(OSError, match="No space left") as full:  # noqa: PT012
            while True:
                os.write(fd, b"\0" * 65536)
    finally:
        os.close(fd)
    assert full.value.errno == errno.ENOSPC


@pytest.mark.parametrize(
    "command",
    [
        ["checkin", "--pain", "4"],
        ["start", "quick", "--speed", "60", "--no-voice", "--no-input", "--pain-before", "2"],
    ],
)
def test_a_full_disk_is_one_clear_line_and_the_journal_is_unchanged(
    run: Run, db: str, small_disk: Path, tmp_path: Path, command: list[str]
) -> None:
    import shutil
    import sqlite3

    path = small_disk / "journal.sqlite3"
    shutil.copy(db.removeprefix("sqlite:///"), path)
    url = f"sqlite:///{path}"
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({**dict.fromkeys(QUESTION_IDS, False), "age": 40}))
    assert run("--db", url, "screen", "--answers", str(answers)).code == 0  # start may start
    before, exported_before = history(run, url), journal_content(run, url)
    # another reader keeps the journal's shared memory file in place, as a running server or
    # player would; then nothing but the write itself needs space
    reader = sqlite3.connect(path, isolation_level=None)
    try:
        reader.execute("SELECT count(*) FROM sessions").fetchone()
        fill(small_disk)
        result = run("--db", url, *command)
    finally:
        reader.close()
    assert result.code == 2, result.err
    lines = result.err.splitlines()
    assert len(lines) == 1, result.err
    assert "Traceback" not in result.err
    assert lines[0] == (
        f"bedstretch: journal at {url}: the disk is full: free some space, then try again"
    )
    (small_disk / "filler").unlink()
    assert history(run, url) == before
    assert journal_content(run, url) == exported_before


@pytest.mark.parametrize(
    "command",
    [
        ["checkin", "--pain", "4"],
        ["start", "quick", "--speed", "60", "--no-voice", "--no-input", "--pain-before", "2"],
    ],
)
def test_a_write_the_system_refuses_is_one_line_anywhere(
    run: Run, db: str, tmp_path: Path, command: list[str]
) -> None:
    """Without root (no filesystem to mount): the real program under a file size limit of one
    byte (RLIMIT_FSIZE, SIGXFSZ ignored), so every write to the journal fails with EFBIG. SQLite
    calls that a disk I/O error; the line says what may be wrong."""
    import resource
    import signal
    import subprocess
    import sys

    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({**dict.fromkeys(QUESTION_IDS, False), "age": 40}))
    assert run("--db", db, "screen", "--answers", str(answers)).code == 0
    before, exported_before = history(run, db), journal_content(run, db)

    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1, resource.RLIM_INFINITY))

    exe = str(Path(sys.executable).with_name("bedstretch"))
    done = subprocess.run(
        [exe, "--db", db, *command], capture_output=True, text=True, timeout=120,
        preexec_fn=limited, check=False, env={**os.environ, "HOME": str(tmp_path)},
    )  # fmt: skip
    assert done.returncode == 2, done.stderr[-2000:]
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr[-2000:]
    assert lines[0].startswith("bedstretch: ")
    assert lines[0].endswith("disk I/O error (the disk may be full or failing)")
    assert history(run, db) == before
    assert journal_content(run, db) == exported_before
