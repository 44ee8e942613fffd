"""Offline: the service worker keeps the player working, and the outbox sends every event once,
even when the server stored an event but its answer never arrived."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from tests.web.conftest import Phone
from tests.web.helpers import (
    all_sent,
    choose,
    finish_with_pain,
    outbox,
    record_posted_events,
    session,
    sessions,
    start,
    step_is,
)


def signed_up(phone: Phone, name: str) -> None:
    email = f"{name}-{secrets.token_hex(4)}@example.org"
    phone.sign_up(email)
    phone.sign_in(email)
    phone.screen_ok()


def test_a_session_starts_and_plays_offline_and_arrives_once_when_back_online(
    phone: Phone,
) -> None:
    page = phone.page
    signed_up(phone, "offline")
    page.goto("/play/quick?speed=40")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.reload()  # now through the service worker, which keeps a copy
    page.locator("#player").wait_for()
    phone.context.set_offline(True)
    page.reload()
    assert page.get_by_role("heading", name="Quick five minutes").is_visible()
    assert page.evaluate("() => typeof document.getElementById('player').player") == "object"
    styled = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    assert styled != "rgba(0, 0, 0, 0)", "the stylesheet came from the cache"
    # The cached timeline plays; the start waits in the outbox, before every event.
    choose(page, "pain-before", 1)
    page.get_by_role("button", name="Start", exact=True).click()
    page.locator("#playing").wait_for(state="visible")
    step_is(page, "Step 2 of 4")
    page.wait_for_function(  # the figure too came from the service worker's copy
        "() => { const f = document.getElementById('figure'); return f.complete && f.naturalWidth > 0; }"
    )
    queued = outbox(page)
    assert "start" in queued[0]
    assert all("event" in item for item in queued[1:])
    assert page.evaluate("() => navigator.onLine") is False
    finish_with_pain(phone, 1)
    assert page.locator("#after-sync").text_content().endswith("(offline).")
    phone.context.set_offline(False)
    page.evaluate("() => window.bedstretch.flush()")
    all_sent(phone)
    found = sessions(phone)
    assert len(found) == 1
    played = session(phone, found[0]["id"])
    assert played["status"] == "completed"
    assert played["pain_before"] == 1
    assert played["pain_after"] == 1
    assert played["uid"] == queued[0]["start"]["uid"]
    assert [e["kind"] for e in played["events"]].count("complete") == 1
    assert sum(s["status"] == "done" for s in played["steps"]) == len(played["steps"]) > 0


def test_without_a_clear_gate_seen_here_in_the_last_day_no_session_starts_offline(
    phone: Phone,
) -> None:
    page = phone.page
    signed_up(phone, "offline-plan")
    page.goto("/play/quick?speed=40")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    # the page stores the gate's answer when it arrives: wait for it, then forget it
    page.wait_for_function("() => localStorage.getItem('bedstretch.gate') !== null")
    page.evaluate("() => localStorage.removeItem('bedstretch.gate')")  # no gate answer here
    phone.context.set_offline(True)
    page.reload()
    choose(page, "pain-before", 1)
    page.get_by_role("button", name="Start", exact=True).click()
    error = page.locator("#before-error")
    error.wait_for(state="visible")
    assert "offline" in error.text_content()
    assert "safety questions" in error.text_content()
    phone.context.set_offline(False)


def test_an_event_whose_answer_is_lost_is_sent_again_and_stored_once(
    browser: Any, server: str
) -> None:
    # Service workers off, so that the page's own requests can be intercepted.
    phone = Phone(browser, server, service_workers="block")
    try:
        page = phone.page
        signed_up(phone, "lost")
        posted = record_posted_events(phone)
        lost: list[str] = []

        def lose_the_answer(route: Any) -> None:
            if route.request.method == "POST" and len(lost) < 4:
                lost.append(route.request.post_data_json["id"])
                route.fetch()  # the server stores the event...
                route.abort()  # ...but the answer never reaches the page
            else:
                route.continue_()

        page.route("**/api/v1/sessions/*/events", lose_the_answer)
        start(phone, "quick", 2, 40)
        step_is(page, "Step 2 of 4")
        page.get_by_role("button", name="Pause").click()
        page.get_by_role("button", name="Skip").click()
        page.get_by_role("button", name="Back").click()  # at the step's start: step 2 again
        step_is(page, "Step 2 of 4")
        page.get_by_role("button", name="Resume").click()
        finish_with_pain(phone, 2)
        all_sent(phone)
        assert len(lost) == 4
        found = sessions(phone)
        assert len(found) == 1
        events = session(phone, found[0]["id"])["events"]
        ids = [e["id"] for e in events]
        assert len(ids) == len(set(ids)) == len(posted)
        assert set(ids) == set(posted)
        assert [e["kind"] for e in events].count("complete") == 1
    finally:
        phone.close()


def test_an_event_the_database_could_not_take_stays_queued_and_arrives_later(
    browser: Any, tmp_path: Path
) -> None:
    """A database fault answers 503 (never 404): the outbox keeps the pain report and sends it
    again once the database is back."""
    from tests.journal.test_faults import renamed
    from tests.web.conftest import serve

    url = f"sqlite:///{tmp_path / 'journal.sqlite3'}"
    with serve(url, tmp_path) as base:
        phone = Phone(browser, base)
        try:
            page = phone.page
            signed_up(phone, "fault")
            start(phone, "quick", 2, 40)
            step_is(page, "Step 2 of 4")
            page.get_by_role("button", name="Pause").click()
            all_sent(phone, "#sync")
            with renamed(url, "events"):  # the journal loses its events table for a while
                answers: list[int] = []
                page.on(
                    "response",
                    lambda r: answers.append(r.status) if r.url.endswith("/events") else None,
                )
                page.get_by_role("button", name="Pain 0–10").click()
                page.locator("#pain-dialog button[data-pain='3']").click()
                page.wait_for_function("() => window.bedstretch.pending() > 0")
                page.wait_for_timeout(300)
                assert 503 in answers
                assert 404 not in answers
                assert any(item["event"]["kind"] == "pain" for item in outbox(page))
            page.evaluate("() => window.bedstretch.flush()")
            all_sent(phone, "#sync")
            stored = session(phone, sessions(phone)[0]["id"])["events"]
            assert [(e["kind"], e["value"]) for e in stored if e["kind"] == "pain"] == [("pain", 3)]
        finally:
            phone.close()
