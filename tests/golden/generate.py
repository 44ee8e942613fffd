"""The golden playback corpus: cases generated from the Python core, which both players must pass.

A case is a routine's timeline, a speed, the pain before, and a script of moments (clock
seconds from the start): at each moment the player first fires what is due (``tick``), then
applies a command or draws a frame. ``expected`` is what the core did: every cue fired (index and
when it was due), every block result, every event, each command's verdict and message, the
frames, and how playback ended. The web player's pure module (``static/playback.js``) runs the
same scripts in Chromium (``tests/web/test_playback_golden.py``) and must give the same answers.

``python -m tests.golden.generate`` (``make golden``) rewrites ``tests/golden/playback/*.json``;
``tests/golden/test_corpus.py`` fails when the files are not what this module generates now.
Clock moments are multiples of 1/4 s, so every sum and product is exact in both languages.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bedstretch.catalog import Catalog, load_catalog
from bedstretch.core import playback as pb
from bedstretch.core.frame import Frame, frame
from bedstretch.core.playback import (
    BACK_RESTARTS_WITHIN,
    BlockResult,
    Command,
    CommandKind,
    Event,
    Fired,
    Playback,
)
from bedstretch.core.timeline import Cue, CueKind, Timeline, compile_timeline

HERE = Path(__file__).parent / "playback"
ROUTINES = ("quick", "in-bed", "morning")
BASELINE = 2
WINDOW = 40.0  # clock seconds each case plays on after its command
FRAME_FIELDS = (
    "status", "step_number", "step_count", "phase", "text", "countdown", "side", "set", "sets",
    "rep", "reps", "breath", "breath_progress", "elapsed", "total", "instruction", "next_step",
    "figure",
)  # fmt: skip

Script = list[dict[str, Any]]


# --------------------------------------------------------------------------- the reference run


def output(out: pb.Output) -> dict[str, Any]:
    if isinstance(out, Fired):
        return {"fired": out.index, "scheduled": out.scheduled}
    if isinstance(out, BlockResult):
        return {
            "result": out.block.index,
            "at": out.at,
            "status": out.status.value,
            "seconds": out.actual_seconds,
            "reps": out.actual_reps,
            "reason": out.reason,
        }
    assert isinstance(out, Event)
    return {
        "event": out.kind.value,
        "at": out.at,
        "step": out.step,
        "exercise": out.exercise,
        "value": out.value,
    }


def frame_dict(shown: Frame) -> dict[str, Any]:
    data = {name: getattr(shown, name) for name in FRAME_FIELDS}
    data["status"] = shown.status.value
    data["figure"] = list(shown.figure) if shown.figure else None
    return data


def run(catalog: Catalog, case: dict[str, Any]) -> dict[str, Any]:
    """Play a case's script through the core; what every player must do the same."""
    routine = catalog.routines[case["routine"]]
    timeline = compile_timeline(routine, catalog.moves)
    state: Playback = pb.start(timeline, 0.0, case["speed"])
    log: list[dict[str, Any]] = []
    for item in case["script"]:
        t = item["t"]
        state, fired = pb.tick(state, t)
        if fired:
            log.append({"t": t, "tick": [output(o) for o in fired]})
        if "command" in item:
            command = Command(CommandKind(item["command"]), item.get("value"))
            outcome = pb.command(state, command, t, case["baseline"])
            state = outcome.state
            verdict = outcome.verdict
            log.append(
                {
                    "t": t,
                    "command": item["command"],
                    "outputs": [output(o) for o in outcome.outputs],
                    "verdict": None
                    if verdict is None
                    else {"action": verdict.action.value, "reason": verdict.reason},
                    "message": outcome.message,
                    "hush": outcome.hush,
                }
            )
        if item.get("frame"):
            log.append({"t": t, "frame": frame_dict(frame(state, routine, t))})
    end = case["script"][-1]["t"]
    return {
        "log": log,
        "status": state.status.value,
        "position": state.position(end),
        "next_cue": state.next_cue,
        "reported": sorted(state.reported),
    }


