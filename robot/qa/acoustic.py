"""How a collector spoke, not what: speech rate, a raised voice, a hostile tone.

These rules read what a transcript carries besides words - turn times, and where the
transcript came from audio, each turn's loudness (``level_dbfs``) or an emotion label -
so they work the same on the robot's live turns, on recordings transcribed by ``qa run``
and on a vendor's JSON. A raised voice is judged against the same speaker's usual level
in that call (the median of their turns), because recorders, phones and gains differ far
more than 10 dB from call to call, while within one call they do not.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from statistics import median

from robot.qa.rules import Rule
from robot.qa.transcript import Turn

Found = Iterator[tuple[int | None, str]]
_HAN = re.compile(r"[\u4e00-\u9fff0-9]")


def spoken_units(text: str, lang: str) -> int:
    """Words (English) or characters and digits (Mandarin) said in a turn."""
    return len(_HAN.findall(text)) if lang == "zh" else len(re.findall(r"[A-Za-z0-9']+", text))


def speech_rate(rule: Rule, turns: tuple[Turn, ...], lang: str) -> Found:
    limit, min_s = rule.params["max_rate"], rule.params["min_s"]
    unit = "characters" if lang == "zh" else "words"
    for t in turns:
        span = t.end - t.start
        if t.speaker in rule.speakers and span >= min_s and not t.interrupted:
            rate = spoken_units(t.text, lang) / span
            if rate > limit:
                yield t.index, f"{rate:.1f} {unit} a second (limit {limit:g}): {t.text[:80]}"


def shouting(rule: Rule, turns: tuple[Turn, ...], lang: str) -> Found:
    above, min_turns = rule.params["above_median_db"], rule.params["min_turns"]
    for speaker in rule.speakers:
        mine = [t for t in turns if t.speaker == speaker and t.level_dbfs is not None]
        if len(mine) < min_turns:
            continue
        usual = median(t.level_dbfs for t in mine if t.level_dbfs is not None)
        for t in mine:
            assert t.level_dbfs is not None
            if t.level_dbfs - usual >= above:
                yield t.index, (f"{t.level_dbfs - usual:.0f} dB above this speaker's usual level "
                                f"(limit {above:g} dB): {t.text[:80]}")


def emotion(rule: Rule, turns: tuple[Turn, ...], lang: str) -> Found:
    """Turns labelled with one of the rule's emotions. Only labels the transcript
    carries count (the robot's live turns label the borrower from words and voice; a
    vendor's transcript may label anyone): guessing a collector's mood from words alone
    mistakes "we will not sue you" for anger."""
    labels = rule.params["labels"]
    for t in turns:
        if t.speaker in rule.speakers and t.emotion in labels:
            yield t.index, f"{t.emotion} tone: {t.text[:80]}"
