"""Validation of one payment-file row: pure, so every rule is tested directly.

Same conventions as call lists (robot/cases/validate.py): normalised header names, all
problems of a row reported together, the row named by its number in the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from robot.cases.money import to_minor
from robot.cases.validate import normalise_header, parse_amount, parse_date
from robot.errors import InputError

PAY_REQUIRED = ("payment_id", "account_id", "amount", "paid_on")
PAY_OPTIONAL = ("currency", "channel", "reference")

_CURRENCY = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class Payment:
    payment_id: str
    account_id: str
    amount_minor: int
    currency: str  # '' = the account's currency
    paid_on: date
    channel: str = ""
    reference: str = ""


def validate_payment(row: dict[str, str], rownum: int, source: str = "payment file") -> Payment:
    """One row as a :class:`Payment`, or InputError naming every problem and the row."""
    cells = {normalise_header(k): (v or "").strip() for k, v in row.items() if k is not None}
    problems = [f"missing {c}" for c in PAY_REQUIRED if not cells.get(c)]
    amount = parse_amount(cells.get("amount", ""), "amount", problems)
    paid_on = parse_date(cells.get("paid_on", ""), "paid_on", problems)
    currency = cells.get("currency", "").upper()
    if currency and not _CURRENCY.match(currency):
        problems.append(f"bad currency {cells['currency']!r} (a 3-letter ISO 4217 code)")
    if problems:
        raise InputError("; ".join(problems), where=f"{source} row {rownum}")
    assert amount is not None and paid_on is not None
    return Payment(cells["payment_id"], cells["account_id"], to_minor(amount), currency,
                   paid_on, cells.get("channel", ""), cells.get("reference", ""))  # fmt: skip
