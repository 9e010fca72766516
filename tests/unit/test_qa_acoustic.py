"""How a collector spoke: speech rate, a raised voice, emotion labels (robot/qa/acoustic.py)."""

from __future__ import annotations

import pytest

from robot.errors import InputError
from robot.qa.score import score_transcript
from robot.qa.transcript import parse_transcript

OPEN = {"speaker": "agent", "start": 0.0, "end": 6.0,
        "text": "Hi, this is Mark with First Bank, agent ID 4410, and this call is recorded. Is this Sam?"}
YES = {"speaker": "debtor", "start": 6.5, "end": 7.0, "text": "Yes, speaking."}


def _codes(*turns: dict, lang: str = "en") -> dict[str, list[int | None]]:
    out: dict[str, list[int | None]] = {}
    for v in score_transcript({"lang": lang, "turns": list(turns)}).violations:
        out.setdefault(v.code, []).append(v.turn_index)
    return out


def test_fast_speech_counts_words_or_characters_a_second() -> None:
    fast = {"speaker": "agent", "start": 8.0, "end": 10.0,
            "text": "this is an attempt to collect a debt and any information obtained will be used"}
    assert _codes(OPEN, YES, fast)["fast_speech"] == [2]  # 14 words in 2 s
    calm = {**fast, "end": 13.0}  # 14 words in 5 s
    assert "fast_speech" not in _codes(OPEN, YES, calm)
    short = {**fast, "end": 9.5}  # under min_s: a burst is not a habit
    assert "fast_speech" not in _codes(OPEN, YES, short)
    zh = [{"speaker": "agent", "start": 0, "end": 2.0, "text": "您好这里是华信银行信用卡中心工号R107本次通话将被录音"},
          {"speaker": "agent", "start": 3, "end": 7.0, "text": "您好这里是华信银行信用卡中心工号R107本次通话将被录音"}]
    assert _codes(*zh, lang="zh")["fast_speech"] == [0]  # 25 characters in 2 s, not in 4 s


def test_shouting_is_judged_against_the_speakers_own_level() -> None:
    turns = [dict(OPEN, level_dbfs=-30.0), YES]
    for i, level in enumerate((-31.0, -29.0, -17.5, -30.5)):
        turns.append({"speaker": "agent", "start": 10.0 + 5 * i, "end": 12.0 + 5 * i,
                      "text": "Okay.", "level_dbfs": level})
    assert _codes(*turns)["shouting"] == [4]  # 12.5 dB above the median of -30
    quiet_line = [dict(t, level_dbfs=t["level_dbfs"] - 25) if "level_dbfs" in t else t for t in turns]
    assert _codes(*quiet_line)["shouting"] == [4]  # the same call on a quieter recorder
    without = [{k: v for k, v in t.items() if k != "level_dbfs"} for t in turns]
    assert "shouting" not in _codes(*without)  # no levels: nothing to judge


def test_emotion_rules_read_labels_only() -> None:
    angry = {"speaker": "debtor", "start": 8, "end": 9, "text": "Stop harassing me!", "emotion": "angry"}
    found = score_transcript({"lang": "en", "turns": [OPEN, YES, angry]})
    [v] = [v for v in found.violations if v.code == "debtor_angry"]
    assert (v.turn_index, v.deduction) == (2, 0)  # worth a listen, no points off
    sharp = {"speaker": "agent", "start": 10, "end": 11, "text": "Fine.", "emotion": "angry"}
    assert _codes(OPEN, YES, sharp)["agent_negative_emotion"] == [2]
    reassure = {"speaker": "agent", "start": 10, "end": 14, "text": "We will not sue you and nobody will come to your house."}
    assert "agent_negative_emotion" not in _codes(OPEN, YES, reassure)


def test_bad_levels_and_labels_are_refused_with_their_path() -> None:
    with pytest.raises(InputError, match=r"\$\.turns\[1\]\.level_dbfs: expected dBFS"):
        parse_transcript({"lang": "en", "turns": [OPEN, dict(YES, level_dbfs=3)]})
    with pytest.raises(InputError, match=r"\$\.turns\[0\]\.emotion: expected one of neutral"):
        parse_transcript({"lang": "en", "turns": [dict(OPEN, emotion="furious")]})


def test_a_prompt_cut_off_by_barge_in_is_not_fast_speech() -> None:
    cut = {"speaker": "robot", "start": 8.0, "end": 10.5, "interrupted": True,
           "text": "this is a reminder that your card payment of four hundred dollars was due on the first"}
    assert "fast_speech" not in _codes(OPEN, YES, cut)
    assert "fast_speech" in _codes(OPEN, YES, dict(cut, interrupted=False))


def test_live_turn_levels_reach_the_shouting_rule() -> None:
    """The store's turns of a live call (robot/telephony: one level per heard utterance)
    go through the same conversion as the live scorer's, and the rule judges them."""
    from robot.qa.transcript import stored_turns
    from robot.store.models import Turn

    live = [Turn("agent", OPEN["text"], 0.0, 6.0, level_dbfs=-31.0),
            Turn("debtor", "Yes, speaking.", 6.5, 7.0, level_dbfs=-25.0),
            Turn("agent", "Okay.", 10.0, 12.0, level_dbfs=-30.0),
            Turn("agent", "Pay it today!", 15.0, 17.0, level_dbfs=-16.0),
            Turn("robot", "Goodbye.", 18.0, 19.0)]
    turns = stored_turns(live)
    assert [t.get("level_dbfs") for t in turns] == [-31.0, -25.0, -30.0, -16.0, None]
    assert _codes(*turns)["shouting"] == [3]
    calm = stored_turns([*live[:3], Turn("agent", "Pay it today!", 15.0, 17.0, level_dbfs=-27.0)])
    assert "shouting" not in _codes(*calm)
