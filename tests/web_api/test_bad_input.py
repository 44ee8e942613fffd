"""No 5xx for bad input, every refusal in the one shape naming the field, and no secret or health
data in the server's log (issue 11, item 3).

The sweep is built from the OpenAPI description: every operation, every path and query
parameter, every field of every request body (nested models, list items, object keys and
values), so a field added later is swept without touching this file. Each gets the inputs
schemathesis does not make: non-finite numbers (``NaN``, ``Infinity``, ``-Infinity``, ``1e999``,
which Python's JSON reader accepts), lone surrogates and NUL characters in text, wrong JSON types,
huge strings, integers past 64 bits, and lists nested 10,000 deep. It runs in-process on SQLite
and PostgreSQL, and against a real ``bedstretch serve`` whose log is then read.
"""

from __future__ import annotations

import asyncio
import copy
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bedstretch.core.safety import QUESTION_IDS
from bedstretch.web.app import create_app
from tests.journal.conftest import postgres_database
from tests.web.conftest import serve
from tests.web_api.conftest import PASSWORD, User

EMAIL = "sweeper@example.org"
SHAPE = {"detail", "kind", "field"}
DEEP = 10_000  # lists nested this deep in a JSON body: json.loads gives up (RecursionError)
HUGE = 100_000  # characters: under any body limit, far over every field's
KEY = "[key]"  # a path step meaning "the keys of this object"
MARKER = "zq-health-marker"  # free text (a reason, an exercise) that must never reach a log

# Tokens put into the JSON text after json.dumps, for what json.dumps cannot write.
RAW = {"__1E999__": "1e999", "__-1E999__": "-1e999", "__DEEP__": "[" * DEEP + "]" * DEEP}


@dataclass(frozen=True)
class Case:
    name: str
    value: Any
    refused: bool  # must be 422 naming the field (else: any answer but a 5xx)
    unreadable: bool = False  # the body cannot be read at all: 422 naming the "body"


TEXT_CASES = [
    Case("lone surrogate", "\ud800", True),
    Case("lone low surrogate", "x\udfffx", True),
    Case("NUL", "a\x00b", True),
    Case("object for text", {"a": 1}, True),
    Case("list for text", ["a"], True),
    Case("huge text", "x" * HUGE, False),
]
NUMBER_CASES = [
    Case("NaN", float("nan"), True),
    Case("Infinity", float("inf"), True),
    Case("-Infinity", float("-inf"), True),
    Case("1e999", "__1E999__", True),
    Case("-1e999", "__-1E999__", True),
    Case("text for a number", "twelve", True),
    Case("object for a number", {}, True),
]
INTEGER_CASES = [
    *NUMBER_CASES,
    Case("2**70", 2**70, False),  # refused by a bound where there is one; never a 5xx
    Case("-2**70", -(2**70), False),
    Case("a fraction", 1.5, True),
]
BOOLEAN_CASES = [Case("text for true/false", "maybe", True), Case("list", [True], True)]
LIST_CASES = [
    Case("text for a list", "nope", True),
    Case("nested 10,000 deep", "__DEEP__", True, unreadable=True),
]
OBJECT_CASES = [
    Case("list for an object", [1], True),
    Case("nested 10,000 deep", "__DEEP__", True, unreadable=True),
]
KEY_CASES = [Case("surrogate key", "\ud800", True), Case("NUL key", "a\x00b", True)]

PATH_TEXT = [("NUL", "a%00b", True), ("huge", "x" * 5000, False), ("%-escapes", "%ED%A0%80", False)]
PATH_INTEGER = [
    ("NUL", "1%00", True),
    ("NaN", "NaN", True),
    ("Infinity", "Infinity", True),
    ("1e999", "1e999", True),
    ("2**70", str(2**70), True),
    ("text", "abc", True),
]
QUERY_TEXT = PATH_TEXT
QUERY_NUMBER = [*PATH_INTEGER, ("inf", "inf", True), ("-inf", "-inf", True)]