# --------------------------------------------------------------------------- the cases

COMMANDS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("pause", {"command": "pause"}),
    ("toggle", {"command": "toggle"}),
    ("skip", {"command": "skip"}),
    ("back", {"command": "back"}),
    ("quit", {"command": "quit"}),
    ("pain-noted", {"command": "pain", "value": BASELINE + 1}),
    ("pain-rise", {"command": "pain", "value": BASELINE + 2}),
    ("pain-severe", {"command": "pain", "value": 8}),
    ("sharp", {"command": "sharp"}),
    ("tingling", {"command": "tingling"}),
)


def _after(t: float, command: dict[str, Any]) -> Script:
    """A command at ``t``, frames around it, a resume if it paused, and playing on."""
    script: Script = [{"t": t, **command, "frame": True}, {"t": t + 0.75, "frame": True}]
    if command["command"] in ("pause", "toggle"):
        script.append({"t": t + 2.0, "command": "resume", "frame": True})
    script += [{"t": t + 3.0, "frame": True}, {"t": t + WINDOW, "frame": True}]
    return script


def _first(timelines: dict[str, Timeline], kind: CueKind) -> tuple[str, Cue]:
    for name in ROUTINES:
        for cue in timelines[name].cues:
            if cue.kind is kind:
                return name, cue
    raise LookupError(kind)


def _case(
    name: str, routine: str, script: Script, speed: float = 1.0, **about: Any
) -> dict[str, Any]:
    return {
        "name": name,
        "routine": routine,
        "speed": speed,
        "baseline": BASELINE,
        "script": sorted(script, key=lambda item: item["t"]),
        **about,
    }


