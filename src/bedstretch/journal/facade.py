"""``Journal``: every kind of record behind one object, scoped to one person.

Each kind of record has its module, a mixin over ``base.Base``: ``screenings``, ``sessions``
(with steps and events), ``checkins``, ``exercises`` (restores and trouble), ``accounts``
(users, tokens, sign-in attempts), ``summaries`` (progress) and ``exchange`` (export, import).
"""

from __future__ import annotations

from bedstretch.journal.accounts import Accounts
from bedstretch.journal.checkins import Checkins
from bedstretch.journal.exchange import Exchange
from bedstretch.journal.exercises import Exercises
from bedstretch.journal.screenings import Screenings
from bedstretch.journal.sessions import Sessions
from bedstretch.journal.summaries import Summaries

__all__ = ["Journal"]


class Journal(Screenings, Sessions, Checkins, Exercises, Summaries, Exchange, Accounts):
    """The journal at ``url``, seen by one person; close it when done.

    ``user_id`` None is the terminal's own person (the CLI); ``for_user`` gives a view of the
    same database for another person. Every read sees only that person's rows, every write is
    theirs. Accounts, tokens and sign-in attempts are not scoped.

    A file or PostgreSQL journal may be shared between threads (each call checks out its own
    connection); the in-memory ``sqlite://`` journal has one connection: one thread at a time.

    Errors: ``JournalError`` (an ``Unavailable``) when the database cannot be used or fails,
    ``NotFound`` for a record that is not this person's (or does not exist), ``TakenError``
    (a ``Conflict``) for a uid in use, ``Invalid`` (a ``ValueError``) for a bad value.
    """
