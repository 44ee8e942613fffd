"""The voice: real espeak-ng, written to WAV files at the pace it would be heard, never a mock.

What matters is that speech never delays the timeline: ``say`` returns at once, a newer utterance
cuts the one playing, a stale one is dropped, and failures stay silent.
"""

from __future__ import annotations

import io
import itertools
import time
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest

from bedstretch.core.timeline import Cue, CueKind
from bedstretch.voice import (
    NO_ENGINE_HINT,
    TONE_NOTES,
    EspeakSpeaker,
    RecordingSpeaker,
    SilentSpeaker,
    Speaker,
    find_engine,
    make_speaker,
    notes_wav,
    spoken_text,
    tone_for,
    tone_wav,
    utterance,
)

HOLD = "Hold for 30 seconds."
INTRO = "Knee to chest. Hold for 30 seconds, twice on each side. Move slowly."


def seconds(data: bytes | Path) -> float:
    source = io.BytesIO(data) if isinstance(data, bytes) else str(data)
    with wave.open(source, "rb") as reader:
        return reader.getnframes() / reader.getframerate()


def files(directory: Path, kind: str = "say") -> list[Path]:
    return sorted(directory.glob(f"*-{kind}-*.wav"))


@pytest.fixture
def speaker(tmp_path: Path) -> Iterator[EspeakSpeaker]:
    with EspeakSpeaker(rate=150, voice="en", wav_dir=tmp_path / "voice") as s:
        yield s


def test_espeak_ng_is_installed_for_these_tests() -> None:
    assert find_engine() is not None


# --- speaking without delaying the timeline ------------------------------------------------------


def test_say_returns_before_the_utterance_is_finished(speaker: EspeakSpeaker) -> None:
    began = time.monotonic()
    speaker.say(HOLD)
    returned = time.monotonic() - began
    assert speaker.wait_idle(10)
    elapsed = time.monotonic() - began

    [path] = files(speaker.wav_dir or Path())
    length = seconds(path)
    assert returned < length  # the caller went on while espeak-ng was still speaking
    assert elapsed >= 0.8 * length  # the file was written at the pace it is heard


def test_say_returns_while_espeak_is_busy(speaker: EspeakSpeaker) -> None:
    speaker.say(INTRO)
    time.sleep(0.3)  # espeak-ng is running now
    began = time.monotonic()
    speaker.say(HOLD)
    returned = time.monotonic() - began
    assert speaker.wait_idle(10)
    assert returned < seconds(files(speaker.wav_dir or Path())[-1])


def test_a_later_say_cuts_the_one_playing_and_the_last_plays_in_full(
    speaker: EspeakSpeaker,
) -> None:
    full_intro = seconds(speaker.render(INTRO))
    full_hold = seconds(speaker.render(HOLD))
    assert full_intro > 3.0

    speaker.say(INTRO)
    time.sleep(0.5)
    speaker.say("Release slowly.")
    time.sleep(0.1)  # longer than the join window: a new moment
    speaker.say(HOLD)
    assert speaker.wait_idle(10)

    made = {path.name.split("-say-")[1]: seconds(path) for path in files(speaker.wav_dir or Path())}
    intro = made["knee-to-chest-hold-for-30-seconds-twice.wav"]
    assert intro < full_intro - 1.0  # cut about half a second in
    # Cut 0.1 s in, or never started; never allowed to run on (<= keeps a stalled machine green).
    assert made.get("release-slowly.wav", 0.0) <= seconds(speaker.render("Release slowly."))
    assert made["hold-for-30-seconds.wav"] == pytest.approx(full_hold, abs=0.001)
    assert 1.0 <= made["hold-for-30-seconds.wav"] <= 3.0


def test_a_say_whose_deadline_has_passed_is_dropped(speaker: EspeakSpeaker) -> None:
    speaker.say(HOLD, deadline=time.monotonic() - 0.001)
    assert speaker.wait_idle(10)
    assert files(speaker.wav_dir or Path()) == []


def test_a_say_with_a_future_deadline_is_spoken(speaker: EspeakSpeaker) -> None:
    speaker.say("Three.", deadline=time.monotonic() + 5)
    assert speaker.wait_idle(10)
    assert len(files(speaker.wav_dir or Path())) == 1


