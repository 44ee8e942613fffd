"""The web player against the terminal's rules: cues on time without drift (pause shifts the
anchor), skip and back on the step spans, and the voice policy said exactly as voice.py says it."""

from __future__ import annotations

import secrets
import statistics
from itertools import groupby
from typing import Any

from bedstretch.catalog import load_catalog
from bedstretch.core.playback import BACK_RESTARTS_WITHIN
from bedstretch.core.timeline import compile_timeline
from bedstretch.voice import utterance
from tests.web.conftest import Phone
from tests.web.helpers import finish_with_pain, player_state, start, step_is

SPEED = 40


def fired(page: Any) -> list[dict[str, Any]]:
    return page.evaluate("() => document.getElementById('player').player.fired()")  # type: ignore[no-any-return]


def signed_up(phone: Phone) -> None:
    email = f"logic-{secrets.token_hex(4)}@example.org"
    phone.sign_up(email)
    phone.sign_in(email)
    phone.screen_ok()


def test_cues_fire_on_time_without_drift_and_a_pause_shifts_them(phone: Phone) -> None:
    page = phone.page
    signed_up(phone)
    start(phone, "quick", 1, SPEED)
    step_is(page, "Step 3 of 4")
    page.get_by_role("button", name="Pause").click()
    page.wait_for_timeout(700)
    page.get_by_role("button", name="Resume").click()
    finish_with_pain(phone, 1)
    log = fired(page)
    timeline = compile_timeline(load_catalog().routines["quick"], load_catalog().moves)
    assert [c["at"] for c in log] == [c.at for c in timeline.cues], "every cue fired once"
    # A busy two-core machine can hold a timer back now and then; what matters is that
    # lateness does not add up: every cue is due at the start plus at / speed.
    late = [c["actual"] - c["scheduled"] for c in log]
    assert min(late) >= 0
    assert statistics.median(late) < 0.03, f"median onset error {statistics.median(late):.3f} s"
    assert max(late) < 0.5, f"a cue fired {max(late):.3f} s late"
    assert statistics.median(late[-10:]) - statistics.median(late[:10]) < 0.03, "no drift"
    # Scheduled times are the start plus at / speed, shifted once by the pause's length.
    anchor = log[0]["scheduled"]
    shifts = [round(c["scheduled"] - anchor - c["at"] / SPEED, 6) for c in log]
    assert shifts[0] == 0
    assert len(set(shifts)) == 2, "one shift, by the pause"
    assert 0.6 < max(shifts) < 2.0


def test_back_goes_to_the_previous_step_only_when_just_into_this_one(phone: Phone) -> None:
    page = phone.page
    signed_up(phone)
    spans = compile_timeline(load_catalog().routines["quick"], load_catalog().moves).steps
    start(phone, "quick", 1, SPEED)
    step_is(page, "Step 3 of 4")
    page.get_by_role("button", name="Pause").click()
    into = player_state(page)["position"] - spans[2].at
    page.get_by_role("button", name="Back").click()
    if into > BACK_RESTARTS_WITHIN:  # restarted step 3; now at its start, back goes to step 2
        step_is(page, "Step 3 of 4")
        assert player_state(page)["position"] == spans[2].at
        page.get_by_role("button", name="Back").click()
    step_is(page, "Step 2 of 4")
    assert player_state(page)["position"] == spans[1].at
    page.get_by_role("button", name="Skip").click()
    step_is(page, "Step 3 of 4")
    assert player_state(page)["position"] == spans[2].at
    page.get_by_role("button", name="Back").click()  # at the very start of step 3: to step 2
    step_is(page, "Step 2 of 4")
    assert player_state(page)["position"] == spans[1].at
    # Well into step 2, back restarts it.
    page.get_by_role("button", name="Resume").click()
    page.wait_for_function(
        "(at) => document.getElementById('player').player.state().position > at",
        arg=spans[1].at + BACK_RESTARTS_WITHIN + 2,
        polling="raf",
    )
    page.get_by_role("button", name="Pause").click()
    assert player_state(page)["position"] < spans[1].end
    page.get_by_role("button", name="Back").click()
    step_is(page, "Step 2 of 4")
    assert player_state(page)["position"] == spans[1].at


def test_the_voice_says_what_the_terminal_says(phone: Phone) -> None:
    page = phone.page
    signed_up(phone)
    page.goto("/play/in-bed")
    catalog = load_catalog()
    groups = []
    for name in catalog.routines:
        timeline = compile_timeline(catalog.routines[name], catalog.moves)
        groups += [list(g) for _, g in groupby(timeline.cues, key=lambda c: c.at)]
    said = page.evaluate(
        "async (groups) => { const p = document.getElementById('player').player; await p.ready;"
        " return groups.map((g) => p.utterance(g)); }",
        [[c.to_dict() for c in group] for group in groups],
    )
    assert said == [utterance(group) for group in groups]
