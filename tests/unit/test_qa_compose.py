"""Composed matching: lexicons of semantic categories combined in order, with negation,
hypotheticals, homophones and English inflections. The sentences are paraphrases that
no rule file lists word for word, so these tests fail if matching falls back to phrases."""

from __future__ import annotations

import pytest

from robot.errors import InputError
from robot.qa.match import Combo, Concept, clauses, find, first, lexicon
from robot.qa.rules import load_rules_text, shipped_rules
from robot.qa.score import score_transcript
from qa_helpers import call

CASES = [
    # threats: consequence x target x frame
    ("en", "threat", "If that balance isn't cleared by Friday we'll be garnishing your wages.", True),
    ("en", "threat", "We could end up sending someone out to your workplace.", True),
    ("en", "threat", "Your neighbors are going to find out what kind of person you are.", True),
    ("en", "threat", "Keep ignoring us and you'll be served with a lawsuit next week.", True),
    ("en", "threat", "I'll be calling your employer first thing tomorrow.", True),
    ("en", "threat", "You keep dodging us and the sheriff will be at your door.", True),
    ("zh", "threat", "再不还钱，我们就派人去你老婆单位找她。", True),
    ("zh", "threat", "你不处理的话，我们直接给你领导打电话。", True),
    ("zh", "threat", "拖着不还，等着收法院传票吧。", True),
    ("zh", "threat", "我们会把你的欠款信息发到你们公司群里。", True),
    ("zh", "threat", "你再这样，你爸妈那边我们也会去说。", True),
    # negation and lawful statements are not threats
    ("en", "threat", "We will not be contacting your employer about this.", False),
    ("en", "threat", "Nobody is going to show up at your house.", False),
    ("en", "threat", "We never garnish wages and we don't sue.", False),
    ("en", "threat", "You have the right to dispute this debt within thirty days.", False),
    ("en", "threat", "Late fees may apply and the account may be reported to the credit bureaus.", False),
    ("en", "threat", "You can let your wife know she can call us anytime.", False),
    ("en", "threat", "Would you like us to take the payment from your checking account?", False),
    ("zh", "threat", "我们不会去您家，也不会通知您的家人。", False),
    ("zh", "threat", "您放心，我们不会上门，也不会打给您的同事。", False),
    ("zh", "threat", "逾期会影响您的征信记录，也会产生罚息。", False),
    ("zh", "threat", "您可以跟家人商量一下还款计划。", False),
    # hypotheticals about someone else
    ("zh", "threat", "如果有人上门催收，您可以报警。", False),
    ("en", "impersonation", "If anyone says they are from the police and asks for gift cards, hang up.", False),
    ("zh", "impersonation", "如果有人冒充警察让您转账，请直接挂断。", False),
    # insults, with inflections
    ("en", "insult", "Quit clowning around, nobody believes you.", True),
    ("en", "insult", "What a moocher.", True),
    ("en", "insult", "Honestly, you people are a joke.", True),
    ("en", "insult", "I'm not calling you a liar, I just need the dates.", False),
    ("zh", "insult", "你真是个没用的东西。", True),
    ("zh", "insult", "您别着急，我们慢慢商量。", False),
    # impersonation: first-person claim x authority
    ("en", "impersonation", "I'm an officer of the court calling about your account.", True),
    ("en", "impersonation", "I work for the district attorney's office.", True),
    ("en", "impersonation", "We are not attorneys and this is not a legal notice.", False),
    ("zh", "impersonation", "我是公安局经侦大队的。", True),
    ("zh", "impersonation", "我们是正规的银行催收，不是警察。", False),
    # funding pressure: borrowing verb x credit source, kin x lending across clauses
    ("en", "illegal_funding_pressure", "Have you thought about getting a payday loan?", True),
    ("en", "illegal_funding_pressure", "Your parents could lend you the money, right?", True),
    ("en", "illegal_funding_pressure", "Just charge it to your Visa today.", True),
    ("en", "illegal_funding_pressure", "You can pay by debit card or bank transfer.", False),
    ("en", "illegal_funding_pressure", "Please don't take out a payday loan or borrow from friends for this.", False),
    ("zh", "illegal_funding_pressure", "找你爸妈要点钱先还上。", True),
    ("zh", "illegal_funding_pressure", "跟你同事借两千不就行了。", True),
    ("zh", "illegal_funding_pressure", "我们不建议您以贷养贷。", False),
    ("zh", "illegal_funding_pressure", "您可以通过支付宝或者微信还款。", False),
    ("zh", "illegal_funding_pressure", "您的信用卡可以申请分期。", False),
    ("zh", "illegal_funding_pressure", "您千万别找亲戚借钱还款。", False),
    # questions and veiled threats are not negations
    ("en", "illegal_funding_pressure", "Couldn't you borrow it from your 401k?", True),
    ("en", "threat", "You don't want us coming to your job, do you?", True),
    # asking for money again (what turns a stop request into a violation)
    ("en", "push", "Okay, but can you do fifty today?", True),
    ("en", "push", "What's the most you could send this week?", True),
    ("en", "push", "Understood, I'll note that. Goodbye.", False),
    ("zh", "push", "明白，不过这笔钱您看怎么安排？", True),
    ("zh", "push", "那最晚哪天能把钱打过来？", True),
    ("zh", "push", "好的，已经为您登记，不再来电打扰，再见。", False),
    # a homophone of a short word inside an ordinary phrase is not that word
    ("zh", "illegal_funding_pressure", "您的信用卡账单逾期十天，想了解一下您的情况。", False),
    # stop requests
    ("en", "stop_request", "Please stop calling my cell.", True),
    ("en", "stop_request", "I want these calls to stop.", True),
    ("en", "stop_request", "Lose my number.", True),
    ("en", "stop_request", "Can you stop the interest?", False),
    ("zh", "stop_request", "以后别联系我了。", True),
    ("zh", "stop_request", "别急，我会还的。", False),
    ("zh", "stop_request", "我不是不打算还。", False),
    ("zh", "stop_request", "别收我滞纳金了。", False),
    # the borrower is the one to act: no threat to the people named
    ("zh", "threat", "那你就找你爸妈要去，总之今天必须还。", False),
    ("zh", "threat", "你不还我们就找你爸妈。", True),
    ("en", "threat", "We will let your wife know what you owe.", True),
    # a warning against borrowing is no push to borrow
    ("zh", "illegal_funding_pressure", "以贷养贷只会让利息越滚越多。", False),
    ("zh", "illegal_funding_pressure", "你去借呗借点先还上。", True),
    # what others will be told is exposure (a threat), not an insult to the borrower
    ("en", "insult", "We'll post your name on Facebook saying you're a scammer.", False),
    ("en", "insult", "Listen, you're a scammer and everybody knows it.", True),
    # speech recognisers split words: "dead beat"
    ("en", "insult", "you are a grown man acting like a dead beat", True),
    # denying being the police is no claim to be them
    ("zh", "impersonation", "林女士您放心 我们是交通银行信用卡中心 不是法院也不是公安", False),
    ("zh", "impersonation", "我现在就是代表警方跟你做个最后的确认", True),
    # a collector's agent number is no FBI agent
    ("en", "impersonation", "hi this is mike agent id 4 4 7 1 calling from harbor point bank", False),
    ("en", "impersonation", "this is agent ross with the fbi", True),
    # recogniser output without apostrophes
    ("en", "stop_request", "please please dont call me anymore", True),
    # the caller's own name and job number say nothing of a debt
    ("zh", "debt_detail", "这里是小象借款", False),
    ("zh", "debt_detail", "喂您好这边是江城银行信用卡中心我是客服专员工号3027本次通话会全程录音", False),
    ("zh", "debt_detail", "你在小象借款的借款3600元已经逾期", True),
    # a guess is no date to commit to
    ("en", "date", "Probably sometime next week.", False),
    ("en", "date", "I will pay it next week.", True),
    # 申请还款方案 asks for no money
    ("zh", "push", "如果您需要申请还款方案 可以随时拨打我们的客服热线", False),
    # a lawsuit stated as a possibility is lawful; arrest is not
    ("zh", "threat", "您先把这边结了 不然调解失败就只能走诉讼了", False),
    ("zh", "threat", "不然我们就派人上门把你带走", True),
    # 二百五 inside a sum
    ("zh", "insult", "现在欠款是八千二百五十六", False),
    ("zh", "insult", "你是不是二百五啊", True),
    # a hope is no promise
    ("zh", "promise", "到时候我尽量早点还", False),
    # the caller's own name is no lender to borrow from
    ("zh", "illegal_funding_pressure", "这里是速融借款app智能客服", False),
    ("en", "illegal_funding_pressure", "there's apps like cash bee, they give you like 300 instantly", True),
    ("en", "illegal_funding_pressure", "when you take a loan and don't pay it, that's theft", False),
    # openings as recognisers and blunt veterans say them
    ("en", "agent_id", "hello this is the virtual assistant of pocketcash app robot id p c four one", True),
    ("en", "institution", "Frank Deluca, Keystone Auto Credit, employee number 2207.", True),
    ("en", "institution", "This could hurt your credit.", False),
    # a stop request for one place only
    ("en", "stop_request", "No. Don't call my job.", False),
    ("en", "stop_request", "Don't call me anymore.", True),
    # the lender's contractual rights stated as such
    ("en", "threat", "the lender has the right to begin the repossession process for the vehicle", False),
    ("en", "threat", "the lender can file a lawsuit to collect", False),
    ("en", "threat", "local police may visit your residence for verification", True),
    # spoken dates
    ("en", "date", "i can do three hundred on the fifteenth", True),
    ("en", "date", "okay 250 dollars on may first", True),
    # "stop the late fees" asks to stop the fees, not the calls
    ("en", "stop_request", "I want you to stop the late fees.", False),
    ("en", "recording_notice", "this calls being recorded is this curtis bell", True),
    ("en", "illegal_funding_pressure", "theres like ten apps thatll front you two hundred bucks", True),
    ("zh", "illegal_funding_pressure", "对您以后办房贷车贷都有影响", False),
    ("zh", "agent_id", "我是鑫易贷的 公号XY1903", True),
]


