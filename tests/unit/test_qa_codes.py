"""Every violation code fires on a positive example and stays quiet on a near-miss, in
both languages. The near-misses are the ones reviewers argue about: negations, the
borrower saying the bad words, a question that looks like a negation, a pause that is
the borrower's."""

from __future__ import annotations

from typing import Any

import pytest
from qa_helpers import call

from robot.qa.score import score_transcript

A, R, D, T = "agent", "robot", "debtor", "third_party"

# (id, lang, code, positive transcript, near-miss transcript)
CASES: list[tuple[str, str, str, dict[str, Any], dict[str, Any]]] = [
    ("zh-identity", "zh", "missing_identity_disclosure",
     call("zh", (A, "您好，我是华信银行的小李，本次通话将被录音。请问是张伟先生本人吗？"), (D, "是我。"), opening=False),
     call("zh", (A, "喂您好，恒通银行信用卡中心，员工编号3390，通话全程录音，请问是张伟先生吗？"), (D, "是。"), opening=False)),
    ("en-identity", "en", "missing_identity_disclosure",
     call("en", (A, "Hi, this is Rachel from First River Bank. This call is recorded. Is this Robert Hill?"),
          (D, "Speaking."), opening=False),
     call("en", (A, "Good evening, Sarah at Northgate Bank card services, representative number 7781. "
                    "This call is being recorded. May I speak with Robert Hill?"), (D, "That's me."), opening=False)),
    ("zh-recording", "zh", "missing_recording_notice",
     call("zh", (A, "您好，这里是华信银行信用卡中心，工号2256，放心，我们这个电话没有录音。请问是张伟先生本人吗？"),
          (D, "是我。"), opening=False),
     call("zh", (A, "您好，這裡是華信銀行信用卡中心，工號2256，本次通話將被路音。請問是張偉先生本人嗎？"),
          (D, "是我。"), opening=False)),
    ("en-recording", "en", "missing_recording_notice",
     call("en", (A, "Hi, this is Kevin from First River Bank, agent ID 2231. Is this Robert Hill?"), (D, "Yes."),
          opening=False),
     call("en", (A, "Hi, this is Kevin from First River Bank, agent ID 2231, and we record our calls. "
                    "Is this Robert Hill?"), (D, "Yes."), opening=False)),
    ("en-mini-miranda", "en", "missing_mini_miranda",
     call("en", (A, "Hi, Kevin at First River Bank, agent ID 2231, this call is recorded. Is this Robert?"),
          (D, "Yes."), (A, "This is not an attempt to collect a debt, just a courtesy call about your $300."),
          opening=False),
     call("en", (A, "Hi, Kevin at First River Bank, agent ID 2231, this call is recorded. Is this Robert?"),
          (D, "Yes."), (A, "We're a debt collector attempting to collect a debt, and anything you tell us "
                           "will be used for that purpose."), opening=False)),
    ("zh-rpc", "zh", "missing_right_party_check",
     call("zh", (R, "您好，这里是华信银行信用卡中心智能客服，工号R107，本次通话将被录音。您的信用卡已逾期，"
                    "欠款4500元。请问是张伟先生本人吗？"), (D, "是我。"), opening=False),
     call("zh", (R, "您好，这里是华信银行信用卡中心智能客服，工号R107，本次通话将被录音。有件事需要和您本人"
                    "沟通，请问是张伟先生本人吗？"), (D, "对。"), (R, "张先生，您的信用卡已逾期，欠款4500元。"),
          opening=False)),
    ("en-rpc", "en", "missing_right_party_check",
     call("en", (A, "Hi, Kevin at First River Bank, agent ID 2231, call is recorded. You're $800 past due. "
                    "Is this Robert?"), (D, "Yeah."), opening=False),
     call("en", (A, "Hi, Kevin at First River Bank, agent ID 2231, call is recorded. I'm calling about a "
                    "personal business matter. Is this Robert?"), (D, "Yeah."),
          (A, "Thanks. Your card is $800 past due."), opening=False)),
    ("zh-ptp", "zh", "missing_ptp_readback",
     call("zh", (D, "我下周五还两千。"), (A, "好的，那您记得按时还，再见。")),
     call("zh", (D, "我下周五还两千。"), (A, "好的，跟您确认，下周五还款两千元，对吗？"))),
    ("zh-ptp-still", "zh", "missing_ptp_readback",
     call("zh", (D, "明天早上我还八百六。"), (A, "好的，感谢您的配合，再见。")),
     call("zh", (D, "我今天还没发工资，下周再说吧。"), (A, "好的，再见。"))),
    ("en-ptp", "en", "missing_ptp_readback",
     call("en", (D, "I'll pay $200 on Friday."), (A, "Sounds good, thanks. Bye now.")),
     call("en", (D, "I'll pay $200 on Friday."), (A, "Okay, so two hundred dollars this Friday, December 4th."))),
    ("zh-third-party", "zh", "third_party_disclosure",
     call("zh", (A, "您好，恒通银行信用卡中心，工号6612，本次通话将被录音。请问是周杰先生吗？"),
          (T, "他不在，我是他爱人。"), (A, "那您转告他，他信用卡欠款8600元逾期了。"), opening=False),
     call("zh", (A, "您好，恒通银行信用卡中心，工号6612，本次通话将被录音。请问是周杰先生吗？"),
          (T, "他不在，我是他爱人。"), (A, "那麻烦您转告他回个电话，是他个人的业务，谢谢。"), opening=False)),
    ("en-wrong-number", "en", "third_party_disclosure",
     call("en", (A, "Hi, Kevin at First River Bank, agent ID 2231, call is recorded. Is this Jason Reed?"),
          (D, "No, you've got the wrong number."), (A, "Please tell Jason his balance of $740 is overdue."),
          opening=False),
     call("en", (A, "Hi, Kevin at First River Bank, agent ID 2231, call is recorded. Is this Jason Reed?"),
          (D, "No, you've got the wrong number."), (A, "Sorry about that, I'll remove this number."),
          opening=False)),
    ("zh-threat", "zh", "threat",
     call("zh", (A, "如果今天不还，我们就起诉你，派人去你家里找你。")),
     call("zh", (D, "你们是不是要起诉我？"), (A, "您别担心，我们不会起诉您，也不会上门，只是提醒您还款。"))),
    ("en-threat", "en", "threat",
     call("en", (A, "If you don't pay by Friday we'll have you arrested.")),
     call("en", (D, "Are you going to sue me? I'll sue you!"), (A, "We will not sue you, and no one is going to "
                                                                 "come to your house."))),
    ("zh-insult", "zh", "insult",
     call("zh", (A, "你就是个老赖，真不要脸。")),
     call("zh", (D, "你们这帮骗子！"), (A, "我们不是骗子，是华信银行的正规客服。"))),
    ("en-insult", "en", "insult",
     call("en", (A, "You know what you are? A deadbeat.")),
     call("en", (D, "You idiots again?"), (A, "I'm not saying you're irresponsible, I just want to help."))),
    ("zh-impersonation", "zh", "impersonation",
     call("zh", (A, "我这边是区人民法院的，你的案子已经转过来了。")),
     call("zh", (D, "你们是警察吗？"), (A, "我们不是警察，也不是法院。如有异议，您可以向法院起诉。"))),
    ("en-impersonation", "en", "impersonation",
     call("en", (A, "This is Officer Daniels with the county sheriff's office.")),
     call("en", (A, "We're not a law firm and I'm not an attorney; you're free to consult an attorney."))),
    ("zh-funding", "zh", "illegal_funding_pressure",
     call("zh", (A, "没钱就去网贷平台借一点，先把我们的还上。")),
     call("zh", (D, "我只能去借网贷了。"), (A, "我们不建议您通过网贷或者借钱还款，可以申请分期。"))),
    ("en-funding", "en", "illegal_funding_pressure",
     call("en", (A, "Can't you borrow it from your parents? Or put it on another credit card.")),
     call("en", (D, "I guess I'll take a payday loan."), (A, "We do not recommend taking a payday loan or "
                                                              "borrowing from others to pay this."))),
    ("zh-stop", "zh", "stop_request_ignored",
     call("zh", (D, "你们别再给我打电话了！"), (A, "您今天能不能先还一部分？")),
     call("zh", (D, "你们别再给我打电话了！"), (A, "好的，已经为您登记，不再电话打扰，再见。"))),
    ("zh-stop-not", "zh", "stop_request_ignored",
     call("zh", (D, "以后不要再联系我了。"), (R, "请问您什么时候可以还款？")),
     call("zh", (D, "你先别急，我看一下。"), (R, "请问您什么时候可以还款？"))),
    ("en-stop", "en", "stop_request_ignored",
     call("en", (D, "Stop calling me."), (A, "I hear you, but how much can you pay today?")),
     call("en", (D, "Can you stop the late fees if I pay today?"), (A, "Yes, if you pay today.")),),
    ("zh-silence", "zh", "excessive_silence",
     call("zh", (D, "能不能分期？", 10.0, 12.0), (A, "可以的。", 20.0, 21.0)),
     call("zh", (A, "请问今天能还款吗？", 10.0, 12.0), (D, "……今天晚上吧。", 20.0, 21.0))),
    ("en-silence", "en", "excessive_silence",
     call("en", (D, "When did my last payment post?", 10.0, 12.0), (A, "October 2nd.", 19.5, 21.0)),
     call("en", (D, "When did my last payment post?", 10.0, 12.0), (A, "October 2nd.", 16.0, 17.0))),
    ("zh-talk-over", "zh", "talk_over",
     call("zh", (D, "我上个月已经还过一笔了，你们系统没更新。", 10.0, 16.0), (A, "您听我说，系统显示还欠3100元。", 13.0, 17.0)),
     call("zh", (A, "想问一下您的还款安排，", 10.0, 16.0), (D, "我知道，我明天还。", 13.0, 17.0),
          (A, "好的。", 16.5, 17.5))),
    ("en-talk-over", "en", "talk_over",
     call("en", (D, "I sent a check last week, it should have cleared.", 10.0, 16.0),
          (R, "Your payment of $390 is past due.", 14.0, 18.0)),
     call("en", (D, "I sent a check last week, it should have cleared.", 10.0, 16.0),
          (R, "Thank you for letting me know.", 15.4, 18.0))),
]


@pytest.mark.parametrize("lang,code,positive,near_miss", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_code_fires_on_positive_not_on_near_miss(lang: str, code: str, positive: dict[str, Any],
                                                 near_miss: dict[str, Any]) -> None:
    assert positive["lang"] == near_miss["lang"] == lang
    assert code in score_transcript(positive).codes()
    assert code not in score_transcript(near_miss).codes()


def test_every_code_is_covered_in_each_language() -> None:
    covered = {(c[1], c[2]) for c in CASES}
    from robot.qa.score import CODES

    for code in CODES:
        assert ("en", code) in covered
        if code != "missing_mini_miranda":
            assert ("zh", code) in covered


def test_openings_alone_are_clean() -> None:
    for lang in ("zh", "en"):
        result = score_transcript(call(lang))
        assert (result.score, result.alert, result.violations) == (100, False, ())
