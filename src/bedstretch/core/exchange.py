"""The journal leaving and coming back: a versioned JSON document, tidy tables, and FHIR R4.

Pure: records in, plain dicts and lists out (the edges serialise them with ``json`` and ``csv``),
and back: ``parse_document`` checks every field of a document and names the first one that is
wrong by its path, e.g. ``sessions[3].steps[0].status``. See docs/export.md.

Stable identities make an import idempotent: sessions, screenings and check-ins carry a ``uid``,
events an ``id``; local integer ids never leave the journal.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypedDict

from bedstretch.core.errors import Invalid
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
from bedstretch.core.safety import QUESTION_IDS, Level

__all__ = [
    "FORMAT",
    "VERSION",
    "Batch",
    "DocumentError",
    "ImportCounts",
    "Records",
    "RescreenRecord",
    "RestoreRecord",
    "csv_tables",
    "fhir_bundle",
    "journal_document",
    "parse_document",
]

FORMAT = "bedstretch-journal"
VERSION = 1

# The journal's column widths: a longer value is refused here, not by the database.
UID_LENGTH = 36
NAME_LENGTH = 100
TITLE_LENGTH = 200
SIDE_LENGTH = 20
MOMENT_LENGTH = 64  # an ISO 8601 time is 20-35 characters
# The journal's integer columns are 32-bit on PostgreSQL (SQLite holds 64 bits): anything larger
# is refused here, by its path, not by the database (or the driver: OverflowError on SQLite).
INT_MAX = 2**31 - 1
# A snapshot is any JSON object, stored as JSON: no deeper than this, and only what every
# database's JSON holds (finite numbers, 64-bit integers, text without NUL or lone surrogates).
SNAPSHOT_DEPTH = 64
JSON_INT = 2**63 - 1
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class RestoreRecord:
    """An exercise put back into plans after trouble (``bedstretch exercises --restore``)."""

    exercise: str
    at: datetime


@dataclass(frozen=True, slots=True)
class RescreenRecord:
    """Something new was reported: screen again before the next session."""

    at: datetime
    reason: str


class Records(TypedDict):
    """Everything a journal holds, as records (what ``journal.exchange.export_records`` reads)."""

    screenings: list[ScreeningRecord]
    sessions: list[SessionRecord]
    checkins: list[CheckinRecord]
    restores: list[RestoreRecord]
    rescreens: list[RescreenRecord]


@dataclass(frozen=True, slots=True)
class Batch:
    """A parsed, checked document: the records to import (sessions have ``id`` 0: not stored)."""

    version: int
    exported_at: datetime
    screenings: tuple[ScreeningRecord, ...] = ()
    sessions: tuple[SessionRecord, ...] = ()
    checkins: tuple[CheckinRecord, ...] = ()
    restores: tuple[RestoreRecord, ...] = ()
    rescreens: tuple[RescreenRecord, ...] = ()


class DocumentError(Invalid):
    """A document that cannot be imported: ``path`` names the field, ``message`` what is wrong."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(message, field=path or None)
        self.path = path


@dataclass(frozen=True, slots=True)
class ImportCounts:
    """What an import added; ``already``: records that were in the journal before (skipped)."""

    sessions: int = 0
    screenings: int = 0
    checkins: int = 0
    restores: int = 0
    rescreens: int = 0
    steps: int = 0
    events: int = 0
    already: int = 0

    def summary(self) -> str:
        """One line for people: "Imported 12 sessions, 3 screenings, 20 check-ins (0 already
        there)." Restores and rescreen requests are named only when some were added."""
        parts = [
            _count(self.sessions, "session"),
            _count(self.screenings, "screening"),
            _count(self.checkins, "check-in"),
        ]
        if self.restores:
            parts.append(_count(self.restores, "exercise restore"))
        if self.rescreens:
            parts.append(_count(self.rescreens, "rescreen request"))
        return f"Imported {', '.join(parts)} ({self.already} already there)."


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


