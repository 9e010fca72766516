"""Conversions between Python values and the store's plain column types.

Kept apart from the SQL so a second backend (PostgreSQL) stores exactly the same text:
ISO-8601 UTC times with a ``Z``, exact decimal strings, ``YYYY-MM-DD`` dates.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from robot.errors import StoreError
from robot.store.models import Account


def utc_now() -> str:
    return iso_utc(datetime.now(UTC))


def iso_utc(value: datetime | str) -> str:
    """ISO-8601 UTC with milliseconds and ``Z``; a naive datetime is taken as UTC."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise StoreError(f"not an ISO-8601 time: {value!r}") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def opt_iso_utc(value: datetime | str | None) -> str | None:
    return None if value is None else iso_utc(value)


def decimal_text(value: Decimal | int | str | float | None) -> str | None:
    """Exact decimal text; a float goes through ``str`` so 0.1 stays 0.1."""
    if value is None:
        return None
    try:
        dec = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, ValueError, TypeError):
        raise StoreError(f"not a decimal amount: {value!r}") from None
    if not dec.is_finite():
        raise StoreError(f"not a finite amount: {value!r}")
    return format(dec, "f")


def date_text(value: date | str | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            raise StoreError(f"not a YYYY-MM-DD date: {value!r}") from None
    return value.isoformat()


def account_params(acc: Account, now: str) -> tuple[Any, ...]:
    """Column values of ``accounts`` in the order of ACCOUNT_COLUMNS, then times."""
    return (
        acc.id, acc.name, acc.phone, acc.timezone, acc.currency,
        decimal_text(acc.amount_due), acc.due_date.isoformat(), acc.days_past_due,
        acc.bucket, acc.lang, json.dumps(acc.extra, ensure_ascii=False, sort_keys=True),
        now, now,
    )  # fmt: skip


ACCOUNT_COLUMNS = (
    "id", "name", "phone", "timezone", "currency", "amount_due", "due_date",
    "days_past_due", "bucket", "lang", "extra", "created_at", "updated_at",
)  # fmt: skip


def account_from_row(row: Mapping[str, Any]) -> Account:
    return Account(
        id=row["id"],
        name=row["name"],
        phone=row["phone"],
        timezone=row["timezone"],
        currency=row["currency"],
        amount_due=Decimal(row["amount_due"]),
        due_date=date.fromisoformat(row["due_date"]),
        days_past_due=int(row["days_past_due"]),
        bucket=row["bucket"],
        lang=row["lang"],
        extra=json.loads(row["extra"] or "{}"),
    )
