"""What a player says and when it sounds a tone: the voice policy every player follows.

The terminal's voice (``bedstretch.voice``) and the web player both apply this; the web player
gets the spoken kinds and tones from the API (``bedstretch.core.rules``), never a copy.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from bedstretch.core.timeline import Cue, CueKind

ToneKind = Literal["start", "end"]

SPOKEN: frozenset[CueKind] = frozenset(CueKind)  # every cue is worth saying (today)
STALE_AFTER = 0.5  # clock seconds: speech this late is dropped, never queued behind

TONES: dict[CueKind, ToneKind] = {
    CueKind.HOLD: "start",
    CueKind.FLOW: "start",
    CueKind.RELEASE: "end",
}


def spoken_text(cue: Cue) -> str | None:
    """What to say for ``cue``, or None when it is not worth saying.

    A repetition is only its count ("Repetition 1 of 10.", then "2", "3"...), which is what the
    timeline writes; the others are their text as written.
    """
    if cue.kind not in SPOKEN:
        return None
    text = " ".join(cue.text.split())
    if not text and cue.kind is CueKind.REP and cue.rep is not None:
        text = str(cue.rep)
    return text or None


def tone_for(cue: Cue) -> ToneKind | None:
    """ "start" when a hold or flow starts, "end" when it is released, else None."""
    return TONES.get(cue.kind)


def utterance(cues: Iterable[Cue]) -> str | None:
    """The cues due at the same moment as one text, so the later does not cut the earlier.

    ``[rep "2", inhale "Breathe in slowly."]`` becomes ``"2. Breathe in slowly."``.
    """
    return join_sentences(t for t in map(spoken_text, cues) if t is not None) or None


def join_sentences(texts: Iterable[str]) -> str:
    """Sentences as one text, each ending in a stop so the voice pauses between them."""
    return " ".join(text if text[-1] in ".!?,;:" else text + "." for text in texts if text)
