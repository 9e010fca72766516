"""The outcome file the bank gets back: one CSV row per call attempt (docs/outcomes.md).

Values are plain and exact (decimal text, ISO dates, UTC times) so the bank's systems
parse them without locale guessing; ``excel=True`` adds a BOM because Excel otherwise
reads UTF-8 as the local code page and garbles Chinese text.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Mapping
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from robot.config import load_settings
from robot.errors import InputError
from robot.store.db import Store

COLUMNS = (
    "account_id", "campaign", "attempt_id", "attempt_time", "result", "disposition",
    "ptp_amount", "ptp_currency", "ptp_date", "recording", "call_duration_s",
)  # fmt: skip


def relative_recording(path: str | None, recordings_dir: Path) -> str:
    """Recording path relative to the recordings folder (how the bank receives them)."""
    if not path:
        return ""
    p = Path(path)
    if not p.is_absolute():
        return p.as_posix()
    try:
        return p.relative_to(recordings_dir).as_posix()
    except ValueError:
        return p.as_posix()  # outside the folder: the full path is the honest answer


def attempt_time(stored: str) -> str:
    """Stored ISO UTC time to second precision, ``2026-06-01T09:30:05Z``."""
    return datetime.fromisoformat(stored).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_row(row: Mapping[str, Any], recordings_dir: Path) -> dict[str, str]:
    """One outcome row as the file's text cells (pure: tested without a store)."""
    ptp = row.get("ptp_amount")
    duration = row.get("call_duration_s")
    return {
        "account_id": row["account_id"],
        "campaign": row["campaign"],
        "attempt_id": row["attempt_id"],
        "attempt_time": attempt_time(row["attempt_time"]),
        "result": row["result"] or "",
        "disposition": row["disposition"] or "",
        "ptp_amount": format(Decimal(ptp), "f") if ptp else "",
        "ptp_currency": row["currency"] if ptp else "",
        "ptp_date": row.get("ptp_date") or "",
        "recording": relative_recording(row.get("recording"), recordings_dir),
        "call_duration_s": ""
        if duration is None
        else str(Decimal(str(duration)).quantize(Decimal(1), ROUND_HALF_UP)),
    }


async def export_outcomes(
    store: Store,
    campaign: str,
    out: Path,
    *,
    recordings_dir: Path | None = None,
    excel: bool = False,
) -> list[dict[str, str]]:
    """Write the campaign's outcome file; return its rows (for an on-screen summary).

    Written to a temporary file and renamed, so the bank never picks up half a file.
    The returned rows also carry the dialled ``phone``, which the file leaves out: the
    bank knows its accounts' numbers, and the file should hold no more personal data
    than needed. ``recordings_dir`` defaults to the configured recordings folder.
    """
    if recordings_dir is None:
        recordings_dir = load_settings().recordings_dir
    rows = [
        {**format_row(r, recordings_dir), "phone": r["phone"]}
        for r in await store.outcome_rows(campaign)
    ]
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    try:
        with tmp.open("w", encoding="utf-8-sig" if excel else "utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=COLUMNS, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
        os.replace(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(f"cannot write: {exc.strerror}", where=str(out)) from None
    return rows