def valid_bodies(session: int) -> dict[tuple[str, str], Any]:
    """A valid body for every operation that takes one (a new one must be added here)."""
    answers = dict.fromkeys(QUESTION_IDS, False)
    return {
        ("post", "/api/v1/users"): {"email": "new@example.org", "password": PASSWORD},
        ("post", "/api/v1/auth/token"): {"email": EMAIL, "password": PASSWORD},
        ("post", "/api/v1/plan"): {"minutes": 10, "exclude": ["cat-cow"], "equipment": []},
        ("post", "/api/v1/screenings"): {"answers": answers, "age": 40},
        ("post", "/api/v1/sessions"): {"routine": "quick", "pain_before": 3},
        ("post", "/api/v1/sessions/{session_id}/events"): {
            "id": str(uuid.uuid4()), "kind": "pain", "at": 5.0, "value": 3,
            "exercise": "cat-cow", "reason": MARKER,
        },
        ("post", "/api/v1/checkins"): {"pain": 3},
        ("post", "/api/v1/users/me/password"): {
            "current_password": PASSWORD, "new_password": "another long passphrase",
        },
    }  # fmt: skip


# Operations whose documented call ends the sweeper's access: their bad inputs are sent (and
# refused before anything happens), their good call is not (the account tests make it).
ENDS_ACCESS = {
    ("delete", "/api/v1/users/me"),
    ("delete", "/api/v1/auth/token"),
    ("delete", "/api/v1/auth/tokens"),
    ("post", "/api/v1/users/me/password"),
}


PATH_VALUES = {"session_id": None, "exercise_id": "cat-cow", "routine_id": "quick"}


# --------------------------------------------------------------------------- the schema


