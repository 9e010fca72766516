"""Scoring arithmetic, fatal findings, party tracking and rule-set selection."""

from __future__ import annotations

import pytest
from qa_helpers import call

from robot.errors import InputError
from robot.qa.rules import load_rules_text, shipped_rules
from robot.qa.score import score_transcript

A, D, T = "agent", "debtor", "third_party"

SMALL_RULES = """
lang: en
concepts:
  hello: {phrases: [hello there]}
  rude: {patterns: ['\\bnitwit\\b']}
  slur: {phrases: [scoundrel]}
rules:
  - {code: missing_hello, kind: required, all_of: [hello], within_s: 5, only_if_right_party: false, deduction: 30}
  - {code: long_pause, kind: silence, max_gap_ms: 1000, deduction: 40, max_deduction: 80}
  - {code: rude_word, kind: forbidden, concept: rude, fatal: false, deduction: 25}
  - {code: slur, kind: forbidden, concept: slur, fatal: true, deduction: 5}
"""


def test_two_required_misses_deduct_ten_each() -> None:
    tr = call("zh", (A, "您好，我是华信银行的小李。请问是张伟先生本人吗？"), (D, "是我。"), opening=False)
    result = score_transcript(tr)
    assert result.codes() == {"missing_identity_disclosure", "missing_recording_notice"}
    assert (result.score, result.alert) == (80, False)
    assert [v.deduction for v in result.violations] == [10, 10]
    assert all(v.turn_index is None for v in result.violations)


def test_repeated_minor_violations_are_capped() -> None:
    # Four agent silences of 8 s: 5 points each, at most 15 per call.
    turns = []
    t = 10.0
    for _ in range(4):
        turns += [(D, "嗯。", t, t + 1), (A, "好的。", t + 9, t + 10)]
        t += 11
    result = score_transcript(call("zh", *turns))
    silences = [v for v in result.violations if v.code == "excessive_silence"]
    assert [v.deduction for v in silences] == [5, 5, 5, 0]
    assert [v.turn_index for v in silences] == [3, 5, 7, 9]
    assert result.score == 85 and not result.alert


def test_fatal_sets_zero_and_alert_even_with_other_deductions() -> None:
    tr = call("zh", (A, "您好，我是华信银行的小李。请问是张伟先生本人吗？"), (D, "是我。"),
              (A, "你这个老赖，真不要脸。"), opening=False)
    result = score_transcript(tr)
    assert result.score == 0 and result.alert
    insult = next(v for v in result.violations if v.code == "insult")
    assert (insult.fatal, insult.severity, insult.turn_index, insult.deduction) == (True, "critical", 2, 100)
    assert "老赖" in insult.evidence


def test_custom_rule_arithmetic_and_clamp_at_zero() -> None:
    rules = load_rules_text(SMALL_RULES, "small.yaml")
    tr = {"lang": "en", "turns": [
        {"speaker": "agent", "start": 0, "end": 1, "text": "Good day."},
        {"speaker": "debtor", "start": 3, "end": 4, "text": "Hi."},
        {"speaker": "agent", "start": 6, "end": 7, "text": "You nitwit."}]}
    result = score_transcript(tr, rules)
    assert [(v.code, v.deduction) for v in result.violations] == [
        ("missing_hello", 30), ("long_pause", 40), ("rude_word", 25)]
    assert result.score == 5 and not result.alert
    tr["turns"].append({"speaker": "agent", "start": 8.5, "end": 9, "text": "Hello there."})
    result = score_transcript(tr, rules)
    # the greeting came too late (8.5 s > 5 s); a second pause takes the total past 100
    assert [v.deduction for v in result.violations if v.code == "long_pause"] == [40, 40]
    assert result.score == 0 and not result.alert


def test_to_json_shape() -> None:
    result = score_transcript(call("en", (A, "You're a deadbeat.")))
    assert result.to_json() == {"score": 0, "alert": True, "violations": [
        {"code": "insult", "turn": 3, "evidence": "you are a deadbeat", "deduction": 100}]}


def test_required_rules_skip_calls_that_never_reach_the_borrower() -> None:
    tr = call("en", (A, "Hello, is this Jason Reed?"), (D, "Nope, wrong number."),
              (A, "Sorry to bother you."), opening=False)
    assert score_transcript(tr).violations == ()


