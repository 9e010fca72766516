"""Reports: per-campaign and per-collector figures, weekly roll-up, CSV and HTML."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from lifecycle_helpers import account_file, payment_file
from robot.cases import reportfmt
from robot.cases.accounts import import_accounts
from robot.cases.buckets import recompute
from robot.cases.payments import import_payments
from robot.cases.placement import load_plan, place, save_collectors
from robot.cases.reconcile import reconcile
from robot.cases.report import Counts, daily_counts, roll_rows
from robot.cases.scope import CollectorView
from robot.cases.strategy import load_strategy_text
from robot.cases.treat import run_strategy
from robot.cli import main
from robot.store.db import Store
from pgstore import either_store, pg_server  # noqa: F401  (fixture)


async def call(store: Store, n: int, acc: str, day: str, result: str, disp: str,
               ptp: str | None = None, ptp_date: str | None = None) -> None:  # fmt: skip
    cid = await store.ensure_campaign("early")
    a = await store.account(acc)
    assert a
    await store.begin_attempt(f"t{n}", cid, a)
    async with store.transaction("date") as db:
        await db.execute("UPDATE attempts SET started_at = ? WHERE id = ?",
                         (f"{day}T10:00:00.000Z", f"t{n}"))
        await db.execute("INSERT INTO campaign_accounts VALUES (?, ?, ?, ?)"
                         " ON CONFLICT DO NOTHING", (cid, acc, n, day))
    await store.finish_attempt(f"t{n}", result=result, disposition=disp,
                               ptp_amount=Decimal(ptp) if ptp else None, ptp_date=ptp_date)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
async def test_figures_per_campaign_and_agency(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    async with either_store(kind, tmp_path, request) as store:
        d1 = date(2026, 11, 2)  # a Monday
        await import_accounts(store, account_file(tmp_path / "a.csv", [{}, {}, {}, {}]), today=d1)
        await recompute(store, d1)
        await call(store, 1, "A1", "2026-11-02", "no_answer", "no_contact")
        await call(store, 2, "A1", "2026-11-03", "answered", "ptp", "400.00", "2026-11-05")
        await call(store, 3, "A2", "2026-11-03", "answered", "third_party")
        await call(store, 4, "A2", "2026-11-04", "answered", "refused")
        plan = tmp_path / "p.yaml"
        plan.write_text("collectors:\n  - {id: east, kind: agency, capacity: 5}\n")
        await save_collectors(store, load_plan(plan))
        await run_strategy(store, load_strategy_text(
            "rules:\n  - {id: a, when: {risk_min: 0}, treatment: agency}\n"
            "default: {treatment: hold}\n"), d1, account_ids=["A3", "A4"])
        await place(store, d1)
        east = CollectorView(store, "east")
        await east.record_action("A3", "call", result="right_party", ptp_amount=Decimal("100"),
                                 ptp_date=date(2026, 11, 4), at="2026-11-02T08:00:00Z")
        await east.record_action("A4", "call", result="no_contact", at="2026-11-03T08:00:00Z")
        await import_payments(store, payment_file(tmp_path / "pay.csv", [
            ("P1", "A1", "400.00", "2026-11-05"), ("P2", "A3", "50.00", "2026-11-04")]))
        await reconcile(store, date(2026, 11, 10))
        days, bases = await daily_counts(store, d1, date(2026, 11, 10))
        rows = reportfmt.rollup(days, bases, weekly=True)
        by = {(r.period, r.dimension, r.name): r for r in rows}
        camp = by[("2026-W45", "campaign", "early")]
        assert (camp.c.attempts, camp.c.contacts, camp.c.rpc, camp.c.ptp) == (4, 3, 2, 1)
        assert (camp.c.ptp_judged, camp.c.ptp_kept, camp.c.recovered_minor) == (1, 1, 40000)
        assert camp.base_minor == 200000  # A1 + A2 balances at the start
        cells = camp.cells()
        assert cells["contact_rate"] == "0.7500" and cells["rpc_rate"] == "0.5000"
        assert cells["ptp_rate"] == "0.5000" and cells["ptp_kept_rate"] == "1.0000"
        assert cells["recovered"] == "400.00" and cells["recovery_rate"] == "0.2000"
        ag = by[("2026-W45", "agency", "east")]
        assert (ag.c.attempts, ag.c.contacts, ag.c.rpc, ag.c.ptp) == (2, 1, 1, 1)
        assert (ag.c.ptp_judged, ag.c.ptp_kept, ag.c.recovered_minor) == (1, 0, 5000)
        daily = reportfmt.rollup(days, bases, weekly=False)
        assert {r.period for r in daily if r.dimension == "campaign"} >= {"2026-11-02",
                                                                          "2026-11-05"}
        text = reportfmt.to_csv(rows)
        parsed = list(csv.DictReader(io.StringIO(text)))
        assert tuple(parsed[0]) == reportfmt.COLUMNS
        page = reportfmt.to_html("t", rows, await roll_rows(store, d1, date(2026, 11, 10)))
        assert page.count("<svg") == 4 and "Roll rate by bucket on 2026-11-10" in page


def test_rates_without_denominator_are_blank() -> None:
    row = reportfmt.Row("2026-11-02", "campaign", "x", Counts(), 0)
    assert row.cells()["contact_rate"] == "" and row.cells()["recovery_rate"] == ""
    assert reportfmt.period_of("2027-01-01", True) == "2026-W53"


def test_cli_daily_cycle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                         capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    monkeypatch.setenv("DUNBOT_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("DUNBOT_DB", raising=False)
    monkeypatch.delenv("DUNBOT_CONFIG", raising=False)
    acc = account_file(tmp_path / "a.csv", [{}, {"due_date": "2026-01-01"}, {"phone": "x"}])
    pay = payment_file(tmp_path / "p.csv", [("P1", "A1", "1000.00", "2026-11-02"),
                                            ("P2", "Q", "5.00", "2026-11-02")])
    rules = tmp_path / "r.yaml"
    rules.write_text("rules:\n  - {id: old, when: {bucket: M6+}, treatment: agency}\n"
                     "default: {treatment: sms, params: {text: 'hi {name}'}}\n")
    plan = tmp_path / "plan.yaml"
    plan.write_text("collectors:\n  - {id: east, kind: agency, capacity: 5}\n")
    steps = [
        ["cases", "import-accounts", str(acc), "--today", "2026-11-01"],
        ["cases", "import-payments", str(pay)],
        ["cases", "reconcile", "--date", "2026-11-03"],
        ["cases", "unmatched"],
        ["cases", "strategy", str(rules), "--date", "2026-11-03", "--dry-run"],
        ["cases", "strategy", str(rules), "--date", "2026-11-03"],
        ["cases", "allocate", "--date", "2026-11-03", "--plan", str(plan)],
        ["cases", "sms", "--date", "2026-11-03"],
        ["cases", "recall", "--date", "2026-12-03"],
        ["cases", "show", "A2"],
        ["cases", "report", "--from", "2026-11-01", "--to", "2026-12-03", "--out",
         str(tmp_path / "rep")],
        ["audit", "verify"],
    ]  # fmt: skip
    for argv in steps:
        assert main(argv) == 0, argv
    out = capsys.readouterr().out
    assert "rejected 1 ->" in out and "1 payments matched (1000.00), 1 unmatched" in out
    assert "P2,Q,5.00,USD,2026-11-02,p.csv,no such account" in out
    assert "A2: agency (old)" in out and "    old: yes, bucket 'M6+' in [M6+]" in out
    assert "placed 1 cases" in out and "0 SMS sent" in out
    assert "1 placements recalled" in out and "placement    east 2026-11-03..2026-12-03" in out
    assert (tmp_path / "rep" / "daily-2026-11-01-2026-12-03.html").exists()
    assert "audit trail:" in out and "intact" in out
    assert main(["cases", "strategy", str(plan), "--date", "2026-11-03"]) == 1
    assert f"{plan}:1:1: unknown key 'collectors'" in capsys.readouterr().err
