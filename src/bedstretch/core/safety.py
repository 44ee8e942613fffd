"""Safety rules: red-flag screening before sessions, and the pain guard during them.

Clinical grounding (docs/safety.md): red flags for cauda equina syndrome (emergency), and for
cancer, infection and fracture (urgent), as in NICE NG59 and common triage guidance; a pain
guard that skips a stretch on sharp pain or a rise of 2+ points (0-10 NRS) and stops the session
on new tingling or numbness or pain >= 8. These are rules, not diagnoses: the advice always sends
the person to a professional when a flag is raised.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bedstretch.core.errors import Invalid

SCREENING_MAX_AGE = timedelta(days=28)
SKIP_RISE = 2  # pain this many points above the start skips the stretch
STOP_AT = 8  # pain at or above this stops the session
TROUBLE_SESSIONS = 2  # sessions with trouble before an exercise is left out of plans

DISCLAIMER = (
    "bedstretch guides gentle stretches; it is not medical advice and cannot examine you. "
    "Stretches should feel like a mild pull, never sharp pain. Stop and seek help if anything "
    "below applies to you now."
)


class Level(StrEnum):
    EMERGENCY = "emergency"
    URGENT = "urgent"
    OK = "ok"


@dataclass(frozen=True, slots=True)
class Question:
    """A red-flag question: its id (a public contract) and the level a yes raises.

    The wording people read is content (``content/screening.toml``), loaded by the catalog.
    """

    id: str
    level: Level


QUESTIONS: tuple[Question, ...] = tuple(
    [
        Question(qid, Level.EMERGENCY)
        for qid in (
            "bladder",
            "bowel",
            "saddle_numbness",
            "sexual_dysfunction",
            "both_legs",
            "leg_weakness",
        )
    ]
    + [
        Question(qid, Level.URGENT)
        for qid in (
            "cancer_history",
            "weight_loss",
            "night_pain",
            "fever",
            "immunosuppressed",
            "iv_drug_use",
            "trauma",
            "osteoporosis_or_steroids",
            "no_improvement_month",
            "new_pain",  # urgent only under 20 or over 50
        )
    ]
)
QUESTION_IDS = tuple(q.id for q in QUESTIONS)

ADVICE = {
    Level.EMERGENCY: (
        "Stop. These signs can mean pressure on the nerves at the base of the spine (cauda "
        "equina syndrome), which needs emergency care: go to an emergency department or call "
        "emergency services now. Do not stretch."
    ),
    Level.URGENT: (
        "Please see a doctor soon (within days) before stretching: your answers can have causes "
        "that need checking first. When a clinician has checked you and says exercise is fine, "
        "record that clearance and start again."
    ),
    Level.OK: (
        "No red flags. Stretch gently: a mild pull is right, sharp pain is not. Answer again "
        "whenever something new happens, and at least every 4 weeks."
    ),
}


class ScreeningInputError(Invalid):
    """A screening answer set that cannot be trusted: names the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field=field)


@dataclass(frozen=True, slots=True)
class ScreeningResult:
    outcome: Level
    reasons: tuple[str, ...]
    advice: str
    answers: Mapping[str, bool]
    age: float

    def to_dict(self) -> dict[str, object]:
        return {"outcome": self.outcome.value, "reasons": list(self.reasons), "advice": self.advice}


def parse_answers(raw: object) -> tuple[dict[str, bool], float]:
    """Check a scripted answer set: every question id true/false, plus a numeric ``age``."""
    if not isinstance(raw, Mapping):
        raise ScreeningInputError("answers", "must be a JSON object of question ids to true/false")
    unknown = sorted(set(raw) - set(QUESTION_IDS) - {"age"})
    if unknown:
        raise ScreeningInputError(unknown[0], "unknown question id")
    missing = [q for q in (*QUESTION_IDS, "age") if q not in raw]
    if missing:
        raise ScreeningInputError(missing[0], "missing answer")
    answers = {}
    for qid in QUESTION_IDS:
        value = raw[qid]
        if not isinstance(value, bool):
            raise ScreeningInputError(qid, f"must be true or false, not {value!r}")
        answers[qid] = value
    age = raw["age"]
    if isinstance(age, bool) or not isinstance(age, int | float):
        raise ScreeningInputError("age", f"must be a number of years, not {age!r}")
    if not 0 <= age <= 130:
        raise ScreeningInputError("age", f"{age} is not a plausible age in years")
    return answers, float(age)


def screen(answers: Mapping[str, bool], age: float) -> ScreeningResult:
    """Outcome of a screening: emergency beats urgent beats ok; reasons in question order."""
    emergency = [q.id for q in QUESTIONS if q.level is Level.EMERGENCY and answers.get(q.id)]
    urgent = [
        q.id
        for q in QUESTIONS
        if q.level is Level.URGENT
        and answers.get(q.id)
        and (q.id != "new_pain" or age < 20 or age > 50)
    ]
    if emergency:
        level, reasons = Level.EMERGENCY, emergency + urgent
    elif urgent:
        level, reasons = Level.URGENT, urgent
    else:
        level, reasons = Level.OK, []
    return ScreeningResult(level, tuple(reasons), ADVICE[level], dict(answers), age)