# --------------------------------------------------------------------------- JSON document


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def _instant(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


def _screening_dict(s: ScreeningRecord) -> dict[str, Any]:
    return {
        "uid": s.uid,
        "taken_at": _utc(s.taken_at),
        "outcome": s.outcome,
        "reasons": list(s.reasons),
        "answers": dict(s.answers),
        "age": s.age,
        "cleared_at": _instant(s.cleared_at),
    }


def _step_dict(t: StepRecord) -> dict[str, Any]:
    return {
        "block": t.block,
        "step": t.step,
        "exercise": t.exercise,
        "variant": t.variant,
        "side": t.side,
        "set": t.set,
        "status": t.status.value,
        "target_seconds": t.target_seconds,
        "target_reps": t.target_reps,
        "actual_seconds": t.actual_seconds,
        "actual_reps": t.actual_reps,
        "finished_at": _utc(t.finished_at),
        "reason": t.reason,
    }


def _event_dict(e: EventRecord) -> dict[str, Any]:
    return {
        "id": e.id,
        "kind": e.kind.value,
        "at": e.at,
        "created_at": _utc(e.created_at),
        "value": e.value,
        "step": e.step,
        "exercise": e.exercise,
    }


def _session_dict(s: SessionRecord) -> dict[str, Any]:
    return {
        "uid": s.uid,
        "routine": s.routine_id,
        "routine_name": s.routine_name,
        "status": s.status.value,
        "started_at": _utc(s.started_at),
        "ended_at": _instant(s.ended_at),
        "pain_before": s.pain_before,
        "pain_after": s.pain_after,
        "snapshot": dict(s.snapshot),
        "steps": [_step_dict(t) for t in s.steps],  # as stored: no not_reached entries
        "events": [_event_dict(e) for e in s.events],
    }


def _checkin_dict(c: CheckinRecord) -> dict[str, Any]:
    return {
        "uid": c.uid,
        "day": c.day.isoformat(),
        "created_at": _utc(c.created_at),
        "pain": c.pain,
        "peg": None if c.peg is None else list(c.peg),
        "peg_score": c.peg_score,
    }


def journal_document(
    *,
    screenings: Sequence[ScreeningRecord],
    sessions: Sequence[SessionRecord],
    checkins: Sequence[CheckinRecord],
    restores: Sequence[RestoreRecord],
    rescreens: Sequence[RescreenRecord],
    exported_at: datetime,
) -> dict[str, Any]:
    """The whole journal as a plain dict, format ``bedstretch-journal`` version ``VERSION``."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": _utc(exported_at),
        "screenings": [_screening_dict(s) for s in screenings],
        "sessions": [_session_dict(s) for s in sessions],
        "checkins": [_checkin_dict(c) for c in checkins],
        "exercise_restores": [{"exercise": r.exercise, "at": _utc(r.at)} for r in restores],
        "rescreen_requests": [{"at": _utc(r.at), "reason": r.reason} for r in rescreens],
    }


# --------------------------------------------------------------------------- parsing


def _key(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _object(value: object, path: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise DocumentError(path or "document", f"must be an object, not {_kind(value)}")
    return value


def _list(value: object, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise DocumentError(path, f"must be a list, not {_kind(value)}")
    return value


def _kind(value: object) -> str:
    names = {dict: "an object", list: "a list", str: "text", bool: "true/false", int: "a number"}
    if value is None:
        return "null"
    return names.get(type(value), "a number" if isinstance(value, float) else type(value).__name__)


def _shown(value: object) -> str:
    """A value as a message quotes it: repr (NUL, surrogates escaped), at most ~60 characters."""
    if isinstance(value, str) and len(value) > 50:
        return repr(value[:47]) + "..."
    if isinstance(value, list | dict):
        return _kind(value)
    return repr(value)


def _get(obj: Mapping[str, Any], key: str, path: str) -> Any:
    if key not in obj:
        raise DocumentError(_key(path, key), "missing")
    return obj[key]


def _text(value: object, path: str, limit: int | None = None, *, empty: bool = False) -> str:
    if not isinstance(value, str):
        raise DocumentError(path, f"must be text, not {_kind(value)}")
    if not value and not empty:
        raise DocumentError(path, "must not be empty")
    if limit is not None and len(value) > limit:
        raise DocumentError(path, f"must be at most {limit} characters")
    _checked_characters(value, path)
    return value


def _checked_characters(value: str, path: str) -> None:
    """No NUL (PostgreSQL cannot store it) and no lone surrogate (no UTF-8 exists for it)."""
    if "\x00" in value:
        raise DocumentError(path, "must not contain a NUL character")
    if not value.isascii() and _SURROGATE.search(value):
        raise DocumentError(path, "must be valid Unicode text (it has a lone surrogate)")


def _optional_text(value: object, path: str, limit: int | None = None) -> str | None:
    return None if value is None else _text(value, path, limit, empty=True)


def _integer(value: object, path: str, low: int = 0, high: int = INT_MAX) -> int:
    """A whole number in ``low``-``high`` (by default what the journal's columns hold)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise DocumentError(path, f"must be a whole number, not {_kind(value)}")
    if not low <= value <= high:
        shown = str(value) if abs(value) < 10**20 else f"a number of {len(str(abs(value)))} digits"
        if high != INT_MAX:
            raise DocumentError(path, f"must be {low}-{high}, not {shown}")
        if value < low:
            raise DocumentError(path, f"must be at least {low}, not {shown}")
        raise DocumentError(
            path, f"must be at most {INT_MAX} (what the journal holds), not {shown}"
        )
    return value


def _optional_integer(value: object, path: str, low: int = 0, high: int = INT_MAX) -> int | None:
    return None if value is None else _integer(value, path, low, high)


def _number(value: object, path: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DocumentError(path, f"must be a number, not {_kind(value)}")
    if isinstance(value, int) and not low <= value <= high:  # float() of a huge one overflows
        raise DocumentError(path, f"must be a number {low:g}-{high:g}, not {_shown(value)[:30]}")
    number = float(value)
    if not math.isfinite(number) or not low <= number <= high:
        raise DocumentError(path, f"must be a number {low:g}-{high:g}, not {value}")
    return number


def _moment(value: object, path: str) -> datetime:
    text = _text(value, path, MOMENT_LENGTH)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise DocumentError(path, f"not an ISO 8601 date and time: {text!r}") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise DocumentError(path, f"{text!r} has no UTC offset (e.g. +00:00)")
    return moment.astimezone(UTC)


def _optional_moment(value: object, path: str) -> datetime | None:
    return None if value is None else _moment(value, path)


def _day(value: object, path: str) -> date:
    text = _text(value, path, MOMENT_LENGTH)
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise DocumentError(path, f"not a date YYYY-MM-DD: {text!r}")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise DocumentError(path, f"not a date YYYY-MM-DD: {text!r}") from None


def _choice(value: object, path: str, choices: Iterable[str]) -> str:
    allowed = list(choices)
    if value not in allowed:
        raise DocumentError(path, f"must be one of {', '.join(allowed)}, not {_shown(value)}")
    return str(value)


def _pain(value: object, path: str) -> int | None:
    return _optional_integer(value, path, 0, 10)


def _event_id(value: object, path: str) -> str:
    """An event's id: a UUID (as the players make them), in its lower-case form."""
    text = _text(value, path, UID_LENGTH)
    if not _UUID.fullmatch(text):
        raise DocumentError(
            path, f"must be a UUID (like 7c6a3e8e-3f7c-4d3e-8a5e-1b2c3d4e0001), not {text!r}"
        )
    return text.lower()


def _json(value: object, path: str, depth: int = 0) -> None:
    """Any JSON value that every journal's database stores as it is: objects and lists no deeper
    than SNAPSHOT_DEPTH, finite numbers, 64-bit integers, text without NUL or lone surrogates."""
    if isinstance(value, str):
        _checked_characters(value, path)
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        if not -JSON_INT - 1 <= value <= JSON_INT:
            raise DocumentError(path, "must be a number that fits in 64 bits")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise DocumentError(path, f"must be a finite number, not {value}")
    elif isinstance(value, dict | list):
        if depth >= SNAPSHOT_DEPTH:
            raise DocumentError(path, f"nested more than {SNAPSHOT_DEPTH} levels deep")
        if isinstance(value, list):
            for i, item in enumerate(value):
                _json(item, f"{path}[{i}]", depth + 1)
            return
        for key, item in value.items():
            _checked_characters(key, path)
            _json(item, _key(path, key if len(key) <= 40 else key[:37] + "..."), depth + 1)
    else:
        raise DocumentError(path, f"must be JSON, not {_kind(value)}")


def _unique(uid: str, seen: set[str], path: str) -> str:
    if uid in seen:
        raise DocumentError(path, f"{uid!r} appears twice in this document")
    seen.add(uid)
    return uid


def _screening(value: object, path: str, seen: set[str]) -> ScreeningRecord:
    obj = _object(value, path)
    answers = _object(_get(obj, "answers", path), _key(path, "answers"))
    for question, answer in answers.items():
        _text(question, _key(path, "answers"), NAME_LENGTH)
        if question not in QUESTION_IDS:
            raise DocumentError(
                _key(path, "answers"),
                f"{question!r} is not a screening question (known: {', '.join(QUESTION_IDS)})",
            )
        if not isinstance(answer, bool):
            where = _key(path, f"answers.{question}")
            raise DocumentError(where, f"must be true or false, not {_kind(answer)}")
    reasons = _list(_get(obj, "reasons", path), _key(path, "reasons"))
    return ScreeningRecord(
        id=None,
        uid=_unique(
            _text(_get(obj, "uid", path), _key(path, "uid"), UID_LENGTH), seen, _key(path, "uid")
        ),
        taken_at=_moment(_get(obj, "taken_at", path), _key(path, "taken_at")),
        outcome=_choice(_get(obj, "outcome", path), _key(path, "outcome"), Level),
        reasons=tuple(
            _text(r, f"{_key(path, 'reasons')}[{i}]", NAME_LENGTH) for i, r in enumerate(reasons)
        ),
        answers=dict(answers),
        age=_number(_get(obj, "age", path), _key(path, "age"), 0, 150),
        cleared_at=_optional_moment(_get(obj, "cleared_at", path), _key(path, "cleared_at")),
    )


_STORED_STEPS = [s.value for s in StepStatus if s is not StepStatus.NOT_REACHED]
_BLOCK_FIELDS = ("index", "step", "exercise", "variant", "side", "set", "target_seconds")


def _snapshot(value: object, path: str) -> Mapping[str, Any]:
    """The routine as played: any object; its ``blocks`` (if any) must be what history reads."""
    snapshot = _object(value, path)
    _json(snapshot, path)
    if "blocks" not in snapshot:
        return snapshot
    blocks_path = _key(path, "blocks")
    for i, raw in enumerate(_list(snapshot["blocks"], blocks_path)):
        where = f"{blocks_path}[{i}]"
        block = _object(raw, where)
        for name in ("index", "step", "set", "target_seconds"):
            _integer(_get(block, name, where), _key(where, name))
        for name in ("exercise", "variant"):
            _text(_get(block, name, where), _key(where, name))
        _optional_text(_get(block, "side", where), _key(where, "side"))
        _optional_integer(_get(block, "target_reps", where), _key(where, "target_reps"))
    return snapshot


def _step(value: object, path: str) -> StepRecord:
    obj = _object(value, path)

    def get(name: str) -> Any:
        return _get(obj, name, path)

    def at(name: str) -> str:
        return _key(path, name)

    return StepRecord(
        block=_integer(get("block"), at("block"), 0),
        step=_integer(get("step"), at("step"), 0),
        exercise=_text(get("exercise"), at("exercise"), NAME_LENGTH),
        variant=_text(get("variant"), at("variant"), NAME_LENGTH),
        side=_optional_text(get("side"), at("side"), SIDE_LENGTH),
        set=_integer(get("set"), at("set"), 0),
        status=StepStatus(_choice(get("status"), at("status"), _STORED_STEPS)),
        target_seconds=_integer(get("target_seconds"), at("target_seconds"), 0),
        target_reps=_optional_integer(get("target_reps"), at("target_reps"), 0),
        actual_seconds=_integer(get("actual_seconds"), at("actual_seconds"), 0),
        actual_reps=_optional_integer(get("actual_reps"), at("actual_reps"), 0),
        finished_at=_moment(get("finished_at"), at("finished_at")),
        reason=_optional_text(get("reason"), at("reason")),
    )


def _event(value: object, path: str, seen: set[str]) -> EventRecord:
    obj = _object(value, path)

    def get(name: str) -> Any:
        return _get(obj, name, path)

    def at(name: str) -> str:
        return _key(path, name)

    return EventRecord(
        id=_unique(_event_id(get("id"), at("id")), seen, at("id")),
        kind=EventKind(_choice(get("kind"), at("kind"), EventKind)),
        at=_number(get("at"), at("at"), 0, 1e9),
        created_at=_moment(get("created_at"), at("created_at")),
        value=_pain(get("value"), at("value")),
        step=_optional_integer(get("step"), at("step"), 0),
        exercise=_optional_text(get("exercise"), at("exercise"), NAME_LENGTH),
    )


def _session(value: object, path: str, seen: set[str], events_seen: set[str]) -> SessionRecord:
    obj = _object(value, path)

    def get(name: str) -> Any:
        return _get(obj, name, path)

    def at(name: str) -> str:
        return _key(path, name)

    uid = _unique(_text(get("uid"), at("uid"), UID_LENGTH), seen, at("uid"))
    steps = _list(get("steps"), at("steps"))
    events = _list(get("events"), at("events"))
    return SessionRecord(
        id=0,
        uid=uid,
        routine_id=_text(get("routine"), at("routine"), NAME_LENGTH),
        routine_name=_text(get("routine_name"), at("routine_name"), TITLE_LENGTH, empty=True),
        status=SessionStatus(_choice(get("status"), at("status"), SessionStatus)),
        started_at=_moment(get("started_at"), at("started_at")),
        ended_at=_optional_moment(get("ended_at"), at("ended_at")),
        pain_before=_pain(get("pain_before"), at("pain_before")),
        pain_after=_pain(get("pain_after"), at("pain_after")),
        snapshot=_snapshot(get("snapshot"), at("snapshot")),
        steps=tuple(_step(s, f"{at('steps')}[{i}]") for i, s in enumerate(steps)),
        events=tuple(_event(e, f"{at('events')}[{i}]", events_seen) for i, e in enumerate(events)),
    )


def _checkin(value: object, path: str, seen: set[str]) -> CheckinRecord:
    obj = _object(value, path)

    def get(name: str) -> Any:
        return _get(obj, name, path)

    def at(name: str) -> str:
        return _key(path, name)

    uid = _unique(_text(get("uid"), at("uid"), UID_LENGTH), seen, at("uid"))
    pain = _pain(get("pain"), at("pain"))
    raw_peg = get("peg")
    peg: tuple[int, int, int] | None = None
    if raw_peg is not None:
        items = _list(raw_peg, at("peg"))
        if len(items) != 3:
            raise DocumentError(
                at("peg"), f"must be 3 numbers (pain, enjoyment, activity), not {len(items)}"
            )
        p, e, g = (_integer(v, f"{at('peg')}[{i}]", 0, 10) for i, v in enumerate(items))
        peg = (p, e, g)
    if pain is None and peg is None:
        raise DocumentError(path, "a check-in needs pain or peg")
    return CheckinRecord(
        uid=uid,
        day=_day(get("day"), at("day")),
        created_at=_moment(get("created_at"), at("created_at")),
        pain=pain,
        peg=peg,
    )


def _restore(value: object, path: str) -> RestoreRecord:
    obj = _object(value, path)
    return RestoreRecord(
        exercise=_text(_get(obj, "exercise", path), _key(path, "exercise"), NAME_LENGTH),
        at=_moment(_get(obj, "at", path), _key(path, "at")),
    )


def _rescreen(value: object, path: str) -> RescreenRecord:
    obj = _object(value, path)
    return RescreenRecord(
        at=_moment(_get(obj, "at", path), _key(path, "at")),
        reason=_text(_get(obj, "reason", path), _key(path, "reason"), empty=True),
    )


def parse_document(data: object) -> Batch:
    """Check a decoded JSON export and turn it into records; DocumentError names what is wrong.

    Refused: another format, a version newer than ``VERSION`` ("written by a newer bedstretch"),
    any field missing or of the wrong type or range, a uid (or event id) appearing twice. Fields
    this version does not know are ignored. Times become UTC.
    """
    doc = _object(data, "")
    if "format" not in doc:
        raise DocumentError("format", "missing: not a bedstretch journal export")
    if doc["format"] != FORMAT:
        raise DocumentError(
            "format", f"{_shown(doc['format'])} is not a bedstretch journal export ({FORMAT!r})"
        )
    version = _integer(_get(doc, "version", ""), "version", 1)
    if version > VERSION:
        raise DocumentError(
            "version",
            f"written by a newer bedstretch (version {version}; this one reads up to "
            f"{VERSION}): upgrade bedstretch",
        )
    exported_at = _moment(_get(doc, "exported_at", ""), "exported_at")

    def items(name: str) -> list[tuple[str, Any]]:
        return [(f"{name}[{i}]", v) for i, v in enumerate(_list(_get(doc, name, ""), name))]

    screening_uids: set[str] = set()
    session_uids: set[str] = set()
    event_ids: set[str] = set()
    checkin_uids: set[str] = set()
    return Batch(
        version=version,
        exported_at=exported_at,
        screenings=tuple(_screening(v, p, screening_uids) for p, v in items("screenings")),
        sessions=tuple(_session(v, p, session_uids, event_ids) for p, v in items("sessions")),
        checkins=tuple(_checkin(v, p, checkin_uids) for p, v in items("checkins")),
        restores=tuple(_restore(v, p) for p, v in items("exercise_restores")),
        rescreens=tuple(_rescreen(v, p) for p, v in items("rescreen_requests")),
    )


# --------------------------------------------------------------------------- CSV tables

Table = tuple[list[str], list[list[object]]]

STEP_COLUMNS = [
    "session_uid",
    "block",
    "step",
    "exercise",
    "variant",
    "side",
    "set",
    "status",
    "target_seconds",
    "target_reps",
    "actual_seconds",
    "actual_reps",
    "finished_at",
    "reason",
]
EVENT_COLUMNS = ["session_uid", "id", "kind", "at", "created_at", "value", "step", "exercise"]


def csv_tables(
    *,
    screenings: Sequence[ScreeningRecord],
    sessions: Sequence[SessionRecord],
    checkins: Sequence[CheckinRecord],
    restores: Sequence[RestoreRecord] = (),
    rescreens: Sequence[RescreenRecord] = (),
) -> dict[str, Table]:
    """One tidy table per record type: table name -> (header, rows); one row per record.

    Steps and events carry their session's uid. Times are ISO 8601 strings in UTC, booleans
    ``true`` or ``false``, a missing value ``None`` (an empty cell). Screening answers are one
    column per question (``answer_<question id>``); reasons are separated by spaces.
    """
    questions = sorted({q for s in screenings for q in s.answers})
    screening_rows: list[list[object]] = [
        [
            s.uid,
            _utc(s.taken_at),
            s.outcome,
            " ".join(s.reasons),
            s.age,
            _instant(s.cleared_at),
            *(_boolean(s.answers.get(q)) for q in questions),
        ]
        for s in screenings
    ]
    session_rows: list[list[object]] = []
    step_rows: list[list[object]] = []
    event_rows: list[list[object]] = []
    for s in sessions:
        session_rows.append(
            [
                s.uid,
                s.routine_id,
                s.routine_name,
                s.status.value,
                _utc(s.started_at),
                _instant(s.ended_at),
                s.pain_before,
                s.pain_after,
            ]
        )
        for t in s.steps:
            step_rows.append(
                [
                    s.uid,
                    t.block,
                    t.step,
                    t.exercise,
                    t.variant,
                    t.side,
                    t.set,
                    t.status.value,
                    t.target_seconds,
                    t.target_reps,
                    t.actual_seconds,
                    t.actual_reps,
                    _utc(t.finished_at),
                    t.reason,
                ]
            )
        for e in s.events:
            event_rows.append(
                [
                    s.uid,
                    e.id,
                    e.kind.value,
                    e.at,
                    _utc(e.created_at),
                    e.value,
                    e.step,
                    e.exercise,
                ]
            )
    checkin_rows: list[list[object]] = [
        [
            c.uid,
            c.day.isoformat(),
            _utc(c.created_at),
            c.pain,
            *(c.peg if c.peg is not None else (None, None, None)),
            c.peg_score,
        ]
        for c in checkins
    ]
    return {
        "screenings": (
            ["uid", "taken_at", "outcome", "reasons", "age", "cleared_at"]
            + [f"answer_{q}" for q in questions],
            screening_rows,
        ),
        "sessions": (
            [
                "uid",
                "routine",
                "routine_name",
                "status",
                "started_at",
                "ended_at",
                "pain_before",
                "pain_after",
            ],
            session_rows,
        ),
        "steps": (list(STEP_COLUMNS), step_rows),
        "events": (list(EVENT_COLUMNS), event_rows),
        "checkins": (
            [
                "uid",
                "day",
                "created_at",
                "pain",
                "peg_pain",
                "peg_enjoyment",
                "peg_activity",
                "peg_score",
            ],
            checkin_rows,
        ),
        "exercise_restores": (
            ["exercise", "at"],
            [[r.exercise, _utc(r.at)] for r in restores],
        ),
        "rescreen_requests": (
            ["at", "reason"],
            [[_utc(r.at), r.reason] for r in rescreens],
        ),
    }


def _boolean(value: bool | None) -> str | None:
    return None if value is None else ("true" if value else "false")


# --------------------------------------------------------------------------- FHIR R4

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
PAIN_CODE = "72514-3"  # Pain severity - 0-10 verbal numeric rating [Score] - Reported
PEG_PANEL = "91148-7"  # PEG 3-item pain scale
PEG_SCORE = "91147-9"  # Mean score [PEG]
PEG_ITEMS = (
    ("75893-8", "Average pain in the past week (0-10)"),
    ("91145-3", "Pain interference with enjoyment of life in the past week (0-10)"),
    ("91146-1", "Pain interference with general activity in the past week (0-10)"),
)
# Observation ids are uuid5(this, kind + record uid): the same journal gives the same ids.
FHIR_NAMESPACE = uuid.UUID("5f0c4b1e-8d5a-4c52-9a57-62656473747a")


def _fhir_id(kind: str, uid: str) -> str:
    return str(uuid.uuid5(FHIR_NAMESPACE, f"{kind}:{uid}"))


def _pain_observation(
    oid: str, effective: str, value: int, text: str, note: str, patient_ref: str
) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": oid,
        "status": "final",
        "category": [{"coding": [{"system": CATEGORY, "code": "survey", "display": "Survey"}]}],
        "code": {
            "coding": [
                {
                    "system": LOINC,
                    "code": PAIN_CODE,
                    "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
                }
            ],
            "text": text,
        },
        "subject": {"reference": patient_ref},
        "effectiveDateTime": effective,
        "valueInteger": value,
        "note": [{"text": note}],
    }


def _score(value: float) -> dict[str, Any]:
    return {"value": value, "unit": "{score}", "system": UCUM, "code": "{score}"}


def _peg_observation(
    c: CheckinRecord, peg: tuple[int, int, int], patient_ref: str
) -> dict[str, Any]:
    components: list[dict[str, Any]] = [
        {"code": {"coding": [{"system": LOINC, "code": code}], "text": text}, "valueInteger": v}
        for (code, text), v in zip(PEG_ITEMS, peg, strict=True)
    ]
    components.append(
        {
            "code": {
                "coding": [{"system": LOINC, "code": PEG_SCORE, "display": "Mean score [PEG]"}],
                "text": "PEG score (mean of the three items, 0-10)",
            },
            "valueQuantity": _score(round(sum(peg) / 3, 2)),
        }
    )
    return {
        "resourceType": "Observation",
        "id": _fhir_id("checkin-peg", str(c.uid)),
        "status": "final",
        "category": [{"coding": [{"system": CATEGORY, "code": "survey", "display": "Survey"}]}],
        "code": {
            "coding": [{"system": LOINC, "code": PEG_PANEL}],
            "text": "PEG 3-item pain scale (pain, enjoyment of life, general activity)",
        },
        "subject": {"reference": patient_ref},
        "effectiveDateTime": c.day.isoformat(),
        "issued": _utc(c.created_at),
        "component": components,
    }


def fhir_bundle(
    *,
    sessions: Sequence[SessionRecord],
    checkins: Sequence[CheckinRecord],
    exported_at: datetime,
    patient_ref: str = "Patient/me",
) -> dict[str, Any]:
    """A FHIR R4 Bundle (type ``collection``) of survey Observations, for a clinician.

    Pain 0-10 (LOINC 72514-3, ``valueInteger``): one per session rating (before: at its start;
    after: at its end), and one per check-in pain (effective: the check-in's day). PEG: one
    Observation per check-in that has it (LOINC 91148-7), with a component per item and one for
    the mean score (91147-9). Ids are derived from the records' uids (uuid5), so two exports of the
    same journal differ only in ``meta.lastUpdated`` and ``timestamp``.
    """
    observations: list[dict[str, Any]] = []
    for s in sessions:
        uid = s.uid or f"id:{s.id}"
        if s.pain_before is not None:
            observations.append(
                _pain_observation(
                    _fhir_id("session-pain-before", uid),
                    _utc(s.started_at),
                    s.pain_before,
                    "Pain before a stretching session (0-10)",
                    f"Rated before a bedstretch session ({s.routine_id}).",
                    patient_ref,
                )
            )
        if s.pain_after is not None:
            observations.append(
                _pain_observation(
                    _fhir_id("session-pain-after", uid),
                    _utc(s.ended_at or s.started_at),
                    s.pain_after,
                    "Pain after a stretching session (0-10)",
                    f"Rated after a bedstretch session ({s.routine_id}, {s.status.value}).",
                    patient_ref,
                )
            )
    for c in checkins:
        if c.pain is not None:
            pain = _pain_observation(
                _fhir_id("checkin-pain", c.uid),
                c.day.isoformat(),
                c.pain,
                "Pain today (0-10)",
                "Daily check-in.",
                patient_ref,
            )
            pain["issued"] = _utc(c.created_at)
            observations.append(pain)
        if c.peg is not None:
            observations.append(_peg_observation(c, c.peg, patient_ref))
    stamp = _utc(exported_at)
    return {
        "resourceType": "Bundle",
        "id": _fhir_id("bundle", ",".join(o["id"] for o in observations)),
        "meta": {"lastUpdated": stamp},
        "type": "collection",
        "timestamp": stamp,
        "entry": [{"fullUrl": f"urn:uuid:{o['id']}", "resource": o} for o in observations],
    }
