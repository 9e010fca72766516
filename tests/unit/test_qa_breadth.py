"""Breadth of the phrase-based codes: each sentence uses a word from a category the rule
files list as a whole (authorities and legal roles, credit sources, stop forms, insult
and threat structures) in a phrasing that no rule lists word for word, and each lawful
near-miss uses the same words without the violation. If a category shrinks back to a
few remembered phrasings, or a structure stops honouring negation, these fail."""

from __future__ import annotations

import pytest

from robot.qa.match import clauses, find
from robot.qa.rules import shipped_rules
from robot.qa.score import score_transcript
from qa_helpers import call


def hits(lang: str, concept: str, text: str) -> list[str]:
    return [h.text for h in find(shipped_rules(lang).concept(concept), clauses(text, lang))]


POSITIVE = [
    # impersonation: any authority or legal role after a first-person claim
    ("en", "impersonation", "I'm a sergeant with the state police and I'm looking at your file."),
    ("en", "impersonation", "My other job is bailiff at the municipal court."),
    ("en", "impersonation", "You're speaking with Inspector Doyle."),
    ("en", "impersonation", "I have been appointed by the small claims court to resolve this."),
    ("zh", "impersonation", "我现在也是县法院执行庭的，你这事归我管。"),
    ("zh", "impersonation", "我是经侦大队的王队长，找你了解一下情况。"),
    ("zh", "impersonation", "我们是人民法院委托的调解专员，今天跟你谈一下。"),
    # illegal funding pressure: any credit source with a borrowing verb
    ("en", "illegal_funding_pressure", "Just sign up with Klarna and split it into four."),
    ("en", "illegal_funding_pressure", "Take a withdrawal from your HSA, that's what it's for."),
    ("en", "illegal_funding_pressure", "Couldn't your grandma front the money for a few weeks?"),
    ("zh", "illegal_funding_pressure", "你开通个美团月付，先周转一下把这期还了。"),
    ("zh", "illegal_funding_pressure", "你那个保单不是能贷出来吗？贷一笔先还我们。"),
    ("zh", "illegal_funding_pressure", "家里的金镯子拿去当了，钱不就有了。"),
    # threats: consequence x target x condition, and exposure structures
    ("en", "threat", "Keep stalling and we'll be taking a slice of your social security."),
    ("en", "threat", "Your landlord will be hearing about this from us."),
    ("en", "threat", "Keep blowing us off and you'll be explaining yourself to a judge."),
    ("zh", "threat", "再不配合，我们就安排人去你岳父家坐坐。"),
    ("zh", "threat", "你不给钱的话，你家族群里每个人都会收到你的欠款信息。"),
    ("zh", "threat", "信不信我让你在单位混不下去。"),
    # insults: second person + derogatory noun/adjective, group lumping
    ("en", "insult", "You're such a sorry little weasel."),
    ("en", "insult", "People like you are the reason rates go up for everyone."),
    ("en", "insult", "How dumb can you be?"),
    ("zh", "insult", "你就是个无底洞，借多少都填不满。"),
    ("zh", "insult", "你这人怎么这么无耻。"),
    ("zh", "insult", "欠钱不还，你还好意思跟我哭穷？"),
]

NEGATIVE = [
    ("en", "impersonation", "I'm not an attorney and I don't work for any court."),
    ("en", "impersonation", "If a caller says he's a state trooper collecting this debt, hang up."),
    ("en", "illegal_funding_pressure", "I wouldn't recommend taking a quick loan or using Afterpay to pay us."),
    ("en", "illegal_funding_pressure", "You don't have to ask your family to cover it; we can set up a plan."),
    ("en", "threat", "Nobody will be contacting your landlord or your pastor."),
    ("en", "threat", "Unpaid balances may be reported to the credit bureaus."),
    ("en", "insult", "You are entitled to dispute the debt."),
    ("en", "insult", "I'm sorry to hear you're having a hard month."),
    ("zh", "impersonation", "我们是银行，不是法院，也不会冒充公安。"),
    ("zh", "illegal_funding_pressure", "不建议您用月付或者找亲戚借钱来还，可以申请分期。"),
    ("zh", "threat", "我们不会安排人去您家，也不会联系您的亲戚。"),
    ("zh", "insult", "不好意思打扰您了，罚息越滚越多，建议尽早处理。"),
]


@pytest.mark.parametrize(("lang", "concept", "text"), POSITIVE)
def test_category_words_in_new_phrasings_are_found(lang: str, concept: str, text: str) -> None:
    assert hits(lang, concept, text), f"{concept} not found in: {text}"


@pytest.mark.parametrize(("lang", "concept", "text"), NEGATIVE)
def test_lawful_near_misses_are_not_flagged(lang: str, concept: str, text: str) -> None:
    assert hits(lang, concept, text) == [], f"{concept} wrongly found in: {text}"


STOPS = [
    ("en", "I'm withdrawing my permission for you to call me."),
    ("en", "Put my number on your do not call list."),
    ("en", "Knock off the calls, talk to my attorney."),
    ("zh", "你们别一天到晚给我打电话。"),
    ("zh", "请停止一切致电，有事寄信。"),
    ("zh", "再打电话我就去投诉你们。"),
]


@pytest.mark.parametrize(("lang", "text"), STOPS)
def test_stop_forms_are_recognised(lang: str, text: str) -> None:
    assert hits(lang, "stop_request", text)


@pytest.mark.parametrize("text", ["别急，慢慢说。", "别找借口了，您看什么时候方便？"])
def test_zh_prohibitions_without_contact_are_not_stop_requests(text: str) -> None:
    assert hits("zh", "stop_request", text) == []


def test_en_stop_request_then_an_amount_ask_is_flagged() -> None:
    tr = call("en", ("agent", "Hi, this is Sam with Bay Bank, agent ID 12, and this call is recorded. Is this Ann Lee?"),
                     ("debtor", "Yes. I'm revoking consent to these calls."),
                     ("agent", "Understood. Could you manage forty dollars this week?"), opening=False)
    assert "stop_request_ignored" in score_transcript(tr).codes()


def test_zh_stop_request_then_closing_is_not_flagged() -> None:
    tr = call("zh", ("agent", "您好，华信银行信用卡中心，工号3001，本次通话将被录音，请问是李明先生本人吗？"),
                     ("debtor", "是我，电话就别再打了。"),
                     ("agent", "好的，已为您登记，后续以短信通知您，再见。"), opening=False)
    assert "stop_request_ignored" not in score_transcript(tr).codes()
