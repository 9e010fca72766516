"""Benchmark: a campaign of a million accounts, loaded from CSV and planned.

Generates a call list (Chinese and US accounts over several time zones, some with a
``state`` column), loads it into a fresh store with the project's CSV import, then plans
the whole campaign at one instant with ``dunbot campaign plan``'s code (the guard for
every account). Goals: load <= 60 s, plan <= 30 s, peak RSS < 1 GB. Prints the phases
and, as the last line, one JSON object with ``load_s``, ``plan_s``, ``peak_rss_mb``.

    .venv/bin/python bench/campaign_scale.py --accounts 1000000
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import random
import resource
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from robot.cases.csvload import load_csv_file  # noqa: E402
from robot.dialer.planning import plan_campaign  # noqa: E402
from robot.store.db import Store  # noqa: E402

ZONES_CN = ["Asia/Shanghai", "Asia/Urumqi"]
ZONES_US = ["America/New_York", "America/Chicago", "America/Denver", "America/Phoenix",
            "America/Los_Angeles", "Pacific/Honolulu", "America/Anchorage"]
STATES = ["NY", "IL", "CO", "AZ", "CA", "MA", "TX"]


def generate(path: Path, n: int, seed: int) -> None:
    """A call list of ``n`` accounts: 70% Chinese, 30% US (a state column for those)."""
    rnd = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["account_id", "name", "phone", "amount_due", "currency", "due_date",
                    "timezone", "lang", "state"])
        for i in range(n):
            due = date(2026, 10, 1 + i % 28).isoformat()
            amount = f"{rnd.randint(100, 500000) / 100:.2f}"
            if rnd.random() < 0.7:
                w.writerow([f"CN{i:08d}", f"客户{i}", f"+86138{i:08d}", amount, "CNY", due,
                            rnd.choice(ZONES_CN), "zh", ""])
            else:
                w.writerow([f"US{i:08d}", f"Customer {i}", f"+1555{i:07d}", amount, "USD", due,
                            rnd.choice(ZONES_US), "en", rnd.choice(STATES)])


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


async def run(n: int, at: datetime, seed: int, workdir: Path) -> dict[str, object]:
    csv_path = workdir / "accounts.csv"
    t0 = time.perf_counter()
    generate(csv_path, n, seed)
    gen_s = time.perf_counter() - t0
    print(f"generated {n} accounts in {gen_s:.1f} s ({csv_path.stat().st_size / 1e6:.0f} MB)")
    store = await Store.open(workdir / "dunbot.db")
    try:
        t0 = time.perf_counter()
        report = await load_csv_file(store, csv_path, "scale", today=date(2026, 11, 28))
        load_s = time.perf_counter() - t0
        print(f"loaded {report.loaded} accounts ({report.rejected} rejected) in {load_s:.1f} s;"
              f" peak RSS {peak_rss_mb():.0f} MB")
        t0 = time.perf_counter()
        by: Counter[str] = Counter()
        async for row in plan_campaign(store, "scale", at):
            by[row.rule or row.status] += 1
        plan_s = time.perf_counter() - t0
    finally:
        await store.close()
    total = sum(by.values())
    print(f"planned {total} accounts in {plan_s:.1f} s at {at:%Y-%m-%d %H:%M}Z")
    for rule, k in by.most_common():
        print(f"  {rule:32s} {k}")
    return {"accounts": n, "loaded": report.loaded, "planned": total,
            "load_s": round(load_s, 2), "plan_s": round(plan_s, 2),
            "peak_rss_mb": round(peak_rss_mb(), 1), "by_rule": dict(by)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--accounts", type=int, default=1_000_000)
    ap.add_argument("--at", default="2026-12-01T13:30:00+00:00",
                    help="plan instant (default: 21:30 in Shanghai, 08:30 in New York)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--workdir", type=Path, default=None, help="keep the files here")
    args = ap.parse_args()
    at = datetime.fromisoformat(args.at).astimezone(UTC)
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        result = asyncio.run(run(args.accounts, at, args.seed, args.workdir))
    else:
        with tempfile.TemporaryDirectory(prefix="dunbot-scale-") as tmp:
            result = asyncio.run(run(args.accounts, at, args.seed, Path(tmp)))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
