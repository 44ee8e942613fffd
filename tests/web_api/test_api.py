"""The JSON API: accounts, content, sessions with idempotent events, progress, export."""

from __future__ import annotations

import io
import json
import uuid
import zipfile

import pytest
from fastapi.testclient import TestClient

from bedstretch.core.safety import QUESTION_IDS
from tests.web_api.conftest import PASSWORD, User


def test_signing_up_twice_answers_the_same_and_never_reveals_the_account(
    client: TestClient,
) -> None:
    body = {"email": "Carol@Example.org ", "password": PASSWORD}
    first = client.post("/api/v1/users", json=body)
    second = client.post("/api/v1/users", json={**body, "password": "another long password"})
    assert (first.status_code, first.json()) == (second.status_code, second.json())
    assert first.json() == {"email": "carol@example.org"}
    token = client.post(
        "/api/v1/auth/token", json={"email": "carol@example.org", "password": PASSWORD}
    )
    assert token.json()["token_type"] == "bearer"
    wrong = client.post(
        "/api/v1/auth/token", json={"email": "carol@example.org", "password": "x" * 12}
    )
    nobody = client.post(
        "/api/v1/auth/token", json={"email": "nobody@example.org", "password": "x" * 12}
    )
    assert (wrong.status_code, wrong.json()) == (nobody.status_code, nobody.json()) == (
        401, {"detail": "Email or password is wrong.", "kind": "unauthenticated", "field": None},
    )  # fmt: skip


def test_sign_in_is_rate_limited_per_account(client: TestClient) -> None:
    User(client, "dave@example.org")
    for _ in range(5):
        client.post("/api/v1/auth/token", json={"email": "dave@example.org", "password": "y" * 12})
    blocked = client.post(
        "/api/v1/auth/token", json={"email": "dave@example.org", "password": PASSWORD}
    )
    assert blocked.status_code == 429
    assert 0 < int(blocked.headers["Retry-After"]) <= 900  # the time left in the window


def test_short_passwords_and_bad_emails_are_refused(client: TestClient) -> None:
    assert (
        client.post("/api/v1/users", json={"email": "e@x.org", "password": "short"}).status_code
        == 422
    )
    assert (
        client.post(
            "/api/v1/users", json={"email": "not-an-email", "password": PASSWORD}
        ).status_code
        == 422
    )


def test_the_api_needs_a_token(client: TestClient) -> None:
    answer = client.get("/api/v1/sessions")
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == "Bearer"


def test_content_has_the_clis_shapes(alice: User) -> None:
    exercises = alice.get("/api/v1/exercises").json()
    assert {"id", "name", "aliases", "position", "per_side", "sources", "variants"} <= exercises[
        0
    ].keys()
    timeline = alice.get("/api/v1/routines/quick/timeline").json()
    assert timeline["total_seconds"] == timeline["cues"][-1]["at"]
    assert alice.get("/api/v1/routines/nope/timeline").status_code == 404
    svg = alice.get("/api/v1/exercises/cat-cow/figure.svg?variant=lying")
    assert svg.headers["content-type"].startswith("image/svg+xml")
    plan = alice.post("/api/v1/plan", {"minutes": 5, "lying_only": True}).json()
    assert plan["total_seconds"] <= 300
    assert plan["timeline"]["total_seconds"] == plan["total_seconds"]


def test_rules_come_from_the_core(alice: User) -> None:
    assert alice.get("/api/v1/rules").json()["skip_rise"] == 2
    assert alice.get("/api/v1/rules").json()["stop_at"] == 8


def test_a_session_needs_a_clear_screening(alice: User) -> None:
    refused = alice.post("/api/v1/sessions", {"routine": "quick", "pain_before": 2})
    assert refused.status_code == 409
    assert "no screening on record yet" in refused.json()["detail"]
    assert alice.get("/api/v1/gate").json()["needs_screening"] is True
    answers = dict.fromkeys(QUESTION_IDS, False)
    emergency = alice.post("/api/v1/screenings", {"answers": {**answers, "bowel": True}, "age": 30})
    assert emergency.json()["outcome"] == "emergency"
    assert alice.post("/api/v1/sessions", {"routine": "quick", "pain_before": 2}).status_code == 409
    missing = alice.post("/api/v1/screenings", {"answers": {"bowel": False}, "age": 30})
    assert missing.status_code == 422


