"""Emotion cues: text cues in both languages, acoustic cues from synthetic voices."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from robot.dialogue.emotion import classify_emotion, measure
from robot.dialogue.engine import DialogSession
from robot.dialogue.loader import load_script_text

RATE = 16000


def voice(f0: float, seconds: float, amp: float, syllables_per_s: float, wobble: float = 0.0) -> bytes:
    """A buzzy harmonic voice with a syllable envelope: enough for F0, level and rate."""
    t = np.arange(int(seconds * RATE)) / RATE
    phase = 2 * np.pi * np.cumsum(f0 * (1 + wobble * np.sin(2 * np.pi * 1.5 * t))) / RATE
    sig = sum(np.sin(k * phase) / k for k in range(1, 6))
    env = 0.5 * (1 - np.cos(2 * np.pi * syllables_per_s * t))
    x = amp * sig * env / np.max(np.abs(sig))
    return (x * 32767).astype("<i2").tobytes()


CALM = voice(140, 2.0, 0.2, 4)
SHOUT = voice(300, 2.0, 0.9, 8, wobble=0.3)


def test_measure_calm_voice() -> None:
    m = measure(CALM)
    assert m.pitch_hz is not None and 130 < m.pitch_hz < 150
    assert m.energy_dbfs is not None and m.energy_dbfs < -18
    assert m.speech_rate is not None and 3 < m.speech_rate < 5.5


def test_measure_raised_voice() -> None:
    m = measure(SHOUT)
    assert m.pitch_hz is not None and m.pitch_hz > 260
    assert m.energy_dbfs is not None and m.energy_dbfs > -14
    assert m.speech_rate is not None and m.speech_rate > 6.5
    assert m.pitch_spread is not None and m.pitch_spread > 0.25


def test_measure_silence_and_short_input() -> None:
    assert measure(b"\x00\x00" * RATE).pitch_hz is None
    assert measure(b"\x01").voiced_s == 0.0


@pytest.mark.parametrize("text,lang,label", [
    ("好的，明天还", "zh", "neutral"),
    ("你们烦不烦啊，再打我就报警", "zh", "angry"),
    ("滾，別再打了", "zh", "angry"),  # traditional characters
    ("唉，我真的没钱，失业了", "zh", "negative"),
    ("I can pay two hundred on Friday.", "en", "neutral"),
    ("This is ridiculous, stop harassing me!", "en", "angry"),
    ("STOP CALLING ME!!", "en", "angry"),
    ("I lost my job and I'm really stressed.", "en", "negative"),
    ("", "en", "neutral"),
])
def test_text_cues(text: str, lang: str, label: str) -> None:
    res = classify_emotion(text, lang)
    assert res.label == label, res
    assert 0.0 <= res.score <= 1.0
    if label != "neutral":
        assert any(c.startswith("text:") for c in res.cues)


def test_acoustics_strengthen_words() -> None:
    neutral_words = "I can pay next week"
    assert classify_emotion(neutral_words, "en", CALM).label == "neutral"
    shouted = classify_emotion(neutral_words, "en", SHOUT)
    assert shouted.label == "angry"  # every acoustic cue agrees
    assert {c.split(":")[0] for c in shouted.cues} == {"loud", "high_pitch", "pitch_spread", "fast"}
    assert classify_emotion("我现在没钱", "zh", SHOUT).label == "angry"
    assert classify_emotion("我现在没钱", "zh", CALM).label == "negative"


def test_accepts_numpy_samples() -> None:
    arr = np.frombuffer(SHOUT, dtype="<i2")
    assert classify_emotion("hello", "en", arr).label == classify_emotion("hello", "en", SHOUT).label


SCRIPT = """
name: angry_demo
lang: en
start: ask
collector: {institution: Acme Bank, agent_id: "1"}
on:
  any:
    - {when: {emotion: angry, turns: 2}, goto: soothe}
states:
  ask:
    say: "When can you pay?"
    on:
      affirm: done
      refuse:
        - {when: {emotion: [angry, negative]}, goto: done}
        - ask
  soothe:
    say: "I'm sorry. Shall I put you through to a colleague?"
    on:
      affirm: transfer
  done: {say: "Bye.", final: true, outcome: refused}
  transfer: {say: "Hold on.", final: true, outcome: transfer, action: {transfer: q}}
"""


def test_two_angry_turns_in_a_row_take_the_soothing_branch() -> None:
    s = DialogSession(load_script_text(SCRIPT), {"name": "A"}, date(2026, 11, 25))
    s.start()
    assert s.handle("whatever", emotion="angry").state == "ask"
    step = s.handle("whatever", emotion="angry")
    assert (step.state, step.intent) == ("soothe", "any")
    assert [t.emotion for t in s.history] == ["angry", "angry"]
    assert s.handle("yes").state == "transfer"


def test_angry_turns_apart_do_not_count() -> None:
    s = DialogSession(load_script_text(SCRIPT), {"name": "A"}, date(2026, 11, 25))
    s.start()
    s.handle("whatever", emotion="angry")
    s.handle("whatever", emotion="neutral")
    assert s.handle("whatever", emotion="angry").state == "ask"
    s2 = DialogSession(load_script_text(SCRIPT), {"name": "A"}, date(2026, 11, 25))
    s2.start()
    s2.handle("hm", emotion="angry")
    s2.no_input()  # silence breaks the streak too
    assert s2.handle("hm", emotion="angry").state == "ask"


def test_emotion_guard_on_an_intent() -> None:
    s = DialogSession(load_script_text(SCRIPT), {"name": "A"}, date(2026, 11, 25))
    s.start()
    assert s.handle("I won't pay", emotion="negative").state == "done"


def test_any_without_when_is_rejected() -> None:
    from robot.errors import DialogError
    bad = SCRIPT.replace("- {when: {emotion: angry, turns: 2}, goto: soothe}", "- soothe")
    with pytest.raises(DialogError, match="needs a when"):
        load_script_text(bad, "x.yaml")
    with pytest.raises(DialogError, match="furious"):
        load_script_text(SCRIPT.replace("emotion: angry, turns", "emotion: furious, turns"), "x.yaml")


def test_measured_acoustics_can_be_passed_in() -> None:
    pre = measure(SHOUT)
    assert classify_emotion("hello", "en", acoustics=pre) == classify_emotion("hello", "en", SHOUT)
