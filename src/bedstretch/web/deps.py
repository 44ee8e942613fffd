"""What a request needs, as FastAPI dependencies: the clock, the catalog, and the asker's journal.

Two ways to be signed in, named for the door that uses them:

- ``ApiJournal``: the API's asker, by bearer token, or by the session cookie plus the CSRF header
  for anything but a read (the web player's calls): the CSRF token stored with that session.
- ``PageJournal``: a page's asker, by the session cookie (forms check CSRF themselves, against
  the session's token: ``auth.check_csrf``).

Each is the shared journal scoped to that person: they see only their own records.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request

from bedstretch.catalog import Catalog
from bedstretch.core.errors import Unauthenticated
from bedstretch.journal import Journal
from bedstretch.web import auth

READS = ("GET", "HEAD", "OPTIONS")


# Dependencies that only read the app's state are ``async``: FastAPI runs them in the event loop,
# where a plain ``def`` would cost each request a hop to the thread pool (the busiest calls
# are milliseconds long, and the hops are a good part of that).


def _shared(request: Request) -> Journal:
    journal: Journal = request.app.state.journal
    return journal


def _now(request: Request) -> datetime:
    clock: Callable[[], datetime] = request.app.state.clock
    return clock()


async def shared_journal(request: Request) -> Journal:
    return _shared(request)


async def now(request: Request) -> datetime:
    """The app's clock (aware, local time): ``create_app(clock=...)`` sets it."""
    return _now(request)


async def catalog(request: Request) -> Catalog:
    found: Catalog = request.app.state.catalog
    return found


def api_user(request: Request) -> int:
    journal, when = _shared(request), _now(request)
    user = auth.bearer_user(request, journal, when)
    if user is not None:
        return user
    user = auth.cookie_user(request, journal, when)  # the session, kept for the CSRF check
    if user is None:
        raise Unauthenticated("Sign in, or send a bearer token.")
    if request.method not in READS:
        auth.check_csrf(request, request.headers.get(auth.CSRF_HEADER))
    return user


def api_journal(request: Request) -> Journal:
    """The API asker's own journal (one dependency: one hop to the thread pool, not two)."""
    return _shared(request).for_user(api_user(request))


def page_user(request: Request) -> int | None:
    """The signed-in person of a page request, or None."""
    return auth.cookie_user(request, _shared(request), _now(request))


def page_journal(request: Request) -> Journal:
    user = page_user(request)
    if user is None:
        raise Unauthenticated("Sign in first.")
    return _shared(request).for_user(user)


Now = Annotated[datetime, Depends(now)]
Content = Annotated[Catalog, Depends(catalog)]
Shared = Annotated[Journal, Depends(shared_journal)]
ApiUser = Annotated[int, Depends(api_user)]
ApiJournal = Annotated[Journal, Depends(api_journal)]
PageJournal = Annotated[Journal, Depends(page_journal)]