def test_events_are_stored_once_however_often_they_are_sent(alice: User) -> None:
    alice.screen_ok()
    session = alice.start()
    event = {"id": str(uuid.uuid4()), "kind": "step_done", "at": 80.0, "block": 1, "status": "done",
             "actual_seconds": 20}  # fmt: skip
    first = alice.post(f"/api/v1/sessions/{session['id']}/events", event)
    again = alice.post(f"/api/v1/sessions/{session['id']}/events", event)
    assert (first.status_code, first.json(), again.status_code, again.json()) == (
        201, {"stored": True, "applied": True, "detail": None}, 200, {"stored": False, "applied": False, "detail": None},
    )  # fmt: skip
    alice.event(session["id"], "pain", value=5, exercise="figure-four", at=90.0)
    alice.event(session["id"], "complete", value=2, at=300.0)
    stored = alice.get(f"/api/v1/sessions/{session['id']}").json()
    assert stored["status"] == "completed"
    assert stored["pain_after"] == 2
    done = [s for s in stored["steps"] if s["status"] == "done"]
    assert [(s["block"], s["exercise"], s["side"]) for s in done] == [(1, "knee-to-chest", "right")]
    assert [e["kind"] for e in stored["events"]] == ["step_done", "pain", "complete"]
    assert all(len(e["id"]) == 36 for e in stored["events"])
    assert len(alice.get("/api/v1/sessions").json()) == 1


