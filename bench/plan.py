"""Benchmark: plan a synthetic campaign of N accounts with the compliance guard.

Accounts spread over several time zones (with and without DST), some with a week of
attempt history, a few with flags, a few in Massachusetts. Prints the time per phase,
the decisions by rule and, as the last line, one JSON object.

    .venv/bin/python bench/plan.py --accounts 1000000 --profile us
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from robot.dialer.guard import Attempt, DialContext, Flags  # noqa: E402
from robot.dialer.plan import plan  # noqa: E402
from robot.dialer.profile import load_profile  # noqa: E402

ZONES = {
    "cn": ["Asia/Shanghai", "Asia/Urumqi", "Asia/Hong_Kong"],
    "us": ["America/New_York", "America/Chicago", "America/Denver", "America/Phoenix",
           "America/Los_Angeles", "Pacific/Honolulu", "America/Anchorage"],
}
RESULTS = ["answered", "busy", "no_answer", "failed", "machine", "voicemail"]


def accounts(n: int, profile: str, at: datetime, seed: int) -> list[tuple[str, DialContext]]:
    rnd = random.Random(seed)
    zones = ZONES[profile]
    out = []
    for i in range(n):
        phone = f"1555{i:07d}"
        history: tuple[Attempt, ...] = ()
        if rnd.random() < 0.3:  # 30% were already tried this week
            hist = []
            for _ in range(rnd.randint(1, 8)):
                res = rnd.choice(RESULTS)
                hist.append(Attempt(at - timedelta(seconds=rnd.randint(600, 7 * 86400)),
                                    phone, res, res in ("answered", "machine", "voicemail"),
                                    res == "answered" and rnd.random() < 0.5))
            history = tuple(hist)
        flags = Flags(stop_requested=rnd.random() < 0.01)
        state = "MA" if profile == "us" and rnd.random() < 0.02 else None
        out.append((f"A{i}", DialContext(now=at, timezone=rnd.choice(zones), phone=phone,
                                         history=history, flags=flags, state=state)))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--accounts", type=int, default=1_000_000)
    ap.add_argument("--profile", default="us", choices=sorted(ZONES))
    ap.add_argument("--at", default="2026-11-03T02:30:00+00:00")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    at = datetime.fromisoformat(args.at).astimezone(UTC)
    profile = load_profile(args.profile)
    t0 = time.perf_counter()
    rows = accounts(args.accounts, args.profile, at, args.seed)
    t1 = time.perf_counter()
    decisions = plan(rows, at, profile)
    t2 = time.perf_counter()
    by_rule = Counter(d.rule or "callable" for _, d in decisions)
    print(f"built {len(rows)} accounts in {t1 - t0:.1f} s")
    print(f"planned {len(decisions)} accounts in {t2 - t1:.2f} s "
          f"({(t2 - t1) / len(decisions) * 1e6:.1f} us/account, one core)")
    for rule, n in by_rule.most_common():
        print(f"  {rule:32s} {n}")
    print(json.dumps({"accounts": len(decisions), "plan_seconds": round(t2 - t1, 3),
                      "us_per_account": round((t2 - t1) / len(decisions) * 1e6, 2),
                      "by_rule": dict(by_rule)}))


if __name__ == "__main__":
    main()