def test_mini_miranda_deadline_counts_from_confirmation() -> None:
    mm = "This is an attempt to collect a debt and any information obtained will be used for that purpose."
    opening = (A, "Hi, Kevin at First River Bank, agent ID 2231, this call is recorded. Is this Robert?", 0, 4)
    late = call("en", opening, (D, "Yes.", 5, 6), (A, mm, 40, 45), opening=False)
    on_time = call("en", opening, (D, "Yes.", 5, 6), (A, mm, 30, 35), opening=False)
    assert "missing_mini_miranda" in score_transcript(late).codes()
    assert "missing_mini_miranda" not in score_transcript(on_time).codes()


def test_third_party_then_borrower_comes_to_the_phone() -> None:
    tr = call("zh", (A, "您好，恒通银行信用卡中心，工号6612，本次通话将被录音。请问是金鑫先生吗？"),
              (T, "你等一下，我去叫他。"), (D, "喂，我是金鑫。"), (A, "金先生，您的信用卡欠款2200元已逾期。"),
              opening=False)
    assert score_transcript(tr).violations == ()


def test_affirm_counts_only_after_an_identity_question() -> None:
    base = [(A, "您好，恒通银行信用卡中心，工号6612，本次通话将被录音。"), (D, "对。"),
            (A, "您的信用卡欠款2200元已逾期。")]
    assert "missing_right_party_check" in score_transcript(call("zh", *base, opening=False)).codes()
    asked = [(base[0][0], base[0][1] + "请问是金鑫先生本人吗？"), *base[1:]]
    assert "missing_right_party_check" not in score_transcript(call("zh", *asked, opening=False)).codes()


def test_rules_mapping_and_language_mismatch() -> None:
    tr = call("zh")
    assert score_transcript(tr, {"zh": shipped_rules("zh")}).score == 100
    with pytest.raises(InputError, match="no QA rules for language 'zh'"):
        score_transcript(tr, {"en": shipped_rules("en")})
    with pytest.raises(InputError, match="is for 'en', transcript is 'zh'"):
        score_transcript(tr, shipped_rules("en"))


def test_bad_transcript_dict_names_the_path() -> None:
    with pytest.raises(InputError, match=r"\$\.turns\[1\]\.speaker: expected one of agent"):
        score_transcript({"lang": "en", "turns": [
            {"speaker": "agent", "start": 0, "end": 1, "text": "hi"},
            {"speaker": "caller", "start": 1, "end": 2, "text": "hi"}]})


def test_fatal_rule_zeroes_the_score_whatever_its_deduction() -> None:
    rules = load_rules_text(SMALL_RULES, "small.yaml")
    tr = {"lang": "en", "turns": [
        {"speaker": "agent", "start": 0, "end": 1, "text": "Hello there, you scoundrel."}]}
    result = score_transcript(tr, rules)
    assert [(v.code, v.deduction, v.fatal) for v in result.violations] == [("slur", 5, True)]
    assert (result.score, result.alert) == (0, True)


def test_own_overlapping_segments_are_not_talk_over() -> None:
    tr = call("zh", (A, "张先生，您的账单已经逾期了，", 10.0, 16.0), (A, "欠款2200元。", 12.0, 17.0))
    assert "talk_over" not in score_transcript(tr).codes()


def test_restated_promise_needs_one_readback() -> None:
    tr = call("zh", (D, "明天还。"), (D, "明天还两千。"), (A, "好的，跟您确认，明天还款两千元，对吗？"))
    assert "missing_ptp_readback" not in score_transcript(tr).codes()
    tr = call("zh", (D, "明天还。"), (D, "明天还两千。"), (A, "好的，再见。"))
    assert [v.turn_index for v in score_transcript(tr).violations] == [3]


def test_asking_for_money_after_a_stop_request_by_its_shape() -> None:
    """After "stop calling", a sum with a deadline or a sum asked for is asking again,
    whatever the words; closing the call is not."""
    stop = (D, "Please stop calling me, I mean it.")
    for ask in ("So 50 today? Just 50.", "Twenty-five, then? $25?", "I need $300 by Friday."):
        tr = call("en", stop, (A, ask))
        assert "stop_request_ignored" in score_transcript(tr).codes(), ask
    for fine in ("Understood, I have noted it. Goodbye.", "Okay, we will send letters instead."):
        tr = call("en", stop, (A, fine))
        assert "stop_request_ignored" not in score_transcript(tr).codes(), fine
    tr = call("zh", (D, "你们别再打了。"), (A, "今天八千块必须到账。"))
    assert "stop_request_ignored" in score_transcript(tr).codes()


