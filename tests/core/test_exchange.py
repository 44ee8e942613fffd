"""The export document, its parser, the CSV tables and the FHIR bundle (pure, no database)."""

from __future__ import annotations

import copy
import csv
import io
import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings

from bedstretch.core.exchange import (
    FORMAT,
    VERSION,
    Batch,
    DocumentError,
    ImportCounts,
    Records,
    RescreenRecord,
    RestoreRecord,
    csv_tables,
    fhir_bundle,
    journal_document,
    parse_document,
)
from bedstretch.core.records import (
    CheckinRecord,
    EventKind,
    EventRecord,
    ScreeningRecord,
    SessionRecord,
    SessionStatus,
    StepRecord,
    StepStatus,
)
from tests.exchange_strategies import SNAPSHOT, journals

T0 = datetime(2025, 3, 1, 7, 0, tzinfo=UTC)
NOW = datetime(2025, 4, 1, 12, 0, tzinfo=UTC)
SESSION_UID = "2d0c1b8e-4c1f-4a55-9f57-0a3d4f6f0001"


def sample() -> Records:
    step = StepRecord(
        block=0,
        step=0,
        exercise="knee-to-chest",
        variant="single",
        side="left",
        set=1,
        status=StepStatus.PAIN_SKIP,
        target_seconds=30,
        target_reps=None,
        actual_seconds=7,
        actual_reps=None,
        finished_at=T0 + timedelta(seconds=40),
        reason="sharp pain",
    )
    event = EventRecord(
        id="7c6a3e8e-3f7c-4d3e-8a5e-1b2c3d4e0001",
        kind=EventKind.SHARP,
        at=37.5,
        created_at=T0 + timedelta(seconds=38),
        step=0,
        exercise="knee-to-chest",
    )
    return Records(
        screenings=[
            ScreeningRecord(
                id=4,
                uid="9a1f3c2e-0000-4000-8000-000000000001",
                taken_at=T0 - timedelta(minutes=5),
                outcome="urgent",
                reasons=("night_pain",),
                answers={"bladder": False, "night_pain": True},
                age=54.5,
                cleared_at=T0 - timedelta(minutes=1),
            )
        ],
        sessions=[
            SessionRecord(
                id=12,
                uid=SESSION_UID,
                routine_id="morning",
                routine_name="Morning",
                started_at=T0,
                status=SessionStatus.COMPLETED,
                snapshot=SNAPSHOT,
                ended_at=T0 + timedelta(minutes=9),
                pain_before=5,
                pain_after=3,
                steps=(step,),
                events=(event,),
            )
        ],
        checkins=[
            CheckinRecord("c0ffee00-0000-4000-8000-000000000001", date(2025, 3, 1), T0, pain=4),
            CheckinRecord(
                "c0ffee00-0000-4000-8000-000000000002",
                date(2025, 3, 2),
                T0 + timedelta(days=1),
                pain=3,
                peg=(4, 5, 6),
            ),
        ],
        restores=[RestoreRecord("figure-four", T0 + timedelta(days=2))],
        rescreens=[RescreenRecord(T0 + timedelta(minutes=1), "tingling reported")],
    )


def document() -> dict[str, Any]:
    return journal_document(**sample(), exported_at=NOW)


# --------------------------------------------------------------------------- the document


def test_the_document_names_its_format_version_and_every_record_type() -> None:
    doc = document()
    assert doc["format"] == FORMAT == "bedstretch-journal"
    assert doc["version"] == VERSION == 1
    assert doc["exported_at"] == "2025-04-01T12:00:00+00:00"
    assert {k: len(v) for k, v in doc.items() if isinstance(v, list)} == {
        "screenings": 1,
        "sessions": 1,
        "checkins": 2,
        "exercise_restores": 1,
        "rescreen_requests": 1,
    }


def test_records_carry_their_uids_and_never_local_ids() -> None:
    doc = document()
    session = doc["sessions"][0]
    assert session["uid"] == SESSION_UID
    assert "id" not in session
    assert "id" not in doc["screenings"][0]
    assert session["steps"][0]["status"] == "pain_skip"
    assert session["events"][0]["id"] == "7c6a3e8e-3f7c-4d3e-8a5e-1b2c3d4e0001"
    assert session["snapshot"] == SNAPSHOT
    assert doc["screenings"][0]["answers"] == {"bladder": False, "night_pain": True}
    assert doc["checkins"][1] == {
        "uid": "c0ffee00-0000-4000-8000-000000000002",
        "day": "2025-03-02",
        "created_at": "2025-03-02T07:00:00+00:00",
        "pain": 3,
        "peg": [4, 5, 6],
        "peg_score": 5.0,
    }


