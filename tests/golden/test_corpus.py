"""The golden playback corpus is what the core does now, and covers what the issue asks for."""

from __future__ import annotations

import json

from bedstretch.catalog import Catalog
from bedstretch.core.timeline import CueKind
from tests.golden.generate import COMMANDS, HERE, rendered


def test_the_corpus_on_disk_is_what_the_core_generates_now(catalog: Catalog) -> None:
    expected = rendered(catalog)
    on_disk = {path.name: path.read_text(encoding="utf-8") for path in HERE.glob("*.json")}
    assert sorted(on_disk) == sorted(expected), "run `make golden`"
    stale = [name for name, text in expected.items() if on_disk[name] != text]
    assert not stale, f"out of date: {', '.join(stale)}: run `make golden` and review the diff"


def test_every_command_meets_every_kind_of_phase_and_block_edge() -> None:
    names = {
        case["name"]
        for path in HERE.glob("*.json")
        if not path.name.startswith("_")
        for case in json.loads(path.read_text(encoding="utf-8"))
    }
    places = [kind.value for kind in CueKind] + [
        f"{kind}-block-{edge}"
        for kind in ("hold", "reps", "timed")
        for edge in ("start", "end", "before-end")
    ]
    missing = [f"{p}/{c}" for p in places for c, _ in COMMANDS if f"{p}/{c}" not in names]
    assert not missing
    assert "pause-at-40-then-skip" in names
