"""The case lifecycle's daily cycle at bank scale, on SQLite.

Generates an account file (default 1,000,000 rows), a payment file (200,000 rows) and
last month's robot results (attempts with promises to pay), then times the cycle as
the CLI runs it: import accounts -> buckets -> strategy -> allocation -> import
payments -> reconciliation (with its bucket recompute and promise judging),
and finally verifies the audit trail. The last placements' recall (every placement
expiring on the same day) is timed apart. Runs on SQLite and on PostgreSQL (a
throwaway ``dunbot_bench`` database; start the server with scripts/postgres.sh up).
Last line: JSON with ``sqlite_s`` and ``postgres_s`` (each cycle's wall time).

    .venv/bin/python bench/daily_cycle.py                  # 1M accounts, 200k payments
    .venv/bin/python bench/daily_cycle.py --accounts 100000 --payments 20000
    .venv/bin/python bench/daily_cycle.py --stores postgres
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from robot.cases import audit  # noqa: E402
from robot.cases.accounts import import_accounts  # noqa: E402
from robot.cases.buckets import recompute  # noqa: E402
from robot.cases.payments import import_payments  # noqa: E402
from robot.cases.placement import load_plan, place, recall_expired, save_collectors  # noqa: E402
from robot.cases.reconcile import reconcile  # noqa: E402
from robot.cases.strategy import load_strategy  # noqa: E402
from robot.cases.treat import run_strategy  # noqa: E402
from robot.store.db import Store  # noqa: E402

DAY = date(2026, 11, 2)
REGIONS = ["SH", "BJ", "GD", "ZJ", "JS", "SC", "HB", "FJ", "SD", "HN"]
RULES = """\
name: bench
rules:
  - {id: hold-compliance, when: {compliance: [cease, attorney, deceased, dnc]}, treatment: hold}
  - {id: legal-big, when: {bucket: M6+, balance_min: 30000}, treatment: legal}
  - {id: agency-late, when: {bucket: [M3, M4-M6, M6+]}, treatment: agency}
  - {id: agency-broken, when: {broken_promises_min: 1}, treatment: agency}
  - {id: robot-early, when: {bucket: [M0, M1], risk_max: 700}, treatment: robot,
     params: {campaign: bench-early}}
  - {id: sms-early, when: {bucket: [current, M0]}, treatment: sms,
     params: {text: "{name}: {amount_due} {currency} overdue"}}
