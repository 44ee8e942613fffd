"""The web app in-process (FastAPI's TestClient) on a real SQLite file and a real PostgreSQL."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bedstretch.core.safety import QUESTION_IDS
from bedstretch.web.app import create_app
from tests.journal.conftest import postgres_database

PASSWORD = "correct horse battery"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'journal.sqlite3'}"
    else:
        yield from postgres_database()


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(db_url)) as test_client:
        yield test_client


class User:
    """A signed-up account with a bearer token."""

    def __init__(self, client: TestClient, email: str) -> None:
        self.client = client
        self.email = email
        assert (
            client.post("/api/v1/users", json={"email": email, "password": PASSWORD}).status_code
            == 201
        )
        answer = client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
        assert answer.status_code == 200, answer.text
        self.headers = {"Authorization": f"Bearer {answer.json()['access_token']}"}

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(path, headers=self.headers, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.client.post(path, json=body, headers=self.headers, **kw)

    def delete(self, path: str) -> Any:
        return self.client.delete(path, headers=self.headers)

    def screen_ok(self) -> None:
        answers = dict.fromkeys(QUESTION_IDS, False)
        assert self.post("/api/v1/screenings", {"answers": answers, "age": 40}).status_code == 201

    def start(self, routine: str = "quick", pain_before: int = 3) -> dict[str, Any]:
        answer = self.post("/api/v1/sessions", {"routine": routine, "pain_before": pain_before})
        assert answer.status_code == 201, answer.text
        return answer.json()  # type: ignore[no-any-return]

    def event(self, session: int, kind: str, **fields: Any) -> Any:
        body = {"id": str(uuid.uuid4()), "kind": kind, "at": 1.0, **fields}
        return self.post(f"/api/v1/sessions/{session}/events", body)


@pytest.fixture
def alice(client: TestClient) -> User:
    return User(client, "alice@example.org")


@pytest.fixture
def bob(client: TestClient) -> User:
    return User(client, "bob@example.org")


def dumps(value: Any) -> str:
    return json.dumps(value)
