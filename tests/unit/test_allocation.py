"""Allocation by capacity, region, round-robin and performance; recall; agency scope."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from lifecycle_helpers import account_file, payment_file
from pgstore import either_store, pg_server  # noqa: F401  (fixture)
from robot.cases import audit
from robot.cases.accounts import import_accounts
from robot.cases.allocate import CaseRef, Collector, allocate, blended_rate
from robot.cases.payments import import_payments
from robot.cases.placement import load_plan, place, recall_expired, save_collectors
from robot.cases.reconcile import reconcile
from robot.cases.scope import CollectorView
from robot.cases.strategy import load_strategy_text
from robot.cases.treat import run_strategy
from robot.errors import AccessDenied, InputError
from robot.store.db import Store


def col(cid: str, cap: int = 10, regions: tuple[str, ...] = (), kind: str = "agency") -> Collector:
    return Collector(cid, kind, cid, frozenset(regions), cap)


def cases(n: int, region: str = "SH", kind: str = "agency") -> list[CaseRef]:
    return [CaseRef(f"A{i}", kind, region, 1000 - i) for i in range(n)]


def test_round_robin_respects_capacity_and_region() -> None:
    cs = [col("x", 2), col("y", 10, ("SH",)), col("z", 10, ("BJ",))]
    res = allocate(cases(5), cs, {"x": 1}, {}, "round_robin")
    assert [c for _, c in res.assigned] == ["x", "y", "y", "y", "y"]
    res = allocate(cases(2, "GZ"), [col("z", 10, ("BJ",))], {}, {}, "round_robin")
    assert res.assigned == [] and "no collector serves this region" in res.unassigned[0][1]
    res = allocate(cases(3), [col("x", 1)], {}, {}, "round_robin")
    assert len(res.assigned) == 1 and res.unassigned[0] == ("A1", "agency in region SH: all full")


def test_performance_shares_follow_recovery_rates() -> None:
    res = allocate(cases(40), [col("good", 100), col("weak", 100)], {},
                   {"good": 0.3, "weak": 0.1}, "performance")
    got = [c for _, c in res.assigned]
    assert got.count("good") == 30 and got.count("weak") == 10
    assert res.assigned[0] == ("A0", "good")  # largest balance first, to the best


def test_agents_and_agencies_are_separate_pools() -> None:
    res = allocate(cases(2, kind="agent"), [col("ag", 10), col("li", 10, kind="agent")], {}, {},
                   "round_robin")
    assert {c for _, c in res.assigned} == {"li"}


def test_blended_rate_moves_from_prior_to_record() -> None:
    assert blended_rate(0.2, 0, 0, 0) == 0.2
    assert blended_rate(0.2, 50, 100, 20) == 0.5
    assert blended_rate(0.2, 50, 100, 10) == pytest.approx(0.35)


PLAN = """\
method: round_robin
placement_days: 10
collectors:
  - {id: east, kind: agency, regions: [SH], capacity: 100, performance: 0.2}
  - {id: west, kind: agency, regions: [SH], capacity: 100}
