"""Endpointer: starts only on sustained voice, ends on clock-timed silence."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from robot.config import Settings
from robot.speech.audio import resample, silence, tone
from robot.speech.tts.espeak import EspeakTTS
from robot.speech.vad import Endpointer, VadEvent

RATE = 16000
FRAME = 640


def feed(ep: Endpointer, pcm: bytes, t0: float = 0.0, step: int = FRAME) -> tuple[list[VadEvent], float]:
    """Push ``pcm`` in ``step``-byte pieces, as a steady media stream would."""
    events: list[VadEvent] = []
    t = t0
    for i in range(0, len(pcm), step):
        events += ep.push(pcm[i : i + step], t)
        t += len(pcm[i : i + step]) / (2 * RATE)
    return events, t


def kinds(events: list[VadEvent]) -> list[str]:
    return [e.kind for e in events]


@pytest.fixture(scope="module")
def speech() -> bytes:
    """Real speech: espeak-ng English, 16 kHz, its own leading/trailing silence trimmed."""
    tts = EspeakTTS(Settings(), "en")
    pcm = asyncio.run(tts.synthesize("I can pay two hundred dollars next Friday."))
    x = np.frombuffer(resample(pcm, tts.sample_rate, RATE), dtype="<i2")
    loud = np.flatnonzero(np.abs(x) > 300)
    return x[loud[0] : loud[-1] + 1].tobytes()


def test_tone_burst_then_streamed_silence_gives_start_and_end() -> None:
    ep = Endpointer(end_silence_ms=600)
    events, _ = feed(ep, silence(500, RATE) + tone(440, 1000, RATE) + silence(1000, RATE))
    assert kinds(events) == ["speech_start", "speech_end"]
    start, end = events
    assert 0.5 <= start.t <= 0.52  # time of the first voiced frame, not of the decision
    assert end.reason == "silence" and 1.48 <= end.t <= 1.52
    # 200 ms pre-roll + 1 s tone + 200 ms tail
    assert 1.3 <= end.duration_s <= 1.5


def test_click_and_cough_do_not_start_speech() -> None:
    ep = Endpointer()
    burst = silence(300, RATE) + tone(1000, 60, RATE, dbfs=-6) + silence(300, RATE)
    events, _ = feed(ep, burst * 3)
    assert events == []
    assert not ep.in_speech


def test_noise_below_energy_floor_is_ignored() -> None:
    rng = np.random.default_rng(7)
    noise = (rng.standard_normal(RATE * 2) * 32768 * 10 ** (-55 / 20)).astype("<i2").tobytes()
    assert feed(Endpointer(), noise)[0] == []


def test_real_speech_utterance_is_returned_with_preroll(speech: bytes) -> None:
    ep = Endpointer()
    events, _ = feed(ep, silence(400, RATE) + speech + silence(800, RATE))
    assert kinds(events) == ["speech_start", "speech_end"]
    utterance = events[1].pcm
    # pre-roll + speech + tail, not the 600 ms of silence that decided the end
    assert len(speech) / 32000 + 0.1 <= events[1].duration_s <= len(speech) / 32000 + 0.45
    assert speech[32000:38400] in utterance  # the caller's words, sample-exact


def test_end_is_timed_by_the_clock_when_frames_stop(speech: bytes) -> None:
    """chan_websocket sends no frames during silence: tick() must end the utterance."""
    ep = Endpointer(end_silence_ms=600)
    events, t_last = feed(ep, silence(200, RATE) + speech, t0=10.0)
    assert kinds(events) == ["speech_start"]
    assert ep.tick(t_last + 0.3) == []  # not yet
    late = ep.tick(t_last + 0.7)
    assert kinds(late) == ["speech_end"] and late[0].reason == "silence"
    assert late[0].t <= t_last + 0.01
    assert late[0].duration_s > len(speech) / 32000 * 0.8
    assert ep.tick(t_last + 5) == []  # only once


def test_short_gap_in_frames_is_bridged_and_kept_as_silence() -> None:
    ep = Endpointer(end_silence_ms=600)
    burst = tone(440, 400, RATE)
    ev1, t1 = feed(ep, burst, t0=0.0)
    ev2, _ = feed(ep, burst, t0=t1 + 0.3)  # 300 ms without frames: still one utterance
    ev3 = ep.tick(t1 + 0.3 + 0.4 + 0.7)
    assert kinds(ev1 + ev2 + ev3) == ["speech_start", "speech_end"]
    assert 1.0 <= ev3[0].duration_s <= 1.4  # 0.4 + 0.3 gap + 0.4 + tail


def test_long_gap_ends_utterance_when_next_frame_arrives() -> None:
    ep = Endpointer(end_silence_ms=600)
    ev1, t1 = feed(ep, tone(440, 400, RATE))
    ev2, _ = feed(ep, tone(440, 400, RATE), t0=t1 + 2.0)  # no tick in between
    assert kinds(ev1 + ev2) == ["speech_start", "speech_end", "speech_start"]


def test_any_chunk_size_gives_the_same_events(speech: bytes) -> None:
    audio = silence(400, RATE) + speech + silence(800, RATE)
    ref = feed(Endpointer(), audio)[0]
    for step in (320, 1000, 4096):
        got = feed(Endpointer(), audio, step=step)[0]
        assert [(e.kind, round(e.t, 2), len(e.pcm)) for e in got] == [
            (e.kind, round(e.t, 2), len(e.pcm)) for e in ref
        ]


def test_no_input_timeout_fires_by_clock_and_is_cancelled_by_speech() -> None:
    ep = Endpointer()
    ep.expect_speech(t=5.0, timeout_s=3.0)
    assert ep.tick(7.9) == []
    out = ep.tick(8.05)
    assert kinds(out) == ["timeout"] and out[0].t == 8.0
    assert ep.tick(9.0) == []
    ep.expect_speech(t=10.0, timeout_s=3.0)
    events, _ = feed(ep, tone(440, 500, RATE), t0=10.5)
    assert kinds(events) == ["speech_start"]
    assert kinds(ep.tick(14.0)) == ["speech_end"]  # and no timeout: speech disarmed it


def test_max_length_and_flush() -> None:
    ep = Endpointer(max_utterance_s=1.0)
    events, _ = feed(ep, tone(440, 1500, RATE))
    assert kinds(events)[:2] == ["speech_start", "speech_end"] and events[1].reason == "max_length"
    ep2 = Endpointer()
    feed(ep2, tone(440, 500, RATE))
    flushed = ep2.flush()
    assert kinds(flushed) == ["speech_end"] and flushed[0].reason == "flush"
    assert ep2.flush() == []


def test_arrival_jitter_does_not_insert_silence(speech: bytes) -> None:
    """Frames come over TCP in bursts and late; the utterance must be the exact audio."""
    rng = np.random.default_rng(3)
    stream = silence(400, RATE) + speech
    ep, events, t = Endpointer(), [], 0.0
    for i in range(0, len(stream), FRAME):
        t += 0.02
        events += ep.push(stream[i : i + FRAME], t + float(rng.uniform(0, 0.08)))
    events += ep.tick(t + 1.0)
    assert kinds(events) == ["speech_start", "speech_end"]
    assert speech[: len(speech) - len(speech) % FRAME - 6400] in events[1].pcm
