"""Shared by the session benchmarks: a throwaway journal with a clear screening."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bedstretch.core.safety import QUESTION_IDS

EXE = str(Path(sys.executable).with_name("bedstretch"))


def screened_env() -> tuple[dict[str, str], Path]:
    """An environment whose journal (a new SQLite file) has an 'ok' screening."""
    home = Path(tempfile.mkdtemp(prefix="bedstretch-bench-"))
    env = {**os.environ, "BEDSTRETCH_DATABASE_URL": f"sqlite:///{home / 'journal.sqlite3'}"}
    answers = home / "answers.json"
    answers.write_text(json.dumps({**dict.fromkeys(QUESTION_IDS, False), "age": 40}))
    subprocess.run(
        [EXE, "screen", "--answers", str(answers)], env=env, check=True, capture_output=True
    )
    return env, home
