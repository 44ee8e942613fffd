"""One error model for the whole program: a base error and a few kinds.

Every layer raises these (the core, the catalog, the journal, the services); each door maps them
once: the CLI prints one line and exits 2 (3 when a safety rule blocks), the JSON API answers one
JSON shape with the kind's status, the pages show one error page. The message is one line saying
what is wrong; ``field`` names the input at fault when there is one (the door turns it into its
own name for it: ``--exclude`` on the command line, ``exclude`` in JSON).

A database that cannot be reached or fails is ``Unavailable``, never ``NotFound``: a client may
retry the one, and must not retry the other.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorKind(StrEnum):
    INVALID = "invalid"  # bad input: CLI 2, HTTP 422
    NOT_FOUND = "not_found"  # no such record (or not yours): CLI 2, HTTP 404
    CONFLICT = "conflict"  # the request clashes with what is stored: CLI 2, HTTP 409
    BLOCKED = "blocked"  # a safety rule says no: CLI 3, HTTP 409
    UNAVAILABLE = "unavailable"  # storage (or another part) is not working now: CLI 2, HTTP 503
    UNAUTHENTICATED = "unauthenticated"  # sign in first: HTTP 401
    FORBIDDEN = "forbidden"  # signed in, but this request may not be made (CSRF): HTTP 403
    RATE_LIMITED = "rate_limited"  # too many attempts: HTTP 429


class BedstretchError(Exception):
    """The base of our own errors: ``message`` says what is wrong, ``field`` where (or None).

    ``str(error)`` is the one line ``field: message``; a door that names the field its own way
    (``--minutes`` on the command line) asks for ``error.located("--minutes")``.
    """

    kind: ErrorKind = ErrorKind.INVALID

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.located()

    def located(self, name: str | None = None) -> str:
        """The message with the field in front, under the door's ``name`` for it (if any)."""
        where = name or self.field
        return f"{where}: {self.message}" if where else self.message


class Invalid(BedstretchError, ValueError):
    """Bad input; ``field`` names it. (A ValueError too, for code that checks values.)"""

    kind = ErrorKind.INVALID


class NotFound(BedstretchError):
    kind = ErrorKind.NOT_FOUND


class Conflict(BedstretchError):
    kind = ErrorKind.CONFLICT


class Blocked(BedstretchError):
    """A safety rule stops this: the message says why and what to do."""

    kind = ErrorKind.BLOCKED

    def __init__(
        self, message: str, *, field: str | None = None, needs_screening: bool = False
    ) -> None:
        super().__init__(message, field=field)
        self.needs_screening = needs_screening


class Unavailable(BedstretchError):
    """Something we depend on (the journal's database) is not working; trying again may help."""

    kind = ErrorKind.UNAVAILABLE


class Unauthenticated(BedstretchError):
    kind = ErrorKind.UNAUTHENTICATED


class Forbidden(BedstretchError):
    kind = ErrorKind.FORBIDDEN


class RateLimited(BedstretchError):
    kind = ErrorKind.RATE_LIMITED

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


EXIT_CODES = {ErrorKind.BLOCKED: 3}  # every other kind: 2
HTTP_STATUS = {
    ErrorKind.INVALID: 422,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.CONFLICT: 409,
    ErrorKind.BLOCKED: 409,
    ErrorKind.UNAVAILABLE: 503,
    ErrorKind.UNAUTHENTICATED: 401,
    ErrorKind.FORBIDDEN: 403,
    ErrorKind.RATE_LIMITED: 429,
}


def exit_code(error: BedstretchError) -> int:
    return EXIT_CODES.get(error.kind, 2)