@pytest.mark.parametrize(("lang", "concept", "text", "want"), CASES)
def test_composed_concepts(lang: str, concept: str, text: str, want: bool) -> None:
    rs = shipped_rules(lang)
    assert (first(rs.concepts[concept], clauses(text, lang)) is not None) is want


@pytest.mark.parametrize(("text", "code"), [
    ("你这个老来。", "insult"),                         # 老赖, heard as 老来
    ("你去网代平台借点先还上。", "illegal_funding_pressure"),  # 网贷 -> 网代
    ("你可以用花被先周转一下。", "illegal_funding_pressure"),  # 花呗 -> 花被
    ("到时候别怪我们不客器。", "threat"),                 # 客气 -> 客器
])
def test_homophone_slips_match_by_pinyin(text: str, code: str) -> None:
    rs = shipped_rules("zh")
    assert first(rs.concepts[code], clauses(text, "zh")) is not None


def test_english_lexicon_matches_inflections_not_other_words() -> None:
    seize = lexicon("seize", ["garnish", "sue", "repossess"], "en")
    for text in ("we are garnishing it", "she was sued", "they repossessed it", "he sues"):
        assert find(seize, clauses(text, "en")), text
    for text in ("a suit", "suede shoes", "garnet"):
        assert not find(seize, clauses(text, "en")), text


