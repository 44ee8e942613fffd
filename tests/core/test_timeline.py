"""The timeline compiler: pure, deterministic, monotonic, complete, and as long as promised."""

from __future__ import annotations

import itertools
import json

from hypothesis import given, settings

from bedstretch.catalog import Catalog
from bedstretch.core.exercises import DoseKind
from bedstretch.core.routines import Routine
from bedstretch.core.timeline import (
    DEFAULT_PACING,
    CueKind,
    Timeline,
    compile_timeline,
    dose_sentence,
    move_seconds,
    routine_seconds,
    say_seconds,
    step_seconds,
)
from tests.strategies import CATALOG, routines

MOVES = CATALOG.moves


def compiled(routine: Routine) -> Timeline:
    return compile_timeline(routine, MOVES)


@given(routines)
def test_cue_times_never_go_backwards(routine: Routine) -> None:
    times = [c.at for c in compiled(routine).cues]
    assert times == sorted(times)


@given(routines)
def test_session_starts_at_zero_and_ends_at_the_promised_total(routine: Routine) -> None:
    t = compiled(routine)
    assert t.cues[0].kind is CueKind.START
    assert t.cues[0].at == 0
    assert t.cues[-1].kind is CueKind.END
    assert t.cues[-1].at == t.total_seconds
    assert t.total_seconds == routine_seconds(routine, MOVES)


@given(routines)
def test_each_step_lasts_what_step_seconds_predicts(routine: Routine) -> None:
    t = compiled(routine)
    for step, span in zip(routine.steps, t.steps, strict=True):
        move = MOVES(
            routine.steps[span.index - 1].position if span.index else routine.start_position,
            step.position,
        )
        assert span.end - span.at == move_seconds(move, DEFAULT_PACING) + step_seconds(step)


def _block_starts(t: Timeline, index: int, kind: DoseKind) -> list[tuple[int | None, str | None]]:
    """(set, side) of every hold, timed flow or set of reps that step ``index`` begins."""
    first = {DoseKind.HOLD: CueKind.HOLD, DoseKind.TIMED: CueKind.FLOW, DoseKind.REPS: CueKind.REP}
    return [
        (c.set, c.side)
        for c in t.cues
        if c.step == index and c.kind is first[kind] and (c.rep or 1) == 1
    ]


@given(routines)
def test_every_per_side_exercise_is_done_on_both_sides_every_set(routine: Routine) -> None:
    t = compiled(routine)
    for index, step in enumerate(routine.steps):
        sides = ["right", "left"] if step.dose.per_side else [None]
        expected = [(n, side) for n in range(1, step.prescription.sets + 1) for side in sides]
        assert _block_starts(t, index, step.dose.kind) == expected


@given(routines)
def test_doses_on_the_timeline_stay_inside_their_ranges(routine: Routine) -> None:
    t = compiled(routine)
    for index, step in enumerate(routine.steps):
        dose = step.dose
        for cue in t.cues:
            if cue.step != index or cue.duration is None:
                continue
            if cue.kind is CueKind.HOLD:
                assert dose.hold_seconds is not None
                assert cue.duration in dose.hold_seconds
            if cue.kind is CueKind.FLOW:
                assert dose.duration_seconds is not None
                assert cue.duration in dose.duration_seconds
            if cue.kind is CueKind.PAUSE and dose.kind is DoseKind.REPS and dose.hold_seconds:
                assert cue.duration in dose.hold_seconds or cue.duration in {
                    p.seconds for p in dose.cycle
                }
        reps = [c.rep for c in t.cues if c.step == index and c.kind is CueKind.REP]
        if dose.kind is DoseKind.REPS:
            assert dose.reps is not None
            assert max(reps) == step.prescription.reps
            assert max(reps) in dose.reps


@given(routines)
@settings(max_examples=30)
def test_compiling_is_deterministic_and_json_serialisable(routine: Routine) -> None:
    first, second = compiled(routine).to_dict(), compiled(routine).to_dict()
    assert first == second
    assert json.loads(json.dumps(first)) == first


@given(routines)
def test_holds_count_down_and_reps_alternate_breaths(routine: Routine) -> None:
    t = compiled(routine)
    for cue in t.cues:
        if cue.kind is CueKind.HOLD and cue.duration and cue.duration > 3:
            ends = [
                c.text
                for c in t.cues
                if c.step == cue.step
                and c.kind is CueKind.COUNTDOWN
                and c.set == cue.set
                and c.side == cue.side
            ]
            assert ends[-3:] == ["3", "2", "1"]


def test_a_session_moves_between_positions_before_the_exercise_that_needs_it(
    catalog: Catalog,
) -> None:
    t = compile_timeline(catalog.routines["morning"], catalog.moves)
    first = t.cues[1]
    assert first.kind is CueKind.MOVE
    assert "stand up" in first.text
    kinds = [c.kind for c in t.cues if c.kind is CueKind.MOVE]
    assert len(kinds) == 6  # standing, supine, prone, supine, seated, hands-and-knees