def test_times_are_iso_8601_with_an_offset_and_days_are_iso_dates() -> None:
    doc = document()
    session = doc["sessions"][0]
    for value in (session["started_at"], session["steps"][0]["finished_at"], doc["exported_at"]):
        assert datetime.fromisoformat(value).utcoffset() is not None
    assert date.fromisoformat(doc["checkins"][0]["day"]) == date(2025, 3, 1)


def test_a_document_parses_back_into_the_same_records() -> None:
    batch = parse_document(json.loads(json.dumps(document())))
    records = sample()
    assert batch.version == VERSION
    assert batch.exported_at == NOW
    assert batch.sessions == tuple(
        SessionRecord(**{**_fields(s), "id": 0}) for s in records["sessions"]
    )
    assert batch.screenings == tuple(
        ScreeningRecord(**{**_fields(s), "id": None}) for s in records["screenings"]
    )
    assert batch.checkins == tuple(records["checkins"])
    assert batch.restores == tuple(records["restores"])
    assert batch.rescreens == tuple(records["rescreens"])


def _fields(record: Any) -> dict[str, Any]:
    return {name: getattr(record, name) for name in record.__slots__}


@settings(max_examples=60, deadline=None)
@given(journals())
def test_any_journal_survives_document_json_and_parsing(records: Records) -> None:
    text = json.dumps(journal_document(**records, exported_at=NOW))
    batch = parse_document(json.loads(text))
    assert batch == Batch(
        version=VERSION,
        exported_at=NOW,
        screenings=tuple(records["screenings"]),
        sessions=tuple(records["sessions"]),
        checkins=tuple(records["checkins"]),
        restores=tuple(records["restores"]),
        rescreens=tuple(records["rescreens"]),
    )
    # and the parsed records give the same document again
    again = journal_document(
        screenings=batch.screenings,
        sessions=batch.sessions,
        checkins=batch.checkins,
        restores=batch.restores,
        rescreens=batch.rescreens,
        exported_at=NOW,
    )
    assert json.loads(json.dumps(again)) == json.loads(text)


def test_exported_times_are_utc_whatever_offset_the_records_had() -> None:
    records = sample()
    plus_two = timezone(timedelta(hours=2))
    records["checkins"] = [CheckinRecord("c", date(2025, 3, 1), T0.astimezone(plus_two), pain=1)]
    doc = journal_document(**records, exported_at=NOW.astimezone(plus_two))
    assert doc["exported_at"] == "2025-04-01T12:00:00+00:00"
    assert doc["checkins"][0]["created_at"] == "2025-03-01T07:00:00+00:00"


def test_parsed_times_are_utc_whatever_offset_the_file_used() -> None:
    doc = document()
    doc["sessions"][0]["started_at"] = "2025-03-01T08:30:00+01:30"
    batch = parse_document(doc)
    assert batch.sessions[0].started_at == T0
    assert batch.sessions[0].started_at.tzinfo == UTC


def test_fields_this_version_does_not_know_are_ignored() -> None:
    doc = document()
    doc["device"] = "phone"
    doc["sessions"][0]["mood"] = "fine"
    assert parse_document(doc).sessions[0].uid == SESSION_UID


def test_an_older_version_is_read() -> None:
    doc = document()
    assert parse_document(doc).version == 1


# --------------------------------------------------------------------------- refusals


def broken(change: Any) -> dict[str, Any]:
    doc = copy.deepcopy(document())
    change(doc)
    return doc


def _set(path: list[Any], value: Any) -> Any:
    def change(doc: dict[str, Any]) -> None:
        target: Any = doc
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def _delete(path: list[Any]) -> Any:
    def change(doc: dict[str, Any]) -> None:
        target: Any = doc
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return change


