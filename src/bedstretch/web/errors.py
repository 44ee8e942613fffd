"""The web's one error mapping: our errors (``bedstretch.core.errors``) as HTTP answers.

The JSON API answers every error in one shape, ``Problem``: ``{"detail": one line, "kind": the
error's kind, "field": the input at fault or null}``, with the kind's status (422, 404, 409, 503,
401, 403, 429). Pages show one error page instead (signed out: the sign-in page). A database
fault is 503 with Retry-After, its cause written to the server's log, never to the client.

Nothing a request sent is repeated raw: an answer that names a value (``no exercise '...'``) shows
it through ``fields.printable`` (control characters and lone surrogates escaped, long values
cut), so no input can make an answer unwritable. Anything else that goes wrong is ``LastResort``'s:
a 500 in the same shape with a generic detail, and one log line naming only the exception's type,
the method and the route's template (never a path id, a value, a traceback or an SQL parameter).
"""

from __future__ import annotations

import sys
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bedstretch.core.errors import (
    HTTP_STATUS,
    BedstretchError,
    ErrorKind,
    RateLimited,
    Unavailable,
)
from bedstretch.web.fields import printable

RETRY_AFTER = "5"  # seconds, for a database that went away
UNAVAILABLE = "The journal is not available just now: try again in a moment."
INTERNAL = "Something went wrong on our side; it has been logged. Try again later."
INTERNAL_KIND = "internal"  # a 500: not one of our errors, a fault of ours
KIND_OF_STATUS = {
    404: ErrorKind.NOT_FOUND,
    401: ErrorKind.UNAUTHENTICATED,
    403: ErrorKind.FORBIDDEN,
}


class Problem(BaseModel):
    """Every API error: what is wrong (one line), its kind, and the field at fault."""

    detail: str
    kind: str
    field: str | None = None


PROBLEM = {"model": Problem}
RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {**PROBLEM, "description": "Sign in, or send a bearer token."},
    403: {**PROBLEM, "description": "A cookie-authenticated call without its CSRF token."},
    404: {**PROBLEM, "description": "No such record (or not yours)."},
    409: {**PROBLEM, "description": "A conflict, or a safety rule that blocks (kind: blocked)."},
    422: {**PROBLEM, "description": "Invalid input; `field` names it."},
    429: {**PROBLEM, "description": "Too many attempts; see Retry-After."},
    503: {**PROBLEM, "description": "The journal is not available; retry after Retry-After."},
    500: {**PROBLEM, "description": "A fault of ours (kind: internal), logged without details."},
}


def sentence(text: str) -> str:
    return text if text[-1:] in ".!?" else text + "."


def _headers(error: BedstretchError) -> dict[str, str]:
    if isinstance(error, RateLimited):
        return {"Retry-After": str(error.retry_after)}
    if isinstance(error, Unavailable):
        return {"Retry-After": RETRY_AFTER}
    if error.kind is ErrorKind.UNAUTHENTICATED:
        return {"WWW-Authenticate": "Bearer"}
    return {}


def log(line: str) -> None:
    """One line in the server's log (standard error), printable whatever it quotes."""
    print(f"bedstretch serve: {printable(line, 1000)}", file=sys.stderr, flush=True)


def _field(field: str | None) -> str | None:
    return None if field is None else printable(field, 100)


def problem(error: BedstretchError) -> JSONResponse:
    """The API's answer to one of our errors."""
    detail = printable(sentence(error.located()))
    if isinstance(error, Unavailable):
        log(str(error))  # the cause: our log only
        detail = UNAVAILABLE
    body = Problem(detail=detail, kind=error.kind.value, field=_field(error.field))
    return JSONResponse(
        body.model_dump(), status_code=HTTP_STATUS[error.kind], headers=_headers(error)
    )


_WHERE = ("body", "query", "path", "header", "cookie")


def _message(found: dict[str, Any]) -> str:
    """Pydantic's message for one problem, in our words where its own would mislead."""
    kind, context = found.get("type"), found.get("ctx") or {}
    if kind == "string_unicode":
        return "must be valid Unicode text (it has a lone surrogate)"
    if kind == "json_invalid":
        why = str(context.get("error", "malformed")).removesuffix(" at")
        at = found.get("loc", ())[-1:]
        return f"not valid JSON: {why[:1].lower() + why[1:]}" + (
            f" (at character {at[0]})" if at and isinstance(at[0], int) else ""
        )
    if kind in ("too_long", "too_short") and context.get("field_type") == "Value":
        # a length limit on ``fields.Text`` (pydantic checks it after the text check)
        bound = "at most" if kind == "too_long" else "at least"
        limit = context.get("max_length" if kind == "too_long" else "min_length")
        return f"must be {bound} {limit} characters, not {context.get('actual_length')}"
    message = str(found.get("msg", "invalid")).rstrip(".")
    return message[:1].lower() + message[1:]


