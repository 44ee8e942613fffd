"""The journal's errors, in the kinds of ``bedstretch.core.errors`` (no SQLAlchemy here).

- ``JournalError`` (an ``Unavailable``): the journal cannot be used: a bad URL, a missing
  driver, a server that does not answer, a database fault. Trying again may help.
- ``NotFound`` (``core.errors``): no such record of this person ("no session N in the
  journal"). Never raised for a fault: a failed read is a ``JournalError``.
- ``TakenError`` (a ``Conflict``): a stable id (uid) is already used by another record.
- ``Invalid`` (``core.errors``, also a ``ValueError``): a bad value, naming its field.
"""

from __future__ import annotations

from bedstretch.core.errors import Conflict, Unavailable

__all__ = ["JournalError", "TakenError", "first_line"]


class JournalError(Unavailable):
    """The journal cannot be used; the message is one line: what is wrong and what to do."""


class TakenError(Conflict):
    """A record's stable id (uid) is already used by another record."""


def first_line(error: BaseException) -> str:
    """The first line of an error's cause (a database driver's message can run to many)."""
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines()
    return lines[0].strip() if lines else type(cause).__name__
