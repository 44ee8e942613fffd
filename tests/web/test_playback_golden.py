"""The web player's playback module passes the golden corpus the Python core generated.

static/playback.js (pure: no page, no clock) runs every case of tests/golden/playback in
Chromium, through tests/golden/runner.js (generate.py's ``run`` in JavaScript), with the rules
the API serves (``player_rules()``) and the timelines the cases were made from. Each case's
result must be what the core did: strings, whole numbers, None and lists exactly, other numbers
within 1e-9. A failure names the case and its first differing log entry.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from bedstretch.core.rules import player_rules
from tests.golden.generate import HERE

STATIC = Path(__file__).resolve().parents[2] / "src" / "bedstretch" / "web" / "static"
PLAYBACK = STATIC / "playback.js"
RUNNER = Path(__file__).resolve().parents[1] / "golden" / "runner.js"
TOLERANCE = 1e-9


def corpus() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    timelines = json.loads((HERE / "_timelines.json").read_text(encoding="utf-8"))
    cases = [
        case
        for path in sorted(HERE.glob("*.json"))
        if not path.name.startswith("_")
        for case in json.loads(path.read_text(encoding="utf-8"))
    ]
    return timelines, cases


def difference(expected: Any, got: Any, where: str = "") -> str | None:
    """Where ``got`` first differs from ``expected`` (None: the same)."""
    if isinstance(expected, bool) or isinstance(got, bool):
        same = type(expected) is type(got) and expected == got
        return None if same else f"{where or '.'}: {expected!r} != {got!r}"
    if isinstance(expected, int | float) and isinstance(got, int | float):
        if isinstance(expected, int) and isinstance(got, int):
            same = expected == got
        elif math.isnan(expected) or math.isnan(got):
            same = False
        else:
            same = math.isclose(expected, got, rel_tol=0, abs_tol=TOLERANCE)
        return None if same else f"{where or '.'}: {expected!r} != {got!r}"
    if isinstance(expected, dict) and isinstance(got, dict):
        if sorted(expected) != sorted(got):
            return f"{where or '.'}: keys {sorted(expected)} != {sorted(got)}"
        for key in expected:
            found = difference(expected[key], got[key], f"{where}.{key}")
            if found:
                return found
        return None
    if isinstance(expected, list) and isinstance(got, list):
        if len(expected) != len(got):
            return f"{where or '.'}: {len(expected)} items != {len(got)}"
        for i, (e, g) in enumerate(zip(expected, got, strict=True)):
            found = difference(e, g, f"{where}[{i}]")
            if found:
                return found
        return None
    same = type(expected) is type(got) and expected == got
    return None if same else f"{where or '.'}: {expected!r} != {got!r}"


def first_difference(name: str, expected: dict[str, Any], got: dict[str, Any]) -> str | None:
    """A readable account of a case's first difference: the log entry, both ways."""
    if "error" in got:
        return f"{name}: the JavaScript failed:\n{got['error']}"
    wanted, log = expected["log"], got.get("log", [])
    for i in range(max(len(wanted), len(log))):
        e = wanted[i] if i < len(wanted) else None
        g = log[i] if i < len(log) else None
        found = difference(e, g, f"log[{i}]")
        if found:
            return f"{name}: {found}\n  expected {json.dumps(e)}\n  got      {json.dumps(g)}"
    rest = {k: v for k, v in expected.items() if k != "log"}
    found = difference(rest, {k: v for k, v in got.items() if k != "log"})
    return f"{name}: at the end {found}" if found else None


def test_the_javascript_playback_passes_every_golden_case(browser: Any) -> None:
    timelines, cases = corpus()
    assert cases, f"no golden cases in {HERE}"
    page = browser.new_page()
    try:
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.set_content("<!doctype html><title>golden</title>")
        page.add_script_tag(path=str(PLAYBACK))
        page.add_script_tag(path=str(RUNNER))
        results = page.evaluate(
            "([timelines, rules, cases]) => bedstretchGolden.run(timelines, rules, cases)",
            [timelines, player_rules(), cases],
        )
        # The module needs no page at all: it plays a case the same in a worker (no document).
        worker = page.evaluate(
            """async ([sources, timelines, rules, given]) => {
                const code = sources.join('\\n') + `
                  onmessage = (m) => postMessage(bedstretchGolden.run(...m.data));`;
                const url = URL.createObjectURL(new Blob([code], { type: 'text/javascript' }));
                const worker = new Worker(url);
                const answer = new Promise((resolve, reject) => {
                  worker.onmessage = (m) => resolve(m.data);
                  worker.onerror = (e) => reject(new Error(e.message));
                });
                worker.postMessage([timelines, rules, [given]]);
                try { return await answer; } finally { worker.terminate(); }
            }""",
            [
                [PLAYBACK.read_text(encoding="utf-8"), RUNNER.read_text(encoding="utf-8")],
                timelines,
                player_rules(),
                cases[0],
            ],
        )
    finally:
        page.close()
    assert errors == []
    names = [case["name"] for case in cases]
    assert len(set(names)) == len(names), "case names are unique"
    assert sorted(results) == sorted(names)
    compared = 0
    failures = []
    for case in cases:
        found = first_difference(case["name"], case["expected"], results[case["name"]])
        if found:
            failures.append(found)
        compared += 1
    assert compared == len(cases)
    assert not failures, f"{len(failures)} of {len(cases)} golden cases differ:\n" + "\n".join(
        failures[:5]
    )
    in_worker = first_difference(cases[0]["name"], cases[0]["expected"], worker[cases[0]["name"]])
    assert in_worker is None, f"in a worker: {in_worker}"


def test_the_playback_module_touches_no_page_clock_or_network() -> None:
    source = PLAYBACK.read_text(encoding="utf-8")
    code = re.sub(r"/\*.*?\*/", "", source, flags=re.DOTALL)
    code = re.sub(r"(?m)//.*$", "", code)  # playback.js has no '//' inside a string
    forbidden = [
        r"\bdocument\b",
        r"\bwindow\b",
        r"\bnavigator\b",
        r"\bfetch\s*\(",
        r"\bXMLHttpRequest\b",
        r"\bsetTimeout\b",
        r"\bsetInterval\b",
        r"\brequestAnimationFrame\b",
        r"\bperformance\b",
        r"\bDate\b",
        r"\bMath\.random\b",
        r"\blocalStorage\b",
        r"\bspeechSynthesis\b",
    ]
    found = [pattern for pattern in forbidden if re.search(pattern, code)]
    assert found == [], f"playback.js must stay pure: {found}"
    assert "globalThis.bedstretchPlayback" in code
