"""What a collector (agency or agent) may see and do: only cases placed with it now.

Every read and write goes through a join on the collector's *active* placement, in the
SQL itself, so a case placed elsewhere, recalled, or never placed is indistinguishable
from one that does not exist: ``AccessDenied`` either way, and nothing about it leaks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from robot.cases import audit
from robot.cases.money import minor_text_sql, to_minor
from robot.errors import AccessDenied, InputError
from robot.store import convert as cv
from robot.store.db import Store

ACTION_KINDS = ("call", "sms", "visit", "letter", "note", "promise")

_CASE = (
    "SELECT c.account_id, a.name, a.phone, a.currency, c.bucket, c.dpd, c.status,"
    f" {minor_text_sql('c.balance_minor')} AS balance, p.id AS placement_id,"
    " p.placed_on, p.expires_on FROM placements p"
    " JOIN cases c ON c.account_id = p.account_id JOIN accounts a ON a.id = p.account_id"
    " WHERE p.collector_id = ? AND p.status = 'active'"
)


@dataclass(frozen=True)
class CollectorView:
    """The store as one collector sees it."""

    store: Store
    collector_id: str

    async def cases(self) -> list[dict[str, Any]]:
        rows = await self.store.query(_CASE + " ORDER BY p.expires_on, c.account_id",
                                      (self.collector_id,))  # fmt: skip
        return [dict(r) for r in rows]

    async def case(self, account_id: str) -> dict[str, Any]:
        rows = await self.store.query(_CASE + " AND p.account_id = ?",
                                      (self.collector_id, account_id))  # fmt: skip
        if not rows:
            raise AccessDenied(f"case {account_id!r} is not placed with {self.collector_id}")
        out = dict(rows[0])
        acts = await self.store.query(
            "SELECT id, at, kind, result, ptp_minor, ptp_date, note FROM case_actions"
            " WHERE placement_id = ? ORDER BY id", (out["placement_id"],)
        )
        out["actions"] = [dict(a) for a in acts]
        return out

    async def record_action(
        self,
        account_id: str,
        kind: str,
        *,
        result: str = "",
        note: str = "",
        ptp_amount: Decimal | None = None,
        ptp_date: date | None = None,
        at: str | None = None,
        client_key: str | None = None,
    ) -> int:
        """Log what the collector did; a promise here is judged by reconciliation.

        ``at`` (ISO UTC) is when it happened, default now. An action sent again with the
        same ``client_key`` is not recorded twice: the first one's id is returned."""
        if kind not in ACTION_KINDS:
            raise InputError(f"action kind {kind!r} is not one of {', '.join(ACTION_KINDS)}")
        if (ptp_amount is None) != (ptp_date is None):
            raise InputError("a promise needs both ptp_amount and ptp_date")
        if ptp_amount is not None and ptp_amount <= 0:
            raise InputError("ptp_amount must be positive")
        minor = None if ptp_amount is None else to_minor(ptp_amount)
        async with self.store.transaction(f"action on {account_id}") as db:
            async with db.execute(
                "SELECT id FROM placements WHERE collector_id = ? AND account_id = ?"
                " AND status = 'active'", (self.collector_id, account_id)
            ) as cur:
                row = await cur.fetchone()
            if row is None:
                raise AccessDenied(f"case {account_id!r} is not placed with {self.collector_id}")
            if client_key is not None:
                async with db.execute(
                    "SELECT id FROM case_actions WHERE collector_id = ? AND client_key = ?",
                    (self.collector_id, client_key),
                ) as cur:
                    seen = await cur.fetchone()
                if seen is not None:
                    return int(seen[0])
            at = cv.iso_utc(at) if at else cv.utc_now()
            cur2 = await db.execute(
                "INSERT INTO case_actions (placement_id, account_id, collector_id, at, kind,"
                " result, ptp_minor, ptp_date, note, client_key)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (row[0], account_id, self.collector_id, at, kind, result, minor,
                 ptp_date.isoformat() if ptp_date else None, note, client_key),
            )  # fmt: skip
            action_id = int((await cur2.fetchone())[0])
            await audit.append(db, self.collector_id, "case.action", f"account:{account_id}",
                               None, {"action": action_id, "kind": kind, "result": result,
                                      "ptp_minor": minor, "note": note}, at)  # fmt: skip
        return action_id
