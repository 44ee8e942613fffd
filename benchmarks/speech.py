"""Is anything said cut, and how much of a session is stretching? (issue 12)

For every shipped routine, first session (every step said) and for someone who knows the
exercises (brief), paced two ways: by the conservative model the web player's timelines use, and
by espeak-ng's own durations at the default voice and rate (what `bedstretch start` does with the
voice on). Each utterance is then rendered with espeak-ng and measured: it is cut when the next
one starts before it has finished. Also: the share of the session that is stretching (the
holds, sets and flows) and the first version's numbers for comparison.

Run: .venv/bin/python benchmarks/speech.py
Targets: 0 cut; stretching >= 80 % for someone who knows the exercises.
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from itertools import pairwise
from pathlib import Path

from bedstretch.catalog import load_catalog
from bedstretch.core.routines import Routine
from bedstretch.core.speech import Voice
from bedstretch.core.timeline import DEFAULT_PACING, Pacing, Timeline, compile_timeline, utterances
from bedstretch.voice import measure


def cuts(timeline: Timeline, cache: Path) -> tuple[int, int, float]:
    """(utterances cut, utterances, worst overrun in seconds), by espeak-ng's real lengths."""
    said = [(c.at, c.say) for c in timeline.cues if c.say]
    heard = measure([text for _, text in said], cache=cache)
    cut, worst = 0, 0.0
    for (at, text), (following, _) in pairwise(said):
        overrun = at + heard[" ".join(text.split())] - following
        if overrun > 0.01:
            cut, worst = cut + 1, max(worst, overrun)
    return cut, len(said), worst


def main() -> None:
    catalog = load_catalog()
    with tempfile.TemporaryDirectory() as folder:
        cache = Path(folder) / "speech.json"
        print(
            f"{'routine':11} {'who':6} {'paced by':8} {'length':>6} {'stretching':>10} {'cut':>9}"
        )
        for routine in catalog.routines.values():
            known = replace(routine, steps=tuple(replace(s, brief=True) for s in routine.steps))
            played: tuple[tuple[str, Routine], ...] = (("first", routine), ("known", known))
            for who, chosen in played:
                measured = measure(utterances(chosen, catalog.moves), cache=cache)
                pacings: tuple[tuple[str, Pacing], ...] = (
                    ("model", DEFAULT_PACING),
                    ("espeak", replace(DEFAULT_PACING, voice=Voice.of(measured))),
                )
                for name, pacing in pacings:
                    timeline = compile_timeline(chosen, catalog.moves, pacing)
                    stretching = sum(b.end - b.at for b in timeline.blocks)
                    total = timeline.total_seconds
                    cut, said, worst = cuts(timeline, cache)
                    print(
                        f"{routine.id:11} {who:6} {name:8} {total // 60:3}:{total % 60:02d} "
                        f"{100 * stretching / total:9.0f}% {cut:4} of {said:3}"
                        + (f" (worst {worst:.2f} s)" if cut else "")
                    )


if __name__ == "__main__":
    main()
