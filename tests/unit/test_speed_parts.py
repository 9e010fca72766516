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


@pytest.mark.parametrize("text,lang", [
    ("No.", "en"), ("I'm his wife.", "en"), ("不是。", "zh"), ("我是他老婆。", "zh"),
])
def test_a_bare_no_or_a_stranger_waits_past_the_breath_between_sentences(text: str, lang: str) -> None:
    # The simulator's voice leaves ~620 ms between two sentences of one answer.
    assert endpoint.end_silence_ms(text, lang) == endpoint.OPENING_MS > 620 + 100
    assert endpoint.OPENING_MS < endpoint.INCOMPLETE_MS


@pytest.mark.parametrize("text,lang", [
    ("Yes, speaking.", "en"), ("I won't pay.", "en"), ("是我。", "zh"),
    ("No. I will not pay anything.", "en"), ("I'm his wife. He is not at home.", "en"),
    ("Sorry, you have the wrong number.", "en"),
])
def test_complete_answers_and_finished_accounts_still_end_soon(text: str, lang: str) -> None:
    assert endpoint.end_silence_ms(text, lang) == endpoint.COMPLETE_MS


@pytest.mark.parametrize("text,lang", [("Yes.", "en"), ("Sorry.", "en"), ("Okay", "en"), ("对。", "zh")])
def test_a_lone_yes_waits_past_a_comma_but_well_before_a_date_pause(text: str, lang: str) -> None:
    # "Yes, speaking." / "Sorry, you have ...": the comma is up to 360 ms of silence.
    ms = endpoint.end_silence_ms(text, lang)
    assert ms == endpoint.PREFACE_MS
    assert 360 < ms < endpoint.DEFAULT_MS < endpoint.INCOMPLETE_MS


@pytest.mark.parametrize("text,expected", [
    ("Yes. Yes. Yes. Yes", "Yes."), ("I'm sorry. I'm sorry", "I'm sorry."), ("No. No.", "No."),
    ("是我。是我。", "是我。"), ("I can pay $200.50 on Monday.", "I can pay $200.50 on Monday."),
    ("I'm his wife. He is not at home.", "I'm his wife. He is not at home."),
])
def test_whisper_echoes_of_a_short_sentence_are_dropped(text: str, expected: str) -> None:
    from robot.speech.asr.whisper import _drop_echoes

    assert _drop_echoes(text) == expected


def test_whisper_token_cap_grows_with_the_audio_and_suits_the_language() -> None:
    from robot.speech.asr.whisper import max_tokens

    assert max_tokens(1.0, ["en"]) < max_tokens(3.0, ["en"])
    assert max_tokens(2.0, ["en"]) < max_tokens(2.0, ["zh"]) == max_tokens(2.0, ["en", "zh"])
    # Room for the test sentences' longest (13 tokens in 2.38 s, prompt of 3 included).
    assert max_tokens(2.38, ["en"]) >= 3 + 13 + 4


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


async def test_decoders_share_waiting_answers_and_skip_abandoned_ones() -> None:
    import asyncio

    from robot.speech.asr.whisper import _SharedModel

    shared = _SharedModel(model=None, load_s=0.0, workers=2)
    loop = asyncio.get_running_loop()
    futs = [loop.create_future() for _ in range(7)]
    shared.pending = [(f"a{i}", "en", 1.0, f) for i, f in enumerate(futs)]
    futs[0].cancel()  # its caller spoke on: the decode would be wasted
    first = shared.take()  # both decoders idle: half of the six live answers
    assert [a for a, *_ in first] == ["a1", "a2", "a3"] and shared.skipped == 1
    second = shared.take()  # the other decoder takes the rest
    assert [a for a, *_ in second] == ["a4", "a5", "a6"] and shared.pending == []
    shared.done(3)
    shared.done(3)
    assert (shared.running, shared.batches, shared.decoded) == (0, 2, 6)
    assert shared.take() == [] and shared.running == 0
    shared.executor.shutdown()
