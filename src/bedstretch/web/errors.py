"""The web's one error mapping: our errors (``bedstretch.core.errors``) as HTTP answers.

The JSON API answers every error in one shape, ``Problem``: ``{"detail": one line, "kind": the
error's kind, "field": the input at fault or null}``, with the kind's status (422, 404, 409, 503,
401, 403, 429). Pages show one error page instead (signed out: the sign-in page). A database
fault is 503 with Retry-After, its cause written to the server's log, never to the client.
"""

from __future__ import annotations

import sys
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from bedstretch.core.errors import (
    HTTP_STATUS,
    BedstretchError,
    ErrorKind,
    RateLimited,
    Unavailable,
)

RETRY_AFTER = "5"  # seconds, for a database that went away
UNAVAILABLE = "The journal is not available just now: try again in a moment."
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


def problem(error: BedstretchError) -> JSONResponse:
    """The API's answer to one of our errors."""
    detail = sentence(error.located())
    if isinstance(error, Unavailable):
        print(f"bedstretch serve: {error}", file=sys.stderr, flush=True)  # the cause: our log only
        detail = UNAVAILABLE
    body = Problem(detail=detail, kind=error.kind.value, field=error.field)
    return JSONResponse(
        body.model_dump(), status_code=HTTP_STATUS[error.kind], headers=_headers(error)
    )


def invalid_request(error: RequestValidationError) -> JSONResponse:
    """FastAPI's checks of a request, in the same shape: the first problem, in one line."""
    first = error.errors()[0] if error.errors() else {"loc": (), "msg": "invalid request"}
    where = [str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path")]
    field = ".".join(where) or None
    message = str(first.get("msg", "invalid")).rstrip(".")
    message = message[:1].lower() + message[1:]
    detail = sentence(f"{field}: {message}" if field else message)
    return JSONResponse(Problem(detail=detail, kind="invalid", field=field).model_dump(), 422)


def http_problem(error: HTTPException) -> JSONResponse:
    """Starlette's own answers (an unknown path, a wrong method) in the same shape."""
    kind = KIND_OF_STATUS.get(error.status_code, ErrorKind.INVALID)
    body = Problem(detail=sentence(str(error.detail)), kind=kind.value)
    return JSONResponse(body.model_dump(), error.status_code, headers=error.headers)


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def page_error(request: Request, error: BedstretchError) -> Response:
    """A page's answer to one of our errors: the sign-in page, or the one error page."""
    if error.kind is ErrorKind.UNAUTHENTICATED:
        return RedirectResponse("/signin", status_code=303)
    from bedstretch.web.auth import SESSION_COOKIE
    from bedstretch.web.templating import render

    message = error.message
    if isinstance(error, Unavailable):
        print(f"bedstretch serve: {error}", file=sys.stderr, flush=True)
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
        signed_in=SESSION_COOKIE in request.cookies,
    )
    page.headers.update(_headers(error))
    return page
