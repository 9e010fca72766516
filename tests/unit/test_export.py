"""Outcome export: the columns, exact values, BOM only for Excel."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from robot.cases.export import COLUMNS, export_outcomes
from robot.errors import StoreError
from robot.store.db import Store
from robot.store.models import Account, Recording

REC = Path("/data/recordings")


def acc(n: int) -> Account:
    return Account(f"A-{n}", "张伟", f"1380000000{n}", "Asia/Shanghai", "CNY", Decimal("3200.00"),
                   date(2026, 10, 10), 49, "M1", "zh", {})  # fmt: skip


async def filled(path: Path) -> Store:
    store = await Store.open(path)
    cid = await store.ensure_campaign("june")
    await store.upsert_accounts(cid, [acc(1), acc(2), acc(3)])
    await store.begin_attempt("att-1", cid, acc(1))
    await store.finish_attempt(
        "att-1", result="answered", disposition="ptp", duration_s=61.5,
        ptp_amount=Decimal("1600.50"), ptp_date=date(2026, 12, 1),
        recordings=[Recording("mix", str(REC / "2026-11-28" / "att-1.wav"), 61.0, None),
                    Recording("rx", str(REC / "2026-11-28" / "att-1-rx.wav"), 61.0, None)],
    )  # fmt: skip
    await store.begin_attempt("att-2", cid, acc(2))
    await store.finish_attempt("att-2", result="busy", disposition="no_contact")
    await store.begin_attempt("att-3", cid, acc(3))  # still in progress: not exported
    return store


def read(path: Path, encoding: str) -> list[dict[str, str]]:
    with path.open(encoding=encoding, newline="") as fh:
        return list(csv.DictReader(fh))


async def test_export_columns_and_values(tmp_path: Path) -> None:
    store = await filled(tmp_path / "t.db")
    try:
        out = tmp_path / "exports" / "june.csv"
        returned = await export_outcomes(store, "june", out, recordings_dir=REC)
    finally:
        await store.close()
    data = out.read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    assert data.splitlines()[0].decode() == ",".join(COLUMNS)
    rows = read(out, "utf-8")
    assert [r["attempt_id"] for r in rows] == ["att-1", "att-2"]
    ptp, busy = rows
    assert ptp["account_id"] == "A-1" and ptp["campaign"] == "june"
    assert (ptp["result"], ptp["disposition"]) == ("answered", "ptp")
    assert (ptp["ptp_amount"], ptp["ptp_currency"], ptp["ptp_date"]) == (
        "1600.50", "CNY", "2026-12-01")  # fmt: skip
    assert ptp["recording"] == "2026-11-28/att-1.wav"
    assert ptp["call_duration_s"] == "62"
    assert ptp["attempt_time"].endswith("Z") and len(ptp["attempt_time"]) == 20
    assert (busy["ptp_amount"], busy["ptp_currency"], busy["ptp_date"]) == ("", "", "")
    assert (busy["recording"], busy["call_duration_s"]) == ("", "")
    assert [r["phone"] for r in returned] == ["13800000001", "13800000002"]
    assert "phone" not in rows[0]
    assert not list(tmp_path.glob("exports/*.tmp"))


async def test_excel_bom(tmp_path: Path) -> None:
    store = await filled(tmp_path / "t.db")
    try:
        out = tmp_path / "june.csv"
        await export_outcomes(store, "june", out, recordings_dir=REC, excel=True)
    finally:
        await store.close()
    assert out.read_bytes().startswith(b"\xef\xbb\xbfaccount_id,")
    assert len(read(out, "utf-8-sig")) == 2


async def test_unknown_campaign(tmp_path: Path) -> None:
    store = await filled(tmp_path / "t.db")
    try:
        with pytest.raises(StoreError, match="no campaign named 'july'"):
            await export_outcomes(store, "july", tmp_path / "x.csv", recordings_dir=REC)
    finally:
        await store.close()
    assert not (tmp_path / "x.csv").exists()
