"""The whole path in Chromium at phone size, against a real server: sign up, sign in, screen,
play a routine fast, report a pain rise (the stretch is skipped), lose the network mid-session
and get it back, finish, and find the session exactly once, with every event stored once."""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from tests.web.conftest import Phone
from tests.web.helpers import (
    all_sent,
    choose,
    csrf,
    finish_with_pain,
    outbox,
    record_posted_events,
    session,
    sessions,
    step_is,
)


def main_flow(phone: Phone) -> None:
    page = phone.page
    posted = record_posted_events(phone)
    email = f"flow-{secrets.token_hex(4)}@example.org"
    phone.sign_up(email)
    phone.sign_in(email)

    # No screening yet: home asks for it instead of offering Start.
    page.get_by_role("link", name="Answer the safety questions").click()
    page.wait_for_url("**/screening")
    phone.screen_ok()
    page.goto("/")
    start = page.get_by_role("link", name="Start", exact=True)
    assert start.get_attribute("href") == "/play/quick"  # a first session is the short one

    page.goto("/play/quick?speed=40")
    choose(page, "pain-before", 2)
    page.get_by_role("button", name="Start", exact=True).click()

    # Pain 5 (2 above the start) during the knee-to-chest: the rest of that stretch is skipped.
    step_is(page, "Step 2 of 4")
    page.get_by_role("button", name="Pause").click()
    page.get_by_role("button", name="Pain 0–10").click()
    page.locator("#pain-dialog").get_by_role("button", name="5", exact=True).click()
    message = page.locator("#message")
    assert message.is_visible()
    assert message.text_content().startswith("Skipped (pain 5/10, up from 2).")
    step_is(page, "Step 3 of 4")
    page.get_by_role("button", name="Resume").click()

    # The network goes mid-session: events wait in the outbox, the session goes on.
    phone.context.set_offline(True)
    page.locator("#sync", has_text="waiting to be sent").wait_for()
    step_is(page, "Step 4 of 4")
    assert outbox(page), "events made offline are queued"
    phone.context.set_offline(False)
    page.locator("#after").wait_for(state="visible", timeout=60000)

    # Offline again for the last answer; it is sent when the network is back.
    phone.context.set_offline(True)
    finish_with_pain(phone, 1)
    assert page.locator("#after-sync").text_content().startswith("1 event waiting")
    phone.context.set_offline(False)
    all_sent(phone)

    # Exactly one session, completed, with the pain skip; every event stored once.
    found = sessions(phone)
    assert len(found) == 1
    stored = session(phone, found[0]["id"])
    assert stored["status"] == "completed"
    assert (stored["pain_before"], stored["pain_after"]) == (2, 1)
    statuses = {(s["exercise"], s["side"]): (s["status"], s["reason"]) for s in stored["steps"]}
    assert statuses[("knee-to-chest", "right")] == ("pain_skip", "pain 5/10, up from 2")
    assert statuses[("knee-to-chest", "left")] == ("pain_skip", "pain 5/10, up from 2")
    assert statuses[("figure-four", "right")][0] == "done"
    ids = [e["id"] for e in stored["events"]]
    assert len(ids) == len(set(ids))
    assert set(ids) == set(posted), "every event the player made is stored, once"
    kinds = [e["kind"] for e in stored["events"]]
    assert kinds.count("complete") == 1
    assert kinds.count("pain") == 1
    assert kinds.count("step_done") == len(stored["steps"])

    # Sending an event again (a retry) stores nothing new.
    again = next(iter(posted.values()))
    answer = page.request.post(
        f"/api/v1/sessions/{found[0]['id']}/events",
        data=again,
        headers={"X-CSRF-Token": csrf(phone)},
    )
    assert answer.status == 200
    assert answer.json() == {"stored": False, "applied": False, "detail": None}
    assert len(session(phone, found[0]["id"])["events"]) == len(ids)

    # History shows it once.
    page.goto("/history")
    rows = page.locator("li.session")
    assert rows.count() == 1
    assert "completed" in rows.first.text_content()
    assert "pain 2 → 1" in rows.first.text_content()
    assert phone.csp == [], phone.csp
    assert phone.errors == [], phone.errors


def test_sign_up_screen_play_skip_for_pain_offline_and_history_on_sqlite(phone: Phone) -> None:
    main_flow(phone)


def test_the_same_on_postgresql(browser: Any, postgres_server: str) -> None:
    phone = Phone(browser, postgres_server)
    try:
        main_flow(phone)
    finally:
        phone.close()


def test_sessions_need_a_screening_and_tingling_asks_for_a_new_one(phone: Phone) -> None:
    page = phone.page
    email = f"tingle-{secrets.token_hex(4)}@example.org"
    phone.sign_up(email)
    phone.sign_in(email)
    page.goto("/play/quick?speed=40")
    assert page.locator("#before-form").is_hidden()
    assert "no screening on record yet" in page.locator("#gate").text_content().lower()
    phone.screen_ok()
    page.goto("/play/quick?speed=40")
    choose(page, "pain-before", 3)
    page.get_by_role("button", name="Start", exact=True).click()
    step_is(page, "Step 2 of 4")
    page.get_by_role("button", name="Tingling or numb").click()
    page.locator("#after").wait_for(state="visible")
    assert page.locator("#after-title").text_content() == "Stopped for your safety"
    advice = page.locator("#after-alert").text_content()
    assert advice.startswith("Stopped for your safety (tingling or numbness).")
    page.locator("#after-sync", has_text="Everything is saved.").wait_for()
    found = sessions(phone)
    assert [s["status"] for s in found] == ["safety_stop"]
    # A new screening is needed before the next session.
    page.goto("/")
    assert page.get_by_role("link", name="Answer the safety questions").is_visible()


@pytest.mark.parametrize(("pain", "status"), [(8, "safety_stop"), (3, "completed")])
def test_pain_at_the_stop_level_stops_and_a_small_rise_is_only_noted(
    phone: Phone, pain: int, status: str
) -> None:
    page = phone.page
    email = f"pain-{pain}-{secrets.token_hex(4)}@example.org"
    phone.sign_up(email)
    phone.sign_in(email)
    phone.screen_ok()
    page.goto("/play/quick?speed=40")
    choose(page, "pain-before", 2)
    page.get_by_role("button", name="Start", exact=True).click()
    step_is(page, "Step 2 of 4")
    page.get_by_role("button", name="Pause").click()
    page.get_by_role("button", name="Pain 0–10").click()
    page.locator("#pain-dialog").get_by_role("button", name=str(pain), exact=True).click()
    if status == "completed":
        assert page.locator("#message").text_content() == f"Noted: pain {pain}/10."
        page.get_by_role("button", name="Resume").click()
        finish_with_pain(phone, 2)
    else:
        page.locator("#after").wait_for(state="visible")
    page.locator("#after-sync", has_text="Everything is saved.").wait_for()
    assert [s["status"] for s in sessions(phone)] == [status]
