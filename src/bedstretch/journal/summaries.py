"""What progress and adaptive plans need from the journal, in a few aggregate queries.

``sessions()`` loads every step and event as records, which is right for history and exports
but too much for a summary of five years. These queries let the database add things up.
``Journal.session_summaries()``; ``session_summaries(journal)`` is the same, as a function.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from bedstretch.core.progress import SessionSummary
from bedstretch.core.records import EventKind, StepStatus
from bedstretch.journal.base import Base
from bedstretch.journal.schema import events, instant, raw_instant, sessions, steps

if TYPE_CHECKING:
    from bedstretch.journal.facade import Journal

__all__ = ["Summaries", "session_summaries"]

REPORTS = (EventKind.PAIN.value, EventKind.SHARP.value, EventKind.TINGLING.value)
DONE = StepStatus.DONE.value


def session_summaries(journal: Journal, *, exercises: bool = False) -> list[SessionSummary]:
    """``journal.session_summaries(exercises=exercises)``."""
    return journal.session_summaries(exercises=exercises)


class Summaries(Base):
    def session_summaries(self, *, exercises: bool = False) -> list[SessionSummary]:
        """Every session of the journal's person, oldest first, with done time and steps, pain
        skips and pain reports; with ``exercises`` also which exercises were done in each
        (adaptive plans need that, progress does not: it is the costliest query)."""
        query, per_exercise, reports_query = _statements(self._user_id is not None, exercises)
        owner = {"owner": self._user_id}
        with self._read() as connection:
            rows = connection.execute(query, owner).all()
            skips: dict[int, list[str]] = {}
            done_exercises: dict[int, list[str]] = {}
            for session_id, exercise, status in connection.execute(per_exercise, owner):
                target = done_exercises if status == DONE else skips
                target.setdefault(session_id, []).append(exercise)
            reports: dict[int, int] = {}
            for sid, n in connection.execute(reports_query, owner):
                reports[sid] = n
        return [
            SessionSummary(
                uid=uid,
                started_at=instant(started),
                status=status,
                routine=routine,
                pain_before=before,
                pain_after=after,
                done_seconds=int(seconds),
                done_steps=int(count),
                pain_skips=tuple(sorted(skips.get(sid, ()))),
                done_exercises=tuple(sorted(done_exercises.get(sid, ()))),
                pain_reports=int(reports.get(sid, 0)),
            )
            for sid, uid, started, status, routine, before, after, seconds, count in rows
        ]


@functools.cache
def _statements(scoped: bool, exercises: bool) -> tuple[sa.Select[Any], ...]:
    """The three queries, built once (the web API asks for progress often): the sessions with
    their done totals, the exercises per session, the pain reports per session. Parameter
    ``owner``: the user id (for a ``scoped`` journal)."""
    owner = sessions.c.user_id == sa.bindparam("owner") if scoped else sessions.c.user_id.is_(None)
    my_sessions = sa.select(sessions.c.id).where(owner)
    done = sa.case((steps.c.status == DONE, 1), else_=0)
    totals = (
        sa.select(
            steps.c.session_id,
            sa.func.sum(done * steps.c.actual_seconds).label("seconds"),
            sa.func.sum(done).label("count"),
        )
        .where(steps.c.session_id.in_(my_sessions))
        .group_by(steps.c.session_id)
        .subquery()
    )
    query = (
        sa.select(
            sessions.c.id,
            sessions.c.uid,
            raw_instant(sessions.c.started_at),
            sessions.c.status,
            sessions.c.routine_id,
            sessions.c.pain_before,
            sessions.c.pain_after,
            sa.func.coalesce(totals.c.seconds, 0),
            sa.func.coalesce(totals.c.count, 0),
        )
        .select_from(sessions.outerjoin(totals, totals.c.session_id == sessions.c.id))
        .where(owner)
        .order_by(sessions.c.started_at, sessions.c.id)
    )
    wanted = [DONE, StepStatus.PAIN_SKIP.value] if exercises else [StepStatus.PAIN_SKIP.value]
    per_exercise = (
        sa.select(steps.c.session_id, steps.c.exercise, steps.c.status)
        .where(steps.c.status.in_(wanted), steps.c.session_id.in_(my_sessions))
        .distinct()
    )
    reports = (
        sa.select(events.c.session_id, sa.func.count())
        .where(events.c.kind.in_(REPORTS), events.c.session_id.in_(my_sessions))
        .group_by(events.c.session_id)
    )
    return query, per_exercise, reports