REFUSED = [
    (_set(["format"], "other-app"), "format", "'other-app' is not a bedstretch journal export"),
    (_delete(["format"]), "format", "missing: not a bedstretch journal export"),
    (_set(["version"], 2), "version", "written by a newer bedstretch"),
    (_set(["version"], "1"), "version", "whole number"),
    (_set(["version"], 0), "version", "at least 1"),
    (_delete(["exported_at"]), "exported_at", "missing"),
    (_set(["sessions"], {}), "sessions", "must be a list"),
    (
        _set(["sessions", 0, "steps", 0, "status"], "finished"),
        "sessions[0].steps[0].status",
        "must be one of done, skipped, pain_skip",
    ),
    (
        _set(["sessions", 0, "steps", 0, "status"], "not_reached"),
        "sessions[0].steps[0].status",
        "must be one of",
    ),
    (_set(["sessions", 0, "pain_before"], 11), "sessions[0].pain_before", "must be 0-10"),
    (_set(["sessions", 0, "pain_after"], True), "sessions[0].pain_after", "whole number"),
    (
        _set(["sessions", 0, "started_at"], "2025-03-01T07:00:00"),
        "sessions[0].started_at",
        "no UTC offset",
    ),
    (_set(["sessions", 0, "ended_at"], "yesterday"), "sessions[0].ended_at", "not an ISO 8601"),
    (_set(["sessions", 0, "status"], "paused"), "sessions[0].status", "must be one of"),
    (_set(["sessions", 0, "uid"], "x" * 37), "sessions[0].uid", "at most 36"),
    (_set(["sessions", 0, "routine"], "a\x00b"), "sessions[0].routine", "NUL"),
    (_set(["sessions", 0, "snapshot"], []), "sessions[0].snapshot", "must be an object"),
    (
        _delete(["sessions", 0, "snapshot", "blocks", 0, "index"]),
        "sessions[0].snapshot.blocks[0].index",
        "missing",
    ),
    (_set(["sessions", 0, "events", 0, "kind"], "bored"), "sessions[0].events[0].kind", "one of"),
    (_set(["sessions", 0, "events", 0, "at"], -1), "sessions[0].events[0].at", "number 0-"),
    (_set(["sessions", 0, "events", 0, "value"], 12), "sessions[0].events[0].value", "0-10"),
    (_set(["screenings", 0, "outcome"], "fine"), "screenings[0].outcome", "must be one of"),
    (
        _set(["screenings", 0, "answers", "bladder"], "no"),
        "screenings[0].answers.bladder",
        "true or false",
    ),
    (_set(["screenings", 0, "age"], float("nan")), "screenings[0].age", "number 0-150"),
    (_set(["checkins", 1, "peg"], [1, 2]), "checkins[1].peg", "must be 3 numbers"),
    (_set(["checkins", 1, "peg"], [1, 2, 11]), "checkins[1].peg[2]", "0-10"),
    (_set(["checkins", 0, "day"], "2025-02-30"), "checkins[0].day", "not a date"),
    (_set(["checkins", 0, "pain"], None), "checkins[0]", "needs pain or peg"),
    (_set(["exercise_restores", 0, "exercise"], ""), "exercise_restores[0].exercise", "empty"),
    (_delete(["rescreen_requests", 0, "at"]), "rescreen_requests[0].at", "missing"),
]


@pytest.mark.parametrize(("change", "path", "message"), REFUSED)
def test_a_bad_field_is_refused_by_its_path(change: Any, path: str, message: str) -> None:
    with pytest.raises(DocumentError) as caught:
        parse_document(broken(change))
    assert caught.value.path == path
    assert message in caught.value.message
    assert "\n" not in str(caught.value)
    assert str(caught.value).startswith(f"{path}: ")


def test_a_newer_version_is_refused_before_anything_else_is_read() -> None:
    doc = {"format": FORMAT, "version": VERSION + 1, "sessions": "a shape we do not know"}
    with pytest.raises(DocumentError, match="newer bedstretch"):
        parse_document(doc)


@pytest.mark.parametrize("data", [[], "text", None, 3])
def test_a_document_that_is_not_an_object_is_refused(data: object) -> None:
    with pytest.raises(DocumentError, match="must be an object"):
        parse_document(data)


def test_a_uid_twice_in_one_document_is_refused() -> None:
    doc = document()
    doc["sessions"].append(copy.deepcopy(doc["sessions"][0]))
    doc["sessions"][1]["events"] = []
    with pytest.raises(DocumentError) as caught:
        parse_document(doc)
    assert caught.value.path == "sessions[1].uid"
    assert "appears twice" in caught.value.message