class Schema:
    """The app's OpenAPI description: operations, parameters, and every slot of a body."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            schema = self.document["components"]["schemas"][name]
        return schema

    def options(self, schema: dict[str, Any]) -> list[dict[str, Any]]:
        """The non-null alternatives of a schema (``X | None`` is ``anyOf: [X, null]``)."""
        schema = self.resolve(schema)
        found = []
        for option in schema.get("anyOf", schema.get("oneOf", [schema])):
            option = self.resolve(option)
            if option.get("type") != "null":
                found.append(option)
        return found

    def types(self, schema: dict[str, Any]) -> set[str]:
        kinds = set()
        for option in self.options(schema):
            kind = option.get("type")
            if kind is None and "enum" in option:
                kind = "string"
            if kind is not None:
                kinds.add(kind)
        return kinds

    def slots(
        self, schema: dict[str, Any], path: tuple[Any, ...] = ()
    ) -> Iterator[tuple[tuple[Any, ...], set[str]]]:
        """Every place in a body that takes a value: (path, JSON types). A path is names, 0 (a
        list's first item), KEY (an object's keys) or a key name (its values)."""
        if path:
            yield path, self.types(schema)
        for option in self.options(schema):
            for name, sub in option.get("properties", {}).items():
                yield from self.slots(sub, (*path, name))
            if "items" in option:
                yield from self.slots(option["items"], (*path, 0))
            for i, sub in enumerate(option.get("prefixItems", [])[:1]):
                yield from self.slots(sub, (*path, i))
            extra = option.get("additionalProperties")
            if isinstance(extra, dict):
                yield (*path, KEY), {"key"}
                yield from self.slots(extra, (*path, "some-key"))

    def operations(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        for path, methods in self.document["paths"].items():
            if path.startswith("/api/"):
                for method, operation in methods.items():
                    yield method, path, operation

    def body_schema(self, operation: dict[str, Any]) -> dict[str, Any] | None:
        content = operation.get("requestBody", {}).get("content", {})
        found = content.get("application/json")
        return None if found is None else self.resolve(found["schema"])


def cases_for(types: set[str]) -> list[Case]:
    if "key" in types:
        return KEY_CASES
    if "string" in types:
        return TEXT_CASES
    if "integer" in types:
        return INTEGER_CASES
    if "number" in types:
        return NUMBER_CASES
    if "boolean" in types:
        return BOOLEAN_CASES
    if "array" in types:
        return LIST_CASES
    if "object" in types:
        return OBJECT_CASES
    raise AssertionError(f"a field of an unknown type {types}: add its bad inputs here")


def put(body: Any, path: tuple[Any, ...], value: Any) -> Any:
    """``body`` with ``value`` at ``path`` (containers made on the way, as the schema says)."""
    body = copy.deepcopy(body)
    if body is None:
        body = {}
    node = body
    for step, after in zip(path, (*path[1:], None), strict=True):
        last = after is None
        if step == KEY:  # replace the object's keys by one bad key, keeping a value
            values = list(node.values()) if isinstance(node, dict) else []
            node.clear()
            node[value] = values[0] if values else True
            return body
        if after == KEY:
            child = node.get(step)
            node[step] = dict(child) if isinstance(child, dict) else {"x": True}
            node = node[step]
            continue
        if isinstance(step, int):
            if not isinstance(node, list):
                raise AssertionError(f"not a list at {path}")
            if not node:
                node.append(None)
            if last:
                node[step] = value
            else:
                node[step] = node[step] if isinstance(node[step], dict | list) else {}
                node = node[step]
            continue
        if last:
            node[step] = value
        else:
            child = node.get(step)
            if not isinstance(child, dict | list):
                child = [] if isinstance(after, int) else {}
                node[step] = child
            node = child
    return body


def dumps(body: Any) -> bytes:
    """JSON as a client might send it: NaN/Infinity tokens, escapes for surrogates and NUL."""
    text = json.dumps(body, allow_nan=True)  # ensure_ascii: "\ud800" and "\u0000" as escapes
    for token, raw in RAW.items():
        text = text.replace(f'"{token}"', raw)
    return text.encode("ascii")


def expected_field(path: tuple[Any, ...]) -> str:
    if path[-1] == KEY:
        path = path[:-1]
    return ".".join(str(step) for step in path)


# --------------------------------------------------------------------------- checking answers


@dataclass
class Sweep:
    client: httpx.Client
    headers: dict[str, str]
    session: int
    tried: int = 0
    wrong: list[str] = field(default_factory=list)

    def check(
        self, method: str, url: str, what: str, *, refused: bool, field: str | None, **kw: Any
    ) -> None:
        """One request; what is wrong with its answer is collected (all are shown at the end)."""
        self.tried += 1
        try:
            answer = self.client.request(method.upper(), url, headers=self.headers, **kw)
        except Exception as error:  # in-process, an error no handler answered (a 500)
            self.wrong.append(f"{method.upper()} {url[:80]} ({what}): raised {error!r:.200}")
            return
        problem = self.problem(answer, refused=refused, field=field)
        if problem:
            self.wrong.append(f"{method.upper()} {url[:80]} ({what}): {problem}")

    @staticmethod
    def problem(answer: httpx.Response, *, refused: bool, field: str | None) -> str | None:
        said = f"{answer.status_code} {answer.text[:200]}"
        if answer.status_code >= 500:
            return said
        if answer.status_code >= 400 and "json" in answer.headers.get("content-type", ""):
            problem = answer.json()
            if set(problem) != SHAPE:
                return f"not the one shape: {said}"
            if "\n" in problem["detail"] or len(problem["detail"]) > 400:
                return f"not one short line: {said}"
        if refused and (answer.status_code != 422 or answer.json()["field"] != field):
            return f"expected 422 naming {field!r}: {said}"
        return None


def sweep(
    client: httpx.Client, headers: dict[str, str], session: int, *, strict: bool = True
) -> int:
    """Every operation and field with every bad input; the number of requests made. ``strict``:
    fail on any wrong answer (else only make the requests: the log test reads the log)."""
    schema = Schema(client.get("/openapi.json").json())
    bodies = valid_bodies(session)
    run = Sweep(client, {**headers, "content-type": "application/json"}, session)
    operations = list(schema.operations())
    assert len(operations) >= 20
    for method, template, operation in operations:
        parameters = operation.get("parameters", [])
        values = {**PATH_VALUES, "session_id": session}
        base = template.format(**{p["name"]: values[p["name"]] for p in parameters
                                  if p["in"] == "path"})  # fmt: skip
        body = bodies.get((method, template))
        body_schema = schema.body_schema(operation)
        assert (body_schema is None) == (body is None), (
            f"{method.upper()} {template}: add a valid body to valid_bodies()"
        )
        content = {} if body is None else {"content": dumps(fresh(body))}
        if (method, template) not in ENDS_ACCESS:
            run.check(method, base, "as documented", refused=False, field=None, **content)

        for parameter in parameters:
            name, where = parameter["name"], parameter["in"]
            kinds = schema.types(parameter["schema"])
            numeric = bool(kinds & {"integer", "number"})
            bad = (
                (PATH_INTEGER if where == "path" else QUERY_NUMBER) if numeric
                else (PATH_TEXT if where == "path" else QUERY_TEXT)
            )  # fmt: skip
            for what, raw, refused in bad:
                if where == "path":
                    url = template.format(**{**{p["name"]: values[p["name"]] for p in parameters
                                                if p["in"] == "path"}, name: raw})  # fmt: skip
                else:
                    url = f"{base}?{name}={raw}"
                run.check(method, url, f"{name}: {what}", refused=refused, field=name, **content)

        if body_schema is None:
            continue
        slots = list(schema.slots(body_schema))
        assert slots, f"{template}: a body with no fields?"
        for path, kinds in slots:
            for case in cases_for(kinds):
                sent = dumps(put(fresh(body), path, case.value))
                run.check(
                    method, base, f"{expected_field(path)}: {case.name}",
                    refused=case.refused, content=sent,
                    field="body" if case.unreadable else expected_field(path),
                )  # fmt: skip
        for what, raw in [
            ("nested 10,000 deep", RAW["__DEEP__"]),
            ("a list for the body", "[1, 2]"),
            ("not JSON", "{"),
            ("an integer of 5,000 digits", '{"x": ' + "9" * 5000 + "}"),
        ]:
            run.check(method, base, what, refused=True, field="body", content=raw.encode())
    shown = "\n".join(run.wrong[:40])
    assert not (strict and run.wrong), (
        f"{len(run.wrong)} of {run.tried} answers are wrong:\n{shown}"
    )
    return run.tried


def fresh(body: Any) -> Any:
    """A body with new client-made ids (an event id used once stays used)."""
    body = copy.deepcopy(body)
    if isinstance(body, dict) and "id" in body:
        body["id"] = str(uuid.uuid4())
    return body


def prepared(client: httpx.Client) -> tuple[dict[str, str], int]:
    """A signed-up, screened person with a session: their bearer header and the session's id."""
    user = User(client, EMAIL)  # type: ignore[arg-type]
    user.screen_ok()
    return user.headers, int(user.start()["id"])


