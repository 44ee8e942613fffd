"""Accounts under attack, in-process on SQLite and PostgreSQL (issue 11, items 4, 5 and 7):
revoking tokens, changing and resetting passwords, weak passwords, one account per email in any
Unicode form, CSRF bound to the session, `__Host-` cookies over HTTPS, purging, sign-in and
sign-up limits that a stranger cannot turn against the owner, the body limit, and no CDN docs.

The real server under concurrent load and forged proxy headers: tests/web/test_abuse.py."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from bedstretch.core.records import TokenKind
from bedstretch.journal import Journal, email_attempt_key, hash_token, open_journal
from bedstretch.journal.schema import auth_tokens, login_attempts, users
from bedstretch.services import accounts
from bedstretch.web.app import create_app
from tests.web_api.conftest import PASSWORD, User

NEW_PASSWORD = "a quite different phrase"
T0 = datetime(2026, 3, 2, 8, 0).astimezone()


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(db_url: str, clock: Clock) -> Any:
    return create_app(db_url, clock=clock)


def browser(app: Any, address: str = "192.0.2.10", https: bool = False) -> TestClient:
    """A client at ``address`` (TestClient's own default is the same "testclient" for all)."""
    base = "https://testserver" if https else "http://testserver"
    return TestClient(app, base_url=base, client=(address, 40000))


@pytest.fixture
def web(app: Any) -> Iterator[TestClient]:
    with browser(app) as client:
        yield client


def sign_up(client: TestClient, email: str, password: str = PASSWORD) -> Any:
    return client.post("/api/v1/users", json={"email": email, "password": password})


def token(client: TestClient, email: str, password: str = PASSWORD) -> Any:
    return client.post("/api/v1/auth/token", json={"email": email, "password": password})


def bearer(client: TestClient, email: str, password: str = PASSWORD) -> dict[str, str]:
    answer = token(client, email, password)
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def page_csrf(client: TestClient, path: str = "/signin") -> str:
    page = client.get(path)
    return page.text.split('name="csrf-token" content="')[1].split('"')[0]


def sign_in_page(client: TestClient, email: str, password: str = PASSWORD) -> Any:
    csrf = page_csrf(client)
    return client.post(
        "/signin",
        data={"email": email, "password": password, "csrf": csrf},
        follow_redirects=False,
    )


def shared(app: Any) -> Journal:
    journal: Journal = app.state.journal
    return journal


# --------------------------------------------------------------------------- tokens


def test_a_bearer_token_can_be_signed_out_and_then_answers_401(web: TestClient) -> None:
    sign_up(web, "tess@example.org")
    first, second = bearer(web, "tess@example.org"), bearer(web, "tess@example.org")
    assert web.delete("/api/v1/auth/token", headers=first).status_code == 204
    assert web.get("/api/v1/sessions", headers=first).status_code == 401
    assert web.delete("/api/v1/auth/token", headers=first).status_code == 401  # gone already
    assert web.delete("/api/v1/auth/token").status_code == 401  # no bearer token at all
    assert web.get("/api/v1/sessions", headers=second).status_code == 200  # only that one


def test_signing_out_everywhere_ends_every_token_session_and_reset_link(
    app: Any, web: TestClient, clock: Clock
) -> None:
    sign_up(web, "evan@example.org")
    tokens = [bearer(web, "evan@example.org") for _ in range(2)]
    assert sign_in_page(web, "evan@example.org").status_code == 303
    assert web.get("/settings").status_code == 200
    link = accounts.issue_reset(shared(app), "evan@example.org", clock())
    sign_up(web, "other@example.org")
    other = bearer(web, "other@example.org")

    answer = web.delete("/api/v1/auth/tokens", headers=tokens[0])
    assert answer.status_code == 204
    for headers in tokens:
        assert web.get("/api/v1/sessions", headers=headers).status_code == 401
    web.cookies.set("bedstretch_session", web.cookies.get("bedstretch_session") or "gone")
    assert web.get("/settings", follow_redirects=False).headers["location"] == "/signin"
    assert accounts.reset_user(shared(app), link, clock()) is None
    assert web.get("/api/v1/sessions", headers=other).status_code == 200  # nobody else's


def test_sign_out_everywhere_from_the_settings_page(app: Any, web: TestClient) -> None:
    sign_up(web, "page@example.org")
    phone = browser(app, "192.0.2.98")
    api = bearer(phone, "page@example.org")
    sign_in_page(web, "page@example.org")
    csrf = page_csrf(web, "/settings")
    done = web.post("/settings/signout-everywhere", data={"csrf": csrf}, follow_redirects=False)
    assert done.headers["location"] == "/signin?done=everywhere"
    assert phone.get("/api/v1/sessions", headers=api).status_code == 401
    assert web.get("/settings", follow_redirects=False).status_code == 303


# --------------------------------------------------------------------------- passwords


def test_changing_the_password_checks_the_old_one_and_signs_out_other_devices(
    web: TestClient,
) -> None:
    sign_up(web, "cora@example.org")
    mine, elsewhere = bearer(web, "cora@example.org"), bearer(web, "cora@example.org")
    path = "/api/v1/users/me/password"

    wrong = web.post(path, json={"current_password": "not my password", "new_password": NEW_PASSWORD},
                     headers=mine)  # fmt: skip
    assert (wrong.status_code, wrong.json()["field"]) == (422, "current_password")
    weak = web.post(path, json={"current_password": PASSWORD, "new_password": "1234567890"},
                    headers=mine)  # fmt: skip
    assert (weak.status_code, weak.json()["field"]) == (422, "new_password")
    assert web.get("/api/v1/sessions", headers=elsewhere).status_code == 200  # nothing changed

    done = web.post(path, json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
                    headers=mine)  # fmt: skip
    assert done.status_code == 204
    assert web.get("/api/v1/sessions", headers=mine).status_code == 200  # the one that asked
    assert web.get("/api/v1/sessions", headers=elsewhere).status_code == 401
    assert token(web, "cora@example.org").status_code == 401
    assert token(web, "cora@example.org", NEW_PASSWORD).status_code == 200


def test_changing_the_password_in_settings_keeps_this_browser_signed_in(
    app: Any, web: TestClient
) -> None:
    sign_up(web, "sett@example.org")
    phone = browser(app, "192.0.2.99")  # another device, with an API token
    api = bearer(phone, "sett@example.org")
    sign_in_page(web, "sett@example.org")
    csrf = page_csrf(web, "/settings")
    form = {"csrf": csrf, "current_password": "wrong password", "new_password": NEW_PASSWORD}
    wrong = web.post("/settings/password", data=form)
    assert wrong.status_code == 422
    assert "Your current password is not right." in wrong.text
    form["current_password"] = PASSWORD
    done = web.post("/settings/password", data=form, follow_redirects=False)
    assert done.headers["location"].startswith("/settings?done=password")
    assert "Your password is changed" in web.get("/settings?done=password").text
    assert web.get("/api/v1/sessions").status_code == 200  # this browser stays signed in
    assert phone.get("/api/v1/sessions", headers=api).status_code == 401
    assert token(web, "sett@example.org", NEW_PASSWORD).status_code == 200


@pytest.mark.parametrize(
    ("password", "why"),
    [
        (" " * 10, "one character repeated"),
        ("1234567890", "most common"),
        ("aaaaaaaaaaaa", "one character repeated"),
        ("Password123", "most common"),
        ("qwertyuiop", "most common"),
        ("short1", "at least 10 characters"),
        ("weak@example.org", "not your email"),
    ],
)
def test_weak_passwords_are_refused_naming_the_field(
    web: TestClient, password: str, why: str
) -> None:
    answer = web.post("/api/v1/users", json={"email": "weak@example.org", "password": password})
    assert answer.status_code == 422
    assert answer.json()["field"] == "password"
    assert why in answer.json()["detail"]


def test_the_common_password_list_is_shipped_and_read_once() -> None:
    common = accounts.common_passwords()
    assert len(common) > 10_000
    assert {"1234567890", "password", "qwertyuiop", "1q2w3e4r5t"} <= common
    assert accounts.common_passwords() is common
    accounts.check_password("lying down slowly helps")  # an ordinary passphrase is fine


def test_the_sign_up_page_says_why_a_password_is_refused(web: TestClient) -> None:
    csrf = page_csrf(web, "/signup")
    page = web.post(
        "/signup", data={"email": "p@example.org", "password": "1234567890", "csrf": csrf}
    )
    assert page.status_code == 422
    assert "one of the most common ones" in page.text


# --------------------------------------------------------------------------- emails


def test_an_email_in_nfc_and_nfd_is_one_account(app: Any, web: TestClient) -> None:
    nfc = unicodedata.normalize("NFC", "José.Ñúñez@example.org")
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfc != nfd
    assert sign_up(web, nfc).json()["email"] == nfc.lower()
    assert sign_up(web, nfd).json()["email"] == nfc.lower()  # the same account, not a second
    assert token(web, nfd).status_code == 200
    assert token(web, nfc.upper()).status_code == 200
    with shared(app)._engine.connect() as connection:
        emails = connection.execute(sa.select(users.c.email)).scalars().all()
    assert emails == [nfc.lower()]
    assert email_attempt_key(nfd) == email_attempt_key(nfc)


def test_the_migration_puts_stored_emails_in_nfc(db_url: str) -> None:
    nfd = unicodedata.normalize("NFD", "rené@example.org")
    with open_journal(db_url) as journal:
        journal.create_user("someone@example.org", "hash", T0)
        # a row as 0003 stored it, before emails were normalised
        with journal._engine.begin() as connection:
            connection.execute(
                sa.insert(users).values(email=nfd, password_hash="old", created_at=T0)
            )
    from alembic import command

    from bedstretch.journal import alembic_config

    command.downgrade(alembic_config(db_url), "0003")
    command.upgrade(alembic_config(db_url), "head")
    with open_journal(db_url) as journal:
        assert journal.user_by_email(nfd) is not None
        assert journal.user_email(2) == unicodedata.normalize("NFC", nfd)


# --------------------------------------------------------------------------- CSRF and cookies


def test_csrf_is_bound_to_the_session_not_to_the_cookie(app: Any) -> None:
    with browser(app, "192.0.2.1") as ann, browser(app, "192.0.2.2") as bob:
        for client, email in ((ann, "ann@example.org"), (bob, "bob@example.org")):
            sign_up(client, email)
            assert sign_in_page(client, email).status_code == 303
        ann_csrf, bob_csrf = page_csrf(ann, "/settings"), page_csrf(bob, "/settings")
        assert ann_csrf != bob_csrf
        cookie_csrf = ann.cookies.get("bedstretch_csrf") or ""
        for sent in (cookie_csrf, bob_csrf, ""):
            refused = ann.post("/api/v1/checkins", json={"pain": 3}, headers={"X-CSRF-Token": sent})
            assert refused.status_code == 403
            form = ann.post("/progress/checkin", data={"csrf": sent, "pain": "3"})
            assert form.status_code == 403
        ok = ann.post("/api/v1/checkins", json={"pain": 3}, headers={"X-CSRF-Token": ann_csrf})
        assert ok.status_code == 201
        # a new session has a new token: the old one stops working with it
        ann.post("/signout", data={"csrf": ann_csrf})
        assert sign_in_page(ann, "ann@example.org").status_code == 303
        again = ann.post("/api/v1/checkins", json={"pain": 3}, headers={"X-CSRF-Token": ann_csrf})
        assert again.status_code == 403


def test_signed_out_forms_keep_the_double_submit_cookie(web: TestClient) -> None:
    sign_up(web, "form@example.org")
    refused = web.post("/signin", data={"email": "form@example.org", "password": PASSWORD,
                                        "csrf": "made-up"}, follow_redirects=False)  # fmt: skip
    assert refused.status_code == 403
    assert sign_in_page(web, "form@example.org").status_code == 303


def cookies_set(answer: Any) -> dict[str, str]:
    found = {}
    for header in answer.headers.get_list("set-cookie"):
        name = header.split("=", 1)[0]
        found[name] = header
    return found


def test_over_https_the_cookies_have_the_host_prefix(app: Any) -> None:
    with browser(app, https=True) as client:
        first = client.get("/signin")
        csrf = cookies_set(first)["__Host-bedstretch_csrf"]
        assert "; Secure" in csrf and "Path=/" in csrf and "Domain" not in csrf  # noqa: PT018
        sign_up(client, "tls@example.org")
        signed = client.post("/signin", data={"email": "tls@example.org", "password": PASSWORD,
                             "csrf": page_csrf(client)}, follow_redirects=False)  # fmt: skip
        session = cookies_set(signed)["__Host-bedstretch_session"]
        assert "; Secure" in session and "Path=/" in session and "Domain" not in session  # noqa: PT018
        assert "HttpOnly" in session
        assert client.get("/settings").status_code == 200
        # over HTTPS a cookie without the prefix (set by a plain-http page or a sibling site)
        # signs nobody in
        secret = client.cookies.get("__Host-bedstretch_session")
        client.cookies.clear()
        client.cookies.set("bedstretch_session", secret or "")
        assert client.get("/settings", follow_redirects=False).status_code == 303
    with browser(app) as plain:  # plain http (a home network): the plain names, no Secure
        cookie = cookies_set(plain.get("/signin"))["bedstretch_csrf"]
        assert "Secure" not in cookie


# --------------------------------------------------------------------------- purging


def old_rows(journal: Journal, user_id: int, now: datetime) -> None:
    journal.add_token(token_hash=hash_token("expired"), user_id=user_id, kind=TokenKind.API,
                      csrf=None, created_at=now - timedelta(days=40),
                      expires_at=now - timedelta(days=10))  # fmt: skip
    journal.add_attempt("addr:203.0.113.1", now - timedelta(hours=3))


def counts(journal: Journal) -> tuple[int, int]:
    with journal._engine.connect() as connection:
        tokens = connection.execute(sa.select(sa.func.count()).select_from(auth_tokens)).scalar()
        tries = connection.execute(sa.select(sa.func.count()).select_from(login_attempts)).scalar()
    return int(tokens or 0), int(tries or 0)


def test_expired_tokens_and_old_attempts_are_purged_at_start_and_from_sign_in(
    db_url: str, clock: Clock
) -> None:
    with open_journal(db_url) as journal:
        user = journal.create_user("purge@example.org", accounts.hash_password(PASSWORD), T0)
        assert user is not None
        old_rows(journal, user, T0)
        assert counts(journal) == (1, 1)
    app = create_app(db_url, clock=clock)
    journal = shared(app)
    assert counts(journal) == (0, 0)  # at start
    with browser(app) as client:
        old_rows(journal, user, clock.now)
        clock.now += timedelta(minutes=5)
        assert token(client, "purge@example.org").status_code == 200
        assert counts(journal) == (2, 1)  # not yet: at most every 10 minutes
        clock.now += timedelta(minutes=6)
        assert token(client, "purge@example.org").status_code == 200
        assert counts(journal) == (2, 0)  # the expired token and the old attempt went


# --------------------------------------------------------------------------- sign-in limits


def wrong(client: TestClient, email: str) -> int:
    return int(token(client, email, "not the password at all").status_code)


def test_a_stranger_cannot_lock_the_owner_out(app: Any) -> None:
    with browser(app, "192.0.2.50") as owner, browser(app, "203.0.113.66") as stranger:
        sign_up(owner, "olive@example.org")
        assert [wrong(stranger, "olive@example.org") for _ in range(6)] == [401] * 5 + [429]
        blocked = token(stranger, "olive@example.org")  # even the right password, from there
        assert blocked.status_code == 429
        assert 800 < int(blocked.headers["retry-after"]) <= 901
        assert blocked.json()["kind"] == "rate_limited"
        assert token(owner, "olive@example.org").status_code == 200  # the owner, elsewhere


def test_the_owners_own_typos_clear_after_a_success(app: Any) -> None:
    with browser(app, "192.0.2.51") as owner:
        sign_up(owner, "typo@example.org")
        assert [wrong(owner, "typo@example.org") for _ in range(4)] == [401] * 4
        assert token(owner, "typo@example.org").status_code == 200
        assert [wrong(owner, "typo@example.org") for _ in range(5)] == [401] * 5  # a fresh 5


def test_one_address_trying_many_accounts_is_limited(app: Any) -> None:
    with browser(app, "198.51.100.9") as guesser, browser(app, "192.0.2.7") as other:
        for n in range(4):
            assert [wrong(guesser, f"u{n}@example.org") for _ in range(5)] == [401] * 5
        assert wrong(guesser, "u5@example.org") == 429  # 20 from this address
        sign_up(other, "u6@example.org")
        assert token(other, "u6@example.org").status_code == 200


def test_guessing_one_account_from_many_addresses_meets_a_ceiling(
    app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(accounts, "MAX_FAILURES_PER_ACCOUNT", 8)  # 100 in production
    with browser(app, "192.0.2.80") as owner:
        sign_up(owner, "dora@example.org")
    for n in range(2):
        with browser(app, f"203.0.113.{n + 1}") as guesser:
            assert [wrong(guesser, "dora@example.org") for _ in range(4)] == [401] * 4
    with browser(app, "203.0.113.9") as guesser:
        assert wrong(guesser, "dora@example.org") == 429


def test_ipv6_clients_are_counted_by_their_64() -> None:
    assert accounts.address_key("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64"
    assert accounts.address_key("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert accounts.address_key("::ffff:192.0.2.4") == "192.0.2.4"
    assert accounts.address_key("192.0.2.4") == "192.0.2.4"


def test_claiming_attempts_counts_and_records_in_one_go(journal_url: str) -> None:
    with open_journal(journal_url) as journal:
        since = T0 - timedelta(minutes=15)
        granted = [journal.claim_attempt([("addr:x", 3, since), ("pair:y", 2, since)], T0)
                   for _ in range(3)]  # fmt: skip
        assert [claim.granted for claim in granted] == [True, True, False]
        assert granted[2].free_at == T0 + timedelta(minutes=15)
        assert journal.count_attempts("addr:x", since) == 2  # a refused claim records nothing
        journal.forget_attempts(ids=granted[0].ids, keys=["pair:y"])
        assert journal.count_attempts("addr:x", since) == 1
        assert journal.count_attempts("pair:y", since) == 0


@pytest.fixture
def journal_url(db_url: str) -> str:
    return db_url


# --------------------------------------------------------------------------- sign-up limit


def test_sign_ups_are_limited_per_address(app: Any) -> None:
    with browser(app, "198.51.100.30") as busy, browser(app, "198.51.100.31") as calm:
        made = [sign_up(busy, f"s{n}@example.org").status_code for n in range(11)]
        assert made == [201] * 10 + [429]
        refused = sign_up(busy, "s99@example.org")
        assert refused.json()["kind"] == "rate_limited"
        assert 3500 < int(refused.headers["retry-after"]) <= 3601
        assert sign_up(calm, "s11@example.org").status_code == 201


# --------------------------------------------------------------------------- resets


def test_a_reset_link_sets_a_new_password_once_and_signs_out_everywhere(
    app: Any, web: TestClient, clock: Clock
) -> None:
    sign_up(web, "rita@example.org")
    api = bearer(web, "rita@example.org")
    secret = accounts.issue_reset(shared(app), "Rita@Example.org", clock())
    with shared(app)._engine.connect() as connection:
        stored = connection.execute(
            sa.select(auth_tokens.c.token_hash).where(auth_tokens.c.kind == "reset")
        ).scalar_one()
    assert stored == hash_token(secret)  # only the hash is kept

    page = web.get(f"/reset?token={secret}")
    assert page.status_code == 200 and "Choose a new password" in page.text  # noqa: PT018
    csrf = page_csrf(web, f"/reset?token={secret}")
    weak = web.post("/reset", data={"token": secret, "password": "1234567890", "csrf": csrf})
    assert weak.status_code == 422  # refused, and the link still works
    done = web.post("/reset", data={"token": secret, "password": NEW_PASSWORD, "csrf": csrf},
                    follow_redirects=False)  # fmt: skip
    assert done.headers["location"] == "/signin?done=reset"
    assert web.get("/api/v1/sessions", headers=api).status_code == 401
    assert token(web, "rita@example.org", NEW_PASSWORD).status_code == 200
    again = web.post(
        "/reset", data={"token": secret, "password": "yet another phrase", "csrf": csrf}
    )
    assert again.status_code == 410
    assert web.get(f"/reset?token={secret}").status_code == 410


def test_a_reset_link_expires_after_an_hour_and_a_new_one_replaces_it(
    app: Any, web: TestClient, clock: Clock
) -> None:
    sign_up(web, "rex@example.org")
    first = accounts.issue_reset(shared(app), "rex@example.org", clock())
    second = accounts.issue_reset(shared(app), "rex@example.org", clock())
    assert web.get(f"/reset?token={first}").status_code == 410
    assert web.get(f"/reset?token={second}").status_code == 200
    clock.now += timedelta(minutes=61)
    assert web.get(f"/reset?token={second}").status_code == 410
    with pytest.raises(Exception, match="no account"):
        accounts.issue_reset(shared(app), "nobody@example.org", clock())


# --------------------------------------------------------------------------- the rest


def test_no_interactive_docs_and_one_content_security_policy(alice: User) -> None:
    client = alice.client
    assert client.get("/api/docs").status_code == 404
    described = client.get("/openapi.json")
    assert described.status_code == 200
    policies = {client.get(path).headers["content-security-policy"]
                for path in ("/openapi.json", "/signin", "/static/app.js")}  # fmt: skip
    assert len(policies) == 1
    assert "unsafe-inline" not in policies.pop()
    paths = described.json()["paths"]
    assert {"delete"} <= set(paths["/api/v1/auth/token"])
    assert "/api/v1/auth/tokens" in paths
    assert "/api/v1/users/me/password" in paths


def test_the_figure_is_cached_privately_only(alice: User) -> None:
    exercise = alice.get("/api/v1/exercises").json()[0]
    variant = exercise["variants"][0]["id"]
    answer = alice.get(f"/api/v1/exercises/{exercise['id']}/figure.svg?variant={variant}")
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "private, max-age=3600"


def test_bodies_over_256_kb_are_refused_in_the_one_shape(alice: User) -> None:
    big = b'{"pain": 3, "x": "' + b"a" * 300_000 + b'"}'
    answer = alice.client.post("/api/v1/checkins", content=big,
                               headers={**alice.headers, "content-type": "application/json"})  # fmt: skip
    assert answer.status_code == 413
    assert answer.json() == {"detail": "The request body is larger than 256 KB.",
                             "kind": "invalid", "field": None}  # fmt: skip

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield b'{"pain": 3, "x": "'
        for _ in range(40):
            yield b"a" * 10_000
        yield b'"}'

    streamed = alice.client.post("/api/v1/checkins", content=chunks(),
                                 headers={**alice.headers, "content-type": "application/json"})  # fmt: skip
    assert streamed.status_code == 413
    assert alice.post("/api/v1/checkins", {"pain": 3}).status_code == 201