def test_unpunctuated_recogniser_output_still_shows_who_answered() -> None:
    """Speech recognisers often write no punctuation, only spaces at pauses: the "yes"
    is the reply's first piece ("嗯 我是", "yeah who is this"), the identity question a
    piece in the middle of the opening ("喂 是杨帆吗 我这边是...")."""
    zh_open = (A, "喂 您好 这边是平安银行信用卡中心 工号 六 六 零 三 一 电话录音了啊 请问是 周 周海涛先生吧")
    detail = (A, "周先生 你这张卡 呃 欠款八千三百元 逾期四十多天了")
    for reply in ("嗯 我是", "是 怎么了", "呃 对 我是周海涛 什么事"):
        tr = call("zh", zh_open, (D, reply), detail, opening=False)
        assert score_transcript(tr).codes() == set(), reply
    # a reply that confirms nothing leaves the detail before confirmation
    tr = call("zh", zh_open, (D, "喂 你哪位啊"), detail, opening=False)
    assert "missing_right_party_check" in score_transcript(tr).codes()
    # the question in the middle of an unpunctuated opening
    tr = call("zh", (A, "喂 是杨帆吗 我这边是平安银行信用卡中心的"), (D, "对 我是杨帆 什么事"), detail,
              opening=False)
    assert {"missing_identity_disclosure", "missing_recording_notice"} <= score_transcript(tr).codes()
    assert "missing_right_party_check" not in score_transcript(tr).codes()
    en = call("en", (A, "hey is this Carlos Mendez"), (D, "uh yeah who's this"),
              (A, "your loan of 160 dollars is 20 days overdue"), opening=False)
    codes = score_transcript(en).codes()
    assert {"missing_identity_disclosure", "missing_recording_notice", "missing_mini_miranda"} <= codes
    assert "missing_right_party_check" not in codes


def test_findings_are_about_the_collector_who_spoke() -> None:
    from robot.qa.score import QaResult, Violation, finding_owners

    speakers = ["robot", "debtor", "robot", "agent", "debtor", "agent"]
    found = QaResult(0, True, (Violation("missing_recording_notice", None, "", "major", False),
                               Violation("threat", 3, "", "critical", True),
                               Violation("missing_ptp_readback", 4, "", "major", False),
                               Violation("missing_right_party_check", 0, "", "major", False),
                               Violation("talk_over", 2, "", "minor", False)))
    assert finding_owners(found, speakers, "ann") == ["robot", "ann", "ann", "robot", "robot"]
    # a call with one collector: everything is theirs; a promise after the last turn too
    assert finding_owners(found, ["agent", "debtor", "agent", "agent", "debtor", "debtor"], "A7") == ["A7"] * 5
    assert finding_owners(QaResult(90, False, (Violation("missing_ptp_readback", 2, "", "major", False),)),
                          ["robot", "debtor", "debtor"], "robot") == ["robot"]


def test_an_amount_and_date_asked_for_is_a_promise_to_read_back() -> None:
    asked = (A, "I understand. When can you make a payment, and how much?")
    noted = (A, "Thank you. I have noted your payment commitment.")
    tr = call("en", asked, (D, "Um, probably eighty dollars on Friday."), noted)
    assert "missing_ptp_readback" in score_transcript(tr).codes()
    read = (A, "So that is eighty dollars on Friday, thank you.")
    assert "missing_ptp_readback" not in score_transcript(call("en", asked, (D, "Eighty dollars on Friday."), read)).codes()
    # not asked: a sum and a day in passing are no promise
    told = (A, "Your statement is ready.")
    tr = call("en", told, (D, "I paid eighty dollars on Friday already."), noted)
    assert "missing_ptp_readback" not in score_transcript(tr).codes()


def test_a_refusal_with_a_sum_and_a_day_is_no_promise() -> None:
    asked = (A, "那您今天能还多少？")
    tr = call("zh", asked, (D, "今天真没有 我卡里就剩几百块"), (A, "那您再想想办法。"))
    assert "missing_ptp_readback" not in score_transcript(tr).codes()
    tr = call("zh", asked, (D, "今天先还五百块"), (A, "那您再想想办法。"))
    assert "missing_ptp_readback" in score_transcript(tr).codes()
