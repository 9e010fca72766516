"""The bank's daily account file: every overdue account it hands over (docs/account-file.md).

Same columns and bad-row handling as a call list (``robot.cases.validate``), plus the
collection fields ``risk_score``, ``region`` and ``compliance``. Accounts are upserted
with their case state in one transaction; a file already received (same content hash)
is recognised and not applied again, so re-sending never duplicates or rolls back.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

import aiosqlite

from robot.cases import audit, bulk
from robot.cases.csvload import Reject, check_rows, read_call_list, reject_path_for, write_rejects
from robot.cases.money import minor_text_sql, to_minor
from robot.store import convert as cv
from robot.store.db import Store
from robot.store.models import Account

COMPLIANCE = ("ok", "cease", "attorney", "dispute", "dnc", "deceased")
BATCH = 50_000


@dataclass(frozen=True)
class CaseFields:
    """The collection fields of one account row (validated, from ``Account.extra``)."""

    risk_score: int | None
    region: str
    compliance: str


def case_fields(acc: Account) -> CaseFields:
    """Check the lifecycle columns; raise ValueError with every problem of the row."""
    problems: list[str] = []
    raw_risk = str(acc.extra.get("risk_score", "")).strip()
    risk: int | None = None
    if raw_risk:
        if raw_risk.lstrip("-").isdigit():
            risk = int(raw_risk)
        else:
            problems.append(f"bad risk_score {raw_risk!r} (a whole number)")
    compliance = str(acc.extra.get("compliance", "") or "ok").strip().lower()
    if compliance not in COMPLIANCE:
        problems.append(f"bad compliance {compliance!r} (one of {', '.join(COMPLIANCE)})")
    if problems:
        raise ValueError("; ".join(problems))
    return CaseFields(risk, str(acc.extra.get("region", "")).strip(), compliance)


@dataclass(frozen=True)
class ImportReport:
    """What an import did; ``already`` means the same file was received before."""

    kind: str
    name: str
    sha256: str
    rows: int
    inserted: int
    updated: int
    rejected: int
    rejects_path: str | None
    already: bool = False


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


async def seen_file(store: Store, sha: str, kind: str) -> ImportReport | None:
    rows = await store.query(
        "SELECT result FROM received_files WHERE sha256 = ? AND kind = ?", (sha, kind)
    )
    if not rows:
        return None
    return ImportReport(**{**json.loads(rows[0][0]), "already": True})


async def remember_file(db: aiosqlite.Connection, rep: ImportReport) -> None:
    await db.execute(
        "INSERT INTO received_files (sha256, kind, name, received_at, result)"
        " VALUES (?, ?, ?, ?, ?)",
        (rep.sha256, rep.kind, rep.name, cv.utc_now(), json.dumps(asdict(rep))),
    )


_ACC_SQL = (
    f"INSERT INTO accounts ({', '.join(cv.ACCOUNT_COLUMNS)})"
    f" VALUES ({', '.join('?' * len(cv.ACCOUNT_COLUMNS))}) ON CONFLICT (id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in cv.ACCOUNT_COLUMNS if c not in ("id", "created_at"))
)
_CASE_SQL = (
    "INSERT INTO cases (account_id, status, balance_minor, placed_minor, due_date, dpd,"
    " bucket, risk_score, region, compliance, as_of, updated_at)"
    " VALUES (?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (account_id) DO UPDATE SET"
    " status = 'open', balance_minor = excluded.balance_minor, due_date = excluded.due_date,"
    " dpd = excluded.dpd, bucket = excluded.bucket, risk_score = excluded.risk_score,"
    " region = excluded.region, compliance = excluded.compliance, as_of = excluded.as_of,"
    " updated_at = excluded.updated_at"
)


async def import_accounts(
    store: Store,
    path: Path,
    *,
    today: date,
    actor: str = "system",
    rejects_path: Path | None = None,
) -> ImportReport:
    """Apply the account file at ``path`` as of ``today``; bad rows go to the reject file."""
    path = Path(path)
    sha = file_sha256(path)
    if (known := await seen_file(store, sha, "accounts")) is not None:
        return known
    await bulk.tune(store)
    cl = read_call_list(path)
    rejects: list[Reject] = []
    acc_rows: list[tuple[Any, ...]] = []
    case_rows: list[tuple[Any, ...]] = []
    now, day = cv.utc_now(), today.isoformat()
    # check_rows yields exactly one item per data row, in order.
    for (rownum, cells), item in zip(cl.rows, check_rows(cl, today, str(path)), strict=True):
        if isinstance(item, Reject):
            rejects.append(item)
            continue
        try:
            cf = case_fields(item)
        except ValueError as exc:
            rejects.append(Reject(rownum, str(exc), cells))
            continue
        minor = to_minor(item.amount_due)
        extra = {k: v for k, v in item.extra.items() if k not in _CASE_COLUMNS}
        acc_rows.append(_account_params(item, extra, now))
        case_rows.append((item.id, minor, minor, item.due_date.isoformat(),
                          item.days_past_due, item.bucket, cf.risk_score, cf.region,
                          cf.compliance, day, now))
    async with store.transaction(f"{path}: importing accounts") as db:
        before = await _count(db, "SELECT COUNT(*) FROM cases")
        for i in range(0, len(acc_rows), BATCH):
            await db.executemany(_ACC_SQL, acc_rows[i : i + BATCH])
            await db.executemany(_CASE_SQL, case_rows[i : i + BATCH])
        inserted = await _count(db, "SELECT COUNT(*) FROM cases") - before
        rp = rejects_path or reject_path_for(path)
        written = None
        if rejects or rp.exists():
            write_rejects(rp, cl, sorted(rejects, key=lambda r: r.rownum))
            written = str(rp)
        rep = ImportReport("accounts", path.name, sha, len(cl.rows), inserted,
                           len(case_rows) - inserted, len(rejects), written)  # fmt: skip
        await remember_file(db, rep)
        await audit.append(db, actor, "accounts.import", f"file:{sha}", None,
                           {k: v for k, v in asdict(rep).items() if k != "already"})  # fmt: skip
    return rep


_CASE_COLUMNS = frozenset({"risk_score", "region", "compliance"})


def _account_params(acc: Account, extra: dict[str, Any], now: str) -> tuple[Any, ...]:
    """``cv.account_params`` with the case columns taken out of ``extra`` (no copy of
    the Account: this runs a million times a day)."""
    return (
        acc.id, acc.name, acc.phone, acc.timezone, acc.currency,
        cv.decimal_text(acc.amount_due), acc.due_date.isoformat(), acc.days_past_due,
        acc.bucket, acc.lang, json.dumps(extra, ensure_ascii=False, sort_keys=True), now, now,
    )  # fmt: skip


async def _count(db: aiosqlite.Connection, sql: str) -> int:
    async with db.execute(sql) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def case_row(store: Store, account_id: str) -> dict[str, Any] | None:
    """One case with its account, balance as exact text (what the API and CLI show)."""
    rows = await store.query(
        "SELECT c.*, a.name, a.currency, " + minor_text_sql("c.balance_minor") + " AS balance"
        " FROM cases c JOIN accounts a ON a.id = c.account_id WHERE c.account_id = ?",
        (account_id,),
    )
    return dict(rows[0]) if rows else None
