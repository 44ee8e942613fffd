"""A real server under abuse (issue 11, items 4 and 5): 30 wrong sign-ins at once, forged
X-Forwarded-For headers, a flood of sign-ups, and bodies that never end.

Loopback has a whole /8: a client binds 127.0.0.N to come from another address, so the limits
per address are tested with real connections from real, different addresses.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bedstretch.services import accounts
from tests.journal.conftest import BACKENDS, postgres_database
from tests.web.conftest import PASSWORD, free_port, serve

WRONG = "not the password at all"
MIB = 1024 * 1024


def client(base: str, address: str = "127.0.0.1", timeout: float = 60) -> httpx.Client:
    """An HTTP client whose connections come from ``address`` (any 127.0.0.0/8 address)."""
    transport = httpx.HTTPTransport(local_address=address)
    return httpx.Client(base_url=base, transport=transport, timeout=timeout)


def at_once(count: int, work: Any) -> list[Any]:
    """``work(i)`` in ``count`` threads released together; the results in order."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as error:  # reported in the results
            results[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    return results


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'journal.sqlite3'}"
    else:
        yield from postgres_database()


@contextlib.contextmanager
def in_process(url: str) -> Iterator[str]:
    """The app under a real uvicorn on a loopback port, in this process: the test can read
    ``accounts.verifications()``, the argon2 checks the server ran."""
    import uvicorn

    from bedstretch.web.app import create_app

    port = free_port()
    config = uvicorn.Config(create_app(url), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive(), "uvicorn stopped"
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)


def sign_up(base: str, email: str, address: str = "127.0.0.1") -> None:
    with client(base, address) as http:
        made = http.post("/api/v1/users", json={"email": email, "password": PASSWORD})
        assert made.status_code == 201, made.text


def sign_in(http: httpx.Client, email: str, password: str = PASSWORD, **headers: str) -> int:
    body = {"email": email, "password": password}
    return http.post("/api/v1/auth/token", json=body, headers=headers).status_code


# --------------------------------------------------------------------------- item 4


def test_thirty_wrong_sign_ins_at_once_check_at_most_five_passwords(database: str) -> None:
    with in_process(database) as base:
        sign_up(base, "target@example.org")
        before = accounts.verifications()

        def guess(_: int) -> int:
            with client(base) as http:
                return sign_in(http, "target@example.org", WRONG)

        answers = Counter(at_once(30, guess))
        checked = accounts.verifications() - before
        assert answers == {401: accounts.MAX_FAILURES_PER_PAIR, 429: 25}, answers
        assert checked == accounts.MAX_FAILURES_PER_PAIR  # refused ones were never verified
        with client(base) as http:  # from the guesser's address, even the right password waits
            assert sign_in(http, "target@example.org") == 429
        with client(base, "127.0.0.2") as http:  # the owner, from another address
            assert sign_in(http, "target@example.org") == 200


def limited_after(http: httpx.Client, email: str, forged: Any) -> list[int]:
    """Six wrong guesses, each with another forged X-Forwarded-For (``forged(i)``)."""
    return [sign_in(http, email, WRONG, **{"X-Forwarded-For": forged(i)}) for i in range(6)]


def test_forged_forwarded_for_does_not_change_the_address_counted(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'journal.sqlite3'}"
    five_then_429 = [401] * 5 + [429]
    with serve(url, tmp_path) as base:  # no --proxy: the header means nothing
        sign_up(base, "a@example.org")
        with client(base) as http:
            assert limited_after(http, "a@example.org", lambda i: f"10.0.0.{i}") == five_then_429
            assert sign_in(http, "a@example.org", **{"X-Forwarded-For": "10.9.9.9"}) == 429
        with client(base, "127.0.0.2") as http:
            assert sign_in(http, "a@example.org") == 200

    with serve(url, tmp_path, "--proxy") as base:  # a proxy on this machine (127.0.0.1)
        sign_up(base, "b@example.org")
        with client(base) as proxy:
            # the proxy appends the address it saw; whatever the client wrote before it is noise
            forged = limited_after(proxy, "b@example.org", lambda i: f"10.0.0.{i}, 203.0.113.5")
            assert forged == five_then_429
            assert sign_in(proxy, "b@example.org", **{"X-Forwarded-For": "198.51.100.7"}) == 200
        with client(base, "127.0.0.3") as direct:  # not the proxy: its header is not believed
            sign_up(base, "c@example.org")
            assert limited_after(direct, "c@example.org", lambda i: f"10.1.0.{i}") == five_then_429
            assert sign_in(direct, "c@example.org", **{"X-Forwarded-For": "198.51.100.8"}) == 429

    with serve(url, tmp_path, "--trusted-proxy", "127.0.0.4") as base:  # a proxy elsewhere
        sign_up(base, "d@example.org")
        with client(base, "127.0.0.4") as proxy:
            forged = limited_after(proxy, "d@example.org", lambda i: f"10.2.0.{i}, 203.0.113.9")
            assert forged == five_then_429
            assert sign_in(proxy, "d@example.org", **{"X-Forwarded-For": "198.51.100.9"}) == 200


