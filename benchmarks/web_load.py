"""50 concurrent clients against `bedstretch serve` on PostgreSQL (issue 6).

Starts the real server (uvicorn, several workers) on a loopback port with a new PostgreSQL
database and signs up one account per client, each with a running session (argon2 makes that
slow on purpose; it is not timed). Then wrk (Debian's package: C, one thread per client, so the
clients cost the two cores little) runs benchmarks/web_load.lua: every client POSTs events with
fresh UUIDs (a third of them a block's result, `step_done`: the event and its step in one
transaction), a fifth of them twice, and GETs its progress after every fourth event, waiting
--interval seconds between requests (a phone's player sends an event when something happens,
not in a tight loop). Afterwards the events stored are counted in the database: each one
acknowledged must be there exactly once.

Target: p99 <= 25 ms for both endpoints, zero errors, no event lost or stored twice.

Run: .venv/bin/python benchmarks/web_load.py [--clients 50] [--seconds 30] [--workers 2]
                                             [--interval 0.5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psycopg

from bedstretch.core.safety import QUESTION_IDS

EXE = str(Path(sys.executable).with_name("bedstretch"))
LUA = Path(__file__).with_suffix(".lua")
SERVER = "postgresql://postgres@127.0.0.1:5432"


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


async def account(base: str, n: int, gate: asyncio.Semaphore) -> tuple[str, int]:
    """Sign up, sign in, screen and start a session: (token, session id)."""
    # each account from its own loopback address: sign-ups are limited to 10 an hour per address
    transport = httpx.AsyncHTTPTransport(local_address=f"127.0.{n // 200 + 1}.{n % 200 + 1}")
    async with gate, httpx.AsyncClient(base_url=base, timeout=120, transport=transport) as http:
        email, password = f"load{n}-{secrets.token_hex(3)}@example.org", "a long enough password"
        login = {"email": email, "password": password}
        (await http.post("/api/v1/users", json=login)).raise_for_status()
        token = (await http.post("/api/v1/auth/token", json=login)).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        answers = {"answers": dict.fromkeys(QUESTION_IDS, False), "age": 40}
        (await http.post("/api/v1/screenings", headers=headers, json=answers)).raise_for_status()
        body = {"routine": "quick", "pain_before": 3}
        started = await http.post("/api/v1/sessions", headers=headers, json=body)
        return token, int(started.raise_for_status().json()["id"])


async def accounts(base: str, clients: int) -> list[tuple[str, int]]:
    gate = asyncio.Semaphore(4)
    return list(await asyncio.gather(*(account(base, n, gate) for n in range(clients))))


def run_wrk(base: str, clients: list[tuple[str, int]], seconds: int, interval: float) -> set[str]:
    """The load: wrk with one thread and one connection per client; the ids it saw stored."""
    with tempfile.TemporaryDirectory() as tmp:
        listing, ids = Path(tmp, "accounts"), Path(tmp, "ids")
        listing.write_text("".join(f"{token} {session}\n" for token, session in clients))
        n = str(len(clients))
        command = ["wrk", "-t", n, "-c", n, "-d", f"{seconds}s", "--timeout", "10s", "-s"]
        command += [str(LUA), base, "--", str(listing), str(interval * 1000), str(ids)]
        out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        print("\n".join(line for line in out.splitlines() if not line.startswith(" ")))
        return {line.split()[1] for line in ids.read_text().splitlines()}


def count_events(database: str, acknowledged: set[str]) -> None:
    """Every acknowledged event stored exactly once? Counted in the database itself."""
    with psycopg.connect(f"{SERVER}/{database}") as connection:
        stored = [row[0] for row in connection.execute("SELECT id FROM events")]
        done = connection.execute("SELECT count(*) FROM events WHERE kind = 'step_done'").fetchone()
        steps = connection.execute("SELECT count(*) FROM steps").fetchone()
    print(
        f"events acknowledged {len(acknowledged)}, rows stored {len(stored)}: "
        f"lost {len(acknowledged - set(stored))}, stored twice {len(stored) - len(set(stored))}; "
        f"step_done events {done[0] if done else 0}, steps {steps[0] if steps else 0}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--interval", type=float, default=0.5)
    options = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk (make bench does)")
    name = f"bedstretch_load_{secrets.token_hex(4)}"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        port = free_port()
        url = f"postgresql+psycopg://postgres@127.0.0.1/{name}"
        env = {**os.environ, "BEDSTRETCH_DATABASE_URL": url}
        server = subprocess.Popen(
            [EXE, "serve", "--port", str(port), "--workers", str(options.workers)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_up(base)
            clients = asyncio.run(accounts(base, options.clients))
            print(
                f"{options.clients} clients, {options.workers} workers, one request per client "
                f"every {options.interval} s for {options.seconds} s"
            )
            acknowledged = run_wrk(base, clients, options.seconds, options.interval)
            count_events(name, acknowledged)
        finally:
            server.terminate()
            server.wait(timeout=30)
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
