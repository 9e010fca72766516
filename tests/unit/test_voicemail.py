"""The voicemail message: limited content only (Regulation F 1006.2(j)), checked."""

from __future__ import annotations

import pytest

from robot.dialer.settings import DialerSettings
from robot.dialer.voicemail import (
    TEMPLATES_DIR,
    check_template,
    forbidden_words,
    render,
)
from robot.errors import InputError

FIELDS = dict(business_name="Acme Services", contact_name="Jane Miller",
              callback_number="+1 555 010 9999")


@pytest.mark.parametrize("path", sorted(TEMPLATES_DIR.glob("*.txt")), ids=lambda p: p.name)
def test_shipped_templates_pass_the_check(path) -> None:  # type: ignore[no-untyped-def]
    check_template(path.read_text(encoding="utf-8"), str(path))


def test_rendered_english_message_says_only_the_allowed_things() -> None:
    msg = render("en", **FIELDS)
    assert msg == ("Hello, this is Jane Miller calling from Acme Services. Please call us "
                   "back at 1 5 5 5 0 1 0 9 9 9 9. Again, the number is 1 5 5 5 0 1 0 9 9 9 "
                   "9. Thank you.")
    assert forbidden_words(msg) == []
    zh = render("zh", business_name="安信服务", contact_name="王女士", callback_number="4008001234")
    assert "4008001234" in zh and forbidden_words(zh) == []


@pytest.mark.parametrize("text, why", [
    ("Hi, {contact_name} here about your overdue payment. Call {callback_number}.", "overdue"),
    ("Hello {name}, call {callback_number}.", "placeholder"),
    ("Hello, call {contact_name} at {callback_number} about the balance.", "balance"),
    ("Hello from {business_name}, please call us back.", "callback_number"),
    ("您好，关于您的逾期还款，请回电{callback_number}。", "逾期"),
    ("This is a debt collector. Call {callback_number}.", "debt"),
])
def test_templates_that_reveal_a_debt_are_refused(text: str, why: str) -> None:
    with pytest.raises(InputError, match=why):
        check_template(text)


def test_words_are_matched_as_words() -> None:
    assert forbidden_words("Please call back later, Mr Bowen, at the lower number") == []
    assert forbidden_words("You owe us; the amount is $5") == ["$", "amount", "owe"]
    assert forbidden_words("Acme Collections") == ["collections"]


def test_campaign_settings_check_the_voicemail_fields() -> None:
    DialerSettings(machine="voicemail", **FIELDS)
    with pytest.raises(InputError, match="reveals a debt"):
        DialerSettings(machine="voicemail", **{**FIELDS, "business_name": "Acme Debt Recovery"})
    with pytest.raises(InputError, match="needs callback_number"):
        DialerSettings(machine="voicemail", business_name="Acme", contact_name="Jane")
    with pytest.raises(InputError, match="machine must be one of"):
        DialerSettings(machine="beep")
    DialerSettings(machine="hangup")  # no fields needed
