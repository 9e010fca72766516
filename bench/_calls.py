"""Shared by the speed benchmarks: scripted debtors called through the real Asterisk.

Builds a throw-away data folder (own store, own robot ARI app, like the e2e fixtures),
a call list of ``n`` accounts whose numbers select the scenarios below, runs the
campaign with the simulator answering, and joins what the debtor heard (robot audio
arriving after each reply) with what the robot recorded (``CallResult.timings``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from robot.cases.csvload import load_csv_file
from robot.config import Settings, load_settings
from robot.dialer.runner import Engines, Observer, run_campaign
from robot.sim.debtor import DebtorSimulator
from robot.sim.scenarios import load_scenarios
from robot.store.db import Store

#: Conversations that reach the payment question and beyond: 3-4 replies each.
SCENARIOS = [
    ("promise_to_pay", ["Yes, speaking.", "I can pay two hundred dollars next Friday.",
                        "Yes, that's right."]),
    ("refusal", ["Yes, speaking.", "I won't pay.", "No. I will not pay anything."]),
    ("wrong_number", ["Sorry, you have the wrong number."]),
    ("third_party", ["I'm his wife. He is not at home.", "Okay, I will tell him."]),
    ("promise_full", ["Yes, this is me.", "I can pay one hundred dollars on Monday.",
                      "Yes."]),
]
#: Talks over the payment reminder 1.5 s into it (barge-in reaction time).
BARGE = [("barge_in", ["Yes, speaking.", "I can pay two hundred dollars next Friday.",
                       "Yes, that's right."])]
BARGE_OPTIONS = ["    barge_in_reply: 1", "    barge_in_after_ms: 1500"]


def settings_for_bench(tag: str) -> Settings:
    base = load_settings()
    home = Path(tempfile.mkdtemp(prefix=f"dunbot-bench-{tag}-"))
    return dataclasses.replace(base, home=home, db="", ari_password=base.ensure_ari_password(),
                               ring_timeout=8, ari_app=f"dunbot-bench-{os.getpid()}")


def write_campaign(home: Path, n: int, offset: int = 0,
                   scenarios: list | None = None, extra: list[str] | None = None) -> tuple[Path, Path]:
    accounts = home / "accounts.csv"
    scen = home / "scenarios.yaml"
    rows = ["account_id,name,phone,amount_due,currency,due_date,timezone,lang,product"]
    lines = ["defaults:", "  lang: en", "  turn_silence_ms: 900", "  answer_delay_s: 1.0",
             "  unknown: no_answer", "scenarios:"]
    for i in range(n):
        name, replies = (scenarios or SCENARIOS)[i % len(scenarios or SCENARIOS)]
        phone = f"+1555020{offset + i:04d}"
        rows.append(f"B-{offset + i:04d},Alice Walker,{phone},1250.00,USD,2026-10-15,"
                    f"America/New_York,en,credit card")
        lines += [f'  "{phone}":', f"    name: {name}", '    greeting: "Hello?"', "    replies:"]
        lines += [f'      - "{r}"' for r in replies]
        lines += extra or []
    accounts.write_text("\n".join(rows) + "\n")
    scen.write_text("\n".join(lines) + "\n")
    return accounts, scen


class _Collect(Observer):
    def __init__(self) -> None:
        self.results: list[Any] = []

    def done(self, account: Any, result: Any) -> None:
        self.results.append(result)


@dataclasses.dataclass
class TurnRow:
    total_ms: float
    parts: dict[str, float]
    reused: bool
    text: str


@dataclasses.dataclass
class RunStats:
    rows: list[TurnRow]
    calls: int
    answered: int
    wall_s: float
    cpu_s: float
    cpu_pct: float
    rss_mb: float
    barge_ins: int
    #: Per barge-in, ms: detection -> flush sent, debtor voice onset -> last robot audio
    #: heard by the debtor, debtor voice onset -> robot detection.
    barge: list[tuple[float, ...]] = dataclasses.field(default_factory=list)
    #: Replies with no measurable answer, by reason (see :data:`UNMATCHED`).
    unmatched: list[str] = dataclasses.field(default_factory=list)


#: Replies that got no measurable answer: "premature" when the robot decided the turn
#: had ended while the debtor was still talking (a pause inside the reply), else
#: "unmatched" (e.g. the call ended first).
UNMATCHED: list[str] = []


def join_turns(sim_calls: list[Any], results: list[Any]) -> list[TurnRow]:
    """Per debtor reply: total latency as heard, split by the robot's own timestamps."""
    timings = sorted((t for r in results for t in r.timings), key=lambda t: t.t_endpoint)
    rows: list[TurnRow] = []
    for call in sim_calls:
        for turn in call.turns[1:]:  # [0] is the greeting, answered by the dialplan's AMD
            if turn.robot_audio_at is None or turn.barged:
                continue
            cand = [t for t in timings
                    if turn.speech_end - 0.05 <= t.t_endpoint <= turn.robot_audio_at]
            if not cand:
                early = any(turn.speech_start < t.t_endpoint < turn.speech_end - 0.05 for t in timings)
                UNMATCHED.append("premature" if early else "unmatched")
                continue
            t = cand[0]
            parts = {"endpoint": (t.t_endpoint - turn.speech_end) * 1000,
                     **{k: v for k, v in t.breakdown_ms().items() if k != "endpoint"}}
            parts["transport"] = (turn.robot_audio_at - t.t_play) * 1000
            rows.append(TurnRow((turn.robot_audio_at - turn.speech_end) * 1000, parts,
                                t.reused_partial, turn.text))
    return rows


async def run_calls(n: int, *, concurrent: int, tag: str = "lat", barge: bool = False) -> RunStats:
    settings = settings_for_bench(tag)
    accounts, scen = write_campaign(settings.home, n, scenarios=BARGE if barge else None,
                                    extra=BARGE_OPTIONS if barge else None)
    campaign = f"bench-{tag}"
    async with await Store.open(settings.db_path) as store:
        await load_csv_file(store, accounts, campaign)
    engines = Engines(settings)
    sim = DebtorSimulator(settings, load_scenarios(scen), engines.tts, engines.prompts)
    await sim.warm_up()
    await engines.asr.warm_up()
    obs = _Collect()
    await sim.start()
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.monotonic()
    try:
        await run_campaign(settings, campaign, max_concurrent=concurrent, engines=engines,
                           observer=obs)
        await asyncio.sleep(0.5)
    finally:
        await sim.stop()
        await engines.aclose()
    wall = time.monotonic() - t0
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    UNMATCHED.clear()
    rows = join_turns(sim.calls, obs.results)
    unmatched = list(UNMATCHED)
    flushes = sorted((b for r in obs.results for b in r.barge_ins), key=lambda b: b.t_detected)
    heard = sorted((t for c in sim.calls for t in c.turns if t.barged), key=lambda t: t.speech_start)
    barges = [((b.t_flushed - b.t_detected) * 1000,
               ((t.robot_stopped_at or t.speech_start) - t.speech_start) * 1000,
               (b.t_detected - t.speech_start) * 1000)
              for b, t in zip(flushes, heard)]
    return RunStats(rows, len(obs.results), sum(r.result == "answered" for r in obs.results),
                    wall, cpu, 100 * cpu / wall, r1.ru_maxrss / 1024,
                    sum(len(r.barge_ins) for r in obs.results), barges, unmatched)


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]
