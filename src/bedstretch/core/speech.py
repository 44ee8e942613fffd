"""How long words take to say, and when a player sounds a tone.

The timeline (``bedstretch.core.timeline``) is paced by ``Voice``: no spoken cue starts before the
one before it has finished, and each cue's ``say`` is exactly what a player speaks. The terminal
measures its voice (``bedstretch.voice.measure``); the web player's timelines use the model.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from bedstretch.core.timeline import Cue

ToneKind = Literal["start", "end"]
TONES: dict[str, ToneKind] = {"hold": "start", "flow": "start", "release": "end"}  # by cue kind

STALE_AFTER = 0.5  # clock seconds: speech this late is dropped, never queued behind
_NUMBER = re.compile(r"\W*(\d+)\W*")
_STOPS = re.compile(r"[.,;:!?]")


def spoken_words(text: str) -> int:
    """Words as they are said: "21" is two ("twenty one"), "100" three."""
    count = 0
    for token in text.split():
        number = _NUMBER.fullmatch(token)
        if number is None:
            count += 1
            continue
        value = int(number.group(1))
        count += 1 if value < 20 or (value < 100 and value % 10 == 0) else 2 if value < 100 else 3
    return count


@dataclass(frozen=True, slots=True)
class Voice:
    """How long a text takes to say: the seconds ``measured`` for it (by the edge, for the voice
    and rate in use), else a conservative model: ``lead`` + words / ``words_per_second`` +
    ``pause`` per punctuation mark inside the text. The model's defaults are never shorter than
    espeak-ng at 150 words a minute over every shipped cue (benchmarks/speech.py), and a
    browser's voices are faster, so a timeline paced by it is never cut."""

    lead: float = 0.5
    words_per_second: float = 2.6
    pause: float = 0.7
    measured: tuple[tuple[str, float], ...] = ()
    _table: Mapping[str, float] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_table", dict(self.measured))

    @staticmethod
    def of(measured: Mapping[str, float]) -> Voice:
        """The model, with these texts' measured seconds."""
        return Voice(measured=tuple(sorted(measured.items())))

    def seconds(self, text: str) -> float:
        found = self._table.get(text)
        if found is not None:
            return found
        words = spoken_words(text)
        inside = len(_STOPS.findall(text.rstrip(".!?")))  # no pause after the last sentence
        return self.lead + words / self.words_per_second + self.pause * inside


MODEL = Voice()


def spoken_text(cue: Cue) -> str | None:
    """What ``cue`` would say: its text, on one line (None when it has none)."""
    return " ".join(cue.text.split()) or None


def tone_for(cue: Cue) -> ToneKind | None:
    """ "start" when a hold or flow starts, "end" when it is released, else None."""
    return TONES.get(cue.kind.value)


def utterance(cues: Iterable[Cue]) -> str | None:
    """What fired cues say: each one's ``say`` (the timeline's choice), as one text."""
    return join_sentences(c.say for c in cues if c.say) or None


def join_sentences(texts: Iterable[str]) -> str:
    """Sentences as one text, each ending in a stop so the voice pauses between them."""
    return " ".join(text if text[-1] in ".!?,;:" else text + "." for text in texts if text)
