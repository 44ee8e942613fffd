"""Safety rules from tables: every red flag, the age rule, the session gate and the pain guard."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bedstretch.core.safety import (
    QUESTION_IDS,
    Action,
    Level,
    Report,
    ScreeningInputError,
    check_pain,
    parse_answers,
    screen,
    session_gate,
    troubled_exercises,
)

NOW = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
NONE = dict.fromkeys(QUESTION_IDS, False)
EMERGENCY = [
    "bladder",
    "bowel",
    "saddle_numbness",
    "sexual_dysfunction",
    "both_legs",
    "leg_weakness",
]
URGENT = [
    "cancer_history", "weight_loss", "night_pain", "fever", "immunosuppressed", "iv_drug_use",
    "trauma", "osteoporosis_or_steroids", "no_improvement_month",
]  # fmt: skip


def test_the_question_ids_are_the_public_contract() -> None:
    assert (*EMERGENCY, *URGENT, "new_pain") == QUESTION_IDS


def test_no_flags_is_ok() -> None:
    result = screen(NONE, 35)
    assert (result.outcome, result.reasons) == (Level.OK, ())


@pytest.mark.parametrize("flag", EMERGENCY)
def test_each_cauda_equina_sign_is_an_emergency(flag: str) -> None:
    result = screen({**NONE, flag: True}, 35)
    assert result.outcome is Level.EMERGENCY
    assert result.reasons == (flag,)
    assert "emergency" in result.advice


@pytest.mark.parametrize("flag", URGENT)
def test_each_cancer_infection_or_fracture_sign_is_urgent(flag: str) -> None:
    result = screen({**NONE, flag: True}, 35)
    assert (result.outcome, result.reasons) == (Level.URGENT, (flag,))
    assert "doctor" in result.advice


@pytest.mark.parametrize(
    ("age", "outcome"),
    [(19, Level.URGENT), (19.9, Level.URGENT), (20, Level.OK), (35, Level.OK), (50, Level.OK),
     (50.5, Level.URGENT), (51, Level.URGENT), (80, Level.URGENT)],
)  # fmt: skip
def test_new_pain_is_urgent_only_under_20_or_over_50(age: float, outcome: Level) -> None:
    assert screen({**NONE, "new_pain": True}, age).outcome is outcome


def test_emergency_wins_and_lists_every_reason_in_question_order() -> None:
    result = screen({**NONE, "fever": True, "bowel": True, "bladder": True}, 40)
    assert result.outcome is Level.EMERGENCY
    assert result.reasons == ("bladder", "bowel", "fever")


def test_the_json_form_has_outcome_reasons_and_advice() -> None:
    assert set(screen(NONE, 30).to_dict()) == {"outcome", "reasons", "advice"}


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({**NONE}, "age"),
        ({**NONE, "age": "forty"}, "age"),
        ({**NONE, "age": True}, "age"),
        ({**NONE, "age": -3}, "age"),
        ({**NONE, "age": 40, "dizzy": False}, "dizzy"),
        ({k: v for k, v in NONE.items() if k != "fever"} | {"age": 40}, "fever"),
        ({**NONE, "fever": "no", "age": 40}, "fever"),
        ({**NONE, "fever": 0, "age": 40}, "fever"),
        ([], "answers"),
    ],
)
def test_missing_unknown_or_mistyped_answers_are_errors_never_ok(raw: object, field: str) -> None:
    with pytest.raises(ScreeningInputError) as caught:
        parse_answers(raw)
    assert caught.value.field == field


def test_well_formed_answers_parse() -> None:
    answers, age = parse_answers({**NONE, "age": 44})
    assert (answers, age) == (NONE, 44.0)


# --------------------------------------------------------------------------- session gate

GATES = [
    # outcome, age of screening, cleared, rescreen, allowed, needs screening
    (None, None, False, None, False, True),
    ("ok", timedelta(days=1), False, None, True, False),
    ("ok", timedelta(days=28), False, None, True, False),
    ("ok", timedelta(days=28, seconds=1), False, None, False, True),
    ("ok", timedelta(days=3), False, "tingling in a session", False, True),
    ("emergency", timedelta(days=1), False, None, False, False),
    ("emergency", timedelta(days=1), True, None, False, False),
    ("urgent", timedelta(days=1), False, None, False, False),
    ("urgent", timedelta(days=1), True, None, True, False),
]


@pytest.mark.parametrize(("outcome", "age", "cleared", "rescreen", "allowed", "needs"), GATES)
def test_the_session_gate(
    outcome: str | None,
    age: timedelta | None,
    cleared: bool,
    rescreen: str | None,
    allowed: bool,
    needs: bool,
) -> None:
    taken = None if age is None else NOW - age
    gate = session_gate(outcome, taken, cleared, NOW, rescreen)
    assert (gate.allowed, gate.needs_screening) == (allowed, needs)
    assert gate.reason


# --------------------------------------------------------------------------- pain guard

PAIN = [
    # report, value, baseline, action
    (Report.PAIN, 3, 3, Action.CONTINUE),
    (Report.PAIN, 4, 3, Action.CONTINUE),
    (Report.PAIN, 5, 3, Action.SKIP_STRETCH),
    (Report.PAIN, 7, 3, Action.SKIP_STRETCH),
    (Report.PAIN, 8, 3, Action.STOP_SESSION),
    (Report.PAIN, 8, 7, Action.STOP_SESSION),
    (Report.PAIN, 10, 9, Action.STOP_SESSION),
    (Report.PAIN, 0, 0, Action.CONTINUE),
    (Report.PAIN, 2, 0, Action.SKIP_STRETCH),
    (Report.PAIN, 1, 6, Action.CONTINUE),
    (Report.SHARP, None, 2, Action.SKIP_STRETCH),
    (Report.TINGLING, None, 2, Action.STOP_SESSION),
]


@pytest.mark.parametrize(("report", "value", "baseline", "action"), PAIN)
def test_the_pain_guard(report: Report, value: int | None, baseline: int, action: Action) -> None:
    verdict = check_pain(report, value, baseline)
    assert verdict.action is action
    if action is not Action.CONTINUE:
        assert verdict.advice


def test_a_pain_rating_outside_0_to_10_is_refused() -> None:
    with pytest.raises(ValueError, match="0-10"):
        check_pain(Report.PAIN, 11, 2)


def test_exercises_with_trouble_in_two_sessions_are_left_out() -> None:
    assert troubled_exercises({"a": 1, "b": 2, "c": 3}) == {"b", "c"}
