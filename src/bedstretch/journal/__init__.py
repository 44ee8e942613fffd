"""The journal: screenings, sessions, their steps and events, in SQLite or PostgreSQL.

One code path (SQLAlchemy Core) for both. ``open_journal(url)`` connects, brings the schema up to
date (Alembic, imported only when there is something to migrate) and returns a ``Journal`` whose
methods take and return the plain records of ``bedstretch.core.records``. Every write is its own
short transaction, committed before the method returns. Timestamps must be timezone-aware; they
are stored in UTC and come back aware, in UTC.

A ``Journal`` is scoped to one person: ``user_id`` None is the terminal's own person (the CLI),
a number a web account; ``journal.for_user(user_id)`` is a view of the same database for another
person. Accounts, sign-in tokens and failed sign-ins are kept here too. See docs/journal.md.

The modules: ``urls`` (where it lives), ``liveness`` (is a player alive), ``engine``,
``migrate`` (and ``open_journal``), ``base`` (the connection helpers the record modules share),
``rows`` (rows to records), one module per kind of record (``screenings``, ``sessions``,
``checkins``, ``exercises``, ``accounts``), ``summaries``, ``exchange``, and ``facade``
(``Journal``). This package imports SQLAlchemy only when a name that needs it is first used
(PEP 562), so ``resolve_url`` and the errors cost nothing to import.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from bedstretch.journal.errors import JournalError, TakenError
from bedstretch.journal.liveness import pid_alive
from bedstretch.journal.urls import DEFAULT_URL_ENV, default_url, resolve_url

if TYPE_CHECKING:
    from bedstretch.journal.accounts import (
        email_attempt_key,
        hash_token,
        normalize_email,
        pair_attempt_key,
    )
    from bedstretch.journal.facade import Journal
    from bedstretch.journal.migrate import HEAD, MIGRATIONS, alembic_config, open_journal

__all__ = [
    "DEFAULT_URL_ENV",
    "HEAD",
    "MIGRATIONS",
    "Journal",
    "JournalError",
    "TakenError",
    "alembic_config",
    "default_url",
    "email_attempt_key",
    "hash_token",
    "normalize_email",
    "open_journal",
    "pair_attempt_key",
    "pid_alive",
    "resolve_url",
]

# The names that need SQLAlchemy, and the module each comes from: imported when first asked for.
_LAZY = {
    "Journal": "bedstretch.journal.facade",
    "HEAD": "bedstretch.journal.migrate",
    "MIGRATIONS": "bedstretch.journal.migrate",
    "alembic_config": "bedstretch.journal.migrate",
    "open_journal": "bedstretch.journal.migrate",
    "email_attempt_key": "bedstretch.journal.accounts",
    "hash_token": "bedstretch.journal.accounts",
    "normalize_email": "bedstretch.journal.accounts",
    "pair_attempt_key": "bedstretch.journal.accounts",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # asked once
    return value
