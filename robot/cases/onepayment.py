"""One payment reported on its own (``POST /v1/payments``), idempotent on ``payment_id``.

Banks that push payments as they settle (a webhook from the core banking system) should
not have to wrap each one in a file. The rules are the payment file's
(docs/payment-file.md): the same id with the same values is "already received" and
changes nothing, so a retried request is harmless; the same id with other values is
refused, because the first may already be reconciled and only a person can say which is
right.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from robot.cases import audit
from robot.cases.money import minor_text
from robot.cases.payrows import PAY_OPTIONAL, PAY_REQUIRED, Payment, validate_payment
from robot.errors import InputError
from robot.store import convert as cv
from robot.store.db import Store

SOURCE = "api"
_FIELDS = PAY_REQUIRED + PAY_OPTIONAL


class PaymentConflict(InputError):
    """The payment id is known with other values."""


@dataclass(frozen=True)
class Recorded:
    """What became of a reported payment: ``already`` when it was received before."""

    payment: dict[str, Any]
    already: bool


def payment_from_json(body: Any, where: str = "request body") -> Payment:
    """A :class:`Payment` from a JSON object, or InputError naming every bad field (pure).

    Numbers are accepted for ``amount`` (JSON has no decimals, so ``"1234.50"`` as a
    string is the exact form); unknown fields are refused rather than ignored, since a
    misspelt ``curency`` would otherwise silently book the account's currency.
    """
    if not isinstance(body, dict):
        raise InputError("send a JSON object with " + ", ".join(PAY_REQUIRED), where=where)
    unknown = sorted(set(body) - set(_FIELDS))
    if unknown:
        raise InputError(f"unknown field(s) {', '.join(unknown)} (known: {', '.join(_FIELDS)})",
                         where=where)  # fmt: skip
    cells = {k: "" if v is None else str(v) for k, v in body.items()}
    if any(isinstance(body.get(k), (dict, list, bool)) for k in _FIELDS):
        raise InputError("fields must be strings or numbers", where=where)
    try:
        return validate_payment(cells, 1, where)
    except InputError as exc:  # the row number means nothing for one object
        raise InputError(str(exc).removeprefix(f"{exc.where}: "), where=where) from None


def _as_dict(row: Any) -> dict[str, Any]:
    return {"payment_id": row["payment_id"], "account_id": row["account_id"],
            "amount": minor_text(int(row["amount_minor"])), "currency": row["currency"],
            "paid_on": row["paid_on"], "channel": row["channel"], "reference": row["reference"],
            "status": row["status"], "source": row["source"]}  # fmt: skip


_SELECT = ("SELECT payment_id, account_id, amount_minor, currency, paid_on, channel, reference,"
           " status, source FROM payments WHERE payment_id = ?")  # fmt: skip


async def record_payment(store: Store, pay: Payment, *, actor: str = "system") -> Recorded:
    """Store one payment as ``new`` (reconciliation matches it), or return the known one."""
    async with store.transaction(f"payment {pay.payment_id}") as db:
        async with db.execute(_SELECT, (pay.payment_id,)) as cur:
            known = await cur.fetchone()
        if known is not None:
            same = (known["account_id"] == pay.account_id
                    and int(known["amount_minor"]) == pay.amount_minor
                    and known["paid_on"] == pay.paid_on.isoformat()
                    and (not pay.currency or known["currency"] == pay.currency))  # fmt: skip
            if not same:
                raise PaymentConflict(
                    f"payment_id {pay.payment_id!r} already received with other values"
                    f" (from {known['source']})", where="request body")  # fmt: skip
            return Recorded(_as_dict(known), already=True)
        currency = pay.currency
        if not currency:
            async with db.execute("SELECT currency FROM accounts WHERE id = ?",
                                  (pay.account_id,)) as cur:  # fmt: skip
                acc = await cur.fetchone()
            currency = acc["currency"] if acc is not None else ""
        await db.execute(
            "INSERT INTO payments (payment_id, account_id, amount_minor, currency, paid_on,"
            " channel, reference, source, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (pay.payment_id, pay.account_id, pay.amount_minor, currency,
             pay.paid_on.isoformat(), pay.channel, pay.reference, SOURCE, cv.utc_now()),
        )  # fmt: skip
        async with db.execute(_SELECT, (pay.payment_id,)) as cur:
            row = await cur.fetchone()
        out = _as_dict(row)
        await audit.append(db, actor, "payments.record", f"payment:{pay.payment_id}", None,
                           {k: v for k, v in out.items() if k not in ("status", "source")})
    return Recorded(out, already=False)
