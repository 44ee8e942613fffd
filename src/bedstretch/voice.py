"""The voice edge: speaks cues through espeak-ng and sounds tones, never delaying the timeline.

A player calls ``say``/``tone`` from its timing loop; both return at once. espeak-ng runs in a
background worker thread, so the caller never waits on fork/exec or on the audio device. An
utterance never queues behind another: a new ``say`` cuts the one playing and replaces the one
waiting (at most one waits, the newest), and an utterance whose ``deadline`` has passed before the
worker could start it is dropped. Says within ``JOIN_WINDOW`` of each other (cues fired in the
same tick, such as a repetition's count and its first breath) are joined into one utterance.

Any failure (no audio device, a bad voice name, a missing player) makes the voice silent: never an
exception in the caller, never a line on the player's screen.

Which cues are worth saying and which get a tone is policy, kept here as pure functions:
``spoken_text``, ``tone_for`` and ``utterance`` (the cues due at the same moment, as one text).
"""

from __future__ import annotations

import contextlib
import io
import math
import re
import shutil
import subprocess
import sys
import threading
import time
import wave
from array import array
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Protocol

from bedstretch.core.speech import ToneKind, join_sentences, spoken_text, tone_for, utterance

__all__ = ["spoken_text", "tone_for", "utterance"]  # the policy, from the core (old import path)

DEFAULT_RATE = 150  # words per minute: calm, and what the timeline's pacing was measured against
DEFAULT_VOICE = "en"
DEFAULT_AMPLITUDE = 100
RATE_RANGE = (80, 450)  # what espeak-ng accepts for -s
AMPLITUDE_RANGE = (0, 200)  # espeak-ng -a

# A hold or flow starts: one high note. It ends: two falling notes. (frequency Hz, seconds)
TONE_NOTES: dict[ToneKind, tuple[tuple[float, float], ...]] = {
    "start": ((880.0, 0.15),),
    "end": ((660.0, 0.12), (440.0, 0.18)),
}
TONE_SAMPLE_RATE = 22050

# Players for tones, first found wins; each reads a WAV file from standard input.
TONE_PLAYERS: tuple[str, ...] = ("paplay", "aplay", "play")
_PLAYER_ARGS: dict[str, tuple[str, ...]] = {
    "paplay": (),
    "aplay": ("-q", "-"),
    "play": ("-q", "-t", "wav", "-"),
}

NO_ENGINE_HINT = (
    "voice: espeak-ng is not installed; install it (Debian: apt-get install espeak-ng) "
    "or use --no-voice"
)

# A say this soon after the one before is the same moment (cues fired in one tick): it is joined
# to it, restarting it as one utterance, rather than cutting it.
JOIN_WINDOW = 0.05

_TICK = 0.02  # seconds between worker checks while something plays
_REAP = 1.0  # seconds to wait for a terminated process before killing it


class Speaker(Protocol):
    """Where a player sends speech and tones. Every method returns at once and never raises."""

    def say(self, text: str, *, deadline: float | None = None) -> None:
        """Speak ``text``, cutting what is being said. ``deadline``: a ``time.monotonic()``
        value after which the utterance is stale and is dropped if it has not started."""

    def tone(self, kind: str) -> None:
        """Sound the short "start" or "end" tone of a hold (other kinds are ignored)."""

    def stop(self) -> None:
        """Cut the utterance playing now and drop the one waiting."""

    def close(self, *, wait: float = 0.0) -> None:
        """Release everything; first let what is playing finish for at most ``wait`` seconds."""


# --- tones ---------------------------------------------------------------------------------------