def test_says_fired_in_the_same_tick_are_joined_not_cut(speaker: EspeakSpeaker) -> None:
    speaker.say("2")
    speaker.say("Breathe in slowly.")
    assert speaker.wait_idle(10)
    last = files(speaker.wav_dir or Path())[-1]
    assert last.name.endswith("-say-2-breathe-in-slowly.wav")
    assert seconds(last) == pytest.approx(
        seconds(speaker.render("2. Breathe in slowly.")), abs=0.001
    )


def test_stop_cuts_what_is_playing(speaker: EspeakSpeaker) -> None:
    speaker.say(INTRO)
    time.sleep(0.3)
    speaker.stop()
    assert speaker.wait_idle(10)
    [path] = files(speaker.wav_dir or Path())
    assert seconds(path) < seconds(speaker.render(INTRO)) - 1.0


def test_close_cuts_at_once_and_ignores_later_calls(tmp_path: Path) -> None:
    speaker = EspeakSpeaker(wav_dir=tmp_path)
    speaker.say(INTRO)
    time.sleep(0.3)
    speaker.close()
    speaker.say(HOLD)
    speaker.tone("start")
    [path] = files(tmp_path)
    assert seconds(path) < seconds(speaker.render(INTRO)) - 1.0
    assert files(tmp_path, "tone") == []


def test_close_with_wait_lets_the_last_words_finish(tmp_path: Path) -> None:
    speaker = EspeakSpeaker(wav_dir=tmp_path)
    speaker.say("All done.")
    speaker.close(wait=5)
    [path] = files(tmp_path)
    assert seconds(path) == pytest.approx(seconds(speaker.render("All done.")), abs=0.001)


def test_tones_are_written_in_order_with_speech(speaker: EspeakSpeaker) -> None:
    speaker.tone("start")
    speaker.say("Hold.")
    assert speaker.wait_idle(10)
    speaker.tone("end")
    assert speaker.wait_idle(10)
    names = [p.name for p in sorted((speaker.wav_dir or Path()).iterdir())]
    assert names == ["001-tone-start.wav", "002-say-hold.wav", "003-tone-end.wav"]
    end = (speaker.wav_dir or Path()) / "003-tone-end.wav"
    assert seconds(end) == pytest.approx(sum(s for _, s in TONE_NOTES["end"]), abs=0.001)


def test_an_unknown_tone_is_ignored(speaker: EspeakSpeaker) -> None:
    speaker.tone("fanfare")
    assert speaker.wait_idle(10)
    assert list((speaker.wav_dir or Path()).iterdir()) == []


# --- failures stay silent ------------------------------------------------------------------------


def test_the_sound_device_path_never_raises_nor_prints(capfd: pytest.CaptureFixture[str]) -> None:
    # Amplitude 0: silent on a machine with sound; on one without, espeak-ng and the tone player
    # fail, and their complaints must not reach the player's screen.
    speaker = EspeakSpeaker(amplitude=0)
    speaker.tone("start")
    speaker.say("Hold for 30 seconds.")
    time.sleep(0.2)
    speaker.say("Release slowly.")
    speaker.stop()
    speaker.tone("end")
    speaker.close(wait=3)
    assert capfd.readouterr() == ("", "")


def test_a_missing_engine_is_silent(tmp_path: Path) -> None:
    speaker = EspeakSpeaker(str(tmp_path / "espeak-ng"), wav_dir=tmp_path / "voice")
    speaker.say(HOLD)
    assert speaker.wait_idle(5)
    speaker.close()
    assert files(tmp_path / "voice") == []


