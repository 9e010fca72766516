"""NLU tables: Whisper-style utterances in both languages, ASR slips included."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from robot.dialogue.nlu import normalise, parse, slots_to_json

TODAY = date(2026, 11, 25)  # Wednesday

EN_CASES = [
    ("Yes, speaking.", "identity_confirmed", {}),
    ("Yes, this is he.", "identity_confirmed", {}),
    ("That's me.", "identity_confirmed", {}),
    ("Yeah, this is John.", "identity_confirmed", {}),
    ("This is his wife.", "third_party", {}),
    ("I'm fine.", "unknown", {}),
    ("Who's calling?", "ask_details", {}),
    ("Mm-hmm.", "affirm", {}),
    ("I don't have the money right now.", "hardship", {}),
    ("You have the wrong number.", "wrong_number", {}),
    ("There's no one here by that name.", "wrong_number", {}),
    ("I'm his wife, he's not home.", "third_party", {}),
    ("He's not here right now.", "third_party", {}),
    ("I can pay two hundred dollars next Friday.", "promise_to_pay", {"amount": 200, "date": "2026-12-04"}),
    ("I can pay $200 on Friday.", "promise_to_pay", {"amount": 200, "date": "2026-11-27"}),
    ("I'll pay 2,500.50 on the 15th.", "promise_to_pay", {"amount": 2500.5, "date": "2026-12-15"}),
    ("I will pay on the fifteenth.", "promise_to_pay", {"date": "2026-12-15"}),
    ("I'll pay it off by December 10th.", "promise_to_pay", {"amount": "full", "date": "2026-12-10"}),
    ("End of the month.", "promise_to_pay", {"date": "2026-11-30"}),
    ("Tomorrow, three hundred fifty bucks.", "promise_to_pay", {"amount": 350, "date": "2026-11-26"}),
    ("Twenty five hundred dollars.", "promise_to_pay", {"amount": 2500}),
    ("Yes, that's right.", "affirm", {}),
    ("Yeah.", "affirm", {}),
    ("No, that's not right.", "deny", {}),
    ("I already paid.", "already_paid", {}),
    ("I can't pay.", "refuse", {}),
    ("I won't pay.", "refuse", {}),
    ("I lost my job, I can't afford it.", "hardship", {}),
    ("Can I set up a payment plan?", "request_installment", {}),
    ("I don't owe this, it's not my loan.", "dispute", {}),
    ("Call me back later, I'm driving.", "callback_later", {}),
    ("Let me talk to a real person.", "request_human", {}),
    ("Who is this?", "ask_details", {}),
    ("Stop calling me.", "stop_calling", {}),
    ("This is harassment, I'll complain.", "complaint", {}),
    ("The weather is nice.", "unknown", {}),
    ("The weather is nice today.", "unknown", {"date": "2026-11-25"}),
    ("Next Friday, I guess.", "promise_to_pay", {"date": "2026-12-04"}),
    ("", "unknown", {}),
]

ZH_CASES = [
    ("是我。", "identity_confirmed", {}),
    ("我就是", "identity_confirmed", {}),
    ("喂，我是张伟", "identity_confirmed", {}),
    ("我是他同事", "third_party", {}),
    ("打错了", "wrong_number", {}),
    ("我是他老婆，他不在。", "third_party", {}),
    ("他不在家", "third_party", {}),
    ("明天还两千五", "promise_to_pay", {"amount": 2500, "date": "2026-11-26"}),
    ("下周五", "promise_to_pay", {"date": "2026-12-04"}),
    ("月底吧", "promise_to_pay", {"date": "2026-11-30"}),
    ("下个月5号还", "promise_to_pay", {"date": "2026-12-05"}),
    ("15号还一万二", "promise_to_pay", {"amount": 12000, "date": "2026-12-15"}),
    ("1.5万", "promise_to_pay", {"amount": 15000}),
    ("八百块", "promise_to_pay", {"amount": 800}),
    ("我会一次性还清", "promise_to_pay", {"amount": "full"}),
    ("已经还了", "already_paid", {}),
    ("不还", "refuse", {}),
    ("没钱", "hardship", {}),
    ("我还不了", "hardship", {}),
    ("我还没发工资", "hardship", {}),
    ("过两天还", "promise_to_pay", {"date": "2026-11-27"}),
    ("能不能分期", "request_installment", {}),
    ("不是我借的", "dispute", {}),
    ("别再打了", "stop_calling", {}),
    ("转人工", "request_human", {}),
    ("我在开车，晚点再打", "callback_later", {}),
    ("你是谁？", "ask_details", {}),
    ("对", "affirm", {}),
    ("不对", "deny", {}),
    ("我要投诉你们", "complaint", {}),
    ("今天天气不错", "unknown", {"date": "2026-11-25"}),
    # ASR slips: wrong homophone characters, traditional characters
    ("我明天海款两千", "promise_to_pay", {"amount": 2000, "date": "2026-11-26"}),
    ("別再打了！", "stop_calling", {}),
    ("别在打了", "stop_calling", {}),
    ("已經還了", "already_paid", {}),
    ("轉人工", "request_human", {}),
    ("我要分七", "request_installment", {}),
    ("转人空", "request_human", {}),
    ("我已经换过了", "already_paid", {}),
    ("今天天气真不错我们一起去公园散步吧然后去吃饭看电影", "unknown", {"date": "2026-11-25"}),
]


@pytest.mark.parametrize("text,intent,slots", EN_CASES)
def test_english(text: str, intent: str, slots: dict) -> None:
    res = parse(text, "en", TODAY)
    assert (res.intent, slots_to_json(res.slots)) == (intent, slots)
    assert (res.confidence > 0) == (intent != "unknown")


@pytest.mark.parametrize("text,intent,slots", ZH_CASES)
def test_mandarin(text: str, intent: str, slots: dict) -> None:
    res = parse(text, "zh", TODAY)
    assert (res.intent, slots_to_json(res.slots)) == (intent, slots)


def test_candidates_let_states_choose() -> None:
    res = parse("Yes, speaking.", "en", TODAY)
    assert res.candidates == ("identity_confirmed", "affirm")
    assert parse("是的，我是", "zh", TODAY).candidates == ("identity_confirmed", "affirm")


def test_fuzzy_and_pinyin_matches_score_lower_than_exact() -> None:
    exact = parse("转人工", "zh", TODAY).confidence
    homophone = parse("别在打了", "zh", TODAY).confidence
    fuzzy = parse("转人空", "zh", TODAY).confidence
    assert exact > homophone > fuzzy > 0


def test_extra_phrases_extend_vocabulary() -> None:
    assert parse("you bet", "en", TODAY).intent == "unknown"
    assert parse("You bet!", "en", TODAY, {"affirm": ["you bet"]}).intent == "affirm"
    assert parse("妥妥的", "zh", TODAY, {"affirm": ["妥妥的"]}).intent == "affirm"


def test_amount_is_decimal() -> None:
    assert parse("I'll pay $99.99 today", "en", TODAY).slots == {"amount": Decimal("99.99"), "date": TODAY}


def test_normalise() -> None:
    assert normalise("I’ll pay $2,500.50, OK?", "en") == "i'll pay $2500.50 ok"
    assert normalise("還款，兩千！", "zh") == "还款两千"