def notes_wav(
    notes: Sequence[tuple[float, float]],
    sample_rate: int = TONE_SAMPLE_RATE,
    *,
    volume: float = 0.5,
) -> bytes:
    """A mono 16-bit WAV of sine ``notes`` (frequency Hz, seconds) played one after another.

    Each note fades in and out over 5 ms so it starts and stops without a click.
    """
    if sample_rate <= 0:
        raise ValueError(f"sample rate must be positive, not {sample_rate}")
    if not 0.0 <= volume <= 1.0:
        raise ValueError(f"volume must be between 0 and 1, not {volume}")
    samples = array("h")
    peak = 32767 * volume
    ramp = max(1, round(0.005 * sample_rate))
    for frequency, seconds in notes:
        if not 0 < frequency < sample_rate / 2:
            raise ValueError(f"frequency must be between 0 and {sample_rate / 2} Hz: {frequency}")
        if seconds < 0:
            raise ValueError(f"a note cannot last {seconds} seconds")
        count = round(seconds * sample_rate)
        step = 2 * math.pi * frequency / sample_rate
        for i in range(count):
            envelope = min(1.0, i / ramp, (count - 1 - i) / ramp)
            samples.append(round(peak * envelope * math.sin(step * i)))
    if sys.byteorder == "big":
        samples.byteswap()  # WAV is little-endian
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(samples.tobytes())
    return buffer.getvalue()


def tone_wav(frequency_hz: float, seconds: float, sample_rate: int = TONE_SAMPLE_RATE) -> bytes:
    """A mono 16-bit WAV of one sine tone, at half of full scale."""
    return notes_wav(((frequency_hz, seconds),), sample_rate)


def find_tone_player(candidates: Sequence[str] = TONE_PLAYERS) -> list[str] | None:
    """The command line of the first tone player found that reads a WAV on standard input."""
    for name in candidates:
        path = shutil.which(name)
        if path is not None:
            return [path, *_PLAYER_ARGS.get(Path(name).name, ())]
    return None


# --- speakers ------------------------------------------------------------------------------------


def find_engine() -> str | None:
    """The path of espeak-ng (or the older espeak), or None when neither is installed."""
    return shutil.which("espeak-ng") or shutil.which("espeak")


class SilentSpeaker:
    """Says nothing: voice off, or no engine."""

    def say(self, text: str, *, deadline: float | None = None) -> None:
        pass

    def tone(self, kind: str) -> None:
        pass

    def stop(self) -> None:
        pass

    def close(self, *, wait: float = 0.0) -> None:
        pass


class RecordingSpeaker:
    """A fake for tests of players: records ``("say", text)``, ``("tone", kind)`` and
    ``("stop",)`` in call order (no deadlines, no clock), and whether it was closed."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, ...]] = []
        self.closed = False

    def say(self, text: str, *, deadline: float | None = None) -> None:
        self.calls.append(("say", text))

    def tone(self, kind: str) -> None:
        self.calls.append(("tone", kind))

    def stop(self) -> None:
        self.calls.append(("stop",))

    def close(self, *, wait: float = 0.0) -> None:
        self.closed = True

    @property
    def said(self) -> list[str]:
        return [call[1] for call in self.calls if call[0] == "say"]


class _Playback(Protocol):
    def advance(self) -> bool:
        """Move playback on; False once it has finished."""

    def cut(self) -> None: ...


def _end_process(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(OSError):
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(_REAP)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(_REAP)
    for stream in (process.stdin, process.stdout):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()


def _spawn(argv: Sequence[str], data: bytes, *, capture: bool) -> subprocess.Popen[bytes]:
    """Start ``argv`` with ``data`` on its standard input; its output never reaches the screen."""
    process = subprocess.Popen(
        argv,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    assert process.stdin is not None
    try:
        process.stdin.write(data)
        process.stdin.close()
    except OSError:  # it died at once (bad voice, no device): nothing to hear
        pass
    return process


class _DevicePlayback:
    """espeak-ng speaking on the sound device: playing while the process lives."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self._process = process

    def advance(self) -> bool:
        if self._process.poll() is None:
            return True
        _end_process(self._process)
        return False

    def cut(self) -> None:
        _end_process(self._process)


