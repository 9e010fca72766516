"""Running the strategy over the store: facts in, work items out (docs/strategy.md).

The decision is pure (robot/cases/strategy.py); this module first recalls expired
placements (so their cases come back automatically), then reads every open case that
is not placed with a collector, writes one work item per case for the day, and queues
``robot`` items into their campaign (created if new). A dry run decides and explains
but writes nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from robot.cases import audit, bulk
from robot.cases.placement import recall_expired
from robot.cases.strategy import Decision, Facts, Strategy, decide
from robot.store import convert as cv
from robot.store.db import Store

FACTS_SQL = (
    "SELECT c.account_id, c.bucket, c.dpd, c.balance_minor, c.risk_score, c.region,"
    " c.compliance, COALESCE(pr.broken, 0), COALESCE(pr.kept, 0), COALESCE(at.n, 0)"
    " FROM cases c"
    " LEFT JOIN (SELECT account_id, SUM(status = 'broken') AS broken,"
    "   SUM(status = 'kept') AS kept FROM promises GROUP BY account_id) pr"
    "  ON pr.account_id = c.account_id"
    " LEFT JOIN (SELECT account_id, COUNT(*) AS n FROM attempts GROUP BY account_id) at"
    "  ON at.account_id = c.account_id"
    " WHERE c.status = 'open' AND NOT EXISTS (SELECT 1 FROM placements p"
    "  WHERE p.account_id = c.account_id AND p.status = 'active' AND p.expires_on > ?)"
)


@dataclass(frozen=True)
class StrategyRun:
    day: date
    decisions: list[Decision]
    by_treatment: dict[str, int]
    by_rule: dict[str, int]
    queued: dict[str, int]  # campaign -> accounts newly added


async def case_facts(
    store: Store, day: date, account_ids: list[str] | None = None
) -> list[Facts]:
    """Open cases not placed with a collector on ``day`` (expired placements count as back)."""
    sql, params = FACTS_SQL, [day.isoformat()]
    if account_ids:
        sql += f" AND c.account_id IN ({', '.join('?' * len(account_ids))})"
        params += account_ids
    rows = await store.query(sql + " ORDER BY c.account_id", params)
    return [Facts(r[0], r[1], int(r[2]), int(r[3]), r[4], r[5], r[6], int(r[7]), int(r[8]),
                  int(r[9])) for r in rows]  # fmt: skip


async def run_strategy(
    store: Store,
    strategy: Strategy,
    day: date,
    *,
    dry_run: bool = False,
    account_ids: list[str] | None = None,
    actor: str = "system",
) -> StrategyRun:
    await bulk.tune(store)
    if not dry_run:  # cases whose placement expired come back first, with their results
        await recall_expired(store, day, actor)
    facts = await case_facts(store, day, account_ids)
    decisions = [decide(strategy, f, explain=dry_run) for f in facts]
    by_t = dict(Counter(d.treatment for d in decisions))
    by_r = dict(Counter(d.rule_id for d in decisions))
    if dry_run:
        return StrategyRun(day, decisions, by_t, by_r, {})
    queued = await _write(store, strategy, day, decisions, by_t, by_r, actor)
    return StrategyRun(day, decisions, by_t, by_r, queued)


async def _write(
    store: Store,
    strategy: Strategy,
    day: date,
    decisions: list[Decision],
    by_t: dict[str, int],
    by_r: dict[str, int],
    actor: str,
) -> dict[str, int]:
    d = day.isoformat()
    params_text: dict[int, str] = {}
    rows = []
    for dec in decisions:
        key = id(dec.params)
        if key not in params_text:
            params_text[key] = json.dumps(dec.params, sort_keys=True, ensure_ascii=False)
        rows.append((d, dec.account_id, dec.treatment, dec.rule_id, params_text[key]))
    queued: dict[str, int] = {}
    scripts: dict[str, str | None] = {}
    for x in decisions:
        if x.treatment == "robot":
            scripts.setdefault(str(x.params["campaign"]), x.params.get("script"))
    ids = {c: await store.ensure_campaign(c, script=scripts[c]) for c in sorted(scripts)}
    async with store.transaction(f"strategy {strategy.name} for {day}") as db:
        await db.execute("DELETE FROM work_items WHERE day = ? AND status = 'new'", (d,))
        await db.executemany(
            "INSERT INTO work_items (day, account_id, treatment, rule_id, params)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (day, account_id) DO NOTHING", rows
        )
        for name, cid in ids.items():
            cur = await db.execute(
                "INSERT INTO campaign_accounts (campaign_id, account_id, position, added_at)"
                " SELECT ?, w.account_id, (SELECT COALESCE(MAX(position), 0) FROM"
                "  campaign_accounts WHERE campaign_id = ?) + ROW_NUMBER() OVER"
                "  (ORDER BY w.account_id), ? FROM work_items w"
                " WHERE w.day = ? AND w.treatment = 'robot' AND w.status = 'new'"
                "  AND json_extract(w.params, '$.campaign') = ?"
                " ON CONFLICT (campaign_id, account_id) DO NOTHING",
                (cid, cid, cv.utc_now(), d, name),
            )
            queued[name] = int(cur.rowcount)
        await db.execute(
            "UPDATE work_items SET status = 'done' WHERE day = ? AND treatment = 'robot'", (d,)
        )
        digest = hashlib.sha256(_source_bytes(strategy.source)).hexdigest()
        await audit.append(db, actor, "strategy.apply", f"day:{day}", None, {
            "strategy": strategy.name, "source_sha256": digest, "by_treatment": by_t,
            "by_rule": by_r, "queued": queued,
        })  # fmt: skip
    return queued


def _source_bytes(source: str) -> bytes:
    """The rule file's bytes, so the audit entry pins which rules decided."""
    try:
        return Path(source).read_bytes()
    except OSError:
        return source.encode()


async def work_items(
    store: Store, day: date, treatment: str | None = None
) -> list[dict[str, Any]]:
    sql = "SELECT * FROM work_items WHERE day = ?"
    params: list[str] = [day.isoformat()]
    if treatment:
        sql, params = sql + " AND treatment = ?", [*params, treatment]
    return [dict(r) for r in await store.query(sql + " ORDER BY account_id", params)]
