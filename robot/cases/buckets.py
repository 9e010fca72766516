"""Daily bucket recompute and roll rates, set-based so a million accounts take seconds.

The bucket of a case is :func:`robot.store.models.bucket_for` of its days past due; the
SQL ``CASE`` used for the bulk update is generated from the same bounds (and a test
checks that the two agree on every day count). A snapshot of every case's bucket is
kept per day; the roll rate of bucket X from day P to day D is the share of the accounts
in X on P that are in a worse bucket on D.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import aiosqlite

from robot.cases import audit, bulk
from robot.errors import InputError
from robot.store import convert as cv
from robot.store.db import Store
from robot.store.models import DEFAULT_BUCKET_BOUNDS, OVERFLOW_BUCKET

Bounds = tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class BucketScheme:
    """The bank's bucket cut-offs: ``(max_days_inclusive, label)`` pairs, then overflow."""

    bounds: Bounds = DEFAULT_BUCKET_BOUNDS
    overflow: str = OVERFLOW_BUCKET

    @property
    def order(self) -> list[str]:
        """Buckets from best to worst."""
        return ["current", *(label for _, label in self.bounds), self.overflow]

    def rank(self, bucket: str) -> int:
        return self.order.index(bucket)


DEFAULT_SCHEME = BucketScheme()


def parse_scheme(text: str) -> BucketScheme:
    """``'30:M0,60:M1,90:M2,120:M3,180:M4-M6,M6+'``: bounds, then the overflow label."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if len(parts) < 2 or ":" in parts[-1]:
        raise InputError(f"bucket bounds {text!r}: give DAYS:LABEL pairs, then the label past"
                         " the last bound, e.g. 30:M0,60:M1,M2+")  # fmt: skip
    bounds: list[tuple[int, str]] = []
    for part in parts[:-1]:
        days, _, label = part.partition(":")
        if not days.strip().isdigit() or not label.strip():
            raise InputError(f"bucket bounds {text!r}: {part!r} is not DAYS:LABEL")
        if bounds and int(days) <= bounds[-1][0]:
            raise InputError(f"bucket bounds {text!r}: days must increase ({part!r})")
        bounds.append((int(days), label.strip()))
    labels = [lb for _, lb in bounds] + [parts[-1]]
    if len(set(labels)) != len(labels) or "current" in labels:
        raise InputError(f"bucket bounds {text!r}: labels must be distinct and not 'current'")
    return BucketScheme(tuple(bounds), parts[-1])


def bucket_sql(dpd: str, scheme: BucketScheme) -> str:
    """SQL CASE equal to ``bucket_for(dpd, scheme.bounds, scheme.overflow)``."""
    arms = " ".join(f"WHEN {dpd} <= {int(upper)} THEN '{_q(label)}'"
                    for upper, label in scheme.bounds)  # fmt: skip
    return f"(CASE WHEN {dpd} <= 0 THEN 'current' {arms} ELSE '{_q(scheme.overflow)}' END)"


def rank_sql(col: str, scheme: BucketScheme) -> str:
    """SQL CASE giving the bucket's position best-to-worst (unknown labels rank -1)."""
    arms = " ".join(f"WHEN '{_q(b)}' THEN {i}" for i, b in enumerate(scheme.order))
    return f"(CASE {col} {arms} ELSE -1 END)"


def _q(text: str) -> str:
    return text.replace("'", "''")


@dataclass(frozen=True)
class Roll:
    bucket: str
    accounts: int
    rolled: int
    cured: int

    @property
    def rate(self) -> float:
        return self.rolled / self.accounts if self.accounts else 0.0


@dataclass(frozen=True)
class BucketRun:
    day: date
    counts: dict[str, int]
    from_day: date | None
    rolls: list[Roll]


#: Days past due of an open case on day :day (0 once nothing is owed).
_DPD = ("CASE WHEN balance_minor <= 0 THEN 0"
        " ELSE CAST(julianday(:day) - julianday(due_date) AS INTEGER) END")  # fmt: skip


