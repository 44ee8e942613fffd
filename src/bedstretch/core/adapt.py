"""Plans that adapt: doses that progress after comfortable sessions and step back after pain.

Pure. From the journal's session summaries (oldest first) each exercise gets a *level*: how many
steps up its dose ladder the planner should start it. The ladder climbs inside the exercise's
ranges towards about 60 s of stretching per side (ACSM's suggestion; the articles' single 20-30 s
hold falls short of it): first a longer hold, then one more hold per side.

- A run of ``RUN`` comfortable sessions in which the exercise was done (no pain, sharp or
  tingling reports, no pain skip, pain after not above pain before) moves it one step up.
- A pain skip of the exercise moves it one step down and starts the run again.
- An uncomfortable session (a report, or pain up) starts the run again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import tzinfo

from bedstretch.core.exercises import DoseKind, Variant
from bedstretch.core.progress import SessionSummary, local_day
from bedstretch.core.routines import Prescription

RUN = 3
TARGET_SECONDS = 60  # total stretch per side the ladder climbs towards


@dataclass(frozen=True, slots=True)
class Adaptation:
    levels: Mapping[str, int]
    reasons: Mapping[str, str]  # exercise -> why it is at its level

    @staticmethod
    def none() -> Adaptation:
        return Adaptation({}, {})


def ladder(variant: Variant) -> tuple[Prescription, ...]:
    """The doses an exercise climbs through: from its minimum towards 60 s per side."""
    dose = variant.dose
    rungs = [Prescription.minimum(dose)]
    if dose.kind is not DoseKind.HOLD or dose.hold_seconds is None:
        return tuple(rungs)
    while (rungs[-1].hold_seconds or 0) * rungs[-1].sets < TARGET_SECONDS:
        current = rungs[-1]
        if (current.hold_seconds or 0) < dose.hold_seconds.high:
            grown = dose.hold_seconds.clamp((current.hold_seconds or 0) + 5)
            rungs.append(replace(current, hold_seconds=grown))
        elif current.sets < dose.sets.high:
            rungs.append(replace(current, sets=current.sets + 1))
        else:
            break
    return tuple(rungs)


def adapt(sessions: Iterable[SessionSummary], top: Mapping[str, int], tz: tzinfo) -> Adaptation:
    """Levels from history; ``top`` is each exercise's highest level (its ladder's length - 1)."""
    levels: dict[str, int] = {}
    runs: dict[str, int] = {}
    reasons: dict[str, str] = {}
    for s in sessions:
        day = local_day(s.started_at, tz).isoformat()
        comfortable = (
            s.pain_reports == 0
            and not s.pain_skips
            and (s.pain_before is None or s.pain_after is None or s.pain_after <= s.pain_before)
        )
        for exercise in s.pain_skips:
            if exercise not in top:
                continue
            levels[exercise] = max(0, levels.get(exercise, 0) - 1)
            runs[exercise] = 0
            reasons[exercise] = f"stepped back a level after a pain skip on {day}"
        for exercise in s.done_exercises:
            if exercise in s.pain_skips or exercise not in top:
                continue
            if not comfortable:
                runs[exercise] = 0
                continue
            runs[exercise] = runs.get(exercise, 0) + 1
            if runs[exercise] >= RUN and levels.get(exercise, 0) < top[exercise]:
                levels[exercise] = levels.get(exercise, 0) + 1
                runs[exercise] = 0
                reasons[exercise] = (
                    f"moved up a level after {RUN} comfortable sessions in a row (last on {day})"
                )
    return Adaptation({e: n for e, n in levels.items() if n}, reasons)