def test_an_event_id_twice_in_one_document_is_refused() -> None:
    doc = document()
    second = copy.deepcopy(doc["sessions"][0])
    second["uid"] = "another-session"
    doc["sessions"].append(second)
    with pytest.raises(DocumentError) as caught:
        parse_document(doc)
    assert caught.value.path == "sessions[1].events[0].id"


def _nested(depth: int) -> dict[str, Any]:
    """A snapshot whose ``routine`` is ``depth`` objects deep (the snapshot itself is level 1)."""
    inner: dict[str, Any] = {}
    for _ in range(depth - 2):
        inner = {"a": inner}
    return {**SNAPSHOT, "routine": inner}


# What the journal could not store (or a database would refuse, or the driver would crash on),
# refused by its path before anything is written (issue 11, item 6).
UNSTORABLE = [
    (_set(["sessions", 0, "events", 0, "id"], "not-a-uuid"), "sessions[0].events[0].id", "must be a UUID"),
    (_set(["sessions", 0, "events", 0, "id"], "7c6a3e8e3f7c4d3e8a5e1b2c3d4e0001"), "sessions[0].events[0].id", "must be a UUID"),
    (_set(["screenings", 0, "answers", "favourite_colour"], True), "screenings[0].answers", "'favourite_colour' is not a screening question"),
    (_set(["sessions", 0, "steps", 0, "block"], 2**70), "sessions[0].steps[0].block", "at most 2147483647"),
    (_set(["sessions", 0, "steps", 0, "step"], 2**31), "sessions[0].steps[0].step", "at most 2147483647"),
    (_set(["sessions", 0, "steps", 0, "set"], -1), "sessions[0].steps[0].set", "at least 0"),
    (_set(["sessions", 0, "steps", 0, "actual_reps"], 2**63), "sessions[0].steps[0].actual_reps", "at most"),
    (_set(["sessions", 0, "steps", 0, "target_seconds"], -(2**70)), "sessions[0].steps[0].target_seconds", "at least 0"),
    (_set(["sessions", 0, "events", 0, "step"], 2**40), "sessions[0].events[0].step", "at most"),
    (_set(["sessions", 0, "snapshot", "blocks", 0, "index"], 2**40), "sessions[0].snapshot.blocks[0].index", "at most"),
    (_set(["sessions", 0, "snapshot", "blocks", 0, "index"], 2**70), "sessions[0].snapshot.blocks[0].index", "64 bits"),
    (_set(["sessions", 0, "snapshot", "blocks", 0, "set"], -3), "sessions[0].snapshot.blocks[0].set", "at least 0"),
    (_set(["version"], 2**70), "version", "at most"),
    (_set(["screenings", 0, "age"], 10**400), "screenings[0].age", "number 0-150"),
    (_set(["screenings", 0, "age"], float("inf")), "screenings[0].age", "number 0-150"),
    (_set(["sessions", 0, "events", 0, "at"], float("nan")), "sessions[0].events[0].at", "number 0-"),
    (_set(["sessions", 0, "events", 0, "at"], float("-inf")), "sessions[0].events[0].at", "number 0-"),
    (_set(["sessions", 0, "snapshot", "total_seconds"], float("inf")), "sessions[0].snapshot.total_seconds", "finite"),
    (_set(["sessions", 0, "snapshot", "routine", "pace"], float("nan")), "sessions[0].snapshot.routine.pace", "finite"),
    (_set(["sessions", 0, "snapshot", "total_seconds"], 2**64), "sessions[0].snapshot.total_seconds", "64 bits"),
    (_set(["sessions", 0, "routine_name"], "Morning \ud800"), "sessions[0].routine_name", "lone surrogate"),
    (_set(["sessions", 0, "steps", 0, "reason"], "\udcff"), "sessions[0].steps[0].reason", "lone surrogate"),
    (_set(["sessions", 0, "events", 0, "exercise"], "cat\x00cow"), "sessions[0].events[0].exercise", "NUL"),
    (_set(["rescreen_requests", 0, "reason"], "tingling\x00"), "rescreen_requests[0].reason", "NUL"),
    (_set(["screenings", 0, "reasons"], ["night\ud800"]), "screenings[0].reasons[0]", "lone surrogate"),
    (_set(["screenings", 0, "answers"], {"\ud800": True}), "screenings[0].answers", "lone surrogate"),
    (_set(["sessions", 0, "snapshot", "routine", "name"], "\ud83d"), "sessions[0].snapshot.routine.name", "lone surrogate"),
    (_set(["sessions", 0, "snapshot", "routine", "a\x00b"], 1), "sessions[0].snapshot.routine", "NUL"),
    (_set(["sessions", 0, "snapshot"], _nested(65)), "sessions[0].snapshot.routine" + ".a" * 63, "nested more than 64 levels"),
    (_set(["sessions", 0, "snapshot", "blocks"], [[[[]]]] * 2 + [_nested(70)]), "sessions[0].snapshot.blocks[2].routine" + ".a" * 61, "nested more than 64"),
    (_set(["sessions", 0, "status"], "x" * 10_000), "sessions[0].status", "..."),
    (_set(["exported_at"], "2025-" * 1000), "exported_at", "at most 64 characters"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "path", "message"), UNSTORABLE)
