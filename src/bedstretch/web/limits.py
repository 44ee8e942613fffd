"""Limits on what one request may cost: the size of its body.

``BodyLimit`` is pure ASGI middleware: a body larger than ``MAX_BODY`` is answered 413 in the
API's one error shape (``{"detail", "kind": "invalid", "field": null}``), whether it says so in
``Content-Length`` (answered before a byte of it is read) or arrives without one (chunked):
the bytes are counted as they arrive and reading stops at the limit, so a 100 MB body is never
held in memory or parsed. Every request of the API and the pages is a few kilobytes; the
largest, an event or a screening, is under 4 KB.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["MAX_BODY", "BodyLimit", "BodyTooLarge"]

MAX_BODY = 256 * 1024  # bytes
TOO_LARGE = f"The request body is larger than {MAX_BODY // 1024} KB."


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` past the limit: the app's HTTPException handler answers it (in
    the one shape); should nothing have, the middleware does."""

    def __init__(self) -> None:
        super().__init__(413, TOO_LARGE, headers={"Connection": "close"})


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _answer(scope: Scope, send: Send) -> None:
    from bedstretch.web.errors import http_problem

    await http_problem(BodyTooLarge())(scope, _no_body, send)


async def _no_body() -> Message:  # pragma: no cover - a JSON answer never reads the request
    return {"type": "http.disconnect"}


class BodyLimit:
    def __init__(self, app: ASGIApp, limit: int = MAX_BODY) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        if declared is not None and declared > self.limit:
            await _answer(scope, send)
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge()
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            if started:
                raise
            await _answer(scope, send)
