"""PCM helpers: resampling keeps signal and length, WAV files round-trip."""

from __future__ import annotations

import math
import wave
from pathlib import Path

import numpy as np
import pytest

from robot.errors import InputError
from robot.speech import audio


def _dominant_hz(pcm: bytes, rate: int) -> float:
    x = audio.to_array(pcm).astype(np.float64)
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.fft.rfftfreq(len(x), 1 / rate)[int(np.argmax(spectrum))])


@pytest.mark.parametrize(("src", "dst"), [(16000, 8000), (8000, 16000), (22050, 16000), (24000, 8000)])
def test_resample_keeps_duration_and_frequency(src: int, dst: int) -> None:
    pcm = audio.tone(440, 1000, src, dbfs=-6)
    out = audio.resample(pcm, src, dst)
    assert abs(audio.duration_s(out, dst) - 1.0) < 0.005
    assert abs(_dominant_hz(out, dst) - 440) < 3
    assert abs(audio.rms_dbfs(out) - audio.rms_dbfs(pcm)) < 0.5


def test_resample_down_removes_content_above_new_nyquist() -> None:
    pcm = audio.tone(6000, 500, 16000, dbfs=-6)  # above 4 kHz: must not alias into the band
    assert audio.rms_dbfs(audio.resample(pcm, 16000, 8000)) < -40


def test_resample_round_trip_is_close() -> None:
    pcm = audio.tone(300, 500, 16000, dbfs=-6) + audio.tone(1200, 500, 16000, dbfs=-12)
    back = audio.to_array(audio.resample(audio.resample(pcm, 16000, 8000), 8000, 16000))
    orig = audio.to_array(pcm)
    assert len(back) == len(orig)
    err = (back[200:-200].astype(np.float64) - orig[200:-200]) / 32768
    assert 20 * math.log10(np.sqrt(np.mean(err**2)) + 1e-12) < -40


def test_resample_same_rate_and_empty_are_identity() -> None:
    pcm = audio.tone(500, 20, 16000)
    assert audio.resample(pcm, 16000, 16000) == pcm
    assert audio.resample(b"", 8000, 16000) == b""
    with pytest.raises(ValueError):
        audio.resample(pcm, 0, 16000)


def test_wav_round_trip(tmp_path: Path) -> None:
    pcm = audio.tone(440, 250, 8000)
    audio.write_wav(tmp_path / "a.wav", pcm, 8000)
    assert audio.read_wav(tmp_path / "a.wav") == (pcm, 8000)
    assert audio.parse_wav(audio.wav_bytes(pcm, 8000)) == (pcm, 8000)


def test_read_wav_mixes_stereo_to_mono(tmp_path: Path) -> None:
    left = np.full(100, 1000, dtype="<i2")
    right = np.full(100, 3000, dtype="<i2")
    with wave.open(str(tmp_path / "s.wav"), "wb") as wf:
        wf.setnchannels(2)
        wf.setsampwidth(2)
        wf.setframerate(16000)
        wf.writeframes(np.column_stack([left, right]).tobytes())
    pcm, rate = audio.read_wav(tmp_path / "s.wav")
    assert rate == 16000
    assert audio.to_array(pcm).tolist() == [2000] * 100


def test_read_wav_errors_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not a wav at all")
    with pytest.raises(InputError, match="bad.wav"):
        audio.read_wav(bad)
    with pytest.raises(InputError, match="missing.wav"):
        audio.read_wav(tmp_path / "missing.wav")


def test_parse_wav_accepts_streaming_header() -> None:
    """espeak-ng --stdout writes a placeholder data size; all bytes after it count."""
    pcm = audio.tone(300, 100, 22050)
    data = bytearray(audio.wav_bytes(pcm, 22050))
    data[40:44] = (0x7FFFF000).to_bytes(4, "little")
    assert audio.parse_wav(bytes(data)) == (pcm, 22050)


def test_levels_duration_silence() -> None:
    assert audio.rms_dbfs(audio.silence(100, 16000)) == -math.inf
    assert audio.rms_dbfs(b"") == -math.inf
    assert abs(audio.rms_dbfs(audio.tone(1000, 1000, 16000, dbfs=-6)) - (-9.01)) < 0.05
    assert len(audio.silence(20, 16000)) == 640
    assert audio.duration_s(audio.silence(1500, 8000), 8000) == 1.5
