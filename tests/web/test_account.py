"""Accounts from the pages: CSRF on every form, sign-in limits, sign out, settings (reminder,
exports) and deleting the account with everything in it."""

from __future__ import annotations

import secrets

from tests.web.conftest import PASSWORD, Phone


def test_forms_without_the_csrf_token_are_refused(phone: Phone) -> None:
    page = phone.page
    page.goto("/signin")
    for path in ("/signin", "/signup", "/signout", "/screening", "/settings/delete"):
        answer = page.request.post(
            path, form={"email": "x@example.org", "password": PASSWORD}, max_redirects=0
        )
        assert answer.status in (403, 303), path
        if answer.status == 303:  # signed out: pages that need an account send you to sign in
            assert answer.headers["location"] == "/signin"


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
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/signin?done=out")
    assert page.get_by_text("You are signed out.").is_visible()
    page.goto("/history")
    assert page.url.endswith("/signin")
    assert page.request.get("/api/v1/sessions").status == 401