def test_a_session_left_for_three_hours_is_interrupted_and_late_events_still_finish_it(
    alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import timedelta

    from bedstretch.services.sessions import ABANDONED_AFTER

    alice.screen_ok()
    session = alice.start()["id"]
    alice.event(session, "pause")
    assert alice.get("/api/v1/sessions").json()[0]["status"] == "running"
    state = alice.client.app.state  # type: ignore[attr-defined]
    real_now = state.clock
    monkeypatch.setattr(state, "clock", lambda: real_now() + ABANDONED_AFTER + timedelta(1))
    assert alice.get("/api/v1/sessions").json()[0]["status"] == "interrupted"
    assert alice.event(session, "complete", value=2, at=300.0).status_code == 201  # was offline
    assert alice.get(f"/api/v1/sessions/{session}").json()["status"] == "completed"


def test_a_start_sent_again_with_its_uid_answers_the_same_session(alice: User, bob: User) -> None:
    alice.screen_ok()
    bob.screen_ok()
    uid = str(uuid.uuid4())
    body = {"routine": "quick", "pain_before": 3, "uid": uid}
    first = alice.post("/api/v1/sessions", body)
    again = alice.post("/api/v1/sessions", body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["uid"] == again.json()["uid"] == uid
    assert len(alice.get("/api/v1/sessions").json()) == 1
    taken = bob.post("/api/v1/sessions", body)  # bob learns nothing of alice's session
    assert (taken.status_code, taken.json()["kind"]) == (409, "conflict")
    assert taken.json()["detail"] == "uid: that session uid is in use: make a new one."
    assert bob.get("/api/v1/sessions").json() == []


def test_a_start_sent_later_keeps_when_it_started_within_seven_days(alice: User) -> None:
    from datetime import UTC, datetime, timedelta

    alice.screen_ok()
    two_hours_ago = datetime.now(UTC) - timedelta(hours=2)
    body = {"routine": "quick", "pain_before": 3, "started_at": two_hours_ago.isoformat()}
    started = alice.post("/api/v1/sessions", body)
    assert started.status_code == 201
    stored = alice.get(f"/api/v1/sessions/{started.json()['id']}").json()
    assert abs(datetime.fromisoformat(stored["started_at"]) - two_hours_ago) < timedelta(seconds=1)
    for when, problem in [
        (datetime.now(UTC) + timedelta(hours=1), "started_at: that is in the future."),
        (datetime.now(UTC) - timedelta(days=8), "started_at: more than 7 days ago."),
        (datetime.now() - timedelta(hours=1), "started_at: give a time zone (for example Z)."),
    ]:
        refused = alice.post("/api/v1/sessions", {**body, "started_at": when.isoformat()})
        assert (refused.status_code, refused.json()["detail"]) == (422, problem)


def test_the_gate_is_checked_as_of_when_a_late_start_began(
    alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import datetime, timedelta

    alice.screen_ok()
    screened = datetime.now().astimezone()
    state = alice.client.app.state  # type: ignore[attr-defined]
    monkeypatch.setattr(state, "clock", lambda: screened + timedelta(days=29))  # token: 30
    live = {"routine": "quick", "pain_before": 3}
    assert alice.post("/api/v1/sessions", live).status_code == 409  # screening over 4 weeks old
    four_days_ago = (screened + timedelta(days=25)).isoformat()  # started offline
    assert alice.post("/api/v1/sessions", {**live, "started_at": four_days_ago}).status_code == 201


def test_tingling_stops_and_asks_for_a_new_screening(alice: User) -> None:
    alice.screen_ok()
    session = alice.start()
    alice.event(session["id"], "tingling")
    alice.event(session["id"], "stop", reason="safety")
    assert alice.get(f"/api/v1/sessions/{session['id']}").json()["status"] == "safety_stop"
    assert alice.get("/api/v1/gate").json()["needs_screening"] is True


def test_bad_events_are_422(alice: User) -> None:
    alice.screen_ok()
    session = alice.start()["id"]
    path = f"/api/v1/sessions/{session}/events"
    assert alice.post(path, {"id": "not-a-uuid", "kind": "pain"}).status_code == 422
    assert alice.post(path, {"id": str(uuid.uuid4()), "kind": "dance"}).status_code == 422
    assert (
        alice.post(path, {"id": str(uuid.uuid4()), "kind": "pain", "value": 11}).status_code == 422
    )
    assert alice.post(path, {"id": str(uuid.uuid4()), "kind": "step_done", "block": 999,
                             "status": "done"}).status_code == 422  # fmt: skip


def test_checkins_progress_export_and_reminders(alice: User) -> None:
    assert alice.post("/api/v1/checkins", {"pain": 4, "peg": [5, 6, 4]}).status_code == 201
    assert alice.post("/api/v1/checkins", {"pain": 11}).status_code == 422
    assert alice.post("/api/v1/checkins", {}).status_code == 422
    progress = alice.get("/api/v1/progress").json()
    assert {"pain", "streak", "sessions_per_week", "advice"} <= progress.keys()
    exported = alice.get("/api/v1/export?format=json")
    assert json.loads(exported.content)["format"] == "bedstretch-journal"
    fhir = alice.get("/api/v1/export?format=fhir").json()
    assert fhir["resourceType"] == "Bundle"
    with zipfile.ZipFile(io.BytesIO(alice.get("/api/v1/export?format=csv").content)) as archive:
        assert "checkins.csv" in archive.namelist()
    ics = alice.get("/api/v1/reminder.ics?at=07:15&days=mon,wed")
    assert "RRULE:FREQ=WEEKLY;BYDAY=MO,WE" in ics.text
    assert "open http://testserver/" in ics.text  # the phone's way in, not a terminal command
    assert "bedstretch start" not in ics.text


def test_deleting_my_account_deletes_my_data(alice: User, bob: User) -> None:
    alice.screen_ok()
    bob.screen_ok()
    alice.start()
    bob.start()
    assert alice.delete("/api/v1/users/me").status_code == 204
    assert alice.get("/api/v1/sessions").status_code == 401  # the token went with the account
    assert len(bob.get("/api/v1/sessions").json()) == 1


def test_security_headers_and_no_caching_of_health_data(alice: User) -> None:
    answer = alice.get("/api/v1/sessions")
    csp = answer.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert answer.headers["Cache-Control"] == "no-store"


def test_cookie_authenticated_api_calls_need_the_csrf_header(client: TestClient) -> None:
    User(client, "erin@example.org")
    client.cookies.clear()
    form = client.get("/signin")
    if form.status_code != 200:  # pages not mounted in this build
        return
    csrf = client.cookies.get("bedstretch_csrf")
    signed = client.post("/signin", data={"email": "erin@example.org", "password": PASSWORD,
                                          "csrf": csrf}, follow_redirects=False)  # fmt: skip
    assert signed.status_code in (302, 303)
    assert client.post("/api/v1/checkins", json={"pain": 3}).status_code == 403
    # signed in, the token is the session's own (on every page), no longer the cookie's
    cookie_token = client.post("/api/v1/checkins", json={"pain": 3},
                               headers={"X-CSRF-Token": csrf or ""})  # fmt: skip
    assert cookie_token.status_code == 403
    page = client.get("/settings").text
    session_csrf = page.split('name="csrf-token" content="')[1].split('"')[0]
    ok = client.post("/api/v1/checkins", json={"pain": 3},
                     headers={"X-CSRF-Token": session_csrf})  # fmt: skip
    assert ok.status_code == 201


def test_a_lost_database_connection_answers_503_once_then_the_api_works_again() -> None:
    from bedstretch.web.app import create_app
    from tests.journal.conftest import postgres_database
    from tests.journal.test_opening import _cut_connections

    for url in postgres_database():  # PostgreSQL only: a SQLite file has no connection to lose
        with TestClient(create_app(url)) as client:
            alice = User(client, "alice@example.org")
            alice.screen_ok()
            session = alice.start()["id"]
            _cut_connections(url)
            failed = alice.get("/api/v1/progress")
            assert failed.status_code == 503
            assert failed.headers["retry-after"] == "5"
            assert "try again" in failed.json()["detail"]
            assert alice.event(session, "pause").status_code == 201
            assert alice.get("/api/v1/progress").status_code == 200


def test_a_database_fault_at_an_event_answers_503_never_404(alice: User, db_url: str) -> None:
    """The first version answered a fault at the event's insert "404 No session N", and the web
    player's outbox drops an event answered 404: a pain report could be lost."""
    from tests.journal.test_faults import renamed

    alice.screen_ok()
    session = alice.start()["id"]
    with renamed(db_url, "events"):
        failed = alice.event(session, "pain", value=5)
    assert failed.status_code == 503, failed.text
    assert failed.json()["kind"] == "unavailable"
    assert failed.headers["retry-after"] == "5"
    assert "events" not in failed.json()["detail"], "the cause goes to the server's log only"
    assert alice.event(session, "pain", value=5).status_code == 201  # the resend is stored
    assert alice.event(9999, "pain", value=5).status_code == 404  # no such session: final


def test_every_error_has_one_shape(alice: User) -> None:
    cases = [
        (alice.post("/api/v1/plan", {"exclude": ["backflip"]}), 422, "invalid", "exclude"),
        (alice.post("/api/v1/plan", {"minutes": 9999}), 422, "invalid", "minutes"),
        (alice.get("/api/v1/sessions/12345"), 404, "not_found", None),
        (alice.get("/api/v1/routines/nope/timeline"), 404, "not_found", "routine"),
        (alice.get("/api/v1/no-such-path"), 404, "not_found", None),
        (
            alice.post("/api/v1/sessions", {"routine": "quick", "pain_before": 2}),
            409,
            "blocked",
            None,
        ),
        (alice.client.get("/api/v1/progress"), 401, "unauthenticated", None),
    ]
    for answer, status, kind, field in cases:
        body = answer.json()
        assert (answer.status_code, body["kind"], body["field"]) == (status, kind, field), body
        assert set(body) == {"detail", "kind", "field"}
        assert body["detail"].endswith(".")
        assert "\n" not in body["detail"]
