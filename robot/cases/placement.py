"""Collectors, placements and recall (回收) in the store (docs/allocation.md).

``place`` turns the day's ``agent``/``agency`` work items into placements with an expiry
date; ``recall_expired`` brings back every placement whose period ended, recording
what was recovered (payments while placed) and how many actions the collector logged.
Each placement and each recall is one audit entry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from robot.cases import audit, bulk
from robot.cases.allocate import METHODS, Allocation, CaseRef, Collector, allocate, blended_rate
from robot.cases.yamlpos import check_keys, compose
from robot.errors import InputError
from robot.store.db import Store

PLACEMENT_DAYS = 30


@dataclass(frozen=True)
class Plan:
    """The allocation file: collectors, method and default placement period."""

    collectors: list[Collector]
    method: str = "performance"
    placement_days: int = PLACEMENT_DAYS


def load_plan(path: Path) -> Plan:
    """Read an allocation YAML file; errors name ``file:line:column``."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", where=str(path)) from None
    data, m = compose(text, str(path))
    if not isinstance(data, dict):
        raise InputError("an allocation file is a mapping with collectors", m.at())
    check_keys(data, ("method", "placement_days", "collectors"), m, ())
    method = data.get("method", "performance")
    if method not in METHODS:
        raise InputError(f"method {method!r} is not one of {', '.join(METHODS)}",
                         m.at("method"))  # fmt: skip
    days = data.get("placement_days", PLACEMENT_DAYS)
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise InputError("placement_days must be a whole number >= 1", m.at("placement_days"))
    raw = data.get("collectors")
    if not isinstance(raw, list) or not raw:
        raise InputError("collectors must be a non-empty list", m.at("collectors"))
    out: list[Collector] = []
    for i, c in enumerate(raw):
        at = ("collectors", i)
        if not isinstance(c, dict):
            raise InputError("a collector is a mapping", m.at(*at))
        check_keys(c, ("id", "kind", "name", "regions", "capacity", "performance", "active"),
                   m, at)  # fmt: skip
        if not isinstance(c.get("id"), str) or not c["id"]:
            raise InputError("id must be a non-empty name", m.at(*at, "id"))
        if c["id"] in {o.id for o in out}:
            raise InputError(f"collector id {c['id']!r} repeats", m.at(*at, "id"))
        if c.get("kind") not in ("agent", "agency"):
            raise InputError("kind must be agent or agency", m.at(*at, "kind"))
        cap = c.get("capacity")
        if isinstance(cap, bool) or not isinstance(cap, int) or cap < 0:
            raise InputError("capacity must be a whole number >= 0", m.at(*at, "capacity"))
        perf = c.get("performance")
        if perf is not None and (isinstance(perf, bool) or not isinstance(perf, (int, float))
                                 or not 0 <= perf <= 1):  # fmt: skip
            raise InputError("performance must be a recovery rate from 0 to 1",
                             m.at(*at, "performance"))  # fmt: skip
        regions = c.get("regions") or []
        if not isinstance(regions, list) or not all(isinstance(r, str) for r in regions):
            raise InputError("regions must be a list of region codes", m.at(*at, "regions"))
        name = str(c.get("name") or c["id"])
        out.append(Collector(c["id"], c["kind"], name, frozenset(regions), cap, perf,
                             bool(c.get("active", True))))
    return Plan(out, method, days)


async def save_collectors(store: Store, plan: Plan, actor: str = "system") -> None:
    async with store.transaction("saving collectors") as db:
        for c in plan.collectors:
            async with db.execute("SELECT * FROM collectors WHERE id = ?", (c.id,)) as cur:
                old = await cur.fetchone()
            row = (c.id, c.kind, c.name, ",".join(sorted(c.regions)), c.capacity,
                   c.performance, int(c.active))  # fmt: skip
            await db.execute(
                "INSERT INTO collectors (id, kind, name, regions, capacity, performance, active)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET kind = excluded.kind,"
                " name = excluded.name, regions = excluded.regions, capacity = excluded.capacity,"
                " performance = excluded.performance, active = excluded.active", row
            )
            new = dict(zip(("id", "kind", "name", "regions", "capacity", "performance",
                            "active"), row))  # fmt: skip
            if old is None or dict(old) != new:
                await audit.append(db, actor, "collector.save", f"collector:{c.id}",
                                   dict(old) if old else None, new)  # fmt: skip


async def collectors(store: Store) -> list[Collector]:
    rows = await store.query("SELECT * FROM collectors ORDER BY id")
    return [Collector(r["id"], r["kind"], r["name"],
                      frozenset(x for x in r["regions"].split(",") if x), int(r["capacity"]),
                      r["performance"], bool(r["active"])) for r in rows]  # fmt: skip


