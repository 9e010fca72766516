"""Pure parts of the conversational-speed work: endpointing policy, prompt pieces,
Whisper's short-window clean-up, the scenario's barge-in options."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from robot.speech import endpoint
from robot.speech.asr.whisper import _cut_repeat
from robot.speech.audio import silence, tone, voiced_span
from robot.speech.tts.segments import TemplateIndex, fill, split_template, trim_silence
from robot.sim.scenarios import load_scenarios


@pytest.mark.parametrize("text,lang,expected", [
    ("Yes, speaking.", "en", True),
    ("I won't pay.", "en", True),
    ("I can pay two hundred dollars next Friday.", "en", True),
    ("I can pay", "en", False),
    ("I can pay two hundred", "en", False),
    ("next Friday, on", "en", False),
    ("around October", "en", False),
    ("I can pay 200", "en", False),
    ("Well,", "en", False),
    ("是我。", "zh", True),
    ("好的。", "zh", True),
    ("下个月5", "zh", False),
    ("我明天还五千", "zh", False),
    ("", "en", None),
])
def test_looks_complete(text: str, lang: str, expected: bool | None) -> None:
    assert endpoint.looks_complete(text, lang) is expected


def test_end_silence_is_shorter_after_a_complete_answer() -> None:
    short = endpoint.end_silence_ms("Yes.", "en")
    middle = endpoint.end_silence_ms(None, "en")
    long = endpoint.end_silence_ms("I can pay on", "en")
    assert short < middle < long


def test_split_template_glues_punctuation_to_the_value() -> None:
    pieces = split_template("Am I speaking with {name}?")
    assert [(p.text, p.variable) for p in pieces] == [("Am I speaking with ", False), ("{name}?", True)]
    assert fill(pieces, {"name": "Alice Walker"}) == ["Am I speaking with", "Alice Walker?"]


def test_template_index_finds_pieces_of_a_rendered_prompt() -> None:
    idx = TemplateIndex(["So you will pay {ptp_amount} on {ptp_date}. Is that right?",
                         "Goodbye."])
    assert idx.pieces_for("So you will pay two hundred dollars on Friday, December 4th. Is that right?") == [
        "So you will pay", "two hundred dollars", "on", "Friday, December 4th.", "Is that right?"]
    assert idx.pieces_for("Goodbye.") is None  # no fields: rendered whole


def test_trim_silence_keeps_the_sound() -> None:
    sound = tone(440, 300, 16000)
    pcm = silence(200, 16000) + sound + silence(400, 16000)
    out = trim_silence(pcm, keep_ms=30)
    assert len(sound) <= len(out) <= len(sound) + 2 * 30 * 32 + 4


def test_voiced_span() -> None:
    pcm = silence(200, 16000) + tone(440, 500, 16000) + silence(300, 16000)
    first, last = voiced_span(pcm, 16000)
    assert first == pytest.approx(0.2, abs=0.021) and last == pytest.approx(0.7, abs=0.021)
    assert voiced_span(silence(100, 16000), 16000) == (0.0, 0.0)


def test_cut_repeat_drops_whisper_loops() -> None:
    assert _cut_repeat([1, 2, 3, 4, 1, 2, 3, 4, 1, 2]) == [1, 2, 3, 4]
    assert _cut_repeat([5, 6, 7, 8, 9]) == [5, 6, 7, 8, 9]
    assert _cut_repeat([5, 5]) == [5, 5]  # "no, no": too short to be a loop


def test_scenario_barge_in_options(tmp_path: Path) -> None:
    f = tmp_path / "s.yaml"
    f.write_text('scenarios:\n  "+1555":\n    replies: ["a", "b"]\n'
                 '    barge_in_after_ms: 1500\n    barge_in_reply: 1\n  "+1556":\n    replies: ["a"]\n')
    book = load_scenarios(f)
    assert book.scenarios["1555"].barge_in_after_ms == 1500
    assert book.scenarios["1555"].barge_in_reply == 1
    assert book.scenarios["1556"].barge_in_after_ms is None
