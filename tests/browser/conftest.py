"""Chromium for figure tests: Debian's /usr/bin/chromium driven by playwright (never its download).

Browser tests run everywhere (CI installs chromium); set BEDSTRETCH_SKIP_BROWSER=1 to skip them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")  # one playwright at a time: tests/web starts its own
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if os.environ.get("BEDSTRETCH_SKIP_BROWSER") == "1":
        pytest.skip("BEDSTRETCH_SKIP_BROWSER=1")
    if not Path(CHROMIUM).is_file() and not shutil.which("chromium"):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    home = tmp_path_factory.mktemp("chromium-home")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=ARGS, env={**os.environ, "HOME": str(home)}
        )
        try:
            yield launched
        finally:
            launched.close()
