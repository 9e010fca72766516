"""Reconciliation (对账): match payments to accounts, judge promises, update balances.

Set-based SQL in one transaction, then the day's bucket recompute:

1. promises to pay are collected from call outcomes and collector actions;
2. new payments up to the day are matched by account id (and currency); the rest are
   marked unmatched with the reason, for a person to resolve;
3. matched amounts reduce the case balance (and the account's ``amount_due``);
4. an open promise is *kept* once the payments since it was made cover it, otherwise
   judged after its date plus ``grace_days``: *partly kept* (something paid) or *broken*.

One audit entry per run records the totals and a sha256 of the matched payment list.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta

import aiosqlite

from robot.cases import audit, buckets, bulk
from robot.cases.money import minor_text_sql
from robot.store import convert as cv
from robot.store.db import Store

GRACE_DAYS = 3


@dataclass(frozen=True)
class ReconcileReport:
    day: date
    matched: int
    matched_minor: int
    unmatched: int
    promises: dict[str, int]  # kept / partly_kept / broken judged in this run
    buckets: buckets.BucketRun


_HARVEST = (
    "INSERT INTO promises (source, account_id, made_on, due_on, amount_minor)"
    " SELECT o.attempt_id, a.account_id, substr(a.started_at, 1, 10), o.ptp_date,"
    "  CAST(round(CAST(o.ptp_amount AS REAL) * 100) AS INTEGER)"
    " FROM outcomes o JOIN attempts a ON a.id = o.attempt_id"
    " WHERE o.ptp_amount IS NOT NULL AND o.ptp_date IS NOT NULL AND o.ptp_date <> ''"
    " ON CONFLICT (source) DO NOTHING"
)
_HARVEST_ACTIONS = (
    "INSERT INTO promises (source, account_id, made_on, due_on, amount_minor)"
    " SELECT 'action:' || id, account_id, substr(at, 1, 10), ptp_date, ptp_minor"
    " FROM case_actions WHERE ptp_minor IS NOT NULL AND ptp_date IS NOT NULL"
    " ON CONFLICT (source) DO NOTHING"
)


async def reconcile(
    store: Store,
    day: date,
    *,
    grace_days: int = GRACE_DAYS,
    scheme: buckets.BucketScheme = buckets.DEFAULT_SCHEME,
    actor: str = "system",
) -> ReconcileReport:
    await bulk.tune(store)
    p = {"day": day.isoformat(), "now": cv.utc_now(),
         "cutoff": (day - timedelta(days=grace_days)).isoformat(), "grace": f"+{grace_days} days"}
    async with store.transaction(f"reconciliation of {day}") as db:
        await db.execute(_HARVEST)
        await db.execute(_HARVEST_ACTIONS)
        await db.execute(
            "UPDATE payments SET status = 'unmatched', reconciled_on = :day, note ="
            " CASE WHEN c.account_id IS NULL THEN 'no such account'"
            "  ELSE 'currency ' || payments.currency || ', account in ' || a.currency END"
            " FROM payments q LEFT JOIN cases c ON c.account_id = q.account_id"
            " LEFT JOIN accounts a ON a.id = q.account_id"
            " WHERE q.payment_id = payments.payment_id AND payments.status = 'new'"
            " AND payments.paid_on <= :day"
            " AND (c.account_id IS NULL OR a.currency <> payments.currency)", p
        )
        unmatched = await _changes(db)
        await db.execute("DROP TABLE IF EXISTS temp._paid")
        await db.execute(
            "CREATE TEMP TABLE _paid AS SELECT account_id, SUM(amount_minor) AS s"
            " FROM payments WHERE status = 'new' AND paid_on <= :day GROUP BY account_id", p
        )
        await db.execute(
            "UPDATE cases SET balance_minor = balance_minor - _paid.s, updated_at = :now"
            " FROM _paid WHERE _paid.account_id = cases.account_id", p
        )
        await db.execute(
            f"UPDATE accounts SET amount_due = {minor_text_sql('c.balance_minor')},"
            " updated_at = :now FROM cases c JOIN _paid ON _paid.account_id = c.account_id"
            " WHERE c.account_id = accounts.id", p
        )
        digest = hashlib.sha256()
        matched = matched_minor = 0
        async with db.execute(
            "SELECT payment_id, account_id, amount_minor FROM payments"
            " WHERE status = 'new' AND paid_on <= :day ORDER BY payment_id", p
        ) as cur:
            async for pid, acc, amount in cur:
                digest.update(f"{pid}\t{acc}\t{amount}\n".encode())
                matched, matched_minor = matched + 1, matched_minor + int(amount)
        await db.execute(
            "UPDATE payments SET status = 'matched', reconciled_on = :day"
            " WHERE status = 'new' AND paid_on <= :day", p
        )
        await db.execute("DROP TABLE temp._paid")
        judged = await _judge(db, p)
        await audit.append(db, actor, "payments.reconcile", f"day:{day}", None, {
            "matched": matched, "matched_minor": matched_minor, "unmatched": unmatched,
            "matched_sha256": digest.hexdigest(), "promises": judged,
        })  # fmt: skip
    run = await buckets.recompute(store, day, scheme, actor)
    return ReconcileReport(day, matched, matched_minor, unmatched, judged, run)


async def _judge(db: aiosqlite.Connection, p: dict[str, str]) -> dict[str, int]:
    """Judge open promises: kept as soon as covered, else after the date plus grace."""
    await db.execute(
        "UPDATE promises SET paid_minor = COALESCE((SELECT SUM(y.amount_minor)"
        " FROM payments y WHERE y.account_id = promises.account_id AND y.status = 'matched'"
        "  AND y.paid_on >= promises.made_on AND y.paid_on <= date(promises.due_on, :grace)"
        "  AND y.paid_on <= :day), 0) WHERE status = 'open'", p
    )
    verdict = ("CASE WHEN paid_minor >= amount_minor THEN 'kept'"
               " WHEN paid_minor > 0 THEN 'partly_kept' ELSE 'broken' END")
    due = "status = 'open' AND (paid_minor >= amount_minor OR due_on < :cutoff)"
    async with db.execute(f"SELECT {verdict}, COUNT(*) FROM promises WHERE {due}"
                          " GROUP BY 1", p) as cur:  # fmt: skip
        judged = {r[0]: int(r[1]) for r in await cur.fetchall()}
    await db.execute(f"UPDATE promises SET judged_on = :day, status = {verdict} WHERE {due}", p)
    return judged


async def _changes(db: aiosqlite.Connection) -> int:
    async with db.execute("SELECT changes()") as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0
