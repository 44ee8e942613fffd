"""PostgreSQL goes away under a real server (issue 11, item 5): a TCP proxy the test owns sits
between `bedstretch serve` and PostgreSQL, and is cut (every connection closed, new ones
refused) and black-holed (connections accepted, nothing forwarded: a network that swallows
packets). Every answer that needs the database is a 503 with Retry-After within a bound, never
a 500, a 404 or a hang; what needs no database (/api/v1/rules, /static, /openapi.json, /sw.js)
answers meanwhile; and when the proxy forwards again the server recovers without a restart."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from bedstretch.core.safety import QUESTION_IDS
from bedstretch.journal.timeouts import ANSWER_WITHIN, CONNECT_TIMEOUT, POOL_TIMEOUT
from tests.journal.conftest import postgres_database
from tests.web.conftest import PASSWORD, serve

POSTGRES = ("127.0.0.1", 5432)
# The slowest a 503 may be: a statement the network swallowed, then a new connection that
# never completes its handshake, then waiting for the pool; and a second of slack.
BOUND = ANSWER_WITHIN + CONNECT_TIMEOUT + POOL_TIMEOUT + 1
FREE = ("/api/v1/rules", "/static/app.css", "/static/player.js", "/openapi.json", "/sw.js")


class Proxy:
    """A TCP forwarder (asyncio, in its own thread) with three modes: ``forward``, ``cut`` and
    ``blackhole``."""

    def __init__(self, target: tuple[str, int] = POSTGRES) -> None:
        self.target = target
        self.mode = "forward"
        self.open: set[asyncio.StreamWriter] = set()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server = self._run(asyncio.start_server(self._accept, "127.0.0.1", 0))
        self.port = int(self.server.sockets[0].getsockname()[1])

    def _run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(10)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.mode == "cut":
            writer.transport.abort()
            return
        self.open.add(writer)
        if self.mode == "blackhole":  # accepted; nothing will ever come back
            with contextlib.suppress(Exception):
                while await reader.read(65536):
                    pass
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self.open.add(up_writer)
        await asyncio.gather(
            self._pipe(reader, up_writer), self._pipe(up_reader, writer), return_exceptions=True
        )
        for end in (writer, up_writer):
            end.transport.abort()
            self.open.discard(end)

    async def _pipe(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        while data := await source.read(65536):
            if self.mode != "forward":
                continue  # black hole: swallowed
            sink.write(data)
            await sink.drain()

    async def _set(self, mode: str) -> None:
        self.mode = mode
        if mode != "blackhole":  # cut: all closed; forward again: the swallowed ones are lost
            for writer in list(self.open):
                writer.transport.abort()
            self.open.clear()

    def set(self, mode: str) -> None:
        self._run(self._set(mode))

    def close(self) -> None:
        self.set("cut")
        self.server.close()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


@contextlib.contextmanager
def proxied_server(tmp: Path) -> Iterator[tuple[str, Proxy]]:
    for url in postgres_database():
        proxy = Proxy()
        try:
            through = url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
            with serve(through, tmp) as base:
                yield base, proxy
        finally:
            proxy.close()


def account(http: httpx.Client) -> tuple[dict[str, str], int]:
    login = {"email": "out@example.org", "password": PASSWORD}
    assert http.post("/api/v1/users", json=login).status_code == 201
    token = http.post("/api/v1/auth/token", json=login).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    answers = {"answers": dict.fromkeys(QUESTION_IDS, False), "age": 40}
    assert http.post("/api/v1/screenings", json=answers, headers=headers).status_code == 201
    started = http.post("/api/v1/sessions", json={"routine": "quick", "pain_before": 2},
                        headers=headers)  # fmt: skip
    return headers, int(started.json()["id"])


def needs_database(base: str, headers: dict[str, str], session: int, n: int) -> httpx.Response:
    """One of the calls a phone makes, each needing the database."""
    with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
        if n % 3 == 0:
            return http.get("/api/v1/progress")
        if n % 3 == 1:
            event = {"id": str(uuid.uuid4()), "kind": "pain", "value": 2, "at": 1.0}
            return http.post(f"/api/v1/sessions/{session}/events", json=event)
        return http.post("/api/v1/auth/token",
                         json={"email": "out@example.org", "password": PASSWORD})  # fmt: skip


def timed(call: Any) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    answer = call()
    return answer, time.monotonic() - started


def assert_unavailable(answer: httpx.Response, seconds: float) -> None:
    assert answer.status_code == 503, (answer.status_code, answer.text)
    assert answer.headers["retry-after"] == "5"
    assert answer.json()["kind"] == "unavailable"
    assert seconds <= BOUND, seconds


def assert_free_routes_answer(base: str) -> None:
    with httpx.Client(base_url=base, timeout=5) as http:
        for path in FREE:
            answer, seconds = timed(lambda p=path: http.get(p))
            assert answer.status_code == 200, (path, answer.status_code)
            assert seconds < 1.0, (path, seconds)


def recovers(base: str, headers: dict[str, str], session: int) -> float:
    """Seconds until every kind of call works again; any answer meanwhile is 2xx or 503."""
    started = time.monotonic()
    while True:
        answers = [needs_database(base, headers, session, n) for n in range(3)]
        assert all(a.status_code < 300 or a.status_code == 503 for a in answers), answers
        if all(a.status_code < 300 for a in answers):
            return time.monotonic() - started
        assert time.monotonic() - started < 2 * BOUND, "the server did not recover"
        time.sleep(0.5)


def test_a_cut_and_a_black_holed_database_answer_503_and_the_server_recovers(
    tmp_path: Path,
) -> None:
    with proxied_server(tmp_path) as (base, proxy), httpx.Client(base_url=base, timeout=60) as http:
        headers, session = account(http)
        for n in range(3):
            assert needs_database(base, headers, session, n).status_code < 300

        proxy.set("cut")
        for n in range(3):
            answer, seconds = timed(lambda n=n: needs_database(base, headers, session, n))
            assert_unavailable(answer, seconds)
        assert_free_routes_answer(base)
        proxy.set("forward")
        recovers(base, headers, session)

        proxy.set("blackhole")
        with ThreadPoolExecutor(9) as pool:
            hanging = [
                pool.submit(timed, lambda n=n: needs_database(base, headers, session, n))
                for n in range(9)
            ]
            time.sleep(1)  # every one of them is waiting on the database now
            assert_free_routes_answer(base)
            for future in hanging:
                assert_unavailable(*future.result(timeout=2 * BOUND))
        answer, seconds = timed(lambda: needs_database(base, headers, session, 0))
        assert_unavailable(answer, seconds)  # a new connection: its handshake never completes
        assert_free_routes_answer(base)
        proxy.set("forward")
        recovers(base, headers, session)
    logs = "".join(log.read_text() for log in tmp_path.glob("serve-*.log"))
    assert "Traceback" not in logs
    assert "bedstretch serve: journal at" in logs  # each fault's cause, in the server's log
