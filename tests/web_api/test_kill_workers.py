"""`kill -9` of server workers during a stream of events, repeated: every event the server
acknowledged is stored once, and every step it implies is stored with it (the first version lost
11 of 1,000 steps this way: the event was committed, its step not yet)."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import psycopg

from bedstretch.core.safety import QUESTION_IDS
from tests.journal.conftest import postgres_database
from tests.web_api.conftest import PASSWORD

EXE = str(Path(sys.executable).with_name("bedstretch"))
CLIENTS = 4
EVENTS = 200  # per client
KILLS = 6
BLOCKS = 6  # the quick routine's


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def workers(parent: int) -> list[int]:
    """The worker processes uvicorn started (the supervisor restarts those that die)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == parent:
                found.append(int(entry.name))
    return found


def wait_until_up(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server exited"
        try:
            if httpx.get(base + "/api/v1/rules", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError("the server did not answer within 30 s")


def account(base: str, n: int) -> tuple[dict[str, str], int]:
    email = f"kill-{n}@example.org"
    httpx.post(f"{base}/api/v1/users", json={"email": email, "password": PASSWORD}, timeout=30)
    token = httpx.post(
        f"{base}/api/v1/auth/token", json={"email": email, "password": PASSWORD}, timeout=30
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    answers = dict.fromkeys(QUESTION_IDS, False)
    httpx.post(f"{base}/api/v1/screenings", json={"answers": answers, "age": 40}, headers=headers)
    started = httpx.post(
        f"{base}/api/v1/sessions", json={"routine": "quick", "pain_before": 2}, headers=headers
    )
    return headers, int(started.json()["id"])


def stream(base: str, headers: dict[str, str], session: int, acked: list[dict[str, Any]]) -> None:
    """Send events as the web player's outbox does: each until the server answers 2xx."""
    with httpx.Client(base_url=base, headers=headers, timeout=10) as client:
        for n in range(EVENTS):
            body: dict[str, Any] = {"id": str(uuid.uuid4()), "kind": "pause", "at": float(n)}
            if n % 2 == 0:
                body.update(kind="step_done", block=n % BLOCKS, status="done", actual_seconds=5)
            for _ in range(200):
                try:
                    answer = client.post(f"/api/v1/sessions/{session}/events", json=body)
                except httpx.TransportError:
                    time.sleep(0.05)  # the worker died: send it again
                    continue
                if answer.status_code < 300:
                    acked.append(body)
                    break
                assert answer.status_code >= 500, answer.text  # never a 4xx for a good event
                time.sleep(0.05)
            else:
                raise AssertionError(f"event {body['id']} never acknowledged")


def test_every_acknowledged_event_and_its_step_survive_kill_9_of_workers() -> None:
    for url in postgres_database():
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [EXE, "--db", url, "serve", "--port", str(port), "--workers", "2"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_until_up(base, server)
            clients = [account(base, n) for n in range(CLIENTS)]
            acked: list[dict[str, Any]] = []
            threads = [
                threading.Thread(target=stream, args=(base, headers, session, acked))
                for headers, session in clients
            ]
            for thread in threads:
                thread.start()
            killed = 0
            while killed < KILLS and any(t.is_alive() for t in threads):
                time.sleep(0.3)
                alive = workers(server.pid)
                if alive:
                    os.kill(random.choice(alive), signal.SIGKILL)
                    killed += 1
            for thread in threads:
                thread.join(120)
            assert killed >= KILLS // 2, f"only {killed} kills while events were flowing"
            assert len(acked) == CLIENTS * EVENTS
        finally:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                server.kill()
        plain = url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(plain) as db:
            stored = dict(db.execute("SELECT id, session_id FROM events").fetchall())
            step_events = dict(
                db.execute(
                    "SELECT session_id, count(*) FROM events WHERE kind = 'step_done' "
                    "GROUP BY session_id"
                ).fetchall()
            )
            steps = dict(
                db.execute("SELECT session_id, count(*) FROM steps GROUP BY session_id").fetchall()
            )
        assert all(body["id"] in stored for body in acked), "an acknowledged event was lost"
        assert steps == step_events, "a step_done event without its step (or the reverse)"
        assert sum(steps.values()) == CLIENTS * EVENTS // 2
