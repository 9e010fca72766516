"""Shared by the speed benchmarks: scripted debtors called through the real Asterisk.

Builds a throw-away data folder (own store, own robot ARI app, like the e2e fixtures),
a call list of ``n`` accounts whose numbers select the scenarios below, runs the
campaign with the simulator answering (in its own process, bench/_sim_proc.py), and
joins, call by call, what the debtor heard (robot audio arriving after each reply)
with what the robot recorded (``CallResult.timings``).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import fcntl
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Iterator

from robot.cases.csvload import load_csv_file
from robot.config import Settings, load_settings
from robot.dialer.runner import Engines, Observer, run_campaign
from robot.store.db import Store

from _sim_proc import settings_to_json  # noqa: E402 - bench/ is on sys.path

HERE = Path(__file__).resolve().parent

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
#: Talks over the payment reminder 1.5 s into it (barge-in reaction time), i.e. 7.5 s into
#: the robot's turn: the must-hear mini-Miranda (~6 s) before it cannot be talked over.
BARGE = [("barge_in", ["Yes, speaking.", "I can pay two hundred dollars next Friday.",
                       "Yes, that's right."])]
BARGE_OPTIONS = ["    barge_in_reply: 1", "    barge_in_after_ms: 7500"]


def settings_for_bench(tag: str) -> Settings:
    base = load_settings()
    home = Path(tempfile.mkdtemp(prefix=f"dunbot-bench-{tag}-"))
    return dataclasses.replace(base, home=home, db="", ari_password=base.ensure_ari_password(),
                               ring_timeout=8, ari_app=f"dunbot-bench-{os.getpid()}")


def write_campaign(home: Path, n: int, offset: int = 0, scenarios: list | None = None,
                   extra: list[str] | None = None,
                   delays: list[float] | None = None) -> tuple[Path, Path]:
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
        if delays:
            lines.append(f"    answer_delay_s: {delays[i]}")
        lines += extra or []
    accounts.write_text("\n".join(rows) + "\n")
    scen.write_text("\n".join(lines) + "\n")
    return accounts, scen


class _Collect(Observer):
    def __init__(self) -> None:
        self.results: list[Any] = []
        #: Dialled number (digits) -> the robot's results for it.
        self.by_number: dict[str, list[Any]] = {}

    def done(self, account: Any, result: Any) -> None:
        self.results.append(result)
        key = "".join(ch for ch in account.phone if ch.isdigit())
        self.by_number.setdefault(key, []).append(result)


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
    #: CPU seconds over the run: the robot's process (calls, ASR threads included), the
    #: simulated debtors' process, and Asterisk.
    cpu_s: float
    cpu_pct: float
    rss_mb: float
    barge_ins: int
    #: Per barge-in, ms: detection -> flush sent, debtor voice onset -> last robot audio
    #: heard by the debtor, debtor voice onset -> robot detection.
    barge: list[tuple[float, ...]] = dataclasses.field(default_factory=list)
    #: Replies with no measurable answer, by reason (see :data:`UNMATCHED`).
    unmatched: list[str] = dataclasses.field(default_factory=list)
    sim_cpu_s: float = 0.0
    asterisk_cpu_s: float = 0.0
    #: Seconds of answered conversation summed over the calls (CPU per call-second).
    call_s: float = 0.0
    #: ASR work: batches decoded, utterances decoded, queued decodes dropped as stale.
    asr_batches: int = 0
    asr_decoded: int = 0
    asr_skipped: int = 0
    #: Mean and largest number of calls in conversation at the moment a turn ended.
    overlap: float = 0.0
    peak: int = 0


#: Replies that got no measurable answer: "premature" when the robot decided the turn
#: had ended while the debtor was still talking (a pause inside the reply), else
#: "unmatched" (e.g. the call ended first).
UNMATCHED: list[str] = []


def join_turns(sim_calls: list[Any], by_number: dict[str, list[Any]]) -> list[TurnRow]:
    """Per debtor reply: total latency as heard, split by the robot's own timestamps.

    Each simulated call is joined with the robot's result for the same number only:
    with many calls in step, another call's turn would otherwise match by time.
    """
    rows: list[TurnRow] = []
    for call in sim_calls:
        timings = sorted((t for r in by_number.get(call.number, []) for t in r.timings),
                         key=lambda t: t.t_endpoint)
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
            parts["inbound"] = (t.t_last_voice - turn.sent_end) * 1000
            parts["done_late"] = (turn.speech_end - turn.sent_end) * 1000
            rows.append(TurnRow((turn.robot_audio_at - turn.speech_end) * 1000, parts,
                                t.reused_partial, turn.text))
    return rows


TICK = os.sysconf("SC_CLK_TCK")
#: The e2e sessions' machine-wide lock: the debtors' ARI app is shared by everything
#: on the machine, so a benchmark waits for a test session (and the other way round).
E2E_LOCK = os.environ.get("DUNBOT_E2E_LOCK", "/run/lock/dunbot-e2e.lock")


def proc_cpu_s(pids: list[int]) -> float:
    """CPU seconds (user + system) used so far by these processes, from /proc."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / TICK
        except (OSError, IndexError, ValueError):
            pass
    return total


def asterisk_pids() -> list[int]:
    try:
        out = subprocess.run(["pgrep", "-x", "asterisk"], capture_output=True, text=True).stdout
    except OSError:
        return []
    return [int(p) for p in out.split()]


