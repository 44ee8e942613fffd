"""A step is on disk when record_step returns, even if the player is killed right after."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from bedstretch.core.records import SessionStatus
from bedstretch.journal import open_journal, pid_alive
from tests.journal.builders import at, step

ROOT = Path(__file__).resolve().parents[2]  # so the child can import tests.journal

CHILD = """
import os, signal, socket, sys
from bedstretch.journal import open_journal
from tests.journal.builders import start, step

journal = open_journal(sys.argv[1])
session_id = start(journal, pid=os.getpid(), host=socket.gethostname())
journal.record_step(session_id, step())
print("ok", session_id, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_step_recorded_before_a_kill_9_is_found_and_the_session_reaped(sqlite_url: str) -> None:
    child = subprocess.run(
        [sys.executable, "-c", CHILD, sqlite_url],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    word, session_id = child.stdout.split()
    assert word == "ok"

    with open_journal(sqlite_url) as journal:
        session = journal.session(int(session_id))
        assert session is not None
        assert session.status is SessionStatus.RUNNING  # nobody finished it
        assert session.steps == (step(),)
        assert journal.reap_interrupted(at(60), pid_alive) == 1
        reaped = journal.session(int(session_id))
    assert reaped is not None
    assert (reaped.status, reaped.ended_at) == (SessionStatus.INTERRUPTED, step().finished_at)
