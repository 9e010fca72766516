"""The message left on an answering machine: limited content, checked before use.

Regulation F (12 CFR 1006.2(j)) allows a *limited-content message* that is not a
"communication" about the debt precisely because it says nothing about it: a business
name that does not indicate debt collection, a request to reply, the name of a person
to contact and a telephone number — nothing else. A mailbox may be heard by anyone in
the household, so the same discipline applies to Chinese borrowers (third parties must
never learn of the debt). The shipped templates (``voicemail/<lang>.txt``) may use only
the placeholders ``{business_name}``, ``{contact_name}`` and ``{callback_number}``; the
template and the filled-in values are checked against words that reveal a debt.
"""

from __future__ import annotations

import re
import string
from pathlib import Path

from robot.errors import InputError

TEMPLATES_DIR = Path(__file__).resolve().parent / "voicemail"
ALLOWED_FIELDS = frozenset({"business_name", "contact_name", "callback_number"})
#: Words that reveal a debt or its collection: English word stems (matched at a word
#: start, any case) and Chinese terms (matched anywhere).
FORBIDDEN_EN = (
    "debt", "collect", "owe", "owed", "owes", "owing", "overdue", "past due", "pay",
    "payment", "balance", "loan", "credit", "account", "amount", "dollar", "bank", "late",
    "delinquen", "arrear", "default", "bill",
)
FORBIDDEN_ZH = ("欠", "债", "催", "逾期", "还款", "账单", "账户", "金额", "贷款", "信用卡", "银行",
                "元", "钱")
_EN = re.compile(r"\b(" + "|".join(re.escape(w) for w in FORBIDDEN_EN) + r")(?:s|ed|ing|ion|ions|ments?)?\b"
                 r"|\b(delinquen\w*|collect\w*|debt\w*)|[$¥￥]", re.IGNORECASE)
_PHONE = re.compile(r"^\+?[\d\- ]{6,20}$")


def forbidden_words(text: str) -> list[str]:
    """The forbidden words found in ``text`` (case-insensitive for Latin script)."""
    found = [m.group(0).lower() for m in _EN.finditer(text)]
    found += [w for w in FORBIDDEN_ZH if w in text]
    return sorted(set(found))


def check_fields(business_name: str | None, contact_name: str | None,
                 callback_number: str | None) -> None:
    """The values a voicemail needs: present, and revealing nothing."""
    missing = [n for n, v in (("business_name", business_name), ("contact_name", contact_name),
                              ("callback_number", callback_number)) if not v]
    if missing:
        raise InputError(f"machine: voicemail needs {', '.join(missing)}")
    for name, value in (("business_name", business_name), ("contact_name", contact_name)):
        bad = forbidden_words(str(value))
        if bad:
            raise InputError(f"{name} {value!r} reveals a debt ({', '.join(bad)}); a "
                             "limited-content message may not")
    if not _PHONE.match(str(callback_number)):
        raise InputError(f"callback_number {callback_number!r} is not a telephone number")


def check_template(text: str, where: str = "voicemail template") -> None:
    """Only the allowed placeholders, and no word that reveals a debt."""
    fields = {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}
    extra = sorted(fields - ALLOWED_FIELDS)
    if extra:
        raise InputError(f"placeholder(s) {', '.join(extra)} not allowed in a limited-content "
                         f"message (allowed: {', '.join(sorted(ALLOWED_FIELDS))})", where)
    if "{callback_number}" not in text:
        raise InputError("the message must give {callback_number}", where)
    bad = forbidden_words(text)
    if bad:
        raise InputError(f"reveals a debt: {', '.join(bad)}", where)


def template_path(lang: str) -> Path:
    path = TEMPLATES_DIR / f"{lang}.txt"
    if not path.exists():
        raise InputError(f"no voicemail template for language {lang!r}", str(path))
    return path


def render(lang: str, business_name: str, contact_name: str, callback_number: str) -> str:
    """The checked message for ``lang`` with the values filled in (and checked again)."""
    path = template_path(lang)
    text = path.read_text(encoding="utf-8").strip()
    check_template(text, str(path))
    check_fields(business_name, contact_name, callback_number)
    number = callback_number
    if lang == "en":  # read digit by digit: "5 5 5, 0 1 0 0"
        number = " ".join(ch for ch in callback_number if ch.isdigit())
    message = text.format(business_name=business_name, contact_name=contact_name,
                          callback_number=number)
    bad = forbidden_words(message)
    if bad:
        raise InputError(f"voicemail message reveals a debt: {', '.join(bad)}", str(path))
    return message