# --------------------------------------------------------------------------- the tests


def test_every_operation_and_field_refuses_bad_input_in_the_one_shape(
    client: TestClient,
) -> None:
    """In-process on SQLite and PostgreSQL (the ``client`` fixture's two backends)."""
    headers, session = prepared(client)
    tried = sweep(client, headers, session)
    assert tried > 300


def test_without_a_token_every_operation_answers_401_or_its_public_answer(
    client: TestClient,
) -> None:
    schema = Schema(client.get("/openapi.json").json())
    public = {"/api/v1/rules", "/api/v1/screening-questions", "/api/v1/users", "/api/v1/auth/token"}
    for method, template, _ in schema.operations():
        url = template.format(session_id=1, exercise_id="cat-cow", routine_id="quick")
        for headers in ({}, {"Authorization": "Bearer " + "x" * 5000},
                        {"Authorization": "Bearer a\u00e9\u00ff".encode("latin-1")}):  # fmt: skip
            answer = client.request(method.upper(), url, headers=headers, json={})
            assert answer.status_code < 500, (method, template, answer.text)
            if template not in public:
                assert answer.status_code == 401, (method, template, answer.status_code)
                assert set(answer.json()) == SHAPE


def asgi_get(app: FastAPI, path: str, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    """One GET straight into the app with ``path`` as the server hands it over, for what no
    URL can carry through an HTTP client (a lone surrogate decoded into the path)."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": path, "raw_path": path.encode("utf-8", "surrogatepass"),
        "root_path": "", "query_string": b"", "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }  # fmt: skip
    asyncio.run(app(scope, receive, send))  # type: ignore[arg-type]
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], json.loads(body)


def test_a_lone_surrogate_or_a_nul_in_a_path_id_is_refused_naming_it(client: TestClient) -> None:
    headers, _ = prepared(client)
    app: FastAPI = client.app  # type: ignore[assignment]
    for path, name in [
        ("/api/v1/exercises/\ud800", "exercise_id"),
        ("/api/v1/exercises/cat\x00cow", "exercise_id"),
        ("/api/v1/exercises/\udcff/figure.svg", "exercise_id"),
        ("/api/v1/routines/quick\ud800/timeline", "routine_id"),
        ("/api/v1/sessions/1\ud800", "session_id"),
    ]:
        status, problem = asgi_get(app, path, headers)
        assert (status, problem["field"], problem["kind"]) == (422, name, "invalid"), path


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ('{"id": "%s", "kind": "pain", "at": NaN}', "at", "finite"),
        ('{"id": "%s", "kind": "pain", "at": Infinity}', "at", "finite"),
        ('{"id": "%s", "kind": "pain", "at": -Infinity}', "at", "finite"),
        ('{"id": "%s", "kind": "pain", "at": 1e999}', "at", "finite"),
        ('{"id": "%s", "kind": "pain", "exercise": "\\ud800"}', "exercise", "lone surrogate"),
        ('{"id": "%s", "kind": "stop", "reason": "a\\u0000b"}', "reason", "NUL"),
        ('{"id": "%s", "kind": "pain", "exercise": "cat\\u0000cow"}', "exercise", "NUL"),
        ('{"id": "%s", "kind": "pain", "exercise": "' + "x" * 101 + '"}', "exercise", "at most 100 characters"),
    ],
)  # fmt: skip
def test_the_events_endpoint_names_the_field_and_what_is_wrong(
    alice: User, body: str, field: str, words: str
) -> None:
    alice.screen_ok()
    session = alice.start()["id"]
    answer = alice.client.post(
        f"/api/v1/sessions/{session}/events",
        content=(body % uuid.uuid4()).encode(),
        headers={**alice.headers, "content-type": "application/json"},
    )
    assert answer.status_code == 422
    assert answer.json()["field"] == field
    assert answer.json()["kind"] == "invalid"
    assert words in answer.json()["detail"]
    assert len(alice.get(f"/api/v1/sessions/{session}").json()["events"]) == 0


@pytest.mark.parametrize(
    ("email", "password", "field"),
    [
        ("a\\u0000@example.org", PASSWORD, "email"),
        ("a\\ud800@example.org", PASSWORD, "email"),
        ("a@example.org", PASSWORD + "\\ud800", "password"),
        ("a@example.org", PASSWORD + "\\u0000", "password"),
    ],
)
def test_sign_up_and_sign_in_refuse_nul_and_surrogates(
    client: TestClient, email: str, password: str, field: str
) -> None:
    body = f'{{"email": "{email}", "password": "{password}"}}'  # the escapes as JSON text
    for path in ("/api/v1/users", "/api/v1/auth/token"):
        answer = client.post(
            path, content=body.encode(), headers={"content-type": "application/json"}
        )
        assert (answer.status_code, answer.json()["field"]) == (422, field), answer.text


def test_an_answer_never_repeats_what_it_cannot_print(alice: User) -> None:
    """A value a service quotes back (``no exercise '...'``) is escaped and cut short."""
    answer = alice.post("/api/v1/plan", {"exclude": ["x" * HUGE]})
    assert answer.status_code == 422
    assert len(answer.json()["detail"]) <= 300
    answer = alice.get("/api/v1/exercises/tab%09here")
    assert answer.status_code == 404
    assert "\t" not in answer.json()["detail"]
    assert "\\t" in answer.json()["detail"]


# --------------------------------------------------------------------------- the log


def test_an_unexpected_error_is_a_500_in_the_one_shape_and_one_bare_log_line(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    app = create_app(f"sqlite:///{tmp_path / 'journal.sqlite3'}")

    @app.get("/api/v1/boom/{secret}")
    def boom(secret: str) -> None:
        raise RuntimeError(f"alice@example.org {secret} pain_before=7")

    @app.get("/boom-page")
    def boom_page() -> None:
        raise KeyError("alice@example.org")

    with TestClient(app) as client:
        capfd.readouterr()
        answer = client.get("/api/v1/boom/hunter2")
        page = client.get("/boom-page")
    assert answer.status_code == 500
    assert answer.json() == {
        "detail": "Something went wrong on our side; it has been logged. Try again later.",
        "kind": "internal",
        "field": None,
    }
    assert answer.headers["X-Content-Type-Options"] == "nosniff"  # the security headers too
    assert page.status_code == 500
    assert "text/html" in page.headers["content-type"]
    assert "alice" not in page.text
    log = capfd.readouterr()
    lines = (log.out + log.err).splitlines()
    assert lines == [
        "bedstretch serve: internal error RuntimeError in GET /api/v1/boom/{secret}",
        "bedstretch serve: internal error KeyError in GET /boom-page",
    ]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_sql_parameters_never_appear_in_an_error(backend: str, tmp_path: Path) -> None:
    import sqlalchemy as sa

    from bedstretch.journal.engine import create_engine

    for url in (
        [f"sqlite:///{tmp_path / 'x.sqlite3'}"] if backend == "sqlite" else postgres_database()
    ):
        engine = create_engine(url)
        try:
            with pytest.raises(sa.exc.DBAPIError) as raised, engine.connect() as connection:
                connection.execute(
                    sa.text("INSERT INTO nowhere (email, pain) VALUES (:email, :pain)"),
                    {"email": "alice@example.org", "pain": 987654321},
                )
        finally:
            engine.dispose()
        shown = str(raised.value)
        assert "alice@example.org" not in shown
        assert "987654321" not in shown
        assert "hidden" in shown


ALLOWED_LOG = [
    r"bedstretch: serving on http://127\.0\.0\.1:\d+/ \(Ctrl-C stops\)",
    r"bedstretch serve: internal error \w+ in [A-Z]+ [/\w{}.-]+",
    r"bedstretch serve: journal at [\w+:/@.-]+: [^@]*",
]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_servers_log_holds_no_email_password_token_or_health_data(
    backend: str, tmp_path: Path
) -> None:
    """A real ``bedstretch serve`` takes the whole sweep; its log is then read line by line."""
    urls = [f"sqlite:///{tmp_path / 'j.sqlite3'}"] if backend == "sqlite" else postgres_database()
    for url in urls:
        with serve(url, tmp_path) as base, httpx.Client(base_url=base, timeout=30) as client:
            headers, session = prepared(client)
            token = headers["Authorization"].removeprefix("Bearer ")
            sweep(client, headers, session, strict=False)  # the answers: the test above
            # the health data the sweep does not send as bad input, sent well-formed
            client.post("/api/v1/checkins", json={"pain": 9, "peg": [7, 7, 7]}, headers=headers)
    log = "".join(p.read_text() for p in tmp_path.glob("serve-*.log"))
    for secret in (EMAIL, PASSWORD, token, MARKER, "new@example.org", "pain_before", "argon2"):
        assert secret not in log, f"{secret!r} is in the server's log:\n{log[-3000:]}"
    for line in log.splitlines():
        assert any(re.fullmatch(p, line) for p in ALLOWED_LOG), f"unexpected log line: {line!r}"
