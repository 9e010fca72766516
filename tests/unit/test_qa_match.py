"""Normalisation, pinyin and fuzzy matching, negation scope."""

from __future__ import annotations

import re

import pytest

from robot.qa.match import Concept, clauses, compile_template, find, normalise
from robot.qa.rules import shipped_rules


def concept(lang: str, phrases: tuple[str, ...] = (), patterns: tuple[str, ...] = ()) -> Concept:
    return Concept("c", lang, tuple(re.compile(p) for p in patterns),
                   tuple(normalise(p, lang) for p in phrases))


def hits(c: Concept, text: str) -> list[str]:
    return [h.text for h in find(c, clauses(text, c.lang))]


def test_normalise_traditional_fullwidth_and_contractions() -> None:
    assert normalise("本次通話將被錄音ＡＢＣ１２３", "zh") == "本次通话将被录音abc123"
    assert normalise("We won't sue, I'm sure it's fine. Call's recorded", "en") == \
        "we will not sue, i am sure it is fine. call is recorded"
    assert clauses("I owe $1,380.50, okay? Yes.", "en") == ["i owe $1380.50", "okay", "yes"]


def test_homophone_slip_matches_by_pinyin() -> None:
    c = concept("zh", phrases=("录音",))
    assert [h.how for h in find(c, clauses("本次通话将被路音", "zh"))] == ["pinyin"]
    assert hits(c, "本次通话将被路音") == ["路音"]


def test_sound_alike_across_a_name_is_not_a_slip() -> None:
    # 彭涛先生 contains "tao xian", the pinyin of 套现; no character is shared.
    c = concept("zh", phrases=("套现",))
    assert hits(c, "请问是彭涛先生本人吗") == []
    assert hits(c, "用信用卡套现") == ["套现"]


def test_fuzzy_pinyin_for_longer_phrases() -> None:
    c = concept("zh", phrases=("拆东墙补西墙",))
    found = find(c, clauses("你就拆东墙补西强嘛", "zh"))
    assert [(h.text, h.how) for h in found] == [("拆东墙补西强", "pinyin")]
    found = find(c, clauses("你就拆东墙补西桥嘛", "zh"))  # qiang -> qiao: close, not equal
    assert [(h.text, h.how) for h in found] == [("拆东墙补西桥", "fuzzy")]
    assert hits(c, "拆东西") == []


def test_fuzzy_english_only_for_long_phrases() -> None:
    mm = concept("en", phrases=("any information obtained will be used for that purpose",))
    assert hits(mm, "Any informaton obtaned will be used for that purpose.")
    sue = concept("en", phrases=("we will sue you",))
    assert hits(sue, "Okay, we will see you then.") == []


@pytest.mark.parametrize("text,expected", [
    ("We will sue you.", True),
    ("We will not sue you.", False),
    ("We won't sue you.", False),
    ("Nobody is going to sue you.", False),
    ("If you do not pay we will sue you.", True),
    ("If you don't pay, we will sue you.", True),
    ("We never said we will sue you.", True),  # the negation belongs to "said", blocked by "we"
])
def test_english_negation_scope(text: str, expected: bool) -> None:
    c = concept("en", patterns=(r"\bsue you\b",))
    assert bool(hits(c, text)) is expected


@pytest.mark.parametrize("text,expected", [
    ("我们会起诉您", True),
    ("我们不会起诉您", False),
    ("我们没有要起诉您", False),
    ("如果不还就起诉您", True),
    ("你是不是想让我们起诉您", True),
])
def test_mandarin_negation_scope(text: str, expected: bool) -> None:
    c = concept("zh", phrases=("起诉您",))
    assert bool(hits(c, text)) is expected


def test_one_negation_covers_a_list() -> None:
    funding = shipped_rules("zh").concepts["illegal_funding_pressure"]
    assert find(funding, clauses("我们不建议您通过网贷或者借钱还款", "zh")) == []
    assert find(funding, clauses("您可以通过网贷或者借钱还款", "zh"))
    push = shipped_rules("zh").concepts["push"]
    assert find(push, clauses("今天能不能先还一部分", "zh"))  # a question, not a negation


def test_compile_template() -> None:
    syn = {"you": ["你", "您"]}
    assert compile_template("告{you}", syn, regex=False) == ["告你", "告您"]
    assert compile_template("告{you}", syn, regex=True) == ["告(?:你|您)"]
