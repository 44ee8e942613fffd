"""50 concurrent clients against `bedstretch serve` on PostgreSQL (issue 6).

Starts the real server (uvicorn, several workers) on a loopback port with a new PostgreSQL
database, signs up 50 accounts, starts a session for each, then runs 50 concurrent clients (this
process, asyncio + httpx) that each POST events and GET their progress. Some events are sent
twice on purpose. Afterwards it counts the events stored: each must be there exactly once.
Target: p99 <= 25 ms for both endpoints, zero errors, no event lost or stored twice.

Each client waits --interval seconds between its requests (a phone's player sends an event when
something happens, not in a tight loop); --interval 0 is a closed loop that measures throughput,
where latency is mostly queueing.

Run: .venv/bin/python benchmarks/web_load.py [--clients 50] [--events 40] [--workers 2]
                                             [--interval 0.5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import psycopg

from bedstretch.core.safety import QUESTION_IDS

EXE = str(Path(sys.executable).with_name("bedstretch"))
ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_up(base: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/openapi.json", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit("the server did not start")


async def account(base: str, n: int, gate: asyncio.Semaphore) -> tuple[dict[str, str], int]:
    """Sign up, sign in, screen and start a session (not timed: argon2 is slow on purpose)."""
    async with gate, httpx.AsyncClient(base_url=base, timeout=120) as http:
        email, password = f"load{n}-{secrets.token_hex(3)}@example.org", "a long enough password"
        login = {"email": email, "password": password}
        await http.post("/api/v1/users", json=login)
        token = (await http.post("/api/v1/auth/token", json=login)).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        answers = {"answers": dict.fromkeys(QUESTION_IDS, False), "age": 40}
        await http.post("/api/v1/screenings", headers=headers, json=answers)
        body = {"routine": "quick", "pain_before": 3}
        started = await http.post("/api/v1/sessions", headers=headers, json=body)
        return headers, int(started.json()["id"])


async def client(
    base: str,
    headers: dict[str, str],
    session: int,
    events: int,
    lat: dict[str, list[float]],
    errors: list[str],
    interval: float,
) -> tuple[str, int, set[str]]:
    await asyncio.sleep(random.random() * interval)  # clients do not start in lockstep
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        sent: set[str] = set()
        for i in range(events):
            event_id = str(uuid.uuid4())
            body: dict[str, Any] = {"id": event_id, "kind": "pause" if i % 2 else "resume", "at": i}
            for _ in range(2 if random.random() < 0.2 else 1):  # some retries, as a flaky phone
                start = time.perf_counter()
                answer = await http.post(
                    f"/api/v1/sessions/{session}/events", json=body, headers=headers
                )
                lat["events"].append((time.perf_counter() - start) * 1000)
                if answer.status_code not in (200, 201):
                    errors.append(f"events {answer.status_code}")
                await asyncio.sleep(interval)
            sent.add(event_id)
            if i % 4 == 0:
                start = time.perf_counter()
                answer = await http.get("/api/v1/progress", headers=headers)
                lat["progress"].append((time.perf_counter() - start) * 1000)
                if answer.status_code != 200:
                    errors.append(f"progress {answer.status_code}")
        return headers["Authorization"], session, sent


def report(name: str, values: list[float]) -> None:
    values.sort()
    p90, p99 = (values[max(0, int(len(values) * q) - 1)] for q in (0.9, 0.99))
    print(
        f"{name:<22} n={len(values):5d}  p50 {statistics.median(values):6.1f} ms  "
        f"p90 {p90:6.1f} ms  p99 {p99:6.1f} ms  max {values[-1]:6.1f} ms"
    )


async def run(base: str, clients: int, events: int, interval: float) -> None:
    lat: dict[str, list[float]] = {"events": [], "progress": []}
    errors: list[str] = []
    gate = asyncio.Semaphore(4)
    accounts = await asyncio.gather(*(account(base, n, gate) for n in range(clients)))
    started = time.perf_counter()
    results = await asyncio.gather(
        *(
            client(base, headers, session, events, lat, errors, interval)
            for headers, session in accounts
        )
    )
    took = time.perf_counter() - started
    done = len(lat["events"]) + len(lat["progress"])
    print(f"{clients} clients, interval {interval} s: {done} requests in {took:.1f} s "
          f"({done / took:.0f}/s), errors: {len(errors)}")  # fmt: skip
    report("POST .../events", lat["events"])
    report("GET /api/v1/progress", lat["progress"])
    lost = doubled = 0
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        for authorization, session, sent in results:
            stored = (
                await http.get(
                    f"/api/v1/sessions/{session}", headers={"Authorization": authorization}
                )
            ).json()["events"]
            ids = [e["id"] for e in stored]
            lost += len(sent - set(ids))
            doubled += len(ids) - len(set(ids))
    print(f"events sent {sum(len(s) for _, _, s in results)}, lost {lost}, stored twice {doubled}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--events", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--interval", type=float, default=0.5)
    options = parser.parse_args()
    name = f"bedstretch_load_{secrets.token_hex(4)}"
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        port = free_port()
        env = {
            **os.environ,
            "BEDSTRETCH_DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1/{name}",
        }
        server = subprocess.Popen(
            [EXE, "serve", "--port", str(port), "--workers", str(options.workers)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_up(base)
            asyncio.run(run(base, options.clients, options.events, options.interval))
        finally:
            server.terminate()
            server.wait(timeout=30)
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
