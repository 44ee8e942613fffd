"""A real `bedstretch serve` on a loopback port, and Debian's Chromium at phone size.

The server runs in a subprocess (uvicorn, as people run it) on a free port with a temporary
SQLite journal, or a fresh PostgreSQL database for the tests that ask for one. Chromium is
/usr/bin/chromium driven by playwright (never its download). Browser tests fail when Chromium is
missing, unless BEDSTRETCH_SKIP_BROWSER=1.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.journal.conftest import postgres_database

PHONE = {"width": 390, "height": 844}
SHOTS = Path("/tmp/web-shots")
PASSWORD = "a long enough password"
EXE = str(Path(sys.executable).with_name("bedstretch"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serve(url: str, tmp: Path, *options: str, pid: list[int] | None = None) -> Iterator[str]:
    """`bedstretch serve --db URL [options]` on a free loopback port; yields its base URL (and
    puts the server's process id in ``pid``, when given)."""
    port = free_port()
    log = (tmp / f"serve-{port}.log").open("w+")
    env = {**os.environ, "HOME": str(tmp)}
    env.pop("BEDSTRETCH_CONTENT", None)
    process = subprocess.Popen(
        [EXE, "--db", url, "serve", "--host", "127.0.0.1", "--port", str(port), *options],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    if pid is not None:
        pid.append(process.pid)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                log.seek(0)
                pytest.fail(f"bedstretch serve exited with {process.returncode}:\n{log.read()}")
            try:
                if httpx.get(base + "/signin", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("bedstretch serve did not answer within 30 s")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        log.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One server on a temporary SQLite journal, shared by a test module."""
    tmp = tmp_path_factory.mktemp("web")
    with serve(f"sqlite:///{tmp / 'journal.sqlite3'}", tmp) as base:
        yield base


@pytest.fixture
def postgres_server(tmp_path: Path) -> Iterator[str]:
    """A server on a fresh PostgreSQL database (dropped afterwards)."""
    for url in postgres_database():
        with serve(url, tmp_path) as base:
            yield base


class Phone:
    """A browser context at phone size on one server, with helpers for the usual steps."""

    def __init__(self, browser: Any, base: str, **options: Any) -> None:
        self.base = base
        self.context = browser.new_context(
            viewport=PHONE, base_url=base, has_touch=True, color_scheme="dark", **options
        )
        self.context.set_default_timeout(15000)
        self.page = self.context.new_page()
        self.csp: list[str] = []
        self.errors: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.csp.append(message.text)
        elif message.type == "error" and "Failed to load resource" not in message.text:
            self.errors.append(message.text)

    def close(self) -> None:
        self.context.close()

    def sign_up(self, email: str) -> None:
        page = self.page
        page.goto("/signup")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Create account").click()
        page.get_by_text("Your account is ready").wait_for()

    def sign_in(self, email: str) -> None:
        page = self.page
        if not page.url.endswith("/signin") and not page.url.endswith("/signup"):
            page.goto("/signin")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(self.base + "/")

    def screen_ok(self) -> None:
        page = self.page
        page.goto("/screening")
        for group in page.locator("fieldset.yesno").all():
            group.get_by_text("No", exact=True).click()
        page.get_by_label("Your age in years").fill("42")
        page.get_by_role("button", name="Send my answers").click()
        page.get_by_role("heading", name="No red flags").wait_for()

    def shot(self, name: str) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def phone(browser: Any, server: str) -> Iterator[Phone]:
    opened = Phone(browser, server)
    try:
        yield opened
    finally:
        opened.close()
