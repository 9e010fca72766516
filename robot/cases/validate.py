"""Validation of one call-list row: pure, no I/O, so every rule is tested directly.

A row is a dict of normalised column names (see :func:`normalise_header`) to the raw
cell text. All problems of a row are reported together, so the bank fixes a row once.
"""

from __future__ import annotations

import functools
import re
from datetime import date
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from robot.errors import InputError
from robot.store.models import Account, bucket_for

REQUIRED = ("account_id", "name", "phone", "amount_due", "due_date")
OPTIONAL = ("currency", "timezone", "days_past_due", "lang")
LANGS = ("zh", "en")
DEFAULT_CURRENCY = {"zh": "CNY", "en": "USD"}
DEFAULT_TIMEZONE = {"zh": "Asia/Shanghai", "en": "America/New_York"}

_PHONE = re.compile(r"^\+?\d{6,15}$")
_PHONE_SEPARATORS = re.compile(r"[ \-]")
_THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_DATE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")


@functools.lru_cache(maxsize=4096)  # called once per cell: a file has few distinct names
def normalise_header(name: str) -> str:
    """'Account ID ' / 'account-id' / 'AMOUNT_DUE' -> 'account_id' / 'amount_due'."""
    return re.sub(r"[\s\-]+", "_", name.strip().lstrip("\ufeff").strip()).lower()


def validate_row(
    row: dict[str, str], rownum: int, today: date, source: str = "call list"
) -> Account:
    """Turn one row into an :class:`Account` or raise InputError naming every problem.

    ``rownum`` is the row's number in the file (the header is row 1); ``today`` decides
    ``days_past_due`` when the file does not give it.
    """
    cells = {normalise_header(k): (v or "").strip() for k, v in row.items() if k is not None}
    problems: list[str] = []
    for col in REQUIRED:
        if not cells.get(col):
            problems.append(f"missing {col}")

    lang = (cells.get("lang") or "zh").lower()
    if lang not in LANGS:
        problems.append(f"lang {cells['lang']!r} is not one of {', '.join(LANGS)}")
        lang = "zh"

    phone = _PHONE_SEPARATORS.sub("", cells.get("phone", ""))
    if cells.get("phone") and not _PHONE.match(phone):
        problems.append(f"bad phone {cells['phone']!r} (digits, optional leading +, 6-15 digits)")

    amount = parse_amount(cells.get("amount_due", ""), "amount_due", problems)
    due = parse_date(cells.get("due_date", ""), "due_date", problems)

    currency = (cells.get("currency") or DEFAULT_CURRENCY[lang]).upper()
    if not _CURRENCY.match(currency):
        problems.append(f"bad currency {cells['currency']!r} (a 3-letter ISO 4217 code)")

    tz = cells.get("timezone") or DEFAULT_TIMEZONE[lang]
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"unknown timezone {tz!r} (an IANA name such as Asia/Shanghai)")

    days: int | None = None
    if cells.get("days_past_due"):
        try:
            days = int(cells["days_past_due"])
        except ValueError:
            problems.append(f"bad days_past_due {cells['days_past_due']!r} (a whole number)")
    elif due is not None:
        days = (today - due).days

    if problems:
        raise InputError("; ".join(problems), where=f"{source} row {rownum}")
    assert amount is not None and due is not None and days is not None
    known = set(REQUIRED) | set(OPTIONAL)
    return Account(
        id=cells["account_id"],
        name=cells["name"],
        phone=phone,
        timezone=tz,
        currency=currency,
        amount_due=amount,
        due_date=due,
        days_past_due=days,
        bucket=bucket_for(days),
        lang=lang,
        extra={k: v for k, v in cells.items() if k not in known and k},
    )


def parse_amount(raw: str, col: str, problems: list[str]) -> Decimal | None:
    """A positive exact amount with at most two decimals; '1,234.50' is accepted."""
    if not raw:
        return None
    text = raw.replace(",", "") if _THOUSANDS.match(raw) else raw
    try:
        value = Decimal(text)
    except InvalidOperation:
        problems.append(f"bad {col} {raw!r} (a number such as 1234.50)")
        return None
    exponent = value.as_tuple().exponent
    if not value.is_finite() or value <= 0 or (isinstance(exponent, int) and exponent < -2):
        problems.append(f"bad {col} {raw!r} (positive, at most 2 decimals)")
        return None
    return value


def parse_date(raw: str, col: str, problems: list[str]) -> date | None:
    if not raw:
        return None
    m = _DATE.match(raw)
    try:
        if not m:
            raise ValueError
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        problems.append(f"bad {col} {raw!r} (YYYY-MM-DD)")
        return None