"""


def test_plan_errors_point_at_place(tmp_path: Path) -> None:
    p = tmp_path / "plan.yaml"
    p.write_text(PLAN.replace("capacity: 100}", "capacity: lots}", 1))
    with pytest.raises(InputError) as exc:
        load_plan(p)
    assert exc.value.where == f"{p}:5:55" and "capacity" in str(exc.value)


@pytest.fixture(params=["sqlite", "postgresql"])
async def fresh(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    """An empty store of each kind, for the placement tests."""
    async with either_store(request.param, tmp_path, request) as s:
        yield s


async def placed_store(tmp_path: Path, store: Store | None = None) -> Store:
    store = store or await Store.open(tmp_path / "d.db")
    day = date(2026, 11, 1)
    await import_accounts(store, account_file(tmp_path / "a.csv", [{}, {}, {}, {}]), today=day)
    p = tmp_path / "plan.yaml"
    p.write_text(PLAN)
    plan = load_plan(p)
    await save_collectors(store, plan)
    s = load_strategy_text("rules: []\ndefault: {treatment: agency}\n", "s.yaml")
    await run_strategy(store, s, day)
    res = await place(store, day, plan.placement_days, plan.method)
    assert [c for _, c in res.assigned] == ["east", "west", "east", "west"]
    return store


async def test_strategy_recalls_expired_placements_itself(tmp_path: Path, fresh: Store) -> None:
    store = await placed_store(tmp_path, fresh)
    try:
        s = load_strategy_text("default: {treatment: legal}\n")
        assert (await run_strategy(store, s, date(2026, 11, 10))).by_treatment == {}
        run = await run_strategy(store, s, date(2026, 11, 11))  # placements expire today
        assert run.by_treatment == {"legal": 4}
        rows = await store.query("SELECT COUNT(*) FROM placements WHERE status = 'recalled'")
        assert rows[0][0] == 4
    finally:
        await store.close()


async def test_agency_sees_and_acts_only_on_its_cases(tmp_path: Path, fresh: Store) -> None:
    store = await placed_store(tmp_path, fresh)
    try:
        east, west = CollectorView(store, "east"), CollectorView(store, "west")
        assert [c["account_id"] for c in await east.cases()] == ["A1", "A3"]
        assert (await east.case("A1"))["balance"] == "1000.00"
        with pytest.raises(AccessDenied):
            await east.case("A2")
        with pytest.raises(AccessDenied):
            await east.record_action("A2", "call", note="not mine")
        with pytest.raises(AccessDenied):
            await CollectorView(store, "nobody").case("A1")
        await east.record_action("A1", "promise", ptp_amount=Decimal("200"),
                                 ptp_date=date(2026, 11, 5))
        await west.record_action("A2", "call", result="no answer")
        assert len((await east.case("A1"))["actions"]) == 1
        rows = await store.query("SELECT COUNT(*) FROM case_actions WHERE account_id = 'A2'")
        assert rows[0][0] == 1
    finally:
        await store.close()


async def test_expired_placements_come_back_with_results(tmp_path: Path, fresh: Store) -> None:
    store = await placed_store(tmp_path, fresh)
    try:
        east = CollectorView(store, "east")
        await east.record_action("A1", "promise", ptp_amount=Decimal("200"),
                                 ptp_date=date(2026, 11, 5), at="2026-11-02T09:00:00Z")
        await import_payments(store, payment_file(tmp_path / "p.csv", [
            ("P1", "A1", "250.00", "2026-11-04")]))
        rec = await reconcile(store, date(2026, 11, 8))
        assert rec.promises == {"kept": 1}
        assert await recall_expired(store, date(2026, 11, 10)) == []  # expires 11-11
        dry = await run_strategy(store, load_strategy_text("default: {treatment: legal}\n"),
                                 date(2026, 11, 11), dry_run=True)
        assert len(dry.decisions) == 4  # expired: decided again, though not yet recalled
        back = await recall_expired(store, date(2026, 11, 11))
        assert [(b["account_id"], b["collector_id"], b["recovered_minor"], b["actions"])
                for b in back] == [("A1", "east", 25000, 1), ("A2", "west", 0, 0),
                                   ("A3", "east", 0, 0), ("A4", "west", 0, 0)]  # fmt: skip
        assert await recall_expired(store, date(2026, 11, 11)) == []
        with pytest.raises(AccessDenied):
            await east.case("A1")  # recalled: the agency no longer sees it
        s = load_strategy_text("rules: []\ndefault: {treatment: agency}\n", "s.yaml")
        run = await run_strategy(store, s, date(2026, 11, 12))
        assert run.by_treatment == {"agency": 4}  # back in the pool for a new decision
        actions = [e.action for e in await audit.entries(store, limit=1000)]
        assert actions.count("case.place") == 4 and actions.count("case.recall") == 4
        assert await audit.verify(store) == []
    finally:
        await store.close()