def test_switch_sides_names_the_new_side(catalog: Catalog) -> None:
    t = compile_timeline(catalog.routines["quick"], catalog.moves)
    ready = [c.text for c in t.cues if c.kind is CueKind.GET_READY and c.exercise == "figure-four"]
    assert ready == [
        "Cross your right ankle over your left knee. Get ready.",
        "Cross your left ankle over your right knee. Get ready.",
    ]


def test_sets_without_sides_rest_between(catalog: Catalog) -> None:
    t = compile_timeline(catalog.routines["in-bed"], catalog.moves)
    rests = [c for c in t.cues if c.kind is CueKind.REST and c.exercise == "childs-pose"]
    assert [c.text for c in rests] == ["Rest. Set 2 of 2 is next."]


def test_spoken_durations_read_naturally() -> None:
    assert say_seconds(30) == "30 seconds"
    assert say_seconds(60) == "1 minute"
    assert say_seconds(90) == "1 minute 30 seconds"
    assert say_seconds(1) == "1 second"


def test_dose_sentences_say_sets_and_sides(catalog: Catalog) -> None:
    sentences = [dose_sentence(s) for s in catalog.routines["in-bed"].steps]
    assert "Hold for 30 seconds, twice on each side." in sentences
    assert "8 slow repetitions." in sentences
    assert "For 30 seconds." in sentences


def _said(t: Timeline) -> list[tuple[int, float, str]]:
    return [(c.at, c.say_seconds or 0.0, c.say) for c in t.cues if c.say]


@given(routines)
def test_nothing_said_is_cut_by_what_is_said_next(routine: Routine) -> None:
    said = _said(compiled(routine))
    for (at, seconds, text), (following, _, _) in itertools.pairwise(said):
        assert at + seconds <= following, f"{text!r} at {at} runs into what comes at {following}"


@given(routines)
def test_each_moment_is_said_by_its_first_cue_and_players_say_exactly_that(
    routine: Routine,
) -> None:
    from itertools import groupby

    from bedstretch.core.speech import utterance

    for _, group in groupby(compiled(routine).cues, key=lambda c: c.at):
        cues = list(group)
        assert all(c.say is None for c in cues[1:])
        assert utterance(cues) == cues[0].say


def test_every_essential_cue_of_the_shipped_routines_is_said(catalog: Catalog) -> None:
    """Breathing reminders in holds and form reminders may stay silent when there is no room;
    everything else is said (and so heard whole)."""
    optional = {CueKind.INHALE, CueKind.EXHALE, CueKind.PAUSE, CueKind.FORM}
    for routine in catalog.routines.values():
        t = compiled(routine)
        said_at = {c.at for c in t.cues if c.say}
        missing = [
            (c.at, c.kind.value, c.text)
            for c in t.cues
            if c.kind not in optional and c.text and c.at not in said_at
        ]
        assert missing == [], routine.id


def test_a_phase_lasts_as_long_as_its_words_take() -> None:
    from bedstretch.core.speech import Voice
    from bedstretch.core.timeline import Pacing

    routine = CATALOG.routines["quick"]
    slow = Pacing(voice=Voice(words_per_second=1.0))
    quick, slower = compile_timeline(routine, MOVES), compile_timeline(routine, MOVES, slow)
    assert slower.total_seconds > quick.total_seconds
    assert slower.total_seconds == routine_seconds(routine, MOVES, slow)
    for cue in slower.cues:
        if cue.kind in (CueKind.INSTRUCTION, CueKind.EXERCISE) and cue.duration:
            assert cue.duration >= slow.voice.seconds(cue.text) + slow.gap


@given(routines)
def test_a_known_exercise_says_one_line_and_lasts_what_step_seconds_says(
    routine: Routine,
) -> None:
    from dataclasses import replace

    known = replace(routine, steps=tuple(replace(s, brief=True) for s in routine.steps))
    t = compiled(known)
    assert t.total_seconds == routine_seconds(known, MOVES)
    assert t.total_seconds <= compiled(routine).total_seconds
    for step, span in zip(known.steps, t.steps, strict=True):
        cues = [c for c in t.cues if c.step == span.index]
        if step.variant.brief:
            assert not [c for c in cues if c.kind is CueKind.INSTRUCTION]
            announce = next(c for c in cues if c.kind is CueKind.EXERCISE)
            assert step.variant.brief in announce.text
        else:  # no brief line: the steps as always
            assert [c.text for c in cues if c.kind is CueKind.INSTRUCTION] == list(
                step.variant.steps
            )


def test_every_shipped_variant_has_a_brief_line(catalog: Catalog) -> None:
    for exercise in catalog.exercises.values():
        for variant in exercise.variants:
            assert variant.brief, f"{exercise.id}/{variant.id}"
            assert len(variant.brief.split()) <= 14, "one short line"
