"""Exact money in minor units (fen, cents): the case lifecycle's tables store integers."""

from __future__ import annotations

from decimal import Decimal


def to_minor(amount: Decimal) -> int:
    """``Decimal('12.30')`` -> 1230; amounts are validated to at most 2 decimals first."""
    return int((amount * 100).to_integral_value())


def minor_text(minor: int) -> str:
    """1230 -> '12.30', -5 -> '-0.05' (exact, no float on the way)."""
    sign = "-" if minor < 0 else ""
    whole, cents = divmod(abs(minor), 100)
    return f"{sign}{whole}.{cents:02d}"


#: SQL giving the same text as :func:`minor_text` for an integer column ``col``.
def minor_text_sql(col: str) -> str:
    return (f"(CASE WHEN {col} < 0 THEN '-' ELSE '' END || (abs({col}) / 100) || '.' ||"
            f" CASE WHEN abs({col}) % 100 < 10 THEN '0' ELSE '' END || (abs({col}) % 100))")  # fmt: skip
