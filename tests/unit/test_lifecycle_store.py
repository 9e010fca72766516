"""Account files, buckets and roll rates, payment files and reconciliation."""

from __future__ import annotations

import csv
import sqlite3
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from lifecycle_helpers import account_file, payment_file
from pgstore import either_store, pg_server  # noqa: F401  (fixture)
from robot.cases import audit, buckets
from robot.cases.accounts import case_row, import_accounts
from robot.cases.payments import import_payments, unmatched
from robot.cases.reconcile import reconcile
from robot.errors import InputError
from robot.store.db import Store
from robot.store.models import bucket_for

D1 = date(2026, 11, 1)


@pytest.fixture(params=["sqlite", "postgresql"])
async def store(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    """The same tests on both stores: a SQLite file and a throwaway PostgreSQL database."""
    async with either_store(request.param, tmp_path, request) as s:
        yield s


def rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


async def test_account_file_loads_rejects_and_is_idempotent(store: Store, tmp_path: Path) -> None:
    f = account_file(tmp_path / "acc.csv", [
        {}, {"amount_due": "-5"}, {"risk_score": "high"}, {"compliance": "sued"},
        {"due_date": "2026-08-15", "region": "BJ"},
    ])  # fmt: skip
    rep = await import_accounts(store, f, today=D1)
    assert (rep.inserted, rep.updated, rep.rejected) == (2, 0, 3)
    rej = rows(tmp_path / "acc.rejects.csv")
    assert [r[0] for r in rej[1:]] == ["3", "4", "5"]
    assert "bad risk_score 'high'" in rej[2][1] and "bad compliance 'sued'" in rej[3][1]
    case = await case_row(store, "A5")
    assert case and case["balance"] == "1000.00" and case["bucket"] == "M2"
    assert case["dpd"] == 78 and case["region"] == "BJ"
    again = await import_accounts(store, f, today=D1)
    assert again.already and again.inserted == 2
    assert (await store.query("SELECT COUNT(*) FROM cases"))[0][0] == 2
    f.write_text(f.read_text() + "A9,New,+15550109999,5.00,2026-10-01,en,1,SH,ok\n")
    rep3 = await import_accounts(store, f, today=D1)
    assert (rep3.inserted, rep3.updated) == (1, 2)
    assert [e.action for e in await audit.entries(store)] == ["accounts.import"] * 2


@pytest.mark.parametrize("scheme", [buckets.DEFAULT_SCHEME,
                                    buckets.parse_scheme("29:B1,59:B2,B3+")])
async def test_bucket_sql_agrees_with_bucket_for(scheme: buckets.BucketScheme) -> None:
    con = sqlite3.connect(":memory:")
    for d in range(-3, 400):
        sql = buckets.bucket_sql(str(d), scheme)
        assert con.execute(f"SELECT {sql}").fetchone()[0] == bucket_for(
            d, scheme.bounds, scheme.overflow), d


def test_parse_scheme_errors() -> None:
    assert buckets.parse_scheme("30:M0,60:M1,M2+").order == ["current", "M0", "M1", "M2+"]
    for bad in ("30:M0", "60:M0,30:M1,X", "x:M0,Y", "30:M0,30:M1,X", "30:M0,M0"):
        with pytest.raises(InputError):
            buckets.parse_scheme(bad)


async def test_buckets_daily_with_roll_rates(store: Store, tmp_path: Path) -> None:
    # due 2026-10-01: 31 dpd on 11-01 (M1); A2 due 10-05 -> 27 (M0), 58 on 12-02 (M1)
    f = account_file(tmp_path / "acc.csv", [{}, {"due_date": "2026-10-05"},
                                            {"due_date": "2026-10-29"}])
    await import_accounts(store, f, today=D1)
    run1 = await buckets.recompute(store, D1)
    assert run1.counts == {"M0": 2, "M1": 1} and run1.rolls == []
    payment_file(tmp_path / "p.csv", [("P1", "A3", "1000.00", "2026-11-20")])
    await import_payments(store, tmp_path / "p.csv")
    rec = await reconcile(store, date(2026, 11, 20))  # A1 50 M1, A2 46 M1, A3 paid
    m0 = {r.bucket: r for r in rec.buckets.rolls}["M0"]
    assert (m0.accounts, m0.rolled, m0.cured) == (2, 1, 1)
    run2 = await buckets.recompute(store, date(2026, 12, 2))
    assert run2.from_day == date(2026, 11, 20)
    by = {r.bucket: r for r in run2.rolls}
    assert (by["M1"].accounts, by["M1"].rolled, by["M1"].rate) == (2, 1, 0.5)  # A1 -> M2
    assert by["current"].accounts == 1 and by["current"].rolled == 0
    history = await buckets.roll_history(store)
    assert {(d, b.bucket) for d, _, b in history} >= {("2026-12-02", "M1"), ("2026-11-20", "M0")}
    again = await buckets.recompute(store, date(2026, 12, 2))
    assert again.rolls == run2.rolls  # same day twice: same answer, no duplicates
    snaps = await store.query("SELECT COUNT(*) FROM bucket_snapshots WHERE day='2026-12-02'")
    assert snaps[0][0] == 3
    acc = await store.account("A2")
    assert acc and acc.bucket == "M1" and acc.days_past_due == 58


async def test_payment_file_rejects_and_idempotence(store: Store, tmp_path: Path) -> None:
    await import_accounts(store, account_file(tmp_path / "a.csv", [{}, {}]), today=D1)
    f = payment_file(tmp_path / "p.csv", [
        ("P1", "A1", "100.00", "2026-11-02"), ("P2", "A1", "abc", "2026-11-02"),
        ("P3", "A2", "5.001", "2026-13-01"), ("P1", "A1", "100.00", "2026-11-02"),
        ("P4", "NOPE", "7.00", "2026-11-02"),
    ])  # fmt: skip
    rep = await import_payments(store, f)
    assert (rep.inserted, rep.rejected) == (2, 3)
    rej = rows(tmp_path / "p.rejects.csv")
    assert [r[0] for r in rej[1:]] == ["3", "4", "5"]
    assert "bad amount 'abc'" in rej[1][1]
    assert "bad amount '5.001'" in rej[2][1] and "bad paid_on" in rej[2][1]
    assert "duplicate payment_id 'P1' (first at row 2)" in rej[3][1]
    assert (await import_payments(store, f)).already
    g = payment_file(tmp_path / "q.csv", [("P1", "A1", "100.00", "2026-11-02"),
                                          ("P4", "A1", "9.00", "2026-11-02"),
                                          ("P5", "A2", "1.00", "2026-11-03")])
    rep2 = await import_payments(store, g)
    assert (rep2.inserted, rep2.updated, rep2.rejected) == (1, 1, 1)
    assert "already received with other values (from p.csv)" in rows(
        tmp_path / "q.rejects.csv")[1][1]
    assert (await store.query("SELECT COUNT(*) FROM payments"))[0][0] == 3


async def promise(store: Store, n: int, acc: str, amount: str, on: str, made: str) -> None:
    cid = await store.ensure_campaign("c")
    a = await store.account(acc)
    assert a
    await store.begin_attempt(f"t{n}", cid, a)
    await store.query("SELECT 1")
    async with store.transaction("backdate") as db:
        await db.execute("UPDATE attempts SET started_at = ? WHERE id = ?", (made, f"t{n}"))
    await store.finish_attempt(f"t{n}", result="answered", disposition="ptp",
                               ptp_amount=Decimal(amount), ptp_date=on)


async def test_reconcile_matches_judges_and_updates(store: Store, tmp_path: Path) -> None:
    await import_accounts(store, account_file(tmp_path / "a.csv", [{}, {}, {}, {}]), today=D1)
    await promise(store, 1, "A1", "300.00", "2026-11-10", "2026-11-01T10:00:00Z")
    await promise(store, 2, "A2", "300.00", "2026-11-10", "2026-11-01T10:00:00Z")
    await promise(store, 3, "A3", "300.00", "2026-11-10", "2026-11-01T10:00:00Z")
    await promise(store, 4, "A4", "300.00", "2026-11-30", "2026-11-01T10:00:00Z")
    await import_payments(store, payment_file(tmp_path / "p.csv", [
        ("P1", "A1", "300.00", "2026-11-09"), ("P2", "A2", "100.00", "2026-11-12"),
        ("P3", "ZZ", "50.00", "2026-11-05"), ("P4", "A4", "1000.00", "2026-11-06"),
        ("P5", "A1", "1.00", "2026-12-01"),
    ]))  # fmt: skip
    rep = await reconcile(store, date(2026, 11, 14))
    assert (rep.matched, rep.matched_minor, rep.unmatched) == (3, 140000, 1)
    assert rep.promises == {"kept": 2, "partly_kept": 1, "broken": 1}
    st = {r[0]: r[1] for r in await store.query("SELECT source, status FROM promises")}
    assert st == {"t1": "kept", "t2": "partly_kept", "t3": "broken", "t4": "kept"}
    assert (await case_row(store, "A1"))["balance"] == "700.00"  # type: ignore[index]
    a4 = await case_row(store, "A4")
    assert a4 and a4["balance"] == "0.00" and a4["status"] == "closed" and a4["bucket"] == "current"
    assert (await store.account("A2")).amount_due == Decimal("900.00")  # type: ignore[union-attr]
    um = await unmatched(store)
    assert [(u["payment_id"], u["note"]) for u in um] == [("P3", "no such account")]
    again = await reconcile(store, date(2026, 11, 14))  # nothing new: nothing changes
    assert (again.matched, again.unmatched, again.promises) == (0, 0, {})
    assert (await case_row(store, "A1"))["balance"] == "700.00"  # type: ignore[index]
    assert await audit.verify(store) == []
