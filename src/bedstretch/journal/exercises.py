"""Exercises put back into plans (restores), and the trouble each exercise has caused since."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from bedstretch.core.records import EventKind, SessionStatus, StepStatus
from bedstretch.journal.base import Base
from bedstretch.journal.schema import events, exercise_restores, sessions, steps, to_utc

__all__ = ["Exercises"]

_STOP_CAUSES = (EventKind.TINGLING.value, EventKind.PAIN.value)


class Exercises(Base):
    def done_sessions(self) -> dict[str, int]:
        """Exercise id -> the number of this person's sessions in which a block of it was done
        (how well they know it). One aggregate query."""
        query = (
            sa.select(steps.c.exercise, sa.func.count(sa.distinct(steps.c.session_id)))
            .where(
                steps.c.status == StepStatus.DONE.value,
                steps.c.session_id.in_(self._my_sessions()),
            )
            .group_by(steps.c.exercise)
        )
        with self._read() as connection:
            return {str(e): int(n) for e, n in connection.execute(query)}

    def restore_exercise(self, exercise: str, at: datetime) -> None:
        """The person puts an exercise back into plans: its earlier trouble no longer counts."""
        self._insert(exercise_restores, {"exercise": exercise, "at": to_utc(at)})

    def exercise_trouble(self) -> dict[str, int]:
        """Exercise id -> number of distinct sessions with trouble since its latest restore.

        Trouble in a session: a step of the exercise skipped for pain (``pain_skip``), or the
        session ended ``safety_stop`` and its latest ``tingling`` or ``pain`` event names the
        exercise. Only sessions started after the exercise's latest restore count. Exercises
        without trouble are left out.
        """
        with self._read() as connection:
            latest_restore = sa.func.max(exercise_restores.c.at)
            restored: dict[str, datetime] = dict(
                connection.execute(
                    sa.select(exercise_restores.c.exercise, latest_restore)
                    .where(self._mine(exercise_restores))
                    .group_by(exercise_restores.c.exercise)
                ).all()
            )
            skips = connection.execute(
                sa.select(steps.c.exercise, steps.c.session_id, sessions.c.started_at)
                .join_from(steps, sessions, steps.c.session_id == sessions.c.id)
                .where(steps.c.status == StepStatus.PAIN_SKIP.value, self._mine(sessions))
                .distinct()
            ).all()
            stop_events = connection.execute(
                sa.select(events.c.session_id, events.c.exercise, sessions.c.started_at)
                .join_from(events, sessions, events.c.session_id == sessions.c.id)
                .where(
                    sessions.c.status == SessionStatus.SAFETY_STOP.value,
                    events.c.kind.in_(_STOP_CAUSES),
                    self._mine(sessions),
                )
                .order_by(events.c.session_id, events.c.at, events.c.created_at, events.c.id)
            ).all()
        stops: dict[int, tuple[str | None, datetime]] = {}
        for session_id, exercise, started_at in stop_events:
            stops[session_id] = (exercise, started_at)  # the latest one wins
        troubled: dict[str, set[int]] = {}
        candidates = [(e, s, t) for e, s, t in skips]
        candidates += [(e, s, t) for s, (e, t) in stops.items() if e is not None]
        for exercise, session_id, started_at in candidates:
            since = restored.get(exercise)
            if since is None or started_at > since:
                troubled.setdefault(exercise, set()).add(session_id)
        return {exercise: len(ids) for exercise, ids in sorted(troubled.items())}