default: {treatment: agent, params: {queue: general}}
"""


def write_plan(path: Path) -> None:
    lines = ["method: performance", "placement_days: 30", "collectors:"]
    for i in range(20):
        regions = ", ".join(REGIONS[i % 10: i % 10 + 2])
        lines.append(f"  - {{id: agent-{i:02d}, kind: agent, regions: [{regions}],"
                     f" capacity: 6000, performance: {0.05 + i / 400:.3f}}}")  # fmt: skip
    for i in range(10):
        lines.append(f"  - {{id: agency-{i:02d}, kind: agency, capacity: 60000,"
                     f" performance: {0.08 + i / 100:.2f}}}")  # fmt: skip
    path.write_text("\n".join(lines) + "\n")


def write_accounts(path: Path, n: int, rng: random.Random) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["account_id", "name", "phone", "amount_due", "due_date", "lang",
                    "risk_score", "region", "compliance"])  # fmt: skip
        for i in range(n):
            due = DAY - timedelta(days=int(rng.expovariate(1 / 90)) + 1)
            comp = "ok" if rng.random() > 0.01 else rng.choice(["cease", "dispute", "attorney"])
            w.writerow([f"C{i:07d}", f"客户{i}", f"138{i:08d}",
                        f"{rng.randint(500, 80000)}.{rng.randint(0, 99):02d}", due.isoformat(),
                        "zh", rng.randint(300, 900), rng.choice(REGIONS), comp])  # fmt: skip


def write_payments(path: Path, n: int, accounts: int, rng: random.Random) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["payment_id", "account_id", "amount", "paid_on", "currency", "channel"])
        for i in range(n):
            acc = f"C{rng.randrange(accounts):07d}" if rng.random() > 0.03 else f"X{i}"
            paid = DAY + timedelta(days=rng.randint(0, 6))
            w.writerow([f"PAY{i:08d}", acc, f"{rng.randint(100, 5000)}.00", paid.isoformat(),
                        "CNY", "bank"])  # fmt: skip


async def seed_robot_results(store: Store, accounts: int, rng: random.Random) -> None:
    """Last month's calls: 10% of accounts called, a third of those promised to pay."""
    att, out = [], []
    for i in rng.sample(range(accounts), accounts // 10):
        aid, tid = f"C{i:07d}", f"t{i}"
        att.append((tid, 1, aid, "x", "2026-10-25T02:00:00.000Z", "2026-10-25T02:01:00.000Z",
                    "answered", "ptp" if i % 3 == 0 else "refused"))  # fmt: skip
        if i % 3 == 0:
            due = DAY + timedelta(days=rng.randint(-5, 5))
            out.append((tid, "ptp", f"{rng.randint(100, 3000)}.00", due.isoformat()))
        else:
            out.append((tid, "refused", None, None))
    async with store.transaction("seeding last month's calls") as db:
        async with db.execute("INSERT INTO campaigns (name, created_at)"
                              " VALUES ('last-month', 'x') RETURNING id") as cur:  # fmt: skip
            cid = (await cur.fetchone())[0]
        att = [(a[0], cid, *a[2:]) for a in att]
        await db.executemany("INSERT INTO attempts (id, campaign_id, account_id, phone,"
                             " started_at, ended_at, result, disposition)"
                             " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", att)  # fmt: skip
        await db.executemany("INSERT INTO outcomes (attempt_id, disposition, ptp_amount,"
                             " ptp_date) VALUES (?, ?, ?, ?)", out)  # fmt: skip


async def cycle(folder: Path, n_acc: int, n_pay: int, db: Path | str) -> dict[str, float]:
    """Time the cycle on the store at ``db`` (a SQLite file or a PostgreSQL URL)."""
    rng = random.Random(7)
    acc_file, pay_file = folder / "accounts.csv", folder / "payments.csv"
    rules, plan_file = folder / "rules.yaml", folder / "plan.yaml"
    t = time.perf_counter()
    write_accounts(acc_file, n_acc, rng)
    write_payments(pay_file, n_pay, n_acc, rng)
    rules.write_text(RULES)
    write_plan(plan_file)
    print(f"generated {n_acc} accounts, {n_pay} payments in {time.perf_counter() - t:.1f}s")
    steps: dict[str, float] = {}
    async with await Store.open(db) as store:
        # The robot's earlier results need the accounts; import once untimed, then
        # again timed as an updated file (the steady daily case)...
        acc_file2 = folder / "accounts-prev.csv"
        acc_file2.write_bytes(acc_file.read_bytes().replace(b"\n", b"\r\n"))
        await import_accounts(store, acc_file2, today=DAY - timedelta(days=1))
        await recompute(store, DAY - timedelta(days=1))
        await seed_robot_results(store, n_acc, rng)
    start = time.perf_counter()
    async with await Store.open(db) as store:

        async def step(name: str, coro: Awaitable[Any]) -> Any:
            t0 = time.perf_counter()
            res = await coro
            steps[name] = round(time.perf_counter() - t0, 2)
            print(f"  {name:<18} {steps[name]:>7.2f}s  {_summary(res)}", flush=True)
            return res

        await step("import_accounts", import_accounts(store, acc_file, today=DAY))
        await step("buckets", recompute(store, DAY))
        await step("strategy", run_strategy(store, load_strategy(rules), DAY))
        plan = load_plan(plan_file)
        await save_collectors(store, plan)
        await step("allocation", place(store, DAY, plan.placement_days, plan.method))
        await step("import_payments", import_payments(store, pay_file))
        await step("reconcile", reconcile(store, DAY + timedelta(days=7)))
        steps["total"] = round(time.perf_counter() - start, 2)
        # Recall is daily too, but there it meets 1/30 of the placements; here all of
        # them expire at once (the worst day), so it is timed apart from the cycle.
        await step("recall_all", recall_expired(store, DAY + timedelta(days=30)))
        t0 = time.perf_counter()
        problems = await audit.verify(store)
        print(f"  audit verify       {time.perf_counter() - t0:>7.2f}s  "
              f"{'intact' if not problems else problems[0]}")  # fmt: skip
    return steps


def _summary(res: Any) -> str:
    for attr in ("by_treatment", "counts"):
        if hasattr(res, attr):
            return str(getattr(res, attr))
    if hasattr(res, "assigned"):
        return f"placed {len(res.assigned)}, waiting {len(res.unassigned)}"
    if hasattr(res, "matched"):
        return f"matched {res.matched}, unmatched {res.unmatched}, promises {res.promises}"
    if hasattr(res, "inserted"):
        return f"new {res.inserted}, updated {res.updated}, rejected {res.rejected}"
    if isinstance(res, list):
        return f"{len(res)} recalled"
    return ""


async def fresh_pg(server: str) -> str:
    """A new, empty ``dunbot_bench`` database next to ``server``'s; its URL."""
    import psycopg

    async with await psycopg.AsyncConnection.connect(server, autocommit=True) as conn:
        await conn.execute("DROP DATABASE IF EXISTS dunbot_bench WITH (FORCE)")
        await conn.execute("CREATE DATABASE dunbot_bench")
    return server.rsplit("/", 1)[0] + "/dunbot_bench"


def pg_server_url() -> str:
    """The dunbot database's URL as scripts/postgres.sh reports it."""
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([str(root / "scripts/postgres.sh"), "status"], capture_output=True,
                          text=True, check=False)  # fmt: skip
    if done.returncode != 0 or "online" not in done.stdout:
        sys.exit(f"PostgreSQL is not running (scripts/postgres.sh up): {done.stderr.strip()}")
    return done.stdout.strip().splitlines()[-1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--accounts", type=int, default=1_000_000)
    ap.add_argument("--payments", type=int, default=200_000)
    ap.add_argument("--dir", type=Path, help="work folder (default: a temporary one)")
    ap.add_argument("--stores", choices=["both", "sqlite", "postgres"], default="both",
                    help="which stores to time (postgres: a throwaway dunbot_bench database"
                         " on the server scripts/postgres.sh runs)")  # fmt: skip
    args = ap.parse_args()
    figures: dict[str, Any] = {"accounts": args.accounts, "payments": args.payments,
                               "sqlite_s": None, "postgres_s": None}  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="dunbot-bench-") as tmp:
        folder = args.dir or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        if args.stores in ("both", "sqlite"):
            print(f"SQLite ({sqlite3.sqlite_version}), work folder {folder}")
            steps = asyncio.run(cycle(folder, args.accounts, args.payments, folder / "dunbot.db"))
            print(f"daily cycle on SQLite: {steps['total']:.1f}s (goal <= 300s)")
            figures.update(sqlite_s=steps["total"], sqlite_steps=steps)
        if args.stores in ("both", "postgres"):
            url = asyncio.run(fresh_pg(pg_server_url()))
            print(f"PostgreSQL, database dunbot_bench, work folder {folder}")
            steps = asyncio.run(cycle(folder, args.accounts, args.payments, url))
            print(f"daily cycle on PostgreSQL: {steps['total']:.1f}s (goal <= 300s)")
            figures.update(postgres_s=steps["total"], postgres_steps=steps)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
