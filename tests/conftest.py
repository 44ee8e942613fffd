"""Shared fixtures: the shipped catalog, a user content directory, and a CLI runner."""

from __future__ import annotations

import os
import shutil
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from bedstretch.catalog import Catalog, load_catalog
from bedstretch.cli import main

# No timed assertions: a shared two-core machine can make any example slow now and then.
settings.register_profile("bedstretch", deadline=None)
settings.load_profile("bedstretch")

SOURCES = Path(__file__).resolve().parents[2] / "shared" / "sources"

# --------------------------------------------------------------------------- Chromium
# Debian's /usr/bin/chromium driven by playwright (never its own download), for figure and page
# tests. They run everywhere (CI installs chromium); BEDSTRETCH_SKIP_BROWSER=1 skips them.
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


@pytest.fixture(scope="module")  # playwright's sync API runs one instance at a time
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


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Result]:
    """Run the CLI in-process, as a pipe would (stdout is not a terminal)."""
    monkeypatch.delenv("BEDSTRETCH_CONTENT", raising=False)

    def invoke(*args: str) -> Result:
        try:
            code = main(list(args))
        except SystemExit as exit_:
            code = int(exit_.code or 0)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return invoke


@pytest.fixture
def user_content(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write a file into a user content directory; returns the directory."""
    root = tmp_path / "content"
    root.mkdir()

    def write(relative: str, text: str) -> Path:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return root

    return write


HOLD_EXERCISE = """\
    id = "{id}"
    name = "{name}"
    summary = "A test stretch."
    targets = ["lower-back"]
    position = "{position}"
    per_side = {per_side}
    hold_seconds = [20, 30]
    sets = [1, 2]
    steps = ["Lie down.", "Stretch."]
    sources = [{{ file = "000_57bde51688436f72.txt", item = "2" }}]
"""


def hold_exercise(
    id: str = "bridge", name: str = "Bridge", position: str = "supine", per_side: bool = False
) -> str:
    return HOLD_EXERCISE.format(id=id, name=name, position=position, per_side=str(per_side).lower())