def test_what_the_journal_cannot_store_is_refused_by_its_path(
    change: Any, path: str, message: str
) -> None:
    with pytest.raises(DocumentError) as caught:
        parse_document(broken(change))
    assert caught.value.path == path
    assert message in caught.value.message
    line = str(caught.value)
    assert "\n" not in line
    assert len(line) < 600
    line.encode("utf-8")  # printable: nothing of the input that has no UTF-8 is repeated


def test_a_snapshot_64_levels_deep_is_read() -> None:
    doc = document()
    doc["sessions"][0]["snapshot"] = _nested(64)
    assert parse_document(doc).sessions[0].snapshot == _nested(64)


def test_an_event_id_in_capitals_is_read_in_its_usual_form() -> None:
    doc = document()
    doc["sessions"][0]["events"][0]["id"] = "7C6A3E8E-3F7C-4D3E-8A5E-1B2C3D4E0001"
    assert parse_document(doc).sessions[0].events[0].id == "7c6a3e8e-3f7c-4d3e-8a5e-1b2c3d4e0001"


def test_the_largest_integers_the_journal_holds_are_read() -> None:
    doc = document()
    doc["sessions"][0]["steps"][0]["block"] = 2**31 - 1
    doc["sessions"][0]["snapshot"] = {**SNAPSHOT, "total_seconds": 2**63 - 1}
    session = parse_document(doc).sessions[0]
    assert session.steps[0].block == 2**31 - 1
    assert session.snapshot["total_seconds"] == 2**63 - 1


# --------------------------------------------------------------------------- counts


def test_the_import_summary_counts_what_was_added_and_what_was_there() -> None:
    assert (
        ImportCounts(sessions=12, screenings=3, checkins=20).summary()
        == "Imported 12 sessions, 3 screenings, 20 check-ins (0 already there)."
    )
    assert (
        ImportCounts(sessions=1, screenings=1, checkins=1, restores=2, already=5).summary()
        == "Imported 1 session, 1 screening, 1 check-in, 2 exercise restores (5 already there)."
    )


# --------------------------------------------------------------------------- CSV


def read_back(header: list[str], rows: list[list[object]]) -> list[dict[str, str]]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return list(csv.DictReader(io.StringIO(buffer.getvalue())))


def test_csv_has_one_tidy_table_per_record_type() -> None:
    tables = csv_tables(**sample())
    assert set(tables) == {
        "screenings",
        "sessions",
        "steps",
        "events",
        "checkins",
        "exercise_restores",
        "rescreen_requests",
    }
    for header, rows in tables.values():
        assert all(len(row) == len(header) for row in rows)
        assert len(set(header)) == len(header)


def test_csv_rows_read_back_with_the_csv_module() -> None:
    tables = csv_tables(**sample())
    (session,) = read_back(*tables["sessions"])
    assert session["uid"] == SESSION_UID
    assert session["pain_before"] == "5"
    assert session["started_at"] == "2025-03-01T07:00:00+00:00"
    (step,) = read_back(*tables["steps"])
    assert step["session_uid"] == SESSION_UID
    assert step["status"] == "pain_skip"
    assert step["target_reps"] == ""  # None is an empty cell
    (event,) = read_back(*tables["events"])
    assert event["session_uid"] == SESSION_UID
    assert event["kind"] == "sharp"
    first, second = read_back(*tables["checkins"])
    assert (first["pain"], first["peg_score"]) == ("4", "")
    assert [second[k] for k in ("peg_pain", "peg_enjoyment", "peg_activity", "peg_score")] == [
        "4",
        "5",
        "6",
        "5.0",
    ]
    (screening,) = read_back(*tables["screenings"])
    assert screening["answer_night_pain"] == "true"
    assert screening["answer_bladder"] == "false"
    assert screening["reasons"] == "night_pain"


