"""`bedstretch export`, `import` and `remind`: files out, files in, one-line errors, exit 2."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import icalendar
import pytest

from bedstretch.core.records import EventKind, SessionStatus, StepStatus
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
