"""The journal's errors, in the kinds of ``bedstretch.core.errors`` (no SQLAlchemy here).

- ``JournalError`` (an ``Unavailable``): the journal cannot be used: a bad URL, a missing
  driver, a server that does not answer, a database fault. Trying again may help.
- ``NotFound`` (``core.errors``): no such record of this person ("no session N in the
  journal"). Never raised for a fault: a failed read is a ``JournalError``.
- ``TakenError`` (a ``Conflict``): a stable id (uid) is already used by another record.
- ``Invalid`` (``core.errors``, also a ``ValueError``): a bad value, naming its field.
"""

from __future__ import annotations

import errno

from bedstretch.core.errors import Conflict, Unavailable

__all__ = ["DISK_FULL", "JournalError", "TakenError", "first_line"]


class JournalError(Unavailable):
    """The journal cannot be used; the message is one line: what is wrong and what to do."""


class TakenError(Conflict):
    """A record's stable id (uid) is already used by another record."""


DISK_FULL = "the disk is full: free some space, then try again"


def first_line(error: BaseException) -> str:
    """The first line of an error's cause (a database driver's message can run to many); a full
    disk is said in plain words, whichever database or layer noticed it."""
    cause = getattr(error, "orig", None) or error
    if _disk_full(cause):
        return DISK_FULL
    lines = str(cause).strip().splitlines()
    line = lines[0].strip() if lines else type(cause).__name__
    if getattr(cause, "sqlite_errorname", "").startswith("SQLITE_IOERR"):
        return f"{line} (the disk may be full or failing)"
    return line


def _disk_full(cause: BaseException) -> bool:
    """SQLite's SQLITE_FULL ("database or disk is full"), PostgreSQL's disk_full (53100), or
    the system's ENOSPC."""
    if getattr(cause, "sqlite_errorname", None) == "SQLITE_FULL":
        return True
    if getattr(cause, "sqlstate", None) == "53100":
        return True
    return isinstance(cause, OSError) and cause.errno == errno.ENOSPC
