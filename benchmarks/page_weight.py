"""Weight of the web player: the page and everything it loads, gzip-compressed (issue 6).

Starts `bedstretch serve` on a loopback port with a temporary SQLite journal (or measures a
running server with --url and --email/--password), signs in as a browser does (form post with
the CSRF token, session cookie), fetches the player page, parses it for every script, stylesheet,
icon and image it links, adds the service worker (/sw.js), and then what the player fetches while
it plays: the pain guard's rules, the routine's timeline, the session it starts (the answer
carries the timeline again) and one figure per exercise. Each response is compressed with gzip
(level 9, as Starlette's GZipMiddleware does) and the sizes are added up.

Target: <= 60 KB compressed for the page plus everything it loads.
Run: .venv/bin/python benchmarks/page_weight.py [--routine in-bed]
     (or [--url URL --email E --password P] for a running server and a screened account)
"""

from __future__ import annotations

import argparse
import gzip
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path

import httpx

from bedstretch.core.safety import QUESTION_IDS

EXE = str(Path(sys.executable).with_name("bedstretch"))
TARGET_KB = 60.0


class Links(HTMLParser):
    """The URLs a page makes the browser load: scripts, stylesheets, icons, manifests, images."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script" and a.get("src"):
            self.urls.append(str(a["src"]))
        elif tag == "link" and a.get("href") and a.get("rel") in ("stylesheet", "icon", "manifest"):
            self.urls.append(str(a["href"]))
        elif tag in ("img", "source") and a.get("src"):
            self.urls.append(str(a["src"]))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(tmp: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [EXE, "--db", f"sqlite:///{tmp / 'journal.sqlite3'}", "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/signin", timeout=1).status_code == 200:
                return process, base
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("bedstretch serve did not start")


def sign_in(http: httpx.Client, email: str, password: str, create: bool) -> str:
    """Sign in through the form as a browser does; returns the page's CSRF token."""
    page = http.get("/signin").text
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token, "no CSRF token on /signin"
    if create:
        http.post("/signup", data={"email": email, "password": password, "csrf": token[1]})
    answer = http.post("/signin", data={"email": email, "password": password, "csrf": token[1]})
    if http.cookies.get("bedstretch_session") is None:
        raise SystemExit(f"sign-in failed: {answer.status_code}")
    return token[1]


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=9))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--routine", default="in-bed", help="routine to play (default in-bed)")
    parser.add_argument("--url", help="a running server instead of a new one")
    parser.add_argument("--email")
    parser.add_argument("--password")
    options = parser.parse_args()

    process = None
    with tempfile.TemporaryDirectory() as tmp:
        if options.url:
            base, create = options.url.rstrip("/"), False
            email, password = options.email, options.password
            if not (email and password):
                raise SystemExit("--url needs --email and --password of a screened account")
        else:
            process, base = start_server(Path(tmp))
            email, password = f"weight-{secrets.token_hex(3)}@example.org", "a long enough password"
            create = True
        try:
            with httpx.Client(base_url=base, timeout=10) as http:
                csrf = sign_in(http, email, password, create)
                rows = measure(http, csrf, options.routine, create)
        finally:
            if process is not None:
                process.terminate()
                process.wait(10)
    report(rows, options.routine)


def measure(
    http: httpx.Client, csrf: str, routine: str, screen: bool
) -> list[tuple[str, str, int, int]]:
    """(group, url, bytes, gzip bytes) of the page and everything it loads."""
    rows: list[tuple[str, str, int, int]] = []

    def fetch(group: str, url: str, method: str = "GET", body: object = None) -> httpx.Response:
        headers = {"X-CSRF-Token": csrf} if method != "GET" else {}
        answer = http.request(method, url, json=body, headers=headers)
        if answer.status_code >= 400:
            raise SystemExit(f"{method} {url}: {answer.status_code} {answer.text[:200]}")
        rows.append((group, f"{method} {url}" if method != "GET" else url, len(answer.content),
                     gz(answer.content)))  # fmt: skip
        return answer

    if screen:
        answers = dict.fromkeys(QUESTION_IDS, False)
        http.post("/api/v1/screenings", json={"answers": answers, "age": 40},
                  headers={"X-CSRF-Token": csrf})  # fmt: skip
    page = fetch("page", f"/play/{routine}")
    links = Links()
    links.feed(page.text)
    for url in dict.fromkeys(links.urls):
        fetch("page", url)
    fetch("page", "/sw.js")
    fetch("player data", "/api/v1/rules")
    timeline = fetch("player data", f"/api/v1/routines/{routine}/timeline").json()
    fetch("player data", "/api/v1/sessions", "POST", {"routine": routine, "pain_before": 2})
    figures = {(s["exercise"], s["variant"]) for s in timeline["steps"]}
    for exercise, variant in sorted(figures):
        fetch("figures", f"/api/v1/exercises/{exercise}/figure.svg?variant={variant}")
    return rows


def report(rows: list[tuple[str, str, int, int]], routine: str) -> None:
    print(f"Web player for routine '{routine}': every response, raw and gzip -9 (bytes)")
    print(f"{'group':<12} {'raw':>8} {'gzip':>7}  url")
    for group, url, raw, packed in rows:
        print(f"{group:<12} {raw:>8} {packed:>7}  {url}")
    groups: dict[str, list[int]] = {}
    for group, _, raw, packed in rows:
        totals = groups.setdefault(group, [0, 0])
        totals[0] += raw
        totals[1] += packed
    print()
    for group, (raw, packed) in groups.items():
        print(f"{group:<12} {raw / 1024:7.1f} KB raw {packed / 1024:6.1f} KB gzip")
    raw = sum(r[2] for r in rows)
    packed = sum(r[3] for r in rows)
    verdict = "within" if packed / 1024 <= TARGET_KB else "OVER"
    print(
        f"{'total':<12} {raw / 1024:7.1f} KB raw {packed / 1024:6.1f} KB gzip "
        f"({verdict} the {TARGET_KB:g} KB target)"
    )


if __name__ == "__main__":
    main()
