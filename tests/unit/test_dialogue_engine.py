"""Whole conversations through the shipped scripts, plus engine rules on a tiny script."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from robot.dialogue.engine import DialogSession, Outcome, Prompt
from robot.dialogue.loader import load_script, load_script_text

DIALOGS = Path(__file__).resolve().parents[2] / "robot" / "dialogs"
TODAY = date(2026, 11, 25)  # a Wednesday
EN = load_script(DIALOGS / "m0_reminder_en.yaml")
ZH = load_script(DIALOGS / "m0_reminder_zh.yaml")
ACCOUNT_EN = {"name": "John Smith", "amount_due": "2500.50", "due_date": "2026-11-20", "currency": "USD"}
ACCOUNT_ZH = {"name": "张伟", "amount_due": Decimal("2500.50"), "due_date": date(2026, 11, 20)}
DEBT_WORDS_EN = ("two thousand", "dollar", "owe", "debt", "payment", "due", "2500", "loan")
DEBT_WORDS_ZH = ("两千五", "元", "欠", "还款", "款项", "到期", "2500", "逾期", "贷款")


def run(script, account, lines: list[str]) -> tuple[DialogSession, list[Prompt]]:
    session = DialogSession(script, account, TODAY)
    step = session.start()
    spoken = list(step.prompts)
    for line in lines:
        assert not step.ended, f"call ended before {line!r}"
        step = session.handle(line)
        spoken += step.prompts
    assert step.ended
    return session, spoken


def test_en_greeting_identifies_collector_and_notice_must_be_heard() -> None:
    step = DialogSession(EN, ACCOUNT_EN, TODAY).start()
    texts = [p.text for p in step.prompts]
    assert "agent 27" in texts[0] and "Acme Bank" in texts[0]
    assert step.prompts[1].must_hear and "recorded" in step.prompts[1].text
    assert texts[-1] == "Am I speaking with John Smith?"
    assert step.state == "identify" and not step.ended
    assert not any(w in " ".join(texts).lower() for w in DEBT_WORDS_EN)


def test_en_promise_to_pay() -> None:
    session, spoken = run(EN, ACCOUNT_EN, ["Yes, speaking.", "I can pay two hundred dollars next Friday.",
                                           "Yes, that's right."])
    texts = [p.text for p in spoken]
    assert any("two thousand five hundred dollars and fifty cents was due on November 20th" in t for t in texts)
    assert "So you will pay two hundred dollars on December 4th. Is that right?" in texts
    assert session.outcome == Outcome("ptp", Decimal("200"), date(2026, 12, 4), False, None)
    assert [t.intent for t in session.history] == ["identity_confirmed", "promise_to_pay", "affirm"]
    assert session.history[1].slots == {"amount": Decimal("200"), "date": date(2026, 12, 4)}


def test_en_promise_in_two_answers_and_correction() -> None:
    session, spoken = run(EN, ACCOUNT_EN, ["Yes.", "Next Friday.", "$150", "No, that's wrong.",
                                           "I'll pay the full amount on the 30th.", "Correct."])
    texts = [p.text for p in spoken]
    assert "How much can you pay?" in texts
    assert "So you will pay one hundred fifty dollars on December 4th. Is that right?" in texts
    assert session.outcome.ptp_amount == Decimal("2500.50")
    assert session.outcome.ptp_date == date(2026, 11, 30)


@pytest.mark.parametrize("script,account,lines,disposition,words", [
    (EN, ACCOUNT_EN, ["You have the wrong number."], "wrong_number", DEBT_WORDS_EN),
    (EN, ACCOUNT_EN, ["No.", "There's no John here."], "wrong_number", DEBT_WORDS_EN),
    (EN, ACCOUNT_EN, ["I'm his wife, he's not home."], "third_party", DEBT_WORDS_EN),
    (ZH, ACCOUNT_ZH, ["打错了"], "wrong_number", DEBT_WORDS_ZH),
    (ZH, ACCOUNT_ZH, ["我是他老婆，他不在。"], "third_party", DEBT_WORDS_ZH),
    (ZH, ACCOUNT_ZH, ["不是", "他出去了"], "third_party", DEBT_WORDS_ZH),
])
def test_no_debt_disclosure_to_others(script, account, lines, disposition, words) -> None:
    session, spoken = run(script, account, lines)
    assert session.outcome.disposition == disposition
    assert session.outcome.ptp_amount is None
    said = " ".join(p.text for p in spoken).lower()
    assert not any(w in said for w in words), said


def test_third_party_is_asked_for_a_callback_by_name() -> None:
    _, spoken = run(EN, ACCOUNT_EN, ["She's not here right now, I'm her daughter."])
    assert spoken[-1].text == "Thank you. Please ask John Smith to return our call. Goodbye."


@pytest.mark.parametrize("script,account,lines", [
    (EN, ACCOUNT_EN, ["Yes, speaking.", "I won't pay.", "No, I'm not paying."]),
    (ZH, ACCOUNT_ZH, ["是我", "不还", "就是不还"]),
])
def test_refusal_gets_one_polite_re_ask(script, account, lines) -> None:
    session, _ = run(script, account, lines)
    assert [t.state for t in session.history] == ["identify", "ask_payment", "refuse_once"]
    assert session.outcome == Outcome("refused")


def test_angry_refusal_is_not_pushed() -> None:
    session = DialogSession(EN, ACCOUNT_EN, TODAY)
    session.start()
    session.handle("Yes, speaking.")
    step = session.handle("I won't pay.", emotion="angry")
    assert step.ended and session.outcome.disposition == "refused"


@pytest.mark.parametrize("script,account,lines", [
    (EN, ACCOUNT_EN, ["Yes, speaking.", "Stop calling me."]),
    (EN, ACCOUNT_EN, ["Stop calling this number."]),
    (ZH, ACCOUNT_ZH, ["是我", "别再打了"]),
    (ZH, ACCOUNT_ZH, ["別再打了！"]),
])
def test_stop_calling(script, account, lines) -> None:
    session, _ = run(script, account, lines)
    out = session.outcome
    assert out.disposition == "stop_calling" and out.stop_calling is True
    assert out.ptp_amount is None and out.transfer_queue is None


@pytest.mark.parametrize("script,account,lines", [
    (ZH, ACCOUNT_ZH, ["是我", "明天还两千五", "对"]),
    (ZH, ACCOUNT_ZH, ["我就是", "下周五", "2500块", "是的"]),
])
def test_zh_promise_to_pay(script, account, lines) -> None:
    session, spoken = run(script, account, lines)
    texts = [p.text for p in spoken]
    assert any("两千五百元五角" in t and "11月20日" in t for t in texts)
    assert session.outcome.disposition == "ptp"
    assert session.outcome.ptp_amount == Decimal("2500")
    assert session.outcome.ptp_date in (date(2026, 11, 26), date(2026, 12, 4))
    assert "您将在" in texts[-2] and "两千五百元" in texts[-2]


def test_changed_promise_is_read_back_again() -> None:
    session, spoken = run(EN, ACCOUNT_EN, ["Yes, speaking.", "I can pay 200 dollars on Friday.",
                                           "Actually, make it 300 dollars on December 1st.", "Yes."])
    texts = [p.text for p in spoken]
    assert "So you will pay three hundred dollars on December 1st. Is that right?" in texts
    assert session.outcome.ptp_amount == Decimal(300) and session.outcome.ptp_date == date(2026, 12, 1)


def test_transfer_and_already_paid_and_callback() -> None:
    s, _ = run(ZH, ACCOUNT_ZH, ["是我", "转人工"])
    assert s.outcome.disposition == "transfer" and s.outcome.transfer_queue == "collections"
    s, _ = run(EN, ACCOUNT_EN, ["Speaking.", "I already paid that last week."])
    assert s.outcome.disposition == "already_paid"
    s, _ = run(EN, ACCOUNT_EN, ["I'm driving, call me back later."])
    assert s.outcome.disposition == "callback"


def test_hangup_before_final_state_is_no_contact() -> None:
    session = DialogSession(EN, ACCOUNT_EN, TODAY)
    session.start()
    session.handle("Yes, speaking.")
    assert session.outcome == Outcome("no_contact")


def test_no_input_retries_then_gives_up() -> None:
    session = DialogSession(EN, ACCOUNT_EN, TODAY)
    session.start()
    first = session.no_input()
    assert [p.text for p in first.prompts] == ["Sorry, I can't hear you.", "Am I speaking with John Smith?"]
    assert not session.no_input().ended
    last = session.no_input()
    assert last.ended and last.state == "end_no_answer"
    assert session.outcome.disposition == "no_contact"
    assert session.handle("hello?").prompts == []


def test_no_match_in_identify_ends_neutrally() -> None:
    session = DialogSession(EN, ACCOUNT_EN, TODAY)
    session.start()
    step = session.handle("Blue elephants.")
    assert step.intent == "unknown" and step.prompts[0].text == "Sorry, I didn't catch that."
    session.handle("Hmm.")
    step = session.handle("What?!")
    assert step.state == "identify_why"
    step = session.handle("Purple.")
    step = session.handle("Purple.")
    step = session.handle("Purple.")
    assert step.ended and step.state == "end_unclear"
    assert session.outcome.disposition == "no_contact"


TINY = """\
name: tiny
lang: en
start: ask
collector: {institution: Acme, agent_id: 7}
phrases: {affirm: [you bet]}
states:
  ask:
    say: "Pay {amount_due}?"
    dtmf: {"1": affirm}
    on:
      affirm:
        - {when: {account: {segment: vip}}, goto: vip}
        - {goto: done, set: {amount: full, date: "2026-12-01"}}
  vip:
    say: Thanks.
    final: true
    outcome: callback
  done:
    say: "Noted {ptp_amount} on {ptp_date}."
    final: true
    outcome: ptp
"""


def test_set_slots_extra_phrases_dtmf_and_account_conditions() -> None:
    script = load_script_text(TINY, "tiny.yaml")
    s = DialogSession(script, {"amount_due": 90}, TODAY)
    s.start()
    step = s.handle("you bet")
    assert step.prompts == [Prompt("Noted ninety dollars on December 1st.")]
    assert s.outcome.ptp_amount == Decimal("90") and s.outcome.ptp_date == date(2026, 12, 1)
    s = DialogSession(script, {"amount_due": 90, "segment": "vip"}, TODAY)
    s.start()
    assert s.handle("", dtmf="1").state == "vip"


def test_custom_nlu_is_injected() -> None:
    from robot.dialogue.nlu import NluResult

    calls: list[tuple] = []

    def fake(text, lang, today, extra_phrases=None):
        calls.append((text, lang, today))
        return NluResult("wrong_number", {}, 1.0)

    session = DialogSession(ZH, ACCOUNT_ZH, TODAY, nlu=fake)
    session.start()
    assert session.handle("whatever").state == "wrong_number"
    assert calls == [("whatever", "zh", TODAY)]
