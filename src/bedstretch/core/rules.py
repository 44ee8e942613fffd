"""The rules a player needs, as plain data: what the web player gets from ``GET /api/v1/rules``.

Everything here is derived from the core's own tables (playback, frame, speech, the pain
guard), never typed again, so the JavaScript player and the terminal player cannot drift. The
golden playback corpus (``tests/golden/playback``) holds the two to the same results.
"""

from __future__ import annotations

from typing import Any

from bedstretch.core import frame, playback, safety, speech


def player_rules() -> dict[str, Any]:
    sharp = next(r for r in safety.PAIN_RULES if r.report is safety.Report.SHARP)
    tingling = next(r for r in safety.PAIN_RULES if r.report is safety.Report.TINGLING)
    return {
        "playback": {
            "back_restarts_within": playback.BACK_RESTARTS_WITHIN,
            "phases": {kind.value: label for kind, label in frame.PHASES.items()},
            "instructions": frame.INSTRUCTIONS,
            "said": sorted(kind.value for kind in frame.SAID),
            "breaths": {kind.value: breath for kind, breath in frame.BREATHS.items()},
            "quiet": sorted(frame.QUIET),
            "quit_reason": playback.QUIT_REASON,
        },
        "speech": {
            "tones": dict(speech.TONES),
            "stale_after": speech.STALE_AFTER,
        },
        "pain": {
            "rules": [
                {
                    "report": r.report.value,
                    "action": r.action.value,
                    "reason": r.reason,
                    "at_least": r.at_least,
                    "rise": r.rise,
                }
                for r in safety.PAIN_RULES
            ],
            "advice": {action.value: text for action, text in safety.ACTION_ADVICE.items()},
        },
        "messages": dict(playback.MESSAGES),
        "endings": {
            status.value: {"kind": kind.value, "reason": reason}
            for status, (kind, reason) in playback.ENDINGS.items()
        },
        # the first version's fields, derived from the same tables
        "skip_rise": safety.SKIP_RISE,
        "stop_at": safety.STOP_AT,
        "sharp": sharp.action.value,
        "tingling": tingling.action.value,
        "skip_advice": safety.SKIP_ADVICE,
        "stop_advice": safety.STOP_ADVICE,
    }