class _WavPlayback:
    """espeak-ng's audio written to a WAV file at the pace it would be heard.

    The file holds exactly what a listener would have heard: a cut utterance's file stops where
    it was cut. espeak-ng blocks on the pipe once it is ahead, so it lives about as long as it
    would on a sound device.
    """

    def __init__(self, process: subprocess.Popen[bytes], path: Path) -> None:
        self._process = process
        assert process.stdout is not None
        # Both stay open across calls to advance; cut() closes them.
        self._reader = wave.open(process.stdout, "rb")  # noqa: SIM115  # waits for the header
        self._writer: wave.Wave_write | None = wave.open(str(path), "wb")  # noqa: SIM115
        self._writer.setnchannels(self._reader.getnchannels())
        self._writer.setsampwidth(self._reader.getsampwidth())
        self._writer.setframerate(self._reader.getframerate())
        self._rate = self._reader.getframerate()
        self._frame_bytes = self._reader.getnchannels() * self._reader.getsampwidth()
        self._started = time.monotonic()
        self._written = 0

    def advance(self) -> bool:
        if self._writer is None:
            return False
        due = math.ceil((time.monotonic() - self._started) * self._rate) - self._written
        if due <= 0:
            return True
        data = self._reader.readframes(due)
        self._writer.writeframes(data)
        frames = len(data) // self._frame_bytes
        self._written += frames
        if frames < due:  # the end of the utterance
            self.cut()
            return False
        return True

    def cut(self) -> None:
        if self._writer is not None:
            writer, self._writer = self._writer, None
            with contextlib.suppress(OSError):
                writer.close()
        _end_process(self._process)


