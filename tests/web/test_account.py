"""Accounts from the pages: CSRF on every form, sign-in limits, sign out, settings (reminder,
exports), changing the password, signing out everywhere, a reset link from the server's owner,
and deleting the account with everything in it."""

from __future__ import annotations

import secrets
import subprocess
from pathlib import Path
from typing import Any

from tests.web.conftest import EXE, PASSWORD, Phone, serve
from tests.web.test_accessibility import AUDIT

NEW_PASSWORD = "a quite different phrase"
RESET_PASSWORD = "reset by the owner today"


def test_forms_without_the_csrf_token_are_refused(phone: Phone) -> None:
    page = phone.page
    page.goto("/signin")
    for path in ("/signin", "/signup", "/signout", "/screening", "/settings/delete"):
        answer = page.request.post(
            path, form={"email": "x@example.org", "password": PASSWORD}, max_redirects=0
        )
        assert answer.status in (403, 303), path
        if answer.status == 303:  # signed out: pages that need an account send you to sign in
            # (and signing out, signed out, changes nothing)
            expected = "/signin?done=out" if path == "/signout" else "/signin"
            assert answer.headers["location"] == expected


def test_wrong_passwords_are_limited_and_say_nothing_about_the_account(phone: Phone) -> None:
    page = phone.page
    email = f"limit-{secrets.token_hex(4)}@example.org"
    phone.sign_up(email)
    answers = []
    for who in (email, f"nobody-{secrets.token_hex(4)}@example.org"):
        page.goto("/signin")
        page.get_by_label("Email").fill(who)
        page.get_by_label("Password").fill("not the password")
        page.get_by_role("button", name="Sign in").click()
        answers.append(page.locator("#form-error").text_content())
    assert answers[0] == answers[1] == "Email or password is wrong."
    for _ in range(5):
        page.get_by_label("Password").fill("still not the password")
        page.get_by_role("button", name="Sign in").click()
    assert "Too many attempts" in page.locator("#form-error").text_content()
    phone.shot("signin-limited")


def test_settings_reminder_exports_sign_out_and_delete(phone: Phone) -> None:
    page = phone.page
    email = f"settings-{secrets.token_hex(4)}@example.org"
    phone.sign_up(email)
    phone.sign_in(email)
    phone.screen_ok()
    page.goto("/settings")
    assert page.get_by_text(f"Signed in as {email}.").is_visible()

    voice = page.get_by_label("Speak the cues and sound a tone at each hold (this phone only)")
    voice.uncheck()
    assert page.evaluate("() => localStorage.getItem('bedstretch.voice')") == "off"
    voice.check()

    with page.expect_download() as reminder:
        page.get_by_role("button", name="Download the calendar file").click()
    assert reminder.value.suggested_filename == "bedstretch-journal.ics"
    ics = open(reminder.value.path(), encoding="utf-8").read()  # noqa: SIM115
    assert "BEGIN:VCALENDAR" in ics
    page.goto("/settings")
    for name in ("Everything (JSON)", "Spreadsheets (CSV, zip)", "For a clinician (FHIR)"):
        with page.expect_download() as export:
            page.get_by_role("link", name=name).click()
        assert export.value.suggested_filename.startswith("bedstretch-journal.")

    # Deleting needs the box ticked.
    page.goto("/settings")
    page.get_by_role("button", name="Delete everything").click()
    assert page.url.endswith("/settings"), "the browser asks for the box first"
    page.get_by_label("Yes, delete my account and all my data").check()
    page.get_by_role("button", name="Delete everything").click()
    page.wait_for_url("**/signin?done=deleted")
    assert page.get_by_text("Your account and all its data are deleted.").is_visible()
    page.goto("/")
    assert page.url.endswith("/signin")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    assert page.locator("#form-error").text_content() == "Email or password is wrong."


def test_sign_out(phone: Phone) -> None:
    page = phone.page
    email = f"out-{secrets.token_hex(4)}@example.org"
    phone.sign_up(email)
    phone.sign_in(email)
    page.goto("/settings")
    page.get_by_role("button", name="Sign out", exact=True).click()
    page.wait_for_url("**/signin?done=out")
    assert page.get_by_text("You are signed out.").is_visible()
    page.goto("/history")
    assert page.url.endswith("/signin")
    assert page.request.get("/api/v1/sessions").status == 401


def test_change_password_sign_out_everywhere_and_a_reset_link(browser: Any, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'journal.sqlite3'}"
    with serve(url, tmp_path) as base:
        laptop, phone = Phone(browser, base), Phone(browser, base)
        try:
            email = f"change-{secrets.token_hex(4)}@example.org"
            laptop.sign_up(email)
            laptop.sign_in(email)
            phone.sign_in(email)
            page = laptop.page

            # a new password: the old one is asked for, and a common one is refused
            page.goto("/settings")
            page.get_by_label("Current password").fill("not the password")
            page.get_by_label("New password").fill(NEW_PASSWORD)
            page.get_by_role("button", name="Change my password").click()
            assert page.locator("#password-error").text_content() == (
                "Your current password is not right."
            )
            page.get_by_label("Current password").fill(PASSWORD)
            page.get_by_label("New password").fill("1234567890")
            page.get_by_role("button", name="Change my password").click()
            assert "most common" in (page.locator("#password-error").text_content() or "")
            page.get_by_label("Current password").fill(PASSWORD)
            page.get_by_label("New password").fill(NEW_PASSWORD)
            page.get_by_role("button", name="Change my password").click()
            page.get_by_text("Your password is changed").wait_for()
            laptop.shot("settings-password-changed")
            phone.page.goto("/settings")  # the other device was signed out
            assert phone.page.url.endswith("/signin")

            # sign out everywhere: this browser too
            page.get_by_role("button", name="Sign out everywhere").click()
            page.wait_for_url("**/signin?done=everywhere")
            assert page.get_by_text("You are signed out on every device.").is_visible()

            # the server's owner issues a reset link; it sets a password once
            issued = subprocess.run(
                [EXE, "--db", url, "account", "reset-password", email, "--url", base],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            link = issued.stdout.strip()
            page.goto(link)
            assert page.evaluate(AUDIT) == []
            laptop.shot("reset")
            page.get_by_label("New password").fill("aaaaaaaaaaaa")
            page.get_by_role("button", name="Set the new password").click()
            assert "one character repeated" in (page.locator("#form-error").text_content() or "")
            page.get_by_label("New password").fill(RESET_PASSWORD)
            page.get_by_role("button", name="Set the new password").click()
            page.wait_for_url("**/signin?done=reset")
            page.get_by_label("Email").fill(email)
            page.get_by_label("Password").fill(RESET_PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(base + "/")
            page.goto(link)  # used up
            assert (
                page.locator("#form-error").text_content().startswith("This reset link has expired")
            )
            assert laptop.csp == [] and laptop.errors == []  # noqa: PT018
        finally:
            laptop.close()
            phone.close()
