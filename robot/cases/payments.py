"""Import of the bank's payment files (docs/payment-file.md), idempotent on payment_id.

Bad rows go to a reject file exactly as for call lists. A payment id received before
with the same values is skipped (re-sending a file, or an overlapping file, is
harmless); with other values it is rejected, since the first one may already be
reconciled. The same file twice is recognised by its content hash.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from robot.cases import audit, bulk
from robot.cases.accounts import ImportReport, file_sha256, remember_file, seen_file
from robot.cases.csvload import Reject, read_call_list, reject_path_for, write_rejects
from robot.cases.payrows import PAY_REQUIRED, Payment, validate_payment
from robot.errors import InputError
from robot.store import convert as cv
from robot.store.db import Store

_COLS = "payment_id, account_id, amount_minor, currency, paid_on, channel, reference"


def check_payments(
    rows: list[tuple[int, list[str]]], columns: list[str], source: str
) -> tuple[list[tuple[int, Payment]], list[Reject]]:
    """Valid payments (with row numbers) and rejects of a decoded file (pure)."""
    good: list[tuple[int, Payment]] = []
    rejects: list[Reject] = []
    first: dict[str, int] = {}
    for rownum, cells in rows:
        if len(cells) != len(columns):
            rejects.append(Reject(rownum, f"{len(cells)} columns, header has {len(columns)}",
                                  cells))  # fmt: skip
            continue
        try:
            pay = validate_payment(dict(zip(columns, cells)), rownum, source)
        except InputError as exc:
            rejects.append(Reject(rownum, str(exc).removeprefix(f"{exc.where}: "), cells))
            continue
        if pay.payment_id in first:
            rejects.append(Reject(rownum, f"duplicate payment_id {pay.payment_id!r} (first at"
                                  f" row {first[pay.payment_id]})", cells))  # fmt: skip
            continue
        first[pay.payment_id] = rownum
        good.append((rownum, pay))
    return good, rejects


async def import_payments(
    store: Store, path: Path, *, actor: str = "system", rejects_path: Path | None = None
) -> ImportReport:
    """Record the file's payments as ``new`` (reconciliation matches them later)."""
    path = Path(path)
    sha = file_sha256(path)
    if (known := await seen_file(store, sha, "payments")) is not None:
        return known
    await bulk.tune(store)
    cl = read_call_list(path, required=PAY_REQUIRED)
    good, rejects = check_payments(cl.rows, cl.columns, str(path))
    cells = dict(cl.rows)
    now = cv.utc_now()
    async with store.transaction(f"{path}: importing payments") as db:
        await db.execute("DROP TABLE IF EXISTS temp._pay_in")
        await db.execute("CREATE TEMP TABLE _pay_in (rownum INTEGER, payment_id TEXT,"
                         " account_id TEXT, amount_minor INTEGER, currency TEXT, paid_on TEXT,"
                         " channel TEXT, reference TEXT)")  # fmt: skip
        await db.executemany(
            f"INSERT INTO _pay_in (rownum, {_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(n, p.payment_id, p.account_id, p.amount_minor, p.currency,
              p.paid_on.isoformat(), p.channel, p.reference) for n, p in good],
        )  # fmt: skip
        async with db.execute(
            "SELECT i.rownum, p.source FROM _pay_in i JOIN payments p USING (payment_id)"
            " WHERE p.account_id <> i.account_id OR p.amount_minor <> i.amount_minor"
            " OR p.paid_on <> i.paid_on OR (i.currency <> '' AND p.currency <> i.currency)"
        ) as cur:
            clashes = [(int(r[0]), str(r[1])) for r in await cur.fetchall()]
        for rownum, source in clashes:
            rejects.append(Reject(rownum, f"payment_id already received with other values"
                                  f" (from {source})", cells[rownum]))  # fmt: skip
        await db.execute(
            f"INSERT INTO payments ({_COLS}, source, imported_at)"
            " SELECT i.payment_id, i.account_id, i.amount_minor,"
            "  CASE WHEN i.currency <> '' THEN i.currency ELSE COALESCE(a.currency, '') END,"
            "  i.paid_on, i.channel, i.reference, ?, ?"
            " FROM _pay_in i LEFT JOIN accounts a ON a.id = i.account_id"
            " WHERE true ON CONFLICT (payment_id) DO NOTHING", (path.name, now)
        )
        inserted = int((await (await db.execute("SELECT changes()")).fetchone())[0])
        await db.execute("DROP TABLE temp._pay_in")
        rp = rejects_path or reject_path_for(path)
        written = None
        if rejects or rp.exists():
            write_rejects(rp, cl, sorted(rejects, key=lambda r: r.rownum))
            written = str(rp)
        rep = ImportReport("payments", path.name, sha, len(cl.rows), inserted,
                           len(good) - inserted - len(clashes), len(rejects), written)  # fmt: skip
        await remember_file(db, rep)
        await audit.append(db, actor, "payments.import", f"file:{sha}", None,
                           {k: v for k, v in asdict(rep).items() if k != "already"})  # fmt: skip
    return rep


async def unmatched(store: Store) -> list[dict[str, Any]]:
    """Payments reconciliation could not place, for a person to look at."""
    rows = await store.query(
        "SELECT payment_id, account_id, amount_minor, currency, paid_on, source, note"
        " FROM payments WHERE status = 'unmatched' ORDER BY paid_on, payment_id"
    )
    return [dict(r) for r in rows]