class EspeakSpeaker:
    """Speaks through espeak-ng in a background worker; tones through paplay, aplay or sox.

    ``wav_dir``: write each utterance and tone to a numbered WAV file there
    (``001-say-hold-for-30-seconds.wav``, ``002-tone-start.wav``) instead of the sound device.
    Speech is written at the pace it would be heard, so cutting and dropping behave as they would
    aloud, and a cut utterance's file is cut short.

    ``join_window``: a ``say`` this many seconds or less after the first of a group is joined to
    it (restarted as one utterance) instead of cutting it; 0 turns joining off.
    ``wait_idle`` waits for silence (tests, and offline checks).
    """

    def __init__(
        self,
        engine: str | None = None,
        *,
        rate: int = DEFAULT_RATE,
        voice: str = DEFAULT_VOICE,
        amplitude: int = DEFAULT_AMPLITUDE,
        wav_dir: Path | None = None,
        tone_players: Sequence[str] = TONE_PLAYERS,
        join_window: float = JOIN_WINDOW,
    ) -> None:
        if not RATE_RANGE[0] <= rate <= RATE_RANGE[1]:
            raise ValueError(f"rate must be {RATE_RANGE[0]}-{RATE_RANGE[1]} words a minute: {rate}")
        if not AMPLITUDE_RANGE[0] <= amplitude <= AMPLITUDE_RANGE[1]:
            raise ValueError(
                f"amplitude must be {AMPLITUDE_RANGE[0]}-{AMPLITUDE_RANGE[1]}: {amplitude}"
            )
        if not voice or voice.startswith("-") or any(c.isspace() for c in voice):
            raise ValueError(f"not a voice name: {voice!r}")
        self.engine = engine or find_engine() or "espeak-ng"
        self.rate = rate
        self.voice = voice
        self.amplitude = amplitude
        self.wav_dir = wav_dir
        self.join_window = join_window
        if wav_dir is not None:
            wav_dir.mkdir(parents=True, exist_ok=True)
        self._tone_player = None if wav_dir is not None else find_tone_player(tone_players)
        volume = 0.5 * amplitude / 100
        self._tone_data: dict[str, bytes] = {
            kind: notes_wav(notes, volume=volume) for kind, notes in TONE_NOTES.items()
        }

        # Shared with the worker, under _cond.
        self._cond = threading.Condition()
        self._pending: tuple[str, float | None] | None = None
        self._group: tuple[float, str, float | None] | None = None  # first say, text, deadline
        self._cut = False
        self._tones: deque[str] = deque(maxlen=4)
        self._closing_at: float | None = None
        self._closed = False
        self._idle = True

        # The worker's own.
        self._current: _Playback | None = None
        self._tone_processes: list[subprocess.Popen[bytes]] = []
        self._count = 0

        self._thread = threading.Thread(target=self._run, name="bedstretch-voice", daemon=True)
        self._thread.start()

    # The caller's side: take the lock, leave a note, wake the worker. Nothing else.

    def say(self, text: str, *, deadline: float | None = None) -> None:
        text = " ".join(text.split())
        now = time.monotonic()
        with self._cond:
            if self._closed or not text:
                return
            if self._group is not None and now - self._group[0] <= self.join_window:
                text = join_sentences((self._group[1], text))  # the same moment: one utterance
                if deadline is not None and self._group[2] is not None:
                    deadline = max(deadline, self._group[2])
                self._group = (self._group[0], text, deadline)
            else:
                self._group = (now, text, deadline)
            self._pending = (text, deadline)
            self._cut = True
            self._idle = False
            self._cond.notify_all()

    def tone(self, kind: str) -> None:
        with self._cond:
            if self._closed or kind not in self._tone_data:
                return
            self._tones.append(kind)
            self._idle = False
            self._cond.notify_all()

    def stop(self) -> None:
        with self._cond:
            self._group = None
            self._pending = None
            self._cut = True
            self._cond.notify_all()

    def render(self, text: str) -> bytes:
        """``text`` as a whole WAV at once, as this speaker would say it: for offline checks
        (how long a cue takes to say), not for the timing loop. Raises when espeak-ng fails."""
        argv = [*self._argv(), "--stdout"] if self.wav_dir is None else self._argv()
        done = subprocess.run(
            argv, input=" ".join(text.split()).encode("utf-8"), capture_output=True, check=True
        )
        # espeak-ng streams: its header promises ~1e9 frames. Rewrite it with the true count.
        with wave.open(io.BytesIO(done.stdout), "rb") as reader:
            params = reader.getparams()
            frames = reader.readframes(params.nframes)
        out = io.BytesIO()
        with wave.open(out, "wb") as writer:
            writer.setnchannels(params.nchannels)
            writer.setsampwidth(params.sampwidth)
            writer.setframerate(params.framerate)
            writer.writeframes(frames)
        return out.getvalue()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until nothing plays or waits; False if ``timeout`` seconds passed first."""
        with self._cond:
            return self._cond.wait_for(lambda: self._idle, timeout)

    def close(self, *, wait: float = 0.0) -> None:
        with self._cond:
            if not self._closed:
                self._closed = True
                self._closing_at = time.monotonic() + max(0.0, wait)
                self._cond.notify_all()
        self._thread.join(max(0.0, wait) + 2 * _REAP + 1.0)

    def __enter__(self) -> EspeakSpeaker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # The worker's side.

    def _run(self) -> None:
        while True:
            try:
                if self._step():
                    return
            except Exception:  # never let the voice take anything down; try again next tick
                time.sleep(_TICK)

    def _step(self) -> bool:
        """One turn of the worker; True when it is done for good."""
        with self._cond:
            busy = self._current is not None or bool(self._tone_processes)
            if not (self._pending or self._cut or self._tones):
                if busy:
                    self._cond.wait(_TICK)
                elif self._closing_at is None:
                    self._cond.wait()
            request, self._pending = self._pending, None
            cut, self._cut = self._cut, False
            tones = list(self._tones)
            self._tones.clear()
            closing_at = self._closing_at
        if cut:
            self._cut_current()
        for kind in tones:
            self._start_tone(kind)
        if request is not None:
            self._start(*request)
        if self._current is not None and not self._current.advance():
            self._current = None
        self._tone_processes = [p for p in self._tone_processes if p.poll() is None]
        with self._cond:
            idle = (
                self._current is None
                and not self._tone_processes
                and self._pending is None
                and not self._tones
            )
            self._idle = idle
            self._cond.notify_all()
        if closing_at is not None and (idle or time.monotonic() >= closing_at):
            self._cut_current()
            for process in self._tone_processes:
                _end_process(process)
            self._tone_processes = []
            with self._cond:
                self._idle = True
                self._cond.notify_all()
            return True
        return False

    def _cut_current(self) -> None:
        if self._current is not None:
            current, self._current = self._current, None
            with contextlib.suppress(Exception):
                current.cut()

    def _argv(self) -> list[str]:
        argv = [self.engine, "-s", str(self.rate), "-v", self.voice, "-a", str(self.amplitude)]
        argv += ["-z", "--stdin"]  # -z: no pause after the last sentence; cues are tight
        if self.wav_dir is not None:
            argv.append("--stdout")
        return argv

    def _start(self, text: str, deadline: float | None) -> None:
        if deadline is not None and time.monotonic() >= deadline:
            return  # stale: the next cue is already due
        data = text.encode("utf-8")
        process: subprocess.Popen[bytes] | None = None
        try:
            if self.wav_dir is None:
                process = _spawn(self._argv(), data, capture=False)
                self._current = _DevicePlayback(process)
            else:
                process = _spawn(self._argv(), data, capture=True)
                path = self.wav_dir / f"{self._next_number()}-say-{_slug(text)}.wav"
                self._current = _WavPlayback(process, path)
        except (OSError, EOFError, wave.Error):
            if process is not None:
                _end_process(process)

    def _start_tone(self, kind: str) -> None:
        data = self._tone_data[kind]
        try:
            if self.wav_dir is not None:
                (self.wav_dir / f"{self._next_number()}-tone-{kind}.wav").write_bytes(data)
            elif self._tone_player is not None:
                self._tone_processes.append(_spawn(self._tone_player, data, capture=False))
        except OSError:
            pass

    def _next_number(self) -> str:
        self._count += 1
        return f"{self._count:03d}"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40].rstrip("-") or "text"


def make_speaker(
    enabled: bool | None,
    *,
    rate: int = DEFAULT_RATE,
    voice: str = DEFAULT_VOICE,
    speed: float = 1.0,
    hint: Callable[[str], None],
) -> Speaker:
    """The speaker for a session.

    ``enabled``: True (--voice) forces speech on, False (--no-voice) off, None decides: on when an
    engine is installed and the session plays at normal speed (a faster session would only cut
    every utterance). When speech should be on but no engine is installed, ``hint`` gets one line
    and the session is silent.
    """
    if enabled is False or (enabled is None and speed != 1):
        return SilentSpeaker()
    engine = find_engine()
    if engine is None:
        hint(NO_ENGINE_HINT)
        return SilentSpeaker()
    return EspeakSpeaker(engine, rate=rate, voice=voice)


# --- how long the voice takes: measured once per text, voice and rate, and kept -------------------


def _wav_seconds(path: Path) -> float:
    with wave.open(str(path)) as wav:
        return float(wav.getnframes()) / float(wav.getframerate())


def measure(
    texts: Iterable[str],
    *,
    voice: str = DEFAULT_VOICE,
    rate: int = DEFAULT_RATE,
    engine: str | None = None,
    cache: Path | None = None,
) -> dict[str, float]:
    """Seconds espeak-ng takes to say each text, at this voice and rate (as the player speaks it:
    ``-z``, no pause after the last sentence). Measured once and kept in ``cache`` (default:
    the user's cache directory), so a session's timeline is paced by the voice the person hears
    (``core.speech.Voice.of``). An engine that fails gives no number for that text (the model
    stands in)."""
    import concurrent.futures
    import json
    import tempfile

    program = engine or find_engine()
    wanted = sorted({" ".join(t.split()) for t in texts if t.strip()})
    if program is None or not wanted:
        return {}
    if cache is None:
        import platformdirs

        cache = Path(platformdirs.user_cache_dir("bedstretch", appauthor=False)) / "speech.json"
    version = subprocess.run(
        [program, "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    key = f"{version}|{voice}|{rate}"
    try:
        stored: dict[str, dict[str, float]] = json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        stored = {}
    known = stored.setdefault(key, {})
    missing = [t for t in wanted if t not in known]

    def one(text: str, folder: Path, n: int) -> tuple[str, float | None]:
        out = folder / f"{n}.wav"
        argv = [program, "-s", str(rate), "-v", voice, "-z", "-w", str(out), text]
        done = subprocess.run(argv, capture_output=True, check=False)
        if done.returncode != 0 or not out.exists():
            return text, None
        return text, round(_wav_seconds(out), 3)

    if missing:
        with (
            tempfile.TemporaryDirectory() as folder,
            concurrent.futures.ThreadPoolExecutor(4) as pool,
        ):
            for text, seconds in pool.map(
                one, missing, [Path(folder)] * len(missing), range(len(missing))
            ):
                if seconds is not None:
                    known[text] = seconds
        with contextlib.suppress(OSError):
            cache.parent.mkdir(parents=True, exist_ok=True)
            cache.write_text(json.dumps(stored, ensure_ascii=False), encoding="utf-8")
    return {t: known[t] for t in wanted if t in known}
