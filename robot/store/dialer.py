"""The dialer's part of the case store: settings, decisions, DNC, consents, callbacks.

Functions over a :class:`~robot.store.db.Store` (``query`` and ``transaction``),
kept apart from ``db.py`` so the case store stays about cases. Bulk
readers return plain rows grouped by account, ready for
:mod:`robot.dialer.context` to turn into the guard's ``DialContext``.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from robot.dialer.guard import Decision
from robot.dialer.settings import DialerSettings
from robot.errors import StoreError
from robot.store import convert as cv
from robot.store.db import Store
from robot.store.models import Account

_CHUNK = 500  # bound parameters per IN (...) list


@dataclass
class AccountFacts:
    """What the store knows about one account that the guard and the retries need."""

    attempts: list[sqlite3.Row] = field(default_factory=list)  # recent (all campaigns)
    # + all of this campaign
    stop_requested: bool = False
    consents: list[tuple[str, str]] = field(default_factory=list)
    callback_at: str | None = None
    compliance: str | None = None  # the case's compliance state (cases.compliance)


# -- settings ------------------------------------------------------------------------


async def get_settings(store: Store, campaign_id: int) -> DialerSettings:
    rows = await store.query("SELECT dialer FROM campaigns WHERE id = ?", (campaign_id,))
    if not rows:
        raise StoreError(f"campaign {campaign_id} not found")
    return DialerSettings.from_json(rows[0]["dialer"])


async def set_settings(store: Store, name: str, settings: DialerSettings) -> None:
    camp = await store.require_campaign(name)
    async with store.transaction(f"campaign {name!r}: dialer settings") as db:
        await db.execute("UPDATE campaigns SET dialer = ? WHERE id = ?",
                         (settings.to_json(), camp["id"]))


# -- decisions -----------------------------------------------------------------------


_DECISION_SQL = (
    "INSERT INTO dial_decisions (campaign_id, account_id, phone, decided_at, profile,"
    " callable, rule, reason, next_callable_at, attempt_id)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


def decision_params(campaign_id: int, account_id: str, phone: str, at: datetime,
                    profile: str, decision: Decision,
                    attempt_id: str | None = None) -> tuple[Any, ...]:
    return (campaign_id, account_id, phone, cv.iso_utc(at), profile, int(decision.callable),
            decision.rule, decision.reason, cv.opt_iso_utc(decision.next_callable_at),
            attempt_id)


async def record_decision(store: Store, campaign_id: int, account_id: str, phone: str,
                          at: datetime, profile: str, decision: Decision,
                          attempt_id: str | None = None) -> None:
    """Store one dial decision with its explanation (before the dial it allows)."""
    await record_decisions(store, [decision_params(campaign_id, account_id, phone, at,
                                                   profile, decision, attempt_id)])


async def record_decisions(store: Store, rows: list[tuple[Any, ...]]) -> None:
    """Store many decisions (``decision_params`` tuples) in one transaction."""
    if rows:
        async with store.transaction(f"{len(rows)} dial decision(s)") as db:
            await db.executemany(_DECISION_SQL, rows)


async def decisions(store: Store, campaign_id: int,
                    account_id: str | None = None) -> list[dict[str, Any]]:
    sql = "SELECT * FROM dial_decisions WHERE campaign_id = ?"
    params: list[Any] = [campaign_id]
    if account_id is not None:
        sql += " AND account_id = ?"
        params.append(account_id)
    return [dict(r) for r in await store.query(sql + " ORDER BY id", params)]


# -- do-not-call, consents, callbacks ------------------------------------------------


def dnc_key(phone: str) -> str:
    """A number as the DNC list keys it: digits only, so +86 138... and 86138... match."""
    return "".join(ch for ch in phone if ch.isdigit())


async def add_dnc(store: Store, entries: Iterable[tuple[str, str | None]],
                  source: str) -> tuple[int, int]:
    """Add ``(phone, reason)`` pairs; returns ``(added, already listed)``."""
    rows = list(entries)
    now = cv.utc_now()
    async with store.transaction("loading the do-not-call list") as db:
        before = (await (await db.execute("SELECT COUNT(*) FROM dnc")).fetchone())[0]
        await db.executemany(
            "INSERT INTO dnc (phone, source, reason, added_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (phone) DO NOTHING",
            [(dnc_key(p), source, r, now) for p, r in rows])
        after = (await (await db.execute("SELECT COUNT(*) FROM dnc")).fetchone())[0]
    added = int(after) - int(before)
    return added, len(rows) - added


async def add_consent(store: Store, account_id: str, start: str, end: str,
                      note: str | None = None) -> None:
    async with store.transaction(f"consent of {account_id}") as db:
        await db.execute(
            "INSERT INTO consents (account_id, start_local, end_local, recorded_at, note)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (account_id, start, end, cv.utc_now(), note))


async def set_callback(store: Store, campaign_id: int, account_id: str, at: datetime) -> None:
    async with store.transaction(f"callback of {account_id}") as db:
        await db.execute(
            "INSERT INTO callbacks (campaign_id, account_id, at, recorded_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (campaign_id, account_id) DO UPDATE SET at = excluded.at,"
            " recorded_at = excluded.recorded_at",
            (campaign_id, account_id, cv.iso_utc(at), cv.utc_now()))


# -- bulk reads ----------------------------------------------------------------------


def _chunks(ids: Sequence[str]) -> Iterable[Sequence[str]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i : i + _CHUNK]


async def _rows(store: Store, sql: str, params: list[Any], account_ids: Sequence[str] | None,
                column: str) -> list[sqlite3.Row]:
    if account_ids is None:
        return await store.query(sql, params)
    out: list[sqlite3.Row] = []
    for chunk in _chunks(account_ids):
        out += await store.query(sql + f" AND {column} IN ({', '.join('?' * len(chunk))})",
                                [*params, *chunk])
    return out


async def account_facts(store: Store, campaign_id: int, since: datetime,
                        account_ids: Sequence[str] | None = None) -> dict[str, AccountFacts]:
    """Facts for ``account_ids`` (all accounts when None), keyed by account id.

    Attempts: every attempt since ``since`` in any campaign (the rules count per
    borrower, not per campaign) plus every attempt of this campaign (for the retries).
    """
    facts: dict[str, AccountFacts] = defaultdict(AccountFacts)
    for r in await _rows(
        store,
        "SELECT a.id, a.campaign_id, a.account_id, a.phone, a.started_at, a.ended_at,"
        " a.result, COALESCE(o.disposition, a.disposition) AS disposition"
        " FROM attempts a LEFT JOIN outcomes o ON o.attempt_id = a.id"
        " WHERE (a.started_at >= ? OR a.campaign_id = ?)",
        [cv.iso_utc(since), campaign_id], account_ids, "a.account_id",
    ):
        facts[r["account_id"]].attempts.append(r)
    for r in await _rows(
        store,
        "SELECT DISTINCT a.account_id FROM outcomes o JOIN attempts a ON a.id = o.attempt_id"
        " WHERE o.stop_calling = 1", [], account_ids, "a.account_id",
    ):
        facts[r["account_id"]].stop_requested = True
    for r in await _rows(store, "SELECT account_id, start_local, end_local FROM consents"
                         " WHERE 1 = 1", [], account_ids, "account_id"):
        facts[r["account_id"]].consents.append((r["start_local"], r["end_local"]))
    for r in await _rows(store, "SELECT account_id, at FROM callbacks WHERE campaign_id = ?",
                         [campaign_id], account_ids, "account_id"):
        facts[r["account_id"]].callback_at = r["at"]
    for r in await _rows(store, "SELECT account_id, compliance FROM cases"
                         " WHERE compliance <> 'ok'", [], account_ids, "account_id"):
        facts[r["account_id"]].compliance = r["compliance"]
    return facts


async def dnc_numbers(store: Store, phones: Sequence[str] | None = None) -> set[str]:
    """The listed numbers as :func:`dnc_key` keys (of ``phones`` only, when given)."""
    if phones is None:
        return {r[0] for r in await store.query("SELECT phone FROM dnc")}
    found: set[str] = set()
    for chunk in _chunks([dnc_key(p) for p in phones]):
        found.update(r[0] for r in await store.query(
            f"SELECT phone FROM dnc WHERE phone IN ({', '.join('?' * len(chunk))})", chunk))
    return found


async def campaign_account_rows(store: Store, campaign_id: int) -> list[sqlite3.Row]:
    """The light columns the planner needs, for every account of the campaign, in order."""
    return await store.query(
        "SELECT acc.id, acc.phone, acc.timezone, acc.currency, acc.lang, acc.bucket, acc.extra"
        " FROM campaign_accounts ca JOIN accounts acc ON acc.id = ca.account_id"
        " WHERE ca.campaign_id = ? ORDER BY ca.position", (campaign_id,))


async def segment_attempts(store: Store, campaign_id: int) -> list[sqlite3.Row]:
    """Ended attempts of the campaign with the account's bucket and zone (best time)."""
    return await store.query(
        "SELECT a.account_id, a.started_at, a.result, acc.bucket, acc.timezone,"
        " COALESCE(o.disposition, a.disposition) AS disposition"
        " FROM attempts a JOIN accounts acc ON acc.id = a.account_id"
        " LEFT JOIN outcomes o ON o.attempt_id = a.id"
        " WHERE a.campaign_id = ? AND a.ended_at IS NOT NULL", (campaign_id,))


async def campaign_accounts(store: Store, campaign_id: int) -> list[Account]:
    """Every account of the campaign, in load order."""
    rows = await store.query(
        "SELECT acc.* FROM campaign_accounts ca JOIN accounts acc ON acc.id = ca.account_id"
        " WHERE ca.campaign_id = ? ORDER BY ca.position", (campaign_id,))
    return [cv.account_from_row(r) for r in rows]
