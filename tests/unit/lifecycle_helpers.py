"""Shared builders for the case-lifecycle tests: account and payment files, a store."""

from __future__ import annotations

import csv
from pathlib import Path

HEADER = ["account_id", "name", "phone", "amount_due", "due_date", "lang", "risk_score",
          "region", "compliance"]  # fmt: skip


def account_file(path: Path, rows: list[dict[str, str]]) -> Path:
    """Write an account file; each row gives what differs from a valid default row."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=HEADER)
        w.writeheader()
        for i, r in enumerate(rows, start=1):
            w.writerow({"account_id": f"A{i}", "name": f"Name {i}", "phone": f"+1555010{i:04d}",
                        "amount_due": "1000.00", "due_date": "2026-10-01", "lang": "en",
                        "risk_score": "500", "region": "SH", "compliance": "ok", **r})  # fmt: skip
    return path


PAY_HEADER = ["payment_id", "account_id", "amount", "paid_on", "currency", "channel"]


def payment_file(path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    """(payment_id, account_id, amount, paid_on) rows, currency USD."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(PAY_HEADER)
        for pid, acc, amount, day in rows:
            w.writerow([pid, acc, amount, day, "USD", "bank"])
    return path
