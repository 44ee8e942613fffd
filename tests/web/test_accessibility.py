"""Every page at phone size: labels and names for screen readers, landmarks, big touch targets,
no inline script or style (the CSP), keyboard-only use, and a screenshot of each into
/tmp/web-shots/ for a person to look at (docs/web.md)."""

from __future__ import annotations

import re
import secrets
from typing import Any

import pytest

from tests.web.conftest import Phone
from tests.web.helpers import choose, finish_with_pain, player_state, step_is

SIGNED_IN_PAGES = {
    "home": "/",
    "routines": "/routines",
    "exercises": "/exercises",
    "exercise": "/exercises/knee-to-chest",
    "plan": "/plan",
    "plan-shown": "/plan?minutes=10&lying_only=1",
    "play": "/play/quick",
    "play-plan": "/play/plan?minutes=8",
    "history": "/history",
    "progress": "/progress",
    "screening": "/screening",
    "settings": "/settings",
}
SIGNED_OUT_PAGES = {"signin": "/signin", "signup": "/signup", "reset-used": "/reset?token=used"}
MIN_TARGET = 48  # CSS pixels, each way

AUDIT = """() => {
  const problems = [];
  const visible = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (el.type === 'hidden') continue;
    const named = (el.labels && el.labels.length && [...el.labels].some((l) => l.textContent.trim()))
      || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
    if (!named) problems.push(`no label: ${el.outerHTML.slice(0, 80)}`);
  }
  for (const el of document.querySelectorAll('button, a[href], summary')) {
    const name = (el.getAttribute('aria-label') || el.textContent || '').trim();
    if (!name) problems.push(`no name: ${el.outerHTML.slice(0, 80)}`);
  }
  for (const img of document.querySelectorAll('img')) {
    if (!img.hasAttribute('alt')) problems.push(`img without alt: ${img.src}`);
  }
  for (const svg of document.querySelectorAll('main svg')) {
    if (svg.getAttribute('role') !== 'img' || !svg.getAttribute('aria-labelledby')) problems.push(`svg without a name: ${svg.id}`);
  }
  if (document.querySelectorAll('h1').length !== 1) problems.push('not exactly one h1');
  if (document.documentElement.lang !== 'en') problems.push('no lang');
  if (document.querySelectorAll('main').length !== 1) problems.push('not one main landmark');
  if (!document.querySelector('a.skip[href="#main"]')) problems.push('no skip link');
  const ids = [...document.querySelectorAll('[id]')].map((e) => e.id);
  const dup = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (dup.length) problems.push(`duplicate ids: ${dup}`);
  const targets = 'button, a.button, .top nav a, .choice span, label.check, .list a.row, summary, input:not([type=hidden]):not([type=radio]):not([type=checkbox]), select';
  for (const el of document.querySelectorAll(targets)) {
    if (!visible(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.height < MIN || r.width < MIN) problems.push(`small target ${Math.round(r.width)}x${Math.round(r.height)}: ${el.outerHTML.slice(0, 60)}`);
  }
  for (const a of document.querySelectorAll('main a[href]')) {
    // A link on its own (not a few words inside a sentence) is a touch target too.
    if (!visible(a) || a.parentElement.textContent.trim() !== a.textContent.trim()) continue;
    const r = a.getBoundingClientRect();
    if (r.height < MIN) problems.push(`small link ${Math.round(r.width)}x${Math.round(r.height)}: ${a.outerHTML.slice(0, 60)}`);
  }
  if (document.documentElement.scrollWidth > window.innerWidth) problems.push(`wider than the screen: ${document.documentElement.scrollWidth}`);
  return problems;
}""".replace("MIN", str(MIN_TARGET))


@pytest.fixture(scope="module")
def account(browser: Any, server: str) -> str:
    """An account with a screening and one finished session, so every page has content."""
    phone = Phone(browser, server)
    try:
        email = f"a11y-{secrets.token_hex(4)}@example.org"
        phone.sign_up(email)
        phone.sign_in(email)
        phone.screen_ok()
        phone.page.goto("/play/quick?speed=60")
        choose(phone.page, "pain-before", 3)
        phone.page.get_by_role("button", name="Start", exact=True).click()
        finish_with_pain(phone, 2)
        phone.page.locator("#after-sync", has_text="Everything is saved.").wait_for()
        return email
    finally:
        phone.close()


@pytest.fixture
def signed_in(browser: Any, server: str, account: str) -> Any:
    phone = Phone(browser, server)
    phone.sign_in(account)
    yield phone
    phone.close()


def audit(phone: Phone) -> list[str]:
    return phone.page.evaluate(AUDIT)  # type: ignore[no-any-return]


def no_inline_code(phone: Phone, path: str) -> None:
    """The page as served has no inline script, style or event handler (the CSP forbids them;
    the player sets a few style properties from its own script, which the CSP allows)."""
    served = phone.page.request.get(path).text()
    assert not re.search(r"<script(?![^>]*\bsrc=)", served), "inline script"
    assert not re.search(r"<style|\sstyle=", served), "inline style"
    assert not re.search(r"\son[a-z]+=", served), "inline event handler"


