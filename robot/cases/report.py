"""Daily and weekly figures per campaign, agent and agency (docs/reports.md).

The store is asked for per-day counts (set-based SQL); rolling days up into ISO weeks
and computing the rates is pure (robot/cases/reportfmt.py), so it is tested directly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from robot.store.db import Store

NO_RPC = ("wrong_number", "third_party", "no_contact")
#: case_actions.result values that mean someone answered / the debtor answered.
CONTACT_RESULTS = ("contact", "right_party", "promise")
RPC_RESULTS = ("right_party", "promise")


@dataclass
class Counts:
    """Raw counts of one dimension on one day (or week, once rolled up)."""

    attempts: int = 0
    contacts: int = 0
    rpc: int = 0
    ptp: int = 0
    ptp_judged: int = 0
    ptp_kept: int = 0
    recovered_minor: int = 0

    def add(self, o: Counts) -> None:
        for k in self.__dataclass_fields__:
            setattr(self, k, getattr(self, k) + getattr(o, k))


Key = tuple[str, str, str]  # (day, dimension, name)
Bases = dict[tuple[str, str], int]  # (dimension, name) -> balance recovery is measured on
Getter = Callable[[str, str, str], Counts]


async def daily_counts(store: Store, start: date, end: date) -> tuple[dict[Key, Counts], Bases]:
    """Per-day counts, and each dimension's base: its outstanding balance at ``start``
    (today's balance plus what was paid since), or for a collector the balance of the
    placements it held during the range."""
    p = {"s": start.isoformat(), "e": end.isoformat()}
    out: dict[Key, Counts] = {}
    bases: Bases = {}

    def at(day: str, dim: str, name: str) -> Counts:
        return out.setdefault((day, dim, name), Counts())

    no_rpc = ", ".join(f"'{d}'" for d in NO_RPC)
    for r in await store.query(
        "SELECT substr(a.started_at, 1, 10) AS d, c.name, COUNT(*),"
        " SUM(a.result = 'answered'),"
        f" SUM(a.result = 'answered' AND COALESCE(a.disposition, '') NOT IN ({no_rpc})),"
        " SUM(o.ptp_amount IS NOT NULL)"
        " FROM attempts a JOIN campaigns c ON c.id = a.campaign_id"
        " LEFT JOIN outcomes o ON o.attempt_id = a.id"
        " WHERE a.ended_at IS NOT NULL AND substr(a.started_at, 1, 10) BETWEEN :s AND :e"
        " GROUP BY d, c.name", p
    ):
        x = at(r[0], "campaign", r[1])
        x.attempts, x.contacts, x.rpc, x.ptp = (int(v or 0) for v in r[2:6])
    for r in await store.query(
        "SELECT substr(a.started_at, 1, 10) AS d, c.name, COUNT(*),"
        " SUM(pr.status = 'kept') FROM promises pr JOIN attempts a ON a.id = pr.source"
        " JOIN campaigns c ON c.id = a.campaign_id WHERE pr.status <> 'open'"
        " AND substr(a.started_at, 1, 10) BETWEEN :s AND :e GROUP BY d, c.name", p
    ):
        x = at(r[0], "campaign", r[1])
        x.ptp_judged, x.ptp_kept = int(r[2]), int(r[3] or 0)
    for r in await store.query(
        "SELECT y.paid_on, c.name, SUM(y.amount_minor) FROM payments y"
        " JOIN campaign_accounts ca ON ca.account_id = y.account_id"
        " JOIN campaigns c ON c.id = ca.campaign_id"
        " WHERE y.status = 'matched' AND y.paid_on BETWEEN :s AND :e GROUP BY y.paid_on, c.name", p
    ):
        at(r[0], "campaign", r[1]).recovered_minor = int(r[2])
    for r in await store.query(
        "SELECT c.name, SUM(k.balance_minor) + COALESCE((SELECT SUM(y.amount_minor)"
        "  FROM payments y JOIN campaign_accounts c2 ON c2.account_id = y.account_id"
        "  WHERE c2.campaign_id = c.id AND y.status = 'matched' AND y.paid_on >= :s), 0)"
        " FROM campaigns c JOIN campaign_accounts ca ON ca.campaign_id = c.id"
        " JOIN cases k ON k.account_id = ca.account_id GROUP BY c.id", p
    ):
        bases[("campaign", r[0])] = int(r[1] or 0)
    await _collectors(store, p, at, bases)
    return out, bases


async def _collectors(store: Store, p: dict[str, str], get: Getter, bases: Bases) -> None:
    contact = ", ".join(f"'{r}'" for r in CONTACT_RESULTS)
    rpc = ", ".join(f"'{r}'" for r in RPC_RESULTS)
    for r in await store.query(
        "SELECT substr(x.at, 1, 10) AS d, k.kind, k.id,"
        " SUM(x.kind IN ('call', 'visit')), SUM(x.result IN (" + contact + ")),"
        " SUM(x.result IN (" + rpc + ")), SUM(x.ptp_minor IS NOT NULL)"
        " FROM case_actions x JOIN collectors k ON k.id = x.collector_id"
        " WHERE substr(x.at, 1, 10) BETWEEN :s AND :e GROUP BY d, k.id", p
    ):
        c = get(r[0], r[1], r[2])
        c.attempts, c.contacts, c.rpc, c.ptp = (int(v or 0) for v in r[3:7])
    for r in await store.query(
        "SELECT substr(x.at, 1, 10) AS d, k.kind, k.id, COUNT(*), SUM(pr.status = 'kept')"
        " FROM promises pr JOIN case_actions x ON 'action:' || x.id = pr.source"
        " JOIN collectors k ON k.id = x.collector_id WHERE pr.status <> 'open'"
        " AND substr(x.at, 1, 10) BETWEEN :s AND :e GROUP BY d, k.id", p
    ):
        c = get(r[0], r[1], r[2])
        c.ptp_judged, c.ptp_kept = int(r[3]), int(r[4] or 0)
    for r in await store.query(
        "SELECT y.paid_on, k.kind, k.id, SUM(y.amount_minor) FROM payments y"
        " JOIN placements pl ON pl.account_id = y.account_id AND y.paid_on >= pl.placed_on"
        "  AND y.paid_on <= COALESCE(pl.recalled_on, pl.expires_on)"
        " JOIN collectors k ON k.id = pl.collector_id"
        " WHERE y.status = 'matched' AND y.paid_on BETWEEN :s AND :e"
        " GROUP BY y.paid_on, k.id", p
    ):
        get(r[0], r[1], r[2]).recovered_minor = int(r[3])
    for r in await store.query(
        "SELECT k.kind, k.id, SUM(pl.balance_minor)"
        " FROM placements pl JOIN collectors k ON k.id = pl.collector_id"
        " WHERE pl.placed_on <= :e AND COALESCE(pl.recalled_on, pl.expires_on) >= :s"
        " GROUP BY k.id", p
    ):
        bases[(r[0], r[1])] = int(r[2] or 0)


async def roll_rows(store: Store, start: date, end: date) -> list[tuple[str, str, int, int]]:
    """(day, bucket, accounts, rolled) of every stored roll rate in the range."""
    rows = await store.query(
        "SELECT day, bucket, accounts, rolled FROM roll_rates WHERE day BETWEEN ? AND ?"
        " ORDER BY day, bucket", (start.isoformat(), end.isoformat())
    )
    return [(r[0], r[1], int(r[2]), int(r[3])) for r in rows]