@dataclass(frozen=True, slots=True)
class Gate:
    """May a session start? If not, why, and what to do."""

    allowed: bool
    reason: str
    needs_screening: bool = False


def session_gate(
    outcome: str | None,
    taken_at: datetime | None,
    cleared: bool,
    now: datetime,
    rescreen_reason: str | None = None,
) -> Gate:
    """Decide from the latest screening (if any) whether a session may start ``now``."""
    if outcome is None or taken_at is None:
        return Gate(False, "no screening on record yet", needs_screening=True)
    if rescreen_reason:
        return Gate(False, f"you reported something new ({rescreen_reason})", needs_screening=True)
    if now - taken_at > SCREENING_MAX_AGE:
        return Gate(False, "your last screening is more than 4 weeks old", needs_screening=True)
    if outcome == Level.EMERGENCY:
        return Gate(False, "your last screening found emergency signs: " + ADVICE[Level.EMERGENCY])
    if outcome == Level.URGENT and not cleared:
        return Gate(
            False,
            "your last screening found reasons to see a doctor first: " + ADVICE[Level.URGENT],
        )
    return Gate(True, "screening is clear" if outcome == Level.OK else "cleared by a clinician")


# --------------------------------------------------------------------------- pain guard


class Report(StrEnum):
    PAIN = "pain"  # a 0-10 rating
    SHARP = "sharp"  # sharp pain
    TINGLING = "tingling"  # tingling or numbness


class Action(StrEnum):
    CONTINUE = "continue"
    SKIP_STRETCH = "skip_stretch"
    STOP_SESSION = "stop_session"


@dataclass(frozen=True, slots=True)
class Verdict:
    action: Action
    reason: str
    advice: str = ""


STOP_ADVICE = (
    "We have stopped the session. Rest in a comfortable position. If tingling, numbness or "
    "strong pain does not settle, or you notice weakness or bladder or bowel changes, get "
    "medical help; see a doctor or physiotherapist before stretching again."
)
SKIP_ADVICE = (
    "We have skipped this stretch. Rest for a moment; the session goes on with the next one."
)


@dataclass(frozen=True, slots=True)
class PainRule:
    """One row of the pain guard: a report (with a threshold for ratings) and what it means.

    ``at_least``: the rating is at least this; ``rise``: the rating is at least this many points
    above the pain before the session. ``reason`` is a template with ``{value}`` and
    ``{baseline}``. The first row that matches decides; the web player applies the same rows,
    served by the API (``bedstretch.core.rules``), so the two players can never disagree.
    """

    report: Report
    action: Action
    reason: str
    at_least: int | None = None
    rise: int | None = None

    def matches(self, report: Report, value: int | None, baseline: int) -> bool:
        if report is not self.report:
            return False
        if self.at_least is not None and (value is None or value < self.at_least):
            return False
        return self.rise is None or (value is not None and value >= baseline + self.rise)


PAIN_RULES: tuple[PainRule, ...] = (
    PainRule(Report.TINGLING, Action.STOP_SESSION, "tingling or numbness"),
    PainRule(Report.SHARP, Action.SKIP_STRETCH, "sharp pain"),
    PainRule(Report.PAIN, Action.STOP_SESSION, "pain {value}/10", at_least=STOP_AT),
    PainRule(
        Report.PAIN, Action.SKIP_STRETCH, "pain {value}/10, up from {baseline}", rise=SKIP_RISE
    ),
    PainRule(Report.PAIN, Action.CONTINUE, "pain {value}/10"),
)
ACTION_ADVICE = {
    Action.STOP_SESSION: STOP_ADVICE,
    Action.SKIP_STRETCH: SKIP_ADVICE,
    Action.CONTINUE: "",
}


def check_pain(report: Report, value: int | None, baseline: int) -> Verdict:
    """The pain guard: what to do about one report during a stretch, given the pain before."""
    if report is Report.PAIN and (value is None or not 0 <= value <= 10):
        raise Invalid("must be a whole number 0-10", field="pain")
    for rule in PAIN_RULES:
        if rule.matches(report, value, baseline):
            reason = rule.reason.format(value=value, baseline=baseline)
            return Verdict(rule.action, reason, ACTION_ADVICE[rule.action])
    raise ValueError(f"no pain rule for {report}")  # pragma: no cover - the last row matches


def troubled_exercises(trouble: Mapping[str, int]) -> frozenset[str]:
    """Exercises with trouble (pain skip or safety stop) in enough sessions to leave out."""
    return frozenset(e for e, sessions in trouble.items() if sessions >= TROUBLE_SESSIONS)