async def rates(store: Store, known: list[Collector]) -> dict[str, float]:
    rows = await store.query(
        "SELECT collector_id, COUNT(*), SUM(balance_minor), SUM(recovered_minor)"
        " FROM placements WHERE status = 'recalled' GROUP BY collector_id"
    )
    hist = {r[0]: (int(r[1]), int(r[2] or 0), int(r[3] or 0)) for r in rows}
    return {c.id: blended_rate(c.performance, hist.get(c.id, (0, 0, 0))[2],
                               hist.get(c.id, (0, 0, 0))[1], hist.get(c.id, (0, 0, 0))[0])
            for c in known}  # fmt: skip


async def place(store: Store, day: date, plan_days: int = PLACEMENT_DAYS,
                method: str = "performance", actor: str = "system") -> Allocation:  # fmt: skip
    """Place the day's new agent/agency work items with collectors."""
    await bulk.tune(store)
    known = await collectors(store)
    rows = await store.query(
        "SELECT w.account_id, w.treatment, c.region, c.balance_minor, w.params"
        " FROM work_items w JOIN cases c ON c.account_id = w.account_id"
        " WHERE w.day = ? AND w.treatment IN ('agent', 'agency') AND w.status = 'new'"
        " AND NOT EXISTS (SELECT 1 FROM placements p WHERE p.account_id = w.account_id"
        "  AND p.status = 'active')", (day.isoformat(),)
    )
    period: dict[str, int] = {}  # params text -> days (few distinct texts)
    for r in rows:
        if r[4] not in period:
            period[r[4]] = int(json.loads(r[4]).get("placement_days") or plan_days)
    days_of = {r[0]: period[r[4]] for r in rows}
    balance = {r[0]: int(r[3]) for r in rows}
    load_rows = await store.query(
        "SELECT collector_id, COUNT(*) FROM placements WHERE status = 'active'"
        " GROUP BY collector_id"
    )
    load = {r[0]: int(r[1]) for r in load_rows}
    result = allocate((CaseRef(r[0], r[1], r[2], int(r[3])) for r in rows), known, load,
                      await rates(store, known), method)  # fmt: skip
    d = day.isoformat()
    async with store.transaction(f"placing cases of {day}") as db:
        await db.executemany(
            "INSERT INTO placements (account_id, collector_id, placed_on, expires_on,"
            " balance_minor) VALUES (?, ?, ?, ?, ?)",
            [(a, c, d, (day + timedelta(days=days_of[a])).isoformat(), balance[a])
             for a, c in result.assigned],
        )  # fmt: skip
        await db.execute(
            "UPDATE work_items SET status = 'done' WHERE day = :d AND status = 'new'"
            " AND treatment IN ('agent', 'agency') AND account_id IN (SELECT account_id"
            "  FROM placements WHERE placed_on = :d AND status = 'active')", {"d": d}
        )
        await audit.append_many(db, actor, [
            ("case.place", f"account:{a}", None, {"collector": c, "placed_on": d,
             "expires_on": (day + timedelta(days=days_of[a])).isoformat(),
             "balance_minor": balance[a]}) for a, c in result.assigned
        ])  # fmt: skip
    return result


async def recall_expired(store: Store, day: date, actor: str = "system") -> list[dict[str, Any]]:
    """Bring back placements that expired on or before ``day``, with their results."""
    return await _recall(store, day, "expires_on <= :day", {}, actor)


async def recall_account(store: Store, account_id: str, day: date,
                         actor: str = "system") -> list[dict[str, Any]]:  # fmt: skip
    """Take one case back early (the bank's decision)."""
    return await _recall(store, day, "account_id = :acc", {"acc": account_id}, actor)


async def _recall(store: Store, day: date, cond: str, extra: dict[str, str],
                  actor: str) -> list[dict[str, Any]]:  # fmt: skip
    p = {"day": day.isoformat(), **extra}
    async with store.transaction(f"recall on {day}") as db:
        await db.execute("DROP TABLE IF EXISTS temp._recall")
        await db.execute("CREATE TEMP TABLE _recall AS SELECT id FROM placements"
                         f" WHERE status = 'active' AND {cond}", p)  # fmt: skip
        await db.execute(
            "UPDATE placements SET status = 'recalled', recalled_on = :day,"
            " recovered_minor = COALESCE((SELECT SUM(y.amount_minor) FROM payments y"
            "  WHERE y.account_id = placements.account_id AND y.status = 'matched'"
            "  AND y.paid_on >= placements.placed_on AND y.paid_on <= :day), 0),"
            " actions = (SELECT COUNT(*) FROM case_actions x WHERE x.placement_id = placements.id)"
            " WHERE id IN (SELECT id FROM _recall)", p
        )
        async with db.execute(
            "SELECT id, account_id, collector_id, placed_on, expires_on, balance_minor,"
            " recovered_minor, actions FROM placements WHERE id IN (SELECT id FROM _recall)"
            " ORDER BY id"
        ) as cur:
            back = [dict(r) for r in await cur.fetchall()]
        await db.execute("DROP TABLE temp._recall")
        await audit.append_many(db, actor, [
            ("case.recall", f"placement:{b['id']}", {"status": "active"},
             {**b, "status": "recalled"}) for b in back
        ])  # fmt: skip
    return back
