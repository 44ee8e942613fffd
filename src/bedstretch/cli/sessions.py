"""Commands about sessions: start (the guided session), screen, history."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from bedstretch.cli.content import resolve_routine
from bedstretch.cli.plans import constraint_options, plan_options
from bedstretch.cli.root import State, cli, emit_json, fail, local_now, pass_state
from bedstretch.services import planning
from bedstretch.tables import mmss, print_table

if TYPE_CHECKING:
    from bedstretch.core.safety import ScreeningResult
    from bedstretch.journal import Journal


@cli.command()
@click.argument("routine_name", metavar="[ROUTINE]", required=False)
@constraint_options
@click.option(
    "--speed",
    type=click.FloatRange(min=0.1, max=100),
    default=1.0,
    show_default=True,
    help="Play N times faster (demos, tests).",
)
@click.option(
    "--voice/--no-voice",
    default=None,
    help="Speak the cues with espeak-ng. Default: on when installed and --speed is 1.",
)
@click.option(
    "--rate",
    type=click.IntRange(80, 400),
    default=150,
    show_default=True,
    help="Speaking rate, words per minute.",
)
@click.option(
    "--voice-name",
    default="en",
    show_default=True,
    metavar="NAME",
    help="espeak-ng voice, e.g. en, en-us, de.",
)
@click.option(
    "--cue-log",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Append one JSON line per cue as it fires (at, kind, exercise, side, scheduled, actual).",
)
@click.option("--no-input", is_flag=True, help="Ignore standard input (no commands).")
@click.option(
    "--pain-before",
    type=click.IntRange(0, 10),
    metavar="N",
    help="Pain now (0-10), instead of being asked.",
)
@click.option(
    "--pain-after",
    type=click.IntRange(0, 10),
    metavar="N",
    help="Pain at the end (0-10), instead of being asked.",
)
@click.option(
    "--cleared",
    is_flag=True,
    help="A clinician has checked you since an 'urgent' screening (recorded).",
)
@click.option(
    "--full-instructions",
    "full",
    is_flag=True,
    help="Say every step of every exercise, even those you know (done in 3 sessions).",
)
@click.pass_context
def start(
    ctx: click.Context,
    /,
    routine_name: str | None,
    speed: float,
    voice: bool | None,
    rate: int,
    voice_name: str,
    cue_log: str | None,
    no_input: bool,
    pain_before: int | None,
    pain_after: int | None,
    cleared: bool,
    full: bool,
    **options: Any,
) -> None:
    """Start a guided session: ROUTINE (an id or file), a plan from the options, or in-bed.

    On a terminal: a full screen with a big countdown; keys: space pause/resume, n or right skip,
    b or left back, p pain 0-10, s sharp pain, t tingling or numbness, q quit. On a pipe: one cue
    per line, and one command per line on standard input (pause, resume, skip, back, quit,
    pain N, sharp, tingling). Sharp pain or pain 2+ above the start skips the stretch; tingling
    or pain 8+ stops the session. Exit status 3 when a safety rule blocks the session.

    With the voice on, the timeline is paced by how long espeak-ng takes to say each cue (measured
    once and kept), so nothing said is cut. Exercises you have done in 3 sessions are said in one
    line (--full-instructions says every step).
    """
    from bedstretch.player.session import StartOptions, run_start

    state: State = ctx.obj
    catalog = state.catalog
    wanted = plan_options(options)
    if routine_name and wanted.given:
        fail("ROUTINE: give a routine or plan options (--minutes, --lying-only...), not both")
    fixed = resolve_routine(catalog, routine_name) if routine_name else None  # fails now
    if wanted.given:
        planning.constraints(catalog, wanted)  # bad options fail before the screen too

    def resolve(journal: Journal) -> planning.SessionRoutine:
        chosen = planning.session_routine(
            catalog, journal, local_now(), routine=fixed, options=wanted, full=full
        )
        for gone in chosen.left_out:
            click.echo(
                f"bedstretch: leaving out {gone}: it caused trouble in two sessions "
                f"(`bedstretch exercises --restore {gone}` brings it back)",
                err=True,
            )
        return chosen

    title = routine_name or ("your plan" if wanted.given else "in-bed")
    start_options = StartOptions(
        speed=speed,
        voice=voice,
        rate=rate,
        voice_name=voice_name,
        cue_log=Path(cue_log) if cue_log else None,
        no_input=no_input,
        pain_before=pain_before,
        pain_after=pain_after,
        cleared=cleared,
    )
    code = run_start(catalog, title, state.journal, resolve, start_options, _screen_interactively)
    ctx.exit(code)


def _how_cleared(result: ScreeningResult) -> str:
    """The terminal's way to record a clinician's clearance, after urgent advice."""
    if result.outcome.value != "urgent":
        return ""
    return " Then run `bedstretch start --cleared`."


def _screen_interactively(journal: Journal) -> None:
    """Ask the red-flag questions at the terminal, record and show the outcome."""
    from bedstretch.core.safety import DISCLAIMER
    from bedstretch.services import screening

    click.echo(DISCLAIMER + "\n")
    answers = {q.id: click.confirm(q.text, default=False) for q in screening.questions()}
    age = click.prompt("Your age in years", type=click.FloatRange(0, 130))
    result = screening.record(journal, answers, age, local_now(), cleared=False)
    click.echo(f"\nResult: {result.outcome.value}. {result.advice}{_how_cleared(result)}")


@cli.command("screen")
@click.option(
    "--answers",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Answer from a JSON file: every question id true/false, and age.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
@click.option(
    "--cleared",
    is_flag=True,
    help="A clinician has checked you and says exercise is fine (recorded).",
)
@pass_state
def screen_command(state: State, answers: str | None, as_json: bool, cleared: bool) -> None:
    """Red-flag screening: signs that need a doctor before (or instead of) stretching.

    Asked before the first session, after something new (e.g. tingling in a session) and at
    least every 4 weeks. The question ids are listed in docs/safety.md.
    """
    from bedstretch.core.errors import Invalid
    from bedstretch.core.safety import DISCLAIMER, parse_answers
    from bedstretch.services import screening

    if answers is None:
        if not sys.stdin.isatty():
            fail("--answers: standard input is not a terminal; give the answers as a JSON file")
        with state.journal() as journal:
            _screen_interactively(journal)
        return
    try:
        raw = json.loads(Path(answers).read_text(encoding="utf-8"))
    except OSError as error:
        fail(f"--answers: cannot read {answers}: {error.strerror or error}")
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        fail(f"--answers: {answers} is not valid JSON: {error}")
    try:
        parsed, age = parse_answers(raw)
    except Invalid as error:
        fail(f"--answers: {answers}: {error}")
    with state.journal() as journal:
        result = screening.record(journal, parsed, age, local_now(), cleared=cleared)
    if as_json:
        emit_json(result.to_dict())
        return
    click.echo(DISCLAIMER)
    reasons = f" ({', '.join(result.reasons)})" if result.reasons else ""
    click.echo(f"Result: {result.outcome.value}{reasons}. {result.advice}{_how_cleared(result)}")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON (see docs/json.md).")
@click.option(
    "--limit", type=click.IntRange(min=1), metavar="N", help="Only the newest N sessions."
)
@pass_state
def history(state: State, as_json: bool, limit: int | None) -> None:
    """Sessions, newest first: routine, status, times, pain before and after, every step."""
    from bedstretch.services import sessions as session_service

    with state.journal() as journal:
        found = session_service.history(journal, local_now(), limit=limit)
    if as_json:
        emit_json([s.to_dict() for s in found])
        return
    rows = []
    for s in found:
        entry = s.to_dict()
        done = sum(1 for step in entry["steps"] if step["status"] == "done")
        skipped = sum(1 for step in entry["steps"] if step["status"] in ("skipped", "pain_skip"))
        length = mmss(int((s.ended_at - s.started_at).total_seconds())) if s.ended_at else "-"
        pain = "-" if s.pain_before is None else str(s.pain_before)
        pain += "" if s.pain_after is None else f" -> {s.pain_after}"
        rows.append(
            [
                str(s.id),
                s.started_at.astimezone().strftime("%Y-%m-%d %H:%M"),
                s.routine_id,
                s.status.value,
                length,
                pain,
                f"{done}/{len(entry['steps'])}" + (f" ({skipped} skipped)" if skipped else ""),
            ]
        )
    if not rows:
        click.echo("No sessions yet: `bedstretch start` begins one.")
        return
    print_table(["id", "started", "routine", "status", "length", "pain", "done"], rows)
