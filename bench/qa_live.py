"""Live QA delay: end of an utterance -> its MQTT message at a subscriber.

Robot calls go through the real Asterisk to scripted debtors (robot/sim, own process)
while a subscriber listens on a Mosquitto started by the project's own code
(robot.events.broker, on a port of its own). The robot's script has a threatening line
put into one prompt (what a careless edit could do), so every answered call also
produces a fatal finding (``violation`` + ``alerts``). Measured per message:

  robot turn    end of the robot's prompt (the robot's playback finished) -> received
  debtor turn   end of the debtor's audible speech (the simulator knows it) -> received;
                this includes the robot's end-of-turn silence and the recognition
  debtor (robot) the robot's own end of that turn (its endpoint decision) -> received
  violation     end of the turn that caused it -> received

Usage: .venv/bin/python bench/qa_live.py [--calls 10] [--concurrent 3]
Needs a running Asterisk (`dunbot asterisk up`) and mosquitto installed
(scripts/setup.sh). Goal: every message within 2 s. Last line: JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import logging
import socket
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))


from _calls import SimProcess, e2e_lock, pct, settings_for_bench, write_campaign  # noqa: E402
from robot.cases.csvload import load_csv_file  # noqa: E402
from robot.config import REPO_ROOT, Settings  # noqa: E402
from robot.dialer.runner import Engines, Observer, run_campaign  # noqa: E402
from robot.events import broker  # noqa: E402
from robot.events.subscribe import messages  # noqa: E402
from robot.store.db import Store  # noqa: E402

CALM = "I understand. Paying soon avoids late fees."
THREAT = "I understand. If you do not pay today we will have you arrested."


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Results(Observer):
    def __init__(self) -> None:
        self.by_attempt: dict[str, Any] = {}
        self.number: dict[str, str] = {}

    def done(self, account: Any, result: Any) -> None:
        self.by_attempt[result.attempt_id] = result
        self.number[result.attempt_id] = "".join(ch for ch in account.phone if ch.isdigit())


def careless_script(home: Path) -> Path:
    text = (REPO_ROOT / "robot" / "dialogs" / "m0_reminder_en.yaml").read_text(encoding="utf-8")
    if CALM not in text:
        raise SystemExit(f"bench/qa_live.py: the prompt {CALM!r} is no longer in the script")
    path = home / "careless_en.yaml"
    path.write_text(text.replace(CALM, THREAT), encoding="utf-8")
    return path


async def run(s: Settings, calls: int, concurrent: int) -> tuple[list[Any], Results, list[Any]]:
    accounts, scen = write_campaign(s.home, calls)
    async with await Store.open(s.db_path) as store:
        await load_csv_file(store, accounts, "bench-qa-live")
    received: list[tuple[str, dict[str, Any], float]] = []
    ready = asyncio.Event()

    async def listen() -> None:
        async for topic, msg in messages(s, [f"{s.mqtt_prefix}/#"], ready):
            received.append((topic, msg, time.time()))

    listener = asyncio.create_task(listen())
    await asyncio.wait_for(ready.wait(), 10)
    engines = Engines(s, str(careless_script(s.home)))
    await engines.asr.warm_up()
    obs = Results()
    with e2e_lock():
        sim = SimProcess(s, scen)
        await sim.start()
        try:
            await run_campaign(s, "bench-qa-live", max_concurrent=concurrent, engines=engines,
                               observer=obs)
            await asyncio.sleep(1.0)
        finally:
            sim_calls = await sim.stop()
            await engines.aclose()
    listener.cancel()
    return received, obs, sim_calls


def delays(received: list[Any], obs: Results, sim_calls: list[Any]) -> dict[str, list[float]]:
    """Seconds from each utterance's end to its message's arrival, by kind."""
    to_wall = time.time() - time.monotonic()  # the simulator's times are monotonic
    sim_by_number = {c.number: c for c in sim_calls}
    out: dict[str, list[float]] = {"robot": [], "debtor": [], "debtor_endpoint": [],
                                   "violation": []}
    for topic, m, at in received:
        res = obs.by_attempt.get(m.get("attempt"))
        if res is None or res.answered_at is None:
            continue
        t0 = res.answered_at.timestamp()
        kind = topic.rsplit("/", 1)[-1]
        if kind == "violation" and m.get("turn_end") is not None:
            out["violation"].append(at - (t0 + m["turn_end"]))
        elif kind == "turn" and m["speaker"] == "robot":
            out["robot"].append(at - (t0 + m["end"]))
        elif kind == "turn" and m["speaker"] == "debtor" and m["text"].strip():
            endpoint = t0 + m["end"]
            out["debtor_endpoint"].append(at - endpoint)
            sim = sim_by_number.get(obs.number[m["attempt"]])
            spoken = [t for t in (sim.turns if sim else [])
                      if t.speech_end and t.speech_start + to_wall < endpoint]
            # Only a reply the robot let finish: a pause inside a two-sentence reply
            # makes the robot end the turn early; that reply has no single "end".
            if spoken and spoken[-1].speech_end + to_wall <= endpoint:
                out["debtor"].append(at - (spoken[-1].speech_end + to_wall))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=10)
    ap.add_argument("--concurrent", type=int, default=3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    s = dataclasses.replace(settings_for_bench("qalive"), mqtt_port=free_port(),
                            mqtt_enabled=True)
    print(broker.up(s), file=sys.stderr)
    try:
        received, obs, sim_calls = asyncio.run(run(s, args.calls, args.concurrent))
    finally:
        print(broker.down(s), file=sys.stderr)
    d = delays(received, obs, sim_calls)
    answered = sum(r.answered_at is not None for r in obs.by_attempt.values())
    alerts = sum(t.endswith("/alerts") for t, _, _ in received)
    print(f"calls {len(obs.by_attempt)} (answered {answered}, {args.concurrent} at once),"
          f" messages {len(received)}, alerts {alerts}")
    print(f"{'seconds':28} {'n':>4} {'p50':>6} {'p95':>6} {'max':>6}")
    label = {"robot": "robot turn (prompt end)", "debtor": "debtor turn (speech end)",
             "debtor_endpoint": "debtor turn (robot endpoint)",
             "violation": "violation (turn end)"}
    figures: dict[str, Any] = {"calls": len(obs.by_attempt), "answered": answered,
                               "concurrent": args.concurrent, "messages": len(received),
                               "alerts": alerts}
    for key, vals in d.items():
        p50, p95, mx = pct(vals, 50), pct(vals, 95), max(vals, default=0.0)
        print(f"{label[key]:28} {len(vals):>4} {p50:6.2f} {p95:6.2f} {mx:6.2f}")
        figures[key] = {"n": len(vals), "p50_s": round(p50, 3), "p95_s": round(p95, 3),
                        "max_s": round(mx, 3)}
    worst = max((max(v) for v in d.values() if v), default=0.0)
    figures["max_s"] = round(worst, 3)
    figures["goal_2s_met"] = bool(d["robot"] and d["debtor"]) and worst <= 2.0
    print(f"goal: every message within 2 s of the utterance's end: "
          f"{'met' if figures['goal_2s_met'] else 'NOT met'} (worst {worst:.2f} s)")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
