"""Speaker-labelled turns from a two-leg recording, for calls the robot did not hear live.

A human collector's call arrives as a stereo WAV with one party per channel (the
convention of call-centre recorders and of Asterisk's MixMonitor with separate legs),
so who spoke when is known from the channel: no diarisation guesswork. Each leg is cut
into utterances with the same VAD the robot uses live, each utterance is transcribed
with the configured ASR engine, and the two legs are interleaved by start time.
"""

from __future__ import annotations

import wave
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from robot.errors import InputError
from robot.speech.audio import resample, to_array, to_bytes, turn_level
from robot.speech.vad import Endpointer

RATE = 16000
#: Channel order of an imported recording (docs/qa.md): 0 = collector, 1 = borrower.
CHANNEL_SPEAKERS = ("agent", "debtor")


@dataclass(frozen=True)
class Segment:
    """One utterance of one leg: times in seconds from the start of the recording."""

    speaker: str
    start: float
    end: float
    pcm: bytes


def _read_wav(path: str | Path) -> tuple[int, int, int, bytes]:
    """(channels, bytes per sample, rate, frames); a missing or broken file named."""
    try:
        with wave.open(str(path), "rb") as wf:
            return wf.getnchannels(), wf.getsampwidth(), wf.getframerate(), wf.readframes(wf.getnframes())
    except FileNotFoundError:
        raise InputError("no such file", where=str(path)) from None
    except (wave.Error, EOFError) as exc:
        raise InputError(f"not a PCM WAV file ({exc})", where=str(path)) from None


def read_legs(path: str | Path) -> tuple[list[bytes], float]:
    """The channels of a 16-bit PCM WAV as 16 kHz mono PCM each, and the duration.

    A mono file is refused: with both parties on one channel the words cannot be
    attributed, and a finding against the wrong speaker is worse than none.
    """
    where = str(path)
    channels, width, rate, frames = _read_wav(path)
    if width != 2:
        raise InputError(f"{8 * width}-bit samples; only 16-bit PCM is supported", where=where)
    if channels != 2:
        raise InputError(f"{channels} channel(s); a call recording needs 2 (channel 1 the"
                         " collector, channel 2 the borrower): see docs/qa.md", where=where)
    data = to_array(frames)
    data = data[: len(data) - len(data) % 2].reshape(-1, 2)
    legs = [to_bytes(np.ascontiguousarray(data[:, c])) for c in range(2)]
    if rate != RATE:
        legs = [resample(leg, rate, RATE) for leg in legs]
    return legs, len(data) / rate


def read_leg_files(agent: str | Path, debtor: str | Path) -> tuple[list[bytes], float]:
    """The two directions of a call recorded apart (Asterisk MixMonitor's ``t()`` and
    ``r()`` files: what was sent to the borrower - the agent - and what came from them)
    as 16 kHz mono legs of equal length, agent first, and the duration."""
    legs = []
    for path in (agent, debtor):
        channels, width, rate, frames = _read_wav(path)
        if width != 2 or channels != 1:
            raise InputError(f"{channels} channel(s) of {8 * width}-bit samples; one leg of a"
                             " call is 16-bit mono", where=str(path))
        legs.append(frames if rate == RATE else resample(frames, rate, RATE))
    n = max(len(leg) for leg in legs)
    legs = [leg + bytes(n - len(leg)) for leg in legs]
    return legs, n / (2 * RATE)


def segment_leg(pcm: bytes, speaker: str, *, end_silence_ms: int = 700) -> list[Segment]:
    """Utterances of one leg by the live VAD, fed the file as if it were arriving."""
    vad = Endpointer(end_silence_ms=end_silence_ms, max_utterance_s=30.0)
    step = Endpointer.FRAME_BYTES
    out: list[Segment] = []
    start: float | None = None
    for i in range(0, len(pcm) - step + 1, step):
        for ev in vad.push(pcm[i : i + step], i / (2 * RATE)):
            if ev.kind == "speech_start":
                start = ev.t
            elif ev.kind == "speech_end" and start is not None:
                out.append(Segment(speaker, round(start, 2), round(ev.t, 2), ev.pcm))
                start = None
    for ev in vad.flush():
        if start is not None:
            out.append(Segment(speaker, round(start, 2), round(ev.t, 2), ev.pcm))
    return out


Transcribe = Callable[[bytes], Awaitable[str]]


async def transcribe_legs(legs: list[bytes], transcribe: Transcribe) -> list[dict[str, object]]:
    """Turns ``{"speaker", "start", "end", "text"}`` of both legs in order of start time
    (empty recognitions dropped: a cough is not a turn)."""
    segments = [s for c, leg in enumerate(legs) for s in segment_leg(leg, CHANNEL_SPEAKERS[c])]
    turns: list[dict[str, object]] = []
    for seg in sorted(segments, key=lambda s: (s.start, s.speaker)):
        text = (await transcribe(seg.pcm)).strip()
        if text:
            turns.append({"speaker": seg.speaker, "start": seg.start, "end": seg.end,
                          "text": text, "level_dbfs": turn_level(seg.pcm)})
    return turns