@pytest.mark.parametrize("name", SIGNED_IN_PAGES)
def test_each_page_is_labelled_named_big_enough_and_without_inline_code(
    signed_in: Phone, name: str
) -> None:
    signed_in.page.goto(SIGNED_IN_PAGES[name])
    assert audit(signed_in) == []
    no_inline_code(signed_in, SIGNED_IN_PAGES[name])
    signed_in.shot(name)
    signed_in.page.emulate_media(color_scheme="light")
    signed_in.shot(f"{name}-light")
    assert signed_in.csp == []
    assert signed_in.errors == []


@pytest.mark.parametrize("name", SIGNED_OUT_PAGES)
def test_the_sign_in_pages_too(phone: Phone, name: str) -> None:
    phone.page.goto(SIGNED_OUT_PAGES[name])
    assert audit(phone) == []
    no_inline_code(phone, SIGNED_OUT_PAGES[name])
    phone.shot(name)
    assert phone.csp == []


def test_the_player_in_every_state(signed_in: Phone) -> None:
    page = signed_in.page
    page.goto("/play/quick?speed=20")
    choose(page, "pain-before", 2)
    page.get_by_role("button", name="Start", exact=True).click()
    step_is(page, "Step 2 of 4")
    page.get_by_role("button", name="Pause").click()
    assert audit(signed_in) == []
    signed_in.shot("player-paused")
    page.get_by_role("button", name="Pain 0–10").click()
    assert audit(signed_in) == []
    signed_in.shot("player-pain-dialog")
    page.locator("#pain-dialog").get_by_role("button", name="Cancel").click()
    page.get_by_role("button", name="Resume").click()
    page.locator("#phase", has_text="hold").wait_for()
    signed_in.shot("player-hold")
    page.get_by_role("button", name="Stop the session").click()
    signed_in.shot("player-quit-dialog")
    page.get_by_role("button", name="Yes, stop").click()
    page.locator("#after").wait_for(state="visible")
    assert page.locator("#after-title").text_content() == "Session stopped"
    assert audit(signed_in) == []
    signed_in.shot("player-after")
    page.get_by_role("button", name="Skip this question").click()
    page.locator("#after-sync", has_text="Everything is saved.").wait_for()
    signed_in.shot("player-saved")
    assert signed_in.csp == []
    assert signed_in.errors == []


def test_screening_results_and_form_errors(signed_in: Phone) -> None:
    page = signed_in.page
    page.goto("/screening")
    page.get_by_role("button", name="Send my answers").click()  # browser validation stops it
    assert page.url.endswith("/screening")
    for group in page.locator("fieldset.yesno").all()[1:]:
        group.get_by_text("No", exact=True).click()
    page.locator("fieldset.yesno").first.get_by_text("Yes", exact=True).click()
    page.get_by_label("Your age in years").fill("40")
    page.get_by_role("button", name="Send my answers").click()
    page.get_by_role("heading", name="Get emergency care now").wait_for()
    assert audit(signed_in) == []
    signed_in.shot("screening-emergency")
    page.goto("/")
    assert page.get_by_role("link", name="Start", exact=True).count() == 0
    signed_in.shot("home-blocked")
    signed_in.screen_ok()


def tab_to(page: Any, text: str, presses: int = 60) -> None:
    """Press Tab until the focused element's text (or label) is ``text``."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => { const e = document.activeElement;"
            " return (e.labels && e.labels[0] ? e.labels[0].textContent : e.textContent).trim(); }"
        )
        if focused == text:
            return
    raise AssertionError(f"Tab never reached {text!r}")


def test_keyboard_only(browser: Any, server: str, account: str) -> None:
    phone = Phone(browser, server)
    page = phone.page
    try:
        page.goto("/signin")
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.className") == "skip"
        outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
        assert outline != "none", "focus is visible"
        tab_to(page, "Email")
        page.keyboard.type(account)
        page.keyboard.press("Tab")
        page.keyboard.type("a long enough password")
        page.keyboard.press("Enter")
        page.wait_for_url(server + "/")
        tab_to(page, "Start")
        page.keyboard.press("Enter")
        page.wait_for_url("**/play/*")
        # The pain scale is a radio group: Tab into it, arrows choose, Tab on to Start.
        tab_to(page, "0")
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        assert page.evaluate("() => document.activeElement.value") == "2"
        tab_to(page, "Start")
        page.keyboard.press("Enter")
        page.locator("#playing").wait_for(state="visible")
        page.keyboard.press("Space")
        page.wait_for_function(
            "() => document.getElementById('player').player.state().status === 'paused'"
        )
        page.keyboard.press("p")
        assert page.locator("#pain-dialog").is_visible()
        page.keyboard.press("Escape")
        assert page.locator("#pain-dialog").is_hidden()
        page.keyboard.press("q")
        assert page.locator("#quit-dialog").is_visible()
        page.keyboard.press("Shift+Tab")  # from "Carry on" back to "Yes, stop"
        page.keyboard.press("Enter")
        page.locator("#after").wait_for(state="visible")
        assert player_state(page)["ended"] == "stopped"
        tab_to(page, "Skip this question")
        page.keyboard.press("Enter")
        page.locator("#after-sync", has_text="Everything is saved.").wait_for()
        tab_to(page, "See your history")
        page.keyboard.press("Enter")
        page.wait_for_url("**/history")
    finally:
        phone.close()
