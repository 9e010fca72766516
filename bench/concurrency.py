"""How many simultaneous calls one 2-core machine holds before turns slow down.

For each N: N accounts dialled at once through the real Asterisk, answered by scripted
debtors (robot/sim, in this same process), turn latency measured as in
``bench/turn_latency.py`` (end of the debtor's speech -> first robot audio at the
debtor). Prints per N: turns, p50/p95 latency, CPU of this process (robot + simulated
debtors) and of Asterisk as a share of one core, peak RSS; then the largest N whose p95
stays within 1.5x the single-call p95.

Usage: .venv/bin/python bench/concurrency.py [--levels 1,5,10,20,30]
Needs a running Asterisk; run nothing else on the machine meanwhile. Last line: JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _calls import pct, run_calls  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def asterisk_cpu_s() -> float:
    """CPU seconds used so far by the Asterisk process(es), from /proc."""
    try:
        pids = subprocess.run(["pgrep", "-x", "asterisk"], capture_output=True, text=True).stdout.split()
    except OSError:
        return 0.0
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / TICK
        except (OSError, IndexError, ValueError):
            pass
    return total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--levels", default="1,5,10,20,30")
    ap.add_argument("--calls-single", type=int, default=5, help="calls for the N=1 baseline")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    levels = [int(x) for x in args.levels.split(",")]
    rows = []
    print(f"{'N':>4} {'answered':>8} {'turns':>6} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} "
          f"{'robot CPU%':>10} {'Asterisk CPU%':>13} {'RSS MB':>7} {'reused':>7}")
    for n in levels:
        a0, t0 = asterisk_cpu_s(), time.monotonic()
        calls = args.calls_single if n == 1 else n
        st = asyncio.run(run_calls(calls, concurrent=n, tag=f"c{n}"))
        ast_pct = 100 * (asterisk_cpu_s() - a0) / (time.monotonic() - t0)
        tot = [r.total_ms for r in st.rows]
        row = {"n": n, "answered": st.answered, "calls": st.calls, "turns": len(tot),
               "p50_ms": round(pct(tot, 50), 1), "p95_ms": round(pct(tot, 95), 1),
               "max_ms": round(max(tot, default=0), 1), "cpu_pct": round(st.cpu_pct, 1),
               "asterisk_cpu_pct": round(ast_pct, 1), "rss_mb": round(st.rss_mb, 1),
               "reused": sum(r.reused for r in st.rows),
               "asr_p95_ms": round(pct([r.parts["asr"] for r in st.rows], 95), 1),
               "endpoint_p95_ms": round(pct([r.parts["endpoint"] for r in st.rows], 95), 1)}
        rows.append(row)
        print(f"{n:>4} {st.answered:>4}/{st.calls:<3} {len(tot):>6} {row['p50_ms']:>7.0f} "
              f"{row['p95_ms']:>7.0f} {row['max_ms']:>7.0f} {row['cpu_pct']:>10.0f} "
              f"{ast_pct:>13.0f} {row['rss_mb']:>7.0f} {row['reused']:>3}/{len(tot):<3}", flush=True)
    single = rows[0]["p95_ms"] if rows and rows[0]["n"] == 1 else float("nan")
    ok = [r["n"] for r in rows if r["turns"] and r["answered"] == r["calls"]
          and r["p95_ms"] <= 1.5 * single]
    best = max(ok, default=0)
    print(f"largest N with p95 <= 1.5 x {single:.0f} ms and every call answered: {best}")
    print(json.dumps({"max_concurrent": best, "single_call_p95_ms": single, "levels": rows}))


if __name__ == "__main__":
    main()