def test_an_unknown_voice_never_raises_nor_prints(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    speaker = EspeakSpeaker(voice="no-such-voice", wav_dir=tmp_path)
    speaker.say("Hold.")
    assert speaker.wait_idle(5)
    speaker.close()
    assert capfd.readouterr() == ("", "")  # espeak-ng falls back to its default voice


@pytest.mark.parametrize(
    ("option", "value"),
    [("rate", 10), ("rate", 1000), ("amplitude", -1), ("amplitude", 201), ("voice", "-x")],
)
def test_options_out_of_range_are_refused(option: str, value: object) -> None:
    with pytest.raises(ValueError, match=option):
        EspeakSpeaker(**{option: value})  # type: ignore[arg-type]


# --- tones ---------------------------------------------------------------------------------------


def test_tone_wav_is_a_sine_of_the_asked_length_and_frequency() -> None:
    data = tone_wav(880, 0.15)
    with wave.open(io.BytesIO(data), "rb") as reader:
        assert (reader.getnchannels(), reader.getsampwidth(), reader.getframerate()) == (
            1,
            2,
            22050,
        )
        assert reader.getnframes() == round(0.15 * 22050)
        raw = reader.readframes(reader.getnframes())
    samples = [int.from_bytes(raw[i : i + 2], "little", signed=True) for i in range(0, len(raw), 2)]
    signs = [s > 0 for s in samples if s != 0]
    crossings = sum(a != b for a, b in itertools.pairwise(signs))
    assert crossings == pytest.approx(2 * 880 * 0.15, abs=2)
    assert max(samples) == pytest.approx(32767 * 0.5, rel=0.01)
    assert abs(samples[0]) < 100  # faded in and out: no click
    assert abs(samples[-1]) < 1000


def test_tone_wav_honours_the_sample_rate() -> None:
    assert seconds(tone_wav(440, 0.5, sample_rate=8000)) == pytest.approx(0.5)


def test_the_end_tone_is_two_falling_notes() -> None:
    (first, _), (second, _) = TONE_NOTES["end"]
    assert first > second
    assert TONE_NOTES["start"][0][0] > first
    assert seconds(notes_wav(TONE_NOTES["end"])) == pytest.approx(0.30, abs=0.001)


@pytest.mark.parametrize(("frequency", "length"), [(0, 0.1), (20000, 0.1), (440, -1)])
def test_tone_wav_refuses_impossible_tones(frequency: float, length: float) -> None:
    with pytest.raises(ValueError, match=r"frequency|last"):
        tone_wav(frequency, length)


# --- policy --------------------------------------------------------------------------------------

POLICY: dict[CueKind, tuple[str, str | None, str | None]] = {
    # kind: (cue text, said, tone)
    CueKind.START: ("Morning: 3 exercises.", "Morning: 3 exercises.", None),
    CueKind.MOVE: ("Roll onto your back.", "Roll onto your back.", None),
    CueKind.EXERCISE: (
        "Knee to chest. Hold for 30 seconds.",
        "Knee to chest. Hold for 30 seconds.",
        None,
    ),
    CueKind.INSTRUCTION: ("Lie on your back.", "Lie on your back.", None),
    CueKind.GET_READY: ("Get ready.", "Get ready.", None),
    CueKind.HOLD: (
        "Hold for 30 seconds. Breathe slowly.",
        "Hold for 30 seconds. Breathe slowly.",
        "start",
    ),
    CueKind.FLOW: (
        "Keep the movement going for 1 minute.",
        "Keep the movement going for 1 minute.",
        "start",
    ),
    CueKind.REP: ("Repetition 1 of 10.", "Repetition 1 of 10.", None),
    CueKind.INHALE: ("Breathe in slowly.", "Breathe in slowly.", None),
    CueKind.EXHALE: ("Breathe out and let go.", "Breathe out and let go.", None),
    CueKind.PAUSE: ("Hold it there.", "Hold it there.", None),
    CueKind.FORM: ("Keep your hips down.", "Keep your hips down.", None),
    CueKind.COUNTDOWN: ("3", "3", None),
    CueKind.RELEASE: ("Release slowly.", "Release slowly.", "end"),
    CueKind.SWITCH_SIDES: ("Switch sides.", "Switch sides.", None),
    CueKind.REST: ("Rest. Set 2 of 2 is next.", "Rest. Set 2 of 2 is next.", None),
    CueKind.END: ("All done.", "All done.", None),
}


def test_the_policy_covers_every_cue_kind() -> None:
    assert set(POLICY) == set(CueKind)


@pytest.mark.parametrize("kind", list(CueKind))
def test_what_each_cue_kind_says_and_sounds(kind: CueKind) -> None:
    text, said, tone = POLICY[kind]
    cue = Cue(10, kind, text)
    assert spoken_text(cue) == said
    assert tone_for(cue) == tone


def test_a_later_repetition_says_only_its_count() -> None:
    assert spoken_text(Cue(20, CueKind.REP, "2", rep=2)) == "2"


def test_an_empty_cue_says_nothing() -> None:
    assert spoken_text(Cue(5, CueKind.FORM, "  ")) is None


def test_fired_cues_say_what_the_timeline_chose() -> None:
    said = Cue(30, CueKind.REP, "2", rep=2, say="2. Breathe in slowly.")
    silent = Cue(30, CueKind.INHALE, "Breathe in slowly.")
    assert utterance([said, silent]) == "2. Breathe in slowly."
    assert utterance([silent]) is None


# --- choosing a speaker --------------------------------------------------------------------------


def no_engine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


@pytest.mark.parametrize("enabled", [True, None])
def test_wanting_a_voice_without_an_engine_gives_one_hint_and_silence(
    enabled: bool | None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    no_engine(monkeypatch, tmp_path)
    hints: list[str] = []
    speaker = make_speaker(enabled, rate=150, voice="en", speed=1.0, hint=hints.append)
    assert isinstance(speaker, SilentSpeaker)
    assert hints == [NO_ENGINE_HINT]
    assert "apt-get install espeak-ng" in hints[0]
    assert "--no-voice" in hints[0]
    assert "\n" not in hints[0]


@pytest.mark.parametrize(("enabled", "speed"), [(False, 1.0), (None, 4.0)])
def test_no_voice_wanted_means_no_hint(
    enabled: bool | None, speed: float, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    no_engine(monkeypatch, tmp_path)
    hints: list[str] = []
    speaker = make_speaker(enabled, rate=150, voice="en", speed=speed, hint=hints.append)
    assert isinstance(speaker, SilentSpeaker)
    assert hints == []


@pytest.mark.parametrize(
    ("enabled", "speed", "speaks"),
    [(None, 1.0, True), (None, 10.0, False), (True, 10.0, True), (False, 1.0, False)],
)
def test_the_voice_is_on_when_wanted_and_useful(
    enabled: bool | None, speed: float, speaks: bool
) -> None:
    hints: list[str] = []
    speaker = make_speaker(enabled, rate=170, voice="en-gb", speed=speed, hint=hints.append)
    try:
        assert isinstance(speaker, EspeakSpeaker) is speaks
        if isinstance(speaker, EspeakSpeaker):
            assert (speaker.rate, speaker.voice) == (170, "en-gb")
        assert hints == []
    finally:
        speaker.close()


def test_the_recording_speaker_records_calls_in_order() -> None:
    speaker: Speaker = RecordingSpeaker()
    speaker.tone("start")
    speaker.say("Hold for 30 seconds.", deadline=123.0)
    speaker.stop()
    speaker.say("Release slowly.")
    speaker.close()
    assert isinstance(speaker, RecordingSpeaker)
    assert speaker.calls == [
        ("tone", "start"),
        ("say", "Hold for 30 seconds."),
        ("stop",),
        ("say", "Release slowly."),
    ]
    assert speaker.said == ["Hold for 30 seconds.", "Release slowly."]
    assert speaker.closed


# --- pacing by the voice the person hears --------------------------------------------------------


def test_paced_by_espeak_nothing_said_in_any_shipped_routine_is_cut(tmp_path: Path) -> None:
    """Each routine compiled with espeak-ng's own durations (as `start` does with the voice on),
    known exercises too: every utterance ends before the next begins, by espeak's own clock."""
    from dataclasses import replace

    from bedstretch.catalog import load_catalog
    from bedstretch.core.speech import Voice
    from bedstretch.core.timeline import DEFAULT_PACING, compile_timeline, utterances
    from bedstretch.voice import measure

    catalog = load_catalog()
    cache = tmp_path / "speech.json"
    checked = 0
    for routine in catalog.routines.values():
        known = replace(routine, steps=tuple(replace(s, brief=True) for s in routine.steps))
        for played in (routine, known):
            seconds = measure(utterances(played, catalog.moves), cache=cache)
            pacing = replace(DEFAULT_PACING, voice=Voice.of(seconds))
            said = [
                (c.at, c.say) for c in compile_timeline(played, catalog.moves, pacing).cues if c.say
            ]
            heard = measure([text for _, text in said], cache=cache)  # the real lengths
            for (at, text), (following, _) in itertools.pairwise(said):
                assert at + heard[" ".join(text.split())] <= following + 0.01, (routine.id, text)
            checked += len(said)
    assert checked > 500
    assert cache.exists(), "measured once, then kept"
