"""Every event applied exactly once, with its effect, through the API: a fault at the effect is a
503 and the resend (as the web player's outbox does it) stores both; an ended session keeps late
events for the record and changes nothing."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bedstretch.web.app import create_app
from tests.journal.conftest import postgres_database
from tests.journal.test_apply_event import backend_killed_once, disarm
from tests.web_api.conftest import User


def send(user: User, session: int, kind: str, event_id: str | None = None, **fields: Any) -> Any:
    body = {"id": event_id or str(uuid.uuid4()), "kind": kind, "at": 12.0, **fields}
    return user.post(f"/api/v1/sessions/{session}/events", body)


@pytest.fixture
def on_postgres() -> Iterator[tuple[User, str]]:
    for url in postgres_database():
        with TestClient(create_app(url)) as client:
            yield User(client, "alice@example.org"), url


@pytest.mark.parametrize(
    ("kind", "fields", "table", "operation"),
    [
        ("step_done", {"block": 1, "status": "done", "actual_seconds": 20}, "steps", "INSERT"),
        ("complete", {"value": 2}, "sessions", "UPDATE"),
        ("stop", {"reason": "safety"}, "sessions", "UPDATE"),
        ("tingling", {}, "rescreen_requests", "INSERT"),
    ],
)
def test_a_killed_connection_at_the_effect_is_503_and_the_resend_applies_it_once(
    on_postgres: tuple[User, str], kind: str, fields: dict[str, Any], table: str, operation: str
) -> None:
    alice, url = on_postgres
    alice.screen_ok()
    session = alice.start()["id"]
    event_id = str(uuid.uuid4())
    with backend_killed_once(url, table, operation):
        failed = send(alice, session, kind, event_id, **fields)
        disarm(url)
        assert failed.status_code == 503, failed.text
        assert failed.headers["retry-after"]
        again = send(alice, session, kind, event_id, **fields)  # the outbox sends it again
    assert again.status_code == 201, again.text
    assert again.json() == {"stored": True, "applied": True, "detail": None}
    assert send(alice, session, kind, event_id, **fields).json()["stored"] is False
    stored = alice.get(f"/api/v1/sessions/{session}").json()
    assert [e["id"] for e in stored["events"]] == [event_id]
    if kind == "step_done":
        assert stored["steps"][1]["status"] == "done"
    if kind == "complete":
        assert (stored["status"], stored["pain_after"]) == ("completed", 2)
    if kind == "stop":
        assert stored["status"] == "safety_stop"
    if kind == "tingling":  # the safety rule: the next session needs new screening answers
        assert alice.get("/api/v1/gate").json()["needs_screening"] is True


def test_a_finished_session_cannot_be_rewritten(alice: User) -> None:
    alice.screen_ok()
    session = alice.start()["id"]
    assert send(alice, session, "stop", reason="safety").status_code == 201
    for kind, fields in [
        ("complete", {"value": 1}),  # would turn the safety stop into "completed"
        ("stop", {"value": 5}),
        ("step_done", {"block": 1, "status": "done", "actual_seconds": 20}),
    ]:
        late = send(alice, session, kind, **fields)
        assert late.status_code == 200, late.text
        assert late.json()["stored"] is True
        assert late.json()["applied"] is False
        assert "ended" in late.json()["detail"]
    stored = alice.get(f"/api/v1/sessions/{session}").json()
    assert (stored["status"], stored["pain_after"]) == ("safety_stop", None)
    assert {s["status"] for s in stored["steps"]} == {"not_reached"}
    assert len(stored["events"]) == 4, "kept for the record"


def test_a_late_event_keeps_the_time_the_phone_saw_it(alice: User) -> None:
    alice.screen_ok()
    session = alice.start()["id"]
    seen = datetime.now(UTC) - timedelta(minutes=40)  # sent when the phone was back online
    send(alice, session, "step_done", block=1, status="done", created_at=seen.isoformat())
    send(alice, session, "complete", value=1, created_at=(seen + timedelta(minutes=1)).isoformat())
    future = (datetime.now(UTC) + timedelta(days=3)).isoformat()  # a phone whose clock is off
    send(alice, session, "pause", created_at=future)
    stored = alice.get(f"/api/v1/sessions/{session}").json()
    finished = datetime.fromisoformat(stored["steps"][1]["finished_at"])
    assert abs(finished - seen) < timedelta(seconds=1)
    assert abs(datetime.fromisoformat(stored["ended_at"]) - seen - timedelta(minutes=1)) < (
        timedelta(seconds=1)
    )
    paused = next(e for e in stored["events"] if e["kind"] == "pause")
    assert datetime.fromisoformat(paused["created_at"]) <= datetime.now(UTC), "never ahead"
