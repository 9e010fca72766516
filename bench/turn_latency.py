"""Turn latency through the real Asterisk: end of the debtor's speech -> first robot audio.

Scripted debtors (robot/sim) answer real SIP calls and speak synthesised replies; the
debtor side knows when each reply's audible speech ended (playback completion minus the
synthesised trailing silence) and notes the first audible robot frame after it. The
robot's call loop records when it decided the utterance had ended, when the transcript,
the next dialogue step and the first rendered reply audio were ready, and when that audio
went to Asterisk (``CallResult.timings``). Breakdown columns:

  endpoint   debtor speech end -> robot decides the utterance ended (includes the
             one-way media path into the robot and the adaptive end-of-turn silence)
  asr        -> transcript ready (0 when the decode made during the pause was reused)
  dialogue   -> NLU + state machine chose the reply
  tts        -> first piece of the reply rendered (prompt cache)
  queue      -> handed to Asterisk
  transport  -> first audible robot frame at the debtor (chan_websocket, bridge, SIP/RTP)

Usage: .venv/bin/python bench/turn_latency.py [--calls 10] [--concurrent 1]
Needs a running Asterisk (`dunbot asterisk up`). Last line: JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _calls import pct, run_calls  # noqa: E402

PARTS = ("endpoint", "asr", "dialogue", "tts", "queue", "transport")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=10)
    ap.add_argument("--concurrent", type=int, default=1)
    ap.add_argument("--barge-calls", type=int, default=3,
                    help="extra calls whose debtor talks over a prompt (barge-in timing)")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    stats = asyncio.run(run_calls(args.calls, concurrent=args.concurrent, tag="lat"))
    barge = asyncio.run(run_calls(args.barge_calls, concurrent=1, tag="barge", barge=True)) \
        if args.barge_calls else None
    rows = stats.rows
    totals = [r.total_ms for r in rows]
    print(f"calls {stats.calls} (answered {stats.answered}), turns measured {len(rows)}, "
          f"partial reused {sum(r.reused for r in rows)}/{len(rows)}; replies not measured: "
          f"{stats.unmatched.count('premature')} answered before the debtor finished (pause "
          f"inside the reply), {stats.unmatched.count('unmatched')} other")
    print(f"{'':10} {'p50':>8} {'p95':>8} {'max':>8}   (ms)")
    print(f"{'total':10} {pct(totals, 50):8.0f} {pct(totals, 95):8.0f} {max(totals, default=0):8.0f}")
    for part in PARTS:
        vals = [r.parts[part] for r in rows]
        print(f"{part:10} {pct(vals, 50):8.0f} {pct(vals, 95):8.0f} {max(vals, default=0):8.0f}")
    flush = [b[0] for b in barge.barge] if barge else []
    stop = [b[1] for b in barge.barge] if barge else []
    if barge:
        print(f"barge-in ({len(barge.barge)} of {barge.calls} calls): detection -> flush sent "
              f"p50 {pct(flush, 50):.0f} max {max(flush, default=0):.0f} ms; debtor voice onset -> "
              f"last robot audio heard p50 {pct(stop, 50):.0f} max {max(stop, default=0):.0f} ms "
              f"(includes the {300} ms of speech required)")
    print(json.dumps({"p50_ms": round(pct(totals, 50), 1), "p95_ms": round(pct(totals, 95), 1),
                      "barge_flush_max_ms": round(max(flush, default=0), 1),
                      "barge_stop_max_ms": round(max(stop, default=0), 1),
                      "max_ms": round(max(totals, default=0), 1), "turns": len(rows),
                      "calls": stats.calls,
                      "premature": stats.unmatched.count("premature"),
                      "breakdown_p50_ms": {p: round(pct([r.parts[p] for r in rows], 50), 1)
                                           for p in PARTS}}))


if __name__ == "__main__":
    main()