def _location(loc: tuple[Any, ...], kind: object) -> str | None:
    """The field's name from pydantic's location: ``plan.minutes``, ``exclude.0``; a bad key of
    an object is named by the object (``answers``); a JSON syntax error is the ``body``."""
    if kind == "json_invalid" or loc == ("body",):
        return "body"
    parts = list(loc)
    if parts and parts[0] in _WHERE:
        parts = parts[1:]
    if parts and parts[-1] == "[key]":
        parts = parts[:-2]
    return ".".join(printable(str(part), 100) for part in parts) or None


def invalid_request(error: RequestValidationError) -> JSONResponse:
    """FastAPI's checks of a request, in the same shape: the first problem, in one line. It is
    built from pydantic's location, type and message only: never from the input itself."""
    found = error.errors()
    first = found[0] if found else {"loc": (), "msg": "invalid request"}
    field = _location(tuple(first.get("loc", ())), first.get("type"))
    message = _message(first)
    if tuple(first.get("loc", ()))[-1:] == ("[key]",):
        message = f"a key {message}" if message.startswith("must") else f"a key: {message}"
    detail = printable(sentence(f"{field}: {message}" if field else message))
    return JSONResponse(Problem(detail=detail, kind="invalid", field=field).model_dump(), 422)


def _unreadable(cause: BaseException | None) -> str:
    """Why a body could not be read (FastAPI answers 400 "error parsing the body")."""
    if isinstance(cause, RecursionError):
        return "nested too deeply to read"
    if isinstance(cause, UnicodeDecodeError):
        return "not UTF-8 text"
    if isinstance(cause, ValueError):
        return "not valid JSON (a number too long, or another value that cannot be read)"
    return "could not be read"


def http_problem(error: HTTPException) -> JSONResponse:
    """Starlette's own answers (an unknown path, a wrong method) in the same shape. A body that
    cannot be read at all (nested thousands deep, not UTF-8, a number of thousands of digits) is
    invalid input like any other: 422 naming the ``body``, not FastAPI's bare 400."""
    if error.status_code == 400:
        detail = sentence(f"body: {_unreadable(error.__cause__)}")
        return JSONResponse(Problem(detail=detail, kind="invalid", field="body").model_dump(), 422)
    kind = KIND_OF_STATUS.get(error.status_code, ErrorKind.INVALID)
    body = Problem(detail=printable(sentence(str(error.detail))), kind=kind.value)
    return JSONResponse(body.model_dump(), error.status_code, headers=error.headers)


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def page_error(request: Request, error: BedstretchError) -> Response:
    """A page's answer to one of our errors: the sign-in page, or the one error page."""
    if error.kind is ErrorKind.UNAUTHENTICATED:
        return RedirectResponse("/signin", status_code=303)
    from bedstretch.web.auth import session_secret
    from bedstretch.web.templating import render

    message = printable(error.message)
    if isinstance(error, Unavailable):
        log(str(error))
        message = UNAVAILABLE
    titles = {
        ErrorKind.NOT_FOUND: "Not found",
        ErrorKind.UNAVAILABLE: "Not available",
        ErrorKind.FORBIDDEN: "Form expired",
        ErrorKind.BLOCKED: "Not now",
    }
    page = render(
        request,
        "error.html",
        titles.get(error.kind, "Something is not right"),
        status=HTTP_STATUS[error.kind],
        message=sentence(message[:1].upper() + message[1:]),
        signed_in=session_secret(request) is not None,
    )
    page.headers.update(_headers(error))
    return page


class LastResort:
    """Pure ASGI middleware, outside every other: an exception nothing else answered becomes a
    500 in the one shape (the one error page for pages) with a generic detail, and one log line
    with only the exception's type, the method and the route's template, e.g.
    ``bedstretch serve: internal error KeyError in POST /api/v1/sessions/{session_id}/events``.

    It does not re-raise: the server would log the traceback, and a traceback quotes values (an
    email, a pain rating, an SQL statement's parameters)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, send_tracked)
        except Exception as error:
            route = getattr(scope.get("route"), "path", None) or "(no route)"
            log(f"internal error {type(error).__name__} in {scope.get('method', '?')} {route}")
            if started:
                return  # the answer is on its way: the client sees it cut short
            await _internal(Request(scope))(scope, receive, send)


def _internal(request: Request) -> Response:
    """The answer to an error nothing else answered: the one shape, or the one error page."""
    if is_api(request):
        return JSONResponse(Problem(detail=INTERNAL, kind=INTERNAL_KIND).model_dump(), 500)
    try:
        from bedstretch.web.auth import session_secret
        from bedstretch.web.templating import render

        signed_in = session_secret(request) is not None
        return render(
            request,
            "error.html",
            "Something went wrong",
            status=500,
            message=INTERNAL,
            signed_in=signed_in,
        )
    except Exception:  # the page itself cannot be made: plain words, still no details
        return Response(INTERNAL, 500, media_type="text/plain; charset=utf-8")