def phase_cases(timelines: dict[str, Timeline]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every command inside every kind of cue's phase, and at the edges of each kind of block."""
    for kind in CueKind:
        routine, cue = _first(timelines, kind)
        t = min(cue.at + 0.5, timelines[routine].total_seconds + 0.5)
        for label, command in COMMANDS:
            yield kind.value, _case(f"{kind.value}/{label}", routine, _after(t, command))
    for block_kind in ("hold", "reps", "timed"):
        for routine in ROUTINES:
            block = next((b for b in timelines[routine].blocks if b.kind.value == block_kind), None)
            if block is not None:
                break
        assert block is not None
        for edge, t in (("start", block.at), ("end", block.end), ("before-end", block.end - 0.25)):
            for label, command in COMMANDS:
                name = f"{block_kind}-block-{edge}/{label}"
                yield f"edges-{block_kind}", _case(name, routine, _after(float(t), command))


def scenarios(timelines: dict[str, Timeline]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Sequences of commands: the first version's drift, back and skip at their edges, the pain
    guard several times in one session, a faster speed, a whole routine."""
    quick, bed = timelines["quick"], timelines["in-bed"]
    spans, end, within = quick.steps, float(quick.total_seconds), float(BACK_RESTARTS_WITHIN)
    figure_four = next(b for b in bed.blocks if b.exercise == "figure-four")
    reps = next(b for b in bed.blocks if b.kind.value == "reps")

    def at(t: float, **item: Any) -> dict[str, Any]:
        return {"t": float(t), **item, "frame": True}

    cases = [
        _case(
            "pause-at-40-then-skip", "quick",
            [at(40, command="pause"), at(41, command="skip"), at(42), at(44, command="resume"),
             at(45), at(90)],
            note="The first version's drift: a skip while paused shows the cues jumped to.",
        ),
        _case(
            "back-twice-then-back-well-into-a-step", "quick",
            [at(spans[2].at + 2, command="back"), at(spans[1].at + 1, command="back"),
             at(spans[1].at + 12, command="back"), at(spans[1].at + 30)],
        ),
        _case(
            "back-exactly-at-the-edge-of-the-restart-window", "quick",
            [at(spans[2].at + within, command="back"), at(spans[2].at + within + 1),
             at(spans[2].at + within + 20, command="pause"),
             at(spans[2].at + within + 21, command="back"),
             at(spans[1].at + within + 0.25, command="back"), at(spans[1].at + within + 1)],
        ),
        _case(
            "pause-back-resume", "quick",
            [at(spans[2].at + 20, command="pause"), at(spans[2].at + 21, command="back"),
             at(spans[2].at + 22, command="back"), at(spans[2].at + 23, command="resume"),
             at(spans[2].at + 60)],
        ),
        _case(
            "skip-everything", "quick",
            [at(1 + i * 0.25, command="skip") for i in range(len(spans) + 2)] + [at(10)],
        ),
        _case(
            "back-from-the-very-end-while-paused", "quick",
            [at(end - 2, command="pause"), at(end - 1, command="skip"), at(end - 0.5),
             at(end, command="back"), at(end + 0.5, command="resume"), at(end + 30)],
        ),
        _case(
            "commands-after-the-end-change-nothing", "quick",
            [at(end + 1)] + [at(end + 2 + i, **c) for i, (_, c) in enumerate(COMMANDS)],
        ),
        _case(
            "what-comes-next-before-the-first-step", "quick",
            [at(0), at(spans[0].at + 0.75), at(spans[0].at + 1), at(spans[0].at + 1.25)],
        ),
        _case(
            "a-report-before-the-first-stretch-is-noted", "quick",
            [at(1, command="sharp"), at(2, command="pain", value=5), at(3)],
        ),
        _case(
            "a-rise-then-sharp-pain-then-tingling", "in-bed",
            [at(figure_four.at + 3, command="pain", value=4), at(figure_four.at + 40),
             at(figure_four.at + 80, command="sharp"),
             at(figure_four.at + 120, command="tingling"), at(figure_four.at + 130)],
        ),
        _case(
            "skip-and-quit-count-the-repetitions-done", "in-bed",
            [at(reps.at + 7.25, command="skip"), at(reps.at + 60),
             at(bed.blocks[4].at + 9.5, command="quit"), at(bed.blocks[4].at + 12)],
        ),
        _case(
            "four-times-faster-with-a-pause", "quick",
            [at(10, command="pause"), at(12.5, command="resume"), at(30, command="back"),
             at(45, command="skip"), at(60, command="pain", value=9), at(61)],
            speed=4.0,
        ),
        _case(
            "the-whole-quick-routine", "quick", [at(t) for t in range(0, int(end) + 2, 4)]
        ),
    ]  # fmt: skip
    for case in cases:
        yield "scenarios", case


def corpus(catalog: Catalog) -> dict[str, list[dict[str, Any]]]:
    """File name -> its cases (each with ``expected``), and ``_timelines``."""
    timelines = {name: compile_timeline(catalog.routines[name], catalog.moves) for name in ROUTINES}
    files: dict[str, list[dict[str, Any]]] = {}
    for group, case in [*phase_cases(timelines), *scenarios(timelines)]:
        case["expected"] = run(catalog, case)
        files.setdefault(group, []).append(case)
    return files


def rendered(catalog: Catalog) -> dict[str, str]:
    """Every corpus file's text, by name (the timelines the cases play in ``_timelines.json``)."""
    texts = {
        f"{group}.json": json.dumps(cases, indent=1, ensure_ascii=False) + "\n"
        for group, cases in corpus(catalog).items()
    }
    timelines = {
        name: compile_timeline(catalog.routines[name], catalog.moves).to_dict() for name in ROUTINES
    }
    texts["_timelines.json"] = json.dumps(timelines, ensure_ascii=False) + "\n"
    return texts


def main() -> int:
    HERE.mkdir(parents=True, exist_ok=True)
    texts = rendered(load_catalog())
    for stale in HERE.glob("*.json"):
        if stale.name not in texts:
            stale.unlink()
    for name, text in texts.items():
        (HERE / name).write_text(text, encoding="utf-8")
    cases = sum(len(json.loads(t)) for n, t in texts.items() if not n.startswith("_"))
    print(f"wrote {cases} golden playback cases in {len(texts) - 1} files to {HERE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