def test_combination_keeps_the_listed_order_and_explains_itself() -> None:
    rs = shipped_rules("en")
    threat = rs.concepts["threat"]
    hit = first(threat, clauses("we'll swing by your job", "en"))
    assert hit is not None and hit.how == "combo" and hit.text == "swing by + your job"
    # the target before the visit verb is a different sentence
    assert first(threat, clauses("your job is to come by and pay", "en")) is None


def test_turn_scope_combines_parts_from_different_clauses() -> None:
    kin = lexicon("kin", ["老丈人"], "zh")
    lend = lexicon("lend", ["垫上"], "zh")
    text = "你老丈人家条件不是挺好吗？让他先帮你垫上。"
    clause_only = Concept("c", "zh", (), (), True, (Combo((kin, lend)),))
    turn = Concept("t", "zh", (), (), True, (Combo((kin, lend), "turn"),))
    assert not find(clause_only, clauses(text, "zh"))
    assert find(turn, clauses(text, "zh"))


def test_scored_call_reports_the_composed_threat_with_evidence() -> None:
    result = score_transcript(call("en", ("debtor", "I can't pay right now."),
                                   ("agent", "Keep dodging us and we'll have somebody swing by your job.")))
    threats = [v for v in result.violations if v.code == "threat"]
    assert result.alert and threats and "swing by your job" in threats[0].evidence