async def recompute(
    store: Store, day: date, scheme: BucketScheme = DEFAULT_SCHEME, actor: str = "system"
) -> BucketRun:
    """Bucket every case as of ``day``, snapshot it, and work out roll rates since the last
    snapshot; running it again for the same day gives the same result."""
    await bulk.tune(store)
    p = {"day": day.isoformat(), "now": cv.utc_now()}
    async with store.transaction(f"buckets for {day}") as db:
        await db.execute(
            f"UPDATE cases SET dpd = {_DPD}, status = CASE WHEN balance_minor <= 0"
            " THEN 'closed' ELSE 'open' END, as_of = :day, updated_at = :now", p
        )
        await db.execute(f"UPDATE cases SET bucket = {bucket_sql('dpd', scheme)}")
        await db.execute(
            "UPDATE accounts SET days_past_due = c.dpd, bucket = c.bucket, updated_at = :now"
            " FROM cases c WHERE c.account_id = accounts.id"
            " AND (accounts.days_past_due <> c.dpd OR accounts.bucket <> c.bucket)", p
        )
        await db.execute("DELETE FROM bucket_snapshots WHERE day = :day", p)
        await db.execute(
            "INSERT INTO bucket_snapshots (day, account_id, bucket, dpd, balance_minor)"
            " SELECT :day, account_id, bucket, dpd, balance_minor FROM cases", p
        )
        async with db.execute(
            "SELECT bucket, COUNT(*) FROM bucket_snapshots WHERE day = :day GROUP BY bucket", p
        ) as cur:
            counts = {r[0]: int(r[1]) for r in await cur.fetchall()}
        async with db.execute(
            "SELECT MAX(day) FROM bucket_snapshots WHERE day < :day", p
        ) as cur:
            row = await cur.fetchone()
        prev = date.fromisoformat(row[0]) if row and row[0] else None
        rolls = await _rolls(db, day, prev, scheme) if prev else []
        await audit.append(db, actor, "buckets.recompute", f"day:{day}", None, {
            "counts": counts, "from_day": prev.isoformat() if prev else None,
            "scheme": [list(b) for b in scheme.bounds] + [scheme.overflow],
        })  # fmt: skip
    ordered = {b: counts[b] for b in scheme.order if b in counts}
    ordered.update({b: n for b, n in counts.items() if b not in ordered})
    return BucketRun(day, ordered, prev, rolls)


async def _rolls(
    db: aiosqlite.Connection, day: date, prev: date, scheme: BucketScheme
) -> list[Roll]:
    p = {"day": day.isoformat(), "prev": prev.isoformat()}
    await db.execute("DELETE FROM roll_rates WHERE day = :day AND from_day = :prev", p)
    await db.execute(
        "INSERT INTO roll_rates (day, from_day, bucket, accounts, rolled, cured)"
        " SELECT :day, :prev, a.bucket, COUNT(*),"
        f" SUM({rank_sql('b.bucket', scheme)} > {rank_sql('a.bucket', scheme)}),"
        f" SUM({rank_sql('b.bucket', scheme)} < {rank_sql('a.bucket', scheme)})"
        " FROM bucket_snapshots a JOIN bucket_snapshots b"
        "  ON b.day = :day AND b.account_id = a.account_id"
        " WHERE a.day = :prev GROUP BY a.bucket", p
    )
    return await _read_rolls(db, day, prev, scheme)


async def _read_rolls(
    db: aiosqlite.Connection, day: date, prev: date, scheme: BucketScheme
) -> list[Roll]:
    async with db.execute(
        "SELECT bucket, accounts, rolled, cured FROM roll_rates WHERE day = ? AND from_day = ?",
        (day.isoformat(), prev.isoformat()),
    ) as cur:
        rows = [Roll(r[0], int(r[1]), int(r[2]), int(r[3])) for r in await cur.fetchall()]
    order = {b: i for i, b in enumerate(scheme.order)}
    return sorted(rows, key=lambda r: order.get(r.bucket, len(order)))


async def roll_history(store: Store, since: date | None = None) -> list[tuple[str, str, Roll]]:
    """Every stored roll rate ``(day, from_day, Roll)``, oldest first."""
    rows = await store.query(
        "SELECT day, from_day, bucket, accounts, rolled, cured FROM roll_rates"
        " WHERE day >= ? ORDER BY day, bucket", ((since or date.min).isoformat(),)
    )
    return [(r[0], r[1], Roll(r[2], int(r[3]), int(r[4]), int(r[5]))) for r in rows]
