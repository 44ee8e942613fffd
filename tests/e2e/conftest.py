"""End-to-end: the real `bedstretch` program in a subprocess, on a real journal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bedstretch.core.safety import QUESTION_IDS
from tests.journal.conftest import postgres_database

EXE = str(Path(sys.executable).with_name("bedstretch"))


class Bed:
    """Runs bedstretch against one journal database."""

    def __init__(self, url: str, home: Path) -> None:
        self.url = url
        self.home = home
        self.env = {**os.environ, "BEDSTRETCH_DATABASE_URL": url, "HOME": str(home)}
        self.env.pop("BEDSTRETCH_CONTENT", None)

    def run(
        self, *args: str, stdin: str = "", timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [EXE, *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=self.env,
            timeout=timeout,
            check=False,
        )

    def popen(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [EXE, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self.env,
            bufsize=1,
        )

    def answers(self, age: float = 40, **flags: bool) -> Path:
        path = self.home / "answers.json"
        path.write_text(json.dumps({**dict.fromkeys(QUESTION_IDS, False), **flags, "age": age}))
        return path

    def screen_ok(self) -> None:
        done = self.run("screen", "--answers", str(self.answers()), "--json")
        assert done.returncode == 0, done.stderr

    def history(self) -> list[dict[str, object]]:
        done = self.run("history", "--json")
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)  # type: ignore[no-any-return]


@pytest.fixture(params=["sqlite", "postgresql"])
def bed(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Bed]:
    if request.param == "sqlite":
        yield Bed(f"sqlite:///{tmp_path / 'journal.sqlite3'}", tmp_path)
    else:
        for url in postgres_database():
            yield Bed(url, tmp_path)


@pytest.fixture
def sqlite_bed(tmp_path: Path) -> Bed:
    return Bed(f"sqlite:///{tmp_path / 'journal.sqlite3'}", tmp_path)