@contextlib.contextmanager
def e2e_lock() -> Iterator[None]:
    with open(E2E_LOCK, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"waiting for an e2e session or benchmark to finish ({E2E_LOCK}) ...",
                  file=sys.stderr, flush=True)
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield


class SimProcess:
    """The scripted debtors in their own process (bench/_sim_proc.py)."""

    def __init__(self, settings: Settings, scenarios: Path) -> None:
        self.out = settings.home / "sim-calls.json"
        cfg = settings.home / "sim-settings.json"
        cfg.write_text(settings_to_json(settings))
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "_sim_proc.py"), str(cfg), str(scenarios), str(self.out)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    async def start(self) -> None:
        assert self.proc.stdout is not None
        line = await asyncio.to_thread(self.proc.stdout.readline)
        if line.strip() != "ready":
            self.proc.kill()
            raise RuntimeError(f"the debtor simulator did not start (said {line!r})")

    def cpu_s(self) -> float:
        return proc_cpu_s([self.proc.pid])

    async def stop(self) -> list[Any]:
        """Stop it and read what every debtor did (as attribute objects)."""
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        await asyncio.to_thread(self.proc.wait, 30)
        calls = json.loads(self.out.read_text())
        return [SimpleNamespace(**{**c, "turns": [SimpleNamespace(**t) for t in c["turns"]]})
                for c in calls]


def answer_delays(n: int, spread_s: float) -> list[float]:
    """When each debtor picks up: all after 1 s (lock-step, the worst case for a shared
    recogniser), or spread evenly over ``spread_s`` seconds in an interleaved order, as
    answers come when a dialer paces real calls."""
    if spread_s <= 0 or n < 2:
        return [1.0] * n
    order = sorted(range(n), key=lambda i: (i * 7) % n)  # scenario types interleaved
    delays = [0.0] * n
    for rank, i in enumerate(order):
        delays[i] = round(1.0 + spread_s * rank / (n - 1), 2)
    return delays


async def run_calls(n: int, *, concurrent: int, tag: str = "lat", barge: bool = False,
                    spread_s: float = 0.0) -> RunStats:
    # The last debtor must still be ringing when it picks up.
    settings = dataclasses.replace(settings_for_bench(tag), ring_timeout=int(8 + spread_s))
    delays = answer_delays(n, spread_s)
    accounts, scen = write_campaign(settings.home, n, scenarios=BARGE if barge else None,
                                    extra=BARGE_OPTIONS if barge else None, delays=delays)
    campaign = f"bench-{tag}"
    async with await Store.open(settings.db_path) as store:
        await load_csv_file(store, accounts, campaign)
    engines = Engines(settings)
    await engines.asr.warm_up()
    obs = _Collect()
    with e2e_lock():
        sim = SimProcess(settings, scen)
        await sim.start()
        r0 = resource.getrusage(resource.RUSAGE_SELF)
        s0, a0, t0 = sim.cpu_s(), proc_cpu_s(asterisk_pids()), time.monotonic()
        try:
            await run_campaign(settings, campaign, max_concurrent=concurrent, engines=engines,
                               observer=obs)
            await asyncio.sleep(0.5)
        finally:
            wall = time.monotonic() - t0
            r1 = resource.getrusage(resource.RUSAGE_SELF)
            sim_cpu, ast_cpu = sim.cpu_s() - s0, proc_cpu_s(asterisk_pids()) - a0
            sim_calls = await sim.stop()
            await engines.aclose()
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    UNMATCHED.clear()
    rows = join_turns(sim_calls, obs.by_number)
    unmatched = list(UNMATCHED)
    flushes = sorted((b for r in obs.results for b in r.barge_ins), key=lambda b: b.t_detected)
    heard = sorted((t for c in sim_calls for t in c.turns if t.barged), key=lambda t: t.speech_start)
    barges = [((b.t_flushed - b.t_detected) * 1000,
               ((t.robot_stopped_at or t.speech_start) - t.speech_start) * 1000,
               (b.t_detected - t.speech_start) * 1000)
              for b, t in zip(flushes, heard)]
    shared = getattr(engines.asr, "_shared", None)
    to_wall = time.time() - time.monotonic()
    spans = [(r.answered_at.timestamp(), r.ended_at.timestamp()) for r in obs.results
             if r.answered_at and r.ended_at]
    ends = [t.t_endpoint + to_wall for r in obs.results for t in r.timings]
    overlap = statistics.mean(sum(a <= e <= b for a, b in spans) for e in ends) if ends else 0.0
    peak = max((sum(a <= e <= b for a, b in spans) for e in ends), default=0)
    return RunStats(rows, len(obs.results), sum(r.result == "answered" for r in obs.results),
                    wall, cpu, 100 * cpu / wall, r1.ru_maxrss / 1024,
                    sum(len(r.barge_ins) for r in obs.results), barges, unmatched,
                    sim_cpu_s=sim_cpu, asterisk_cpu_s=ast_cpu,
                    call_s=sum(r.duration_s or 0.0 for r in obs.results),
                    asr_batches=getattr(shared, "batches", 0), asr_decoded=getattr(shared, "decoded", 0),
                    asr_skipped=getattr(shared, "skipped", 0), overlap=overlap, peak=peak)


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]
