"""Steps the web tests share: playing a routine in the web player, reading what was stored."""

from __future__ import annotations

import json
from typing import Any

from tests.web.conftest import Phone


def choose(page: Any, name: str, value: int) -> None:
    """Pick ``value`` on a 0-10 scale (radio buttons drawn as big boxes)."""
    page.locator(f"label.choice:has(input[name='{name}'][value='{value}'])").click()


def start(phone: Phone, routine: str, pain: int, speed: float) -> None:
    page = phone.page
    page.goto(f"/play/{routine}?speed={speed:g}")
    choose(page, "pain-before", pain)
    page.get_by_role("button", name="Start").click()
    page.locator("#playing").wait_for(state="visible")


def step_is(page: Any, text: str, timeout: float = 20000) -> None:
    page.wait_for_function(
        "(text) => document.getElementById('step-n').textContent === text",
        arg=text,
        polling="raf",
        timeout=timeout,
    )


def player_state(page: Any) -> Any:
    return page.evaluate("() => document.getElementById('player').player.state()")


def outbox(page: Any) -> list[Any]:
    return json.loads(page.evaluate("() => localStorage.getItem('bedstretch.outbox') || '[]'"))


def record_posted_events(phone: Phone) -> dict[str, dict[str, Any]]:
    """Every event body the page posts (retries included), by event id."""
    posted: dict[str, dict[str, Any]] = {}

    def seen(request: Any) -> None:
        if request.method == "POST" and request.url.endswith("/events"):
            body = json.loads(request.post_data)
            posted[body["id"]] = body

    phone.page.on("request", seen)
    return posted


def finish_with_pain(phone: Phone, pain: int) -> None:
    page = phone.page
    page.locator("#after").wait_for(state="visible", timeout=60000)
    choose(page, "pain-after", pain)
    page.locator("#after-form").get_by_role("button", name="Save").click()
    page.locator("#saved").wait_for(state="visible")


def all_sent(phone: Phone, where: str = "#after-sync", timeout: float = 30000) -> None:
    phone.page.locator(where, has_text="Everything is saved.").wait_for(timeout=timeout)
    assert outbox(phone.page) == []


def sessions(phone: Phone) -> list[dict[str, Any]]:
    answer = phone.page.request.get("/api/v1/sessions")
    assert answer.status == 200, answer.text()
    return answer.json()  # type: ignore[no-any-return]


def session(phone: Phone, session_id: int) -> dict[str, Any]:
    answer = phone.page.request.get(f"/api/v1/sessions/{session_id}")
    assert answer.status == 200, answer.text()
    return answer.json()  # type: ignore[no-any-return]


def csrf(phone: Phone) -> str:
    token = phone.page.get_attribute('meta[name="csrf-token"]', "content")
    assert token
    return token
