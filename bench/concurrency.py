"""How many simultaneous calls one 2-core machine holds before turns slow down.

For each N: N accounts dialled at once through the real Asterisk, answered by scripted
debtors (robot/sim, in a process of their own: bench/_sim_proc.py), turn latency
measured as in ``bench/turn_latency.py`` (end of the debtor's speech -> first robot
audio at the debtor). Prints per N: turns, p50/p95 latency and the ASR share of it,
CPU of the robot's process, of the simulated debtors and of Asterisk (% of one core
over the run, and ms of CPU per second of answered call), the robot's peak RSS; then
the largest N whose p95 stays within 1.5x the single-call p95.

Debtors answer either all at once (``--spread 0``: every call in step, so up to N
callers finish a sentence within the same second, the worst case for a shared
recogniser) or spread over ``--spread`` seconds (the default 10 s), as a dialer's
calls are answered one by one; every call is still up at the same time for most of
its length (the column "overlap" is the mean / largest number of calls in
conversation when a turn ended).

Usage: .venv/bin/python bench/concurrency.py [--levels 1,10,20,30] [--spread 10]
Needs a running Asterisk; waits for e2e sessions (their lock). Last line: JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _calls import RunStats, pct, run_calls  # noqa: E402

HEAD = (f"{'N':>3} {'answered':>8} {'turns':>5} {'overlap':>8} {'p50 ms':>6} {'p95 ms':>6} "
        f"{'max ms':>6} {'asr p95':>7} {'early':>5} {'CPU% robot/sim/ast':>18} "
        f"{'CPU ms per call-s r/s/a':>23} {'RSS MB':>6}")


def summarise(n: int, st: RunStats) -> dict:
    tot = [r.total_ms for r in st.rows]
    call_s = max(st.call_s, 1e-9)
    return {
        "n": n, "answered": st.answered, "calls": st.calls, "turns": len(tot),
        "overlap": round(st.overlap, 1), "peak_overlap": st.peak,
        "p50_ms": round(pct(tot, 50), 1), "p95_ms": round(pct(tot, 95), 1),
        "max_ms": round(max(tot, default=0), 1),
        "asr_p95_ms": round(pct([r.parts["asr"] for r in st.rows], 95), 1),
        "endpoint_p95_ms": round(pct([r.parts["endpoint"] for r in st.rows], 95), 1),
        "premature": st.unmatched.count("premature"),
        "cpu_pct": {"robot": round(100 * st.cpu_s / st.wall_s, 1),
                    "sim": round(100 * st.sim_cpu_s / st.wall_s, 1),
                    "asterisk": round(100 * st.asterisk_cpu_s / st.wall_s, 1)},
        "cpu_ms_per_call_s": {"robot": round(1000 * st.cpu_s / call_s, 1),
                              "sim": round(1000 * st.sim_cpu_s / call_s, 1),
                              "asterisk": round(1000 * st.asterisk_cpu_s / call_s, 1)},
        "rss_mb": round(st.rss_mb, 1), "call_s": round(st.call_s, 1),
        "reused": sum(r.reused for r in st.rows),
        "asr": {"batches": st.asr_batches, "decoded": st.asr_decoded, "stale_skipped": st.asr_skipped},
    }


def line(r: dict) -> str:
    c, m = r["cpu_pct"], r["cpu_ms_per_call_s"]
    return (f"{r['n']:>3} {r['answered']:>4}/{r['calls']:<3} {r['turns']:>5} "
            f"{r['overlap']:>5.1f}/{r['peak_overlap']:<2} "
            f"{r['p50_ms']:>6.0f} {r['p95_ms']:>6.0f} {r['max_ms']:>6.0f} {r['asr_p95_ms']:>7.0f} "
            f"{r['premature']:>5} {c['robot']:>6.0f}/{c['sim']:>4.0f}/{c['asterisk']:>4.0f}%  "
            f"{m['robot']:>9.1f}/{m['sim']:>5.1f}/{m['asterisk']:>5.1f} {r['rss_mb']:>6.0f}")


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--levels", default="1,10,20,30", help="numbers of simultaneous calls")
    ap.add_argument("--calls-single", type=int, default=5, help="calls for the N=1 baseline")
    ap.add_argument("--spread", type=float, default=10.0,
                    help="seconds over which the debtors answer (0: all at once)")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    levels = [int(x) for x in args.levels.split(",")]
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} before the run; "
          f"answers spread over {args.spread:g} s")
    print(HEAD)
    rows = []
    for n in levels:
        calls = args.calls_single if n == 1 else n
        st = asyncio.run(run_calls(calls, concurrent=n, tag=f"c{n}",
                                   spread_s=0.0 if n == 1 else args.spread))
        rows.append(summarise(n, st))
        print(line(rows[-1]), flush=True)
    single = rows[0]["p95_ms"] if rows and rows[0]["n"] == 1 else float("nan")
    ok = [r["n"] for r in rows if r["turns"] and r["answered"] == r["calls"]
          and r["p95_ms"] <= 1.5 * single]
    best = max(ok, default=0)
    print(f"largest N with p95 <= 1.5 x {single:.0f} ms and every call answered: {best}")
    print(json.dumps({"max_concurrent": best, "single_call_p95_ms": single,
                      "spread_s": args.spread, "load_avg_1m": round(os.getloadavg()[0], 2),
                      "levels": rows}))


if __name__ == "__main__":
    main()