def test_a_trusted_proxy_must_be_an_address(tmp_path: Path) -> None:
    import subprocess

    from tests.web.conftest import EXE

    done = subprocess.run(
        [EXE, "--db", f"sqlite:///{tmp_path / 'j.sqlite3'}", "serve", "--trusted-proxy", "proxy"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "bedstretch: --trusted-proxy: 'proxy' is not an IP address or network (like 10.0.0.2)"
    ]


# --------------------------------------------------------------------------- item 5


def peak_memory(pid: int) -> int:
    """The process's peak resident memory (VmHWM), in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


def test_forty_sign_ups_at_once_stay_within_a_memory_bound(tmp_path: Path) -> None:
    pid: list[int] = []
    with serve(f"sqlite:///{tmp_path / 'journal.sqlite3'}", tmp_path, pid=pid) as base:
        sign_up(base, "warm@example.org")  # argon2 loaded, one hash made
        before = peak_memory(pid[0])

        def one(i: int) -> int:  # forty addresses: the per-address limit does not stop them
            with client(base, f"127.0.1.{i + 1}", timeout=120) as http:
                body = {"email": f"flood{i}@example.org", "password": PASSWORD}
                return http.post("/api/v1/users", json=body).status_code

        started = time.monotonic()
        answers = at_once(40, one)
        seconds = time.monotonic() - started
        after = peak_memory(pid[0])
        print(f"sign-up flood: peak {before / MIB:.0f} -> {after / MIB:.0f} MiB, {seconds:.1f} s")
        assert answers == [201] * 40  # they waited their turn; none failed
        # two argon2 hashes at once (64 MiB each) and some slack, not forty (2.5 GiB)
        assert after - before < (accounts.MAX_HASHING + 1) * 64 * MIB
        assert after < 400 * MIB


def test_sign_ups_from_one_address_are_limited(tmp_path: Path) -> None:
    with serve(f"sqlite:///{tmp_path / 'journal.sqlite3'}", tmp_path) as base, client(base) as http:
        made = [
            http.post("/api/v1/users", json={"email": f"s{n}@example.org", "password": PASSWORD})
            for n in range(accounts.MAX_SIGNUPS_PER_ADDRESS + 1)
        ]
        assert [m.status_code for m in made] == [201] * accounts.MAX_SIGNUPS_PER_ADDRESS + [429]
        assert int(made[-1].headers["retry-after"]) > 3000
        assert made[-1].json()["kind"] == "rate_limited"


def raw_request(port: int, head: str) -> socket.socket:
    connection = socket.create_connection(("127.0.0.1", port), timeout=10)
    connection.sendall(head.encode())
    return connection


def read_answer(connection: socket.socket) -> bytes:
    data = b""
    with contextlib.suppress(OSError):
        while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
            chunk = connection.recv(65536)
            if not chunk:
                break
            data += chunk
    return data


def test_a_huge_body_is_refused_before_it_is_read(tmp_path: Path) -> None:
    with serve(f"sqlite:///{tmp_path / 'journal.sqlite3'}", tmp_path) as base:
        port = int(base.rsplit(":", 1)[1])
        started = time.monotonic()
        declared = raw_request(
            port,
            "POST /api/v1/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Content-Length: 100000000\r\n\r\n",
        )
        answer = read_answer(declared)
        declared.close()
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        assert b'"kind":"invalid"' in answer
        assert time.monotonic() - started < 5

        # no Content-Length: 100 MB in chunks; the answer comes after the first 256 KB
        streamed = raw_request(
            port,
            "POST /api/v1/auth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n",
        )
        chunk = b"a" * 65536
        sent = 0
        streamed.setblocking(False)
        answer = b""
        while sent < 100 * MIB:
            try:
                streamed.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
            except (BlockingIOError, BrokenPipeError, ConnectionResetError):
                time.sleep(0.01)
            try:
                answer += streamed.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                break
            if b"\r\n\r\n" in answer:
                break
        streamed.close()
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        assert sent < 16 * MIB  # it stopped reading long before the end
        with client(base) as http:  # and it still answers
            assert http.get("/api/v1/rules").status_code == 200