def test_csv_of_an_empty_journal_is_headers_only() -> None:
    tables = csv_tables(screenings=[], sessions=[], checkins=[])
    assert all(rows == [] and header for header, rows in tables.values())


# --------------------------------------------------------------------------- FHIR


def validate(bundle: dict[str, Any]) -> Any:
    from fhir.resources.R4B.bundle import Bundle

    return Bundle.model_validate(bundle)


def observations(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    return [entry["resource"] for entry in bundle["entry"]]


def test_the_fhir_bundle_is_a_valid_r4_collection_of_observations() -> None:
    records = sample()
    bundle = fhir_bundle(
        sessions=records["sessions"], checkins=records["checkins"], exported_at=NOW
    )
    parsed = validate(bundle)
    assert parsed.type == "collection"
    assert bundle["timestamp"] == "2025-04-01T12:00:00+00:00"
    # session before + after, check-in pain x2, one PEG
    assert len(parsed.entry) == 5
    assert {o["resourceType"] for o in observations(bundle)} == {"Observation"}
    for entry in bundle["entry"]:
        assert entry["fullUrl"] == f"urn:uuid:{entry['resource']['id']}"


def test_pain_is_loinc_72514_3_as_an_integer_survey_observation_with_its_date() -> None:
    records = sample()
    bundle = fhir_bundle(
        sessions=records["sessions"], checkins=records["checkins"], exported_at=NOW
    )
    pain = [o for o in observations(bundle) if o["code"]["coding"][0]["code"] == "72514-3"]
    assert [(o["effectiveDateTime"], o["valueInteger"]) for o in pain] == [
        ("2025-03-01T07:00:00+00:00", 5),
        ("2025-03-01T07:09:00+00:00", 3),
        ("2025-03-01", 4),
        ("2025-03-02", 3),
    ]
    for o in pain:
        assert o["status"] == "final"
        assert o["category"][0]["coding"][0]["code"] == "survey"
        assert o["code"]["coding"][0]["system"] == "http://loinc.org"
        assert o["subject"] == {"reference": "Patient/me"}
    assert "before" in pain[0]["code"]["text"]
    assert "after" in pain[1]["code"]["text"]


def test_peg_is_one_observation_with_a_component_per_item_and_the_score() -> None:
    records = sample()
    bundle = fhir_bundle(
        sessions=records["sessions"], checkins=records["checkins"], exported_at=NOW
    )
    (peg,) = [o for o in observations(bundle) if o["code"]["coding"][0]["code"] == "91148-7"]
    codes = [c["code"]["coding"][0]["code"] for c in peg["component"]]
    assert codes == ["75893-8", "91145-3", "91146-1", "91147-9"]
    assert [c.get("valueInteger") for c in peg["component"][:3]] == [4, 5, 6]
    assert peg["component"][3]["valueQuantity"]["value"] == 5.0
    assert peg["effectiveDateTime"] == "2025-03-02"


def test_two_fhir_exports_of_one_journal_differ_only_in_their_timestamps() -> None:
    records = sample()
    first = fhir_bundle(sessions=records["sessions"], checkins=records["checkins"], exported_at=NOW)
    later = fhir_bundle(
        sessions=records["sessions"],
        checkins=records["checkins"],
        exported_at=NOW + timedelta(days=3),
    )
    for bundle in (first, later):
        del bundle["meta"], bundle["timestamp"]
    assert first == later
    ids = [o["id"] for o in observations(first)]
    assert len(ids) == len(set(ids))


@settings(max_examples=30, deadline=None)
@given(journals())
def test_any_journal_gives_a_valid_fhir_bundle(records: Records) -> None:
    bundle = fhir_bundle(
        sessions=records["sessions"],
        checkins=records["checkins"],
        exported_at=datetime(2030, 1, 1, tzinfo=timezone(timedelta(hours=2))),
        patient_ref="Patient/42",
    )
    validate(bundle)
    expected = sum(
        (s.pain_before is not None) + (s.pain_after is not None) for s in records["sessions"]
    )
    expected += sum((c.pain is not None) + (c.peg is not None) for c in records["checkins"])
    assert len(bundle["entry"]) == expected