def test_debtor_threatening_the_agent_is_not_a_violation() -> None:
    result = score_transcript(call("zh", ("debtor", "你们再打一次，我就去法院告你们，还要报警抓你们！"),
                                   ("agent", "理解您的心情，我们只是按规定提醒。")))
    assert "threat" not in result.codes()


def test_combine_errors_name_the_place() -> None:
    base = """lang: en
synonyms:
  act: [sue]
concepts:
  identity_confirmed: {patterns: [x]}
  identity_question: {patterns: [x]}
  affirm: {patterns: [x]}
  not_the_person: {patterns: [x]}
  threat:
    combine:
      - %s
rules:
  - {code: threat, kind: forbidden, concept: threat}
"""
    with pytest.raises(InputError) as e:
        load_rules_text(base % "[act, nowhere]", "t.yaml")
    assert "t.yaml:11:15" in str(e.value) and "unknown synonym list 'nowhere'" in str(e.value)
    with pytest.raises(InputError) as e:
        load_rules_text(base % "{all: [act], scope: call}", "t.yaml")
    assert "t.yaml:11:29" in str(e.value) and "scope must be clause or turn" in str(e.value)
    rs = load_rules_text(base % "{all: [act], scope: turn}", "t.yaml")
    assert rs.concepts["threat"].combos[0].scope == "turn"


def test_words_of_a_combination_stay_near_each_other_in_unpunctuated_text() -> None:
    """Recogniser output often has no punctuation: one "clause" is a whole turn. 去 from
    回去 and 你家 from a later thought are 12+ characters apart: not one threat."""
    rs = shipped_rules("zh")
    far = "你回去跟你爸妈要啊要不来你就让你家里亲戚凑一凑"
    assert first(rs.concepts["threat"], clauses(far, "zh")) is None
    assert first(rs.concepts["threat"], clauses("明天我们就去你家", "zh")) is not None
    # the earliest chain wins whatever order the lexicon lists its words in
    visit = lexicon("visit", ["call", "let"], "en")
    people = lexicon("people", ["your wife"], "en")
    combo = Concept("c", "en", (), (), True, (Combo((visit, people)),))
    assert find(combo, clauses("we will let your wife know and then call", "en"))


def test_context_keys_load_and_name_their_place() -> None:
    text = """\
lang: zh
synonyms:
  go: [找]
concepts:
  t:
    phrases: ['{go}你爸妈']
    not_preceded_by: ['你(就|去)+$']
    not_followed_by: ['要去']
rules:
  - code: threat
    kind: forbidden
    concept: t
"""
    rs = load_rules_text(text, "ctx.yaml")
    t = rs.concepts["t"]
    assert first(t, clauses("我们就找你爸妈", "zh")) is not None
    assert first(t, clauses("那你就找你爸妈", "zh")) is None
    assert first(t, clauses("我们找你爸妈要去", "zh")) is None
    with pytest.raises(InputError, match=r"bad.yaml:7:23: .*bad regular expression"):
        load_rules_text(text.replace("'你(就|去)+$'", "'你(就'"), "bad.yaml")
    with pytest.raises(InputError, match=r"bad.yaml:8:22: .*expected a list of regular expressions"):
        load_rules_text(text.replace("not_followed_by: ['要去']", "not_followed_by: 要去"), "bad.yaml")
