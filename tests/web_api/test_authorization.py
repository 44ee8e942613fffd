"""Every endpoint with a second user's ids and tokens: never their data (404, not 403)."""

from __future__ import annotations

import uuid

from tests.web_api.conftest import User


def test_another_users_session_answers_404_everywhere(alice: User, bob: User) -> None:
    alice.screen_ok()
    session = alice.start()["id"]
    alice.event(session, "pain", value=4)
    assert bob.get(f"/api/v1/sessions/{session}").status_code == 404
    event = {"id": str(uuid.uuid4()), "kind": "pain", "value": 9}
    assert bob.post(f"/api/v1/sessions/{session}/events", event).status_code == 404
    assert bob.post(f"/api/v1/sessions/{session}/events",
                    {"id": str(uuid.uuid4()), "kind": "complete"}).status_code == 404  # fmt: skip
    assert alice.get(f"/api/v1/sessions/{session}").json()["status"] == "running"
    assert len(alice.get(f"/api/v1/sessions/{session}").json()["events"]) == 1


def test_lists_and_summaries_hold_only_the_callers_records(alice: User, bob: User) -> None:
    alice.screen_ok()
    alice.start()
    alice.post("/api/v1/checkins", {"pain": 6})
    assert bob.get("/api/v1/sessions").json() == []
    progress = bob.get("/api/v1/progress").json()
    assert (progress["sessions"], progress["pain"]["days"]) == (0, 0)
    exported = bob.get("/api/v1/export?format=json").json()
    assert exported["sessions"] == [] and exported["checkins"] == []  # noqa: PT018
    assert bob.get("/api/v1/gate").json()["needs_screening"] is True  # alice's screening is hers


def test_an_event_id_used_by_someone_else_changes_nothing_of_theirs(alice: User, bob: User) -> None:
    alice.screen_ok()
    bob.screen_ok()
    mine, theirs = alice.start()["id"], bob.start()["id"]
    shared = {"id": str(uuid.uuid4()), "kind": "complete", "value": 1}
    alice.post(f"/api/v1/sessions/{mine}/events", shared)
    again = bob.post(f"/api/v1/sessions/{theirs}/events", shared)
    assert again.json() == {"stored": False, "applied": False, "detail": None}
    assert bob.get(f"/api/v1/sessions/{theirs}").json()["status"] == "running"
