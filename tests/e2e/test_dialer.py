"""The dialer through a real Asterisk: the guard, answering machines, agents in a queue.

* At 22:05 borrower-local time the guard blocks the call: the decision is stored with
  its rule and the next callable time, and nothing reaches the telephone.
* A mailbox answers with a long recorded greeting: AMD says MACHINE and the attempt is
  ``machine``; per campaign the robot hangs up, or leaves the limited-content message.
* A borrower asks for a person: the call is transferred into the ``collectors`` queue,
  where a simulated agent (a Local channel member) answers it.
"""

from __future__ import annotations

import asyncio
import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from robot.cases.csvload import load_csv_file
from robot.config import Settings
from robot.dialer.runner import Engines, RunSummary, run_campaign
from robot.dialer.settings import DialerSettings
from robot.dialer.voicemail import render
from robot.sim.debtor import DebtorSimulator
from robot.sim.scenarios import load_scenarios
from robot.speech.audio import read_wav, rms_dbfs
from robot.store import dialer as ds
from robot.store.db import Store
from robot.telephony import asterisk as managed
from robot.telephony.ari import AriClient

pytestmark = pytest.mark.e2e

AGENT = "agent7"
MEMBER = f"Local/{AGENT}@dunbot-sim-agent/n"
VOICEMAIL = dict(business_name="Acme Services", contact_name="Jane Miller",
                 callback_number="+15550109999")
ACCOUNTS = {
    # campaign: [(account id, phone, timezone, lang)]
    "e2e-guard-us": [("G-US", "+15550100031", "America/New_York", "en")],
    "e2e-guard-cn": [("G-CN", "+8613800000031", "Asia/Shanghai", "zh")],
    "e2e-machine-hangup": [("M-HANG", "+15550100021", "America/New_York", "en")],
    "e2e-machine-voicemail": [("M-VM", "+15550100022", "America/New_York", "en")],
    "e2e-transfer": [("T-1", "+15550100023", "America/New_York", "en")],
}
SCENARIOS = {
    "defaults": {"lang": "en", "turn_silence_ms": 900, "answer_delay_s": 1.0},
    "scenarios": {
        "+15550100021": {"name": "mailbox", "answer": "machine"},
        "+15550100022": {"name": "mailbox", "answer": "machine"},
        "+15550100023": {"name": "wants_a_person", "greeting": "Hello?",
                         "replies": ["Yes, speaking.", "I want to speak to an agent."]},
    },
}


def at_local(tz: str, hh: int, mm: int) -> Callable[[], datetime]:
    """A fixed dialer clock at hh:mm on a working day in zone ``tz``."""
    instant = datetime(2026, 12, 1, hh, mm, tzinfo=ZoneInfo(tz)).astimezone(UTC)
    return lambda: instant


@dataclass
class Outcome:
    summary: RunSummary
    calls: list[dict[str, Any]] = field(default_factory=list)
    decisions: list[dict[str, Any]] = field(default_factory=list)
    sim_calls: int = 0


@dataclass
class Results:
    by_campaign: dict[str, Outcome] = field(default_factory=dict)
    agent_var: str | None = None
    queue_show: str = ""


def _write_inputs(home: Path) -> tuple[dict[str, Path], Path]:
    files = {}
    for campaign, rows in ACCOUNTS.items():
        path = home / f"{campaign}.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["account_id", "name", "phone", "amount_due", "due_date", "timezone",
                        "lang"])
            for aid, phone, tz, lang in rows:
                w.writerow([aid, "Sam Taylor", phone, "420.00", "2026-11-01", tz, lang])
        files[campaign] = path
    scen = home / "scenarios.yaml"
    scen.write_text(yaml.safe_dump(SCENARIOS), encoding="utf-8")
    return files, scen


async def _collect(store: Store, campaign: str, summary: RunSummary, sim: DebtorSimulator,
                   phones: list[str]) -> Outcome:
    camp = await store.require_campaign(campaign)
    out = Outcome(summary, decisions=await ds.decisions(store, camp["id"]))
    for att in await store.attempts(camp["id"]):
        out.calls.append({"attempt": att, "turns": await store.turns(att["id"]),
                          "outcome": await store.outcome(att["id"]),
                          "recordings": await store.recordings(att["id"])})
    out.sim_calls = sum(len(sim.calls_to(p)) for p in phones)
    return out


async def _agent_var(settings: Settings) -> str | None:
    ari = AriClient(settings.ari_base, settings.ari_user, settings.ensure_ari_password(), [])
    try:
        res = await ari.request("GET", "/asterisk/variable",
                                params={"variable": f"DUNBOT_SIM_AGENT_{AGENT}"})
        return (res or {}).get("value") or None
    finally:
        await ari.close()


async def _run_all(settings: Settings) -> Results:
    res = Results()
    files, scen = _write_inputs(settings.home)
    async with await Store.open(settings.db_path) as store:
        for campaign, path in files.items():
            await load_csv_file(store, path, campaign)
        await ds.set_settings(store, "e2e-machine-voicemail",
                              DialerSettings(machine="voicemail", **VOICEMAIL))
    engines = Engines(settings)
    sim = DebtorSimulator(settings, load_scenarios(scen), engines.tts, engines.prompts)
    await sim.warm_up()
    await sim.start()
    daytime = at_local("America/New_York", 10, 0)
    clocks = {"e2e-guard-us": at_local("America/New_York", 22, 5),
              "e2e-guard-cn": at_local("Asia/Shanghai", 22, 5)}
    try:
        for campaign in files:
            summary = await run_campaign(settings, campaign, max_concurrent=1,
                                         engines=engines,
                                         clock=clocks.get(campaign, daytime))
            if campaign == "e2e-transfer":  # the agent talks for 3 s after answering
                await asyncio.sleep(6)
            async with await Store.open(settings.db_path) as store:
                res.by_campaign[campaign] = await _collect(
                    store, campaign, summary, sim, [p for _, p, _, _ in ACCOUNTS[campaign]])
    finally:
        await sim.stop()
        await engines.aclose()
    res.agent_var = await _agent_var(settings)
    res.queue_show = managed.rx(settings, "queue show collectors")
    return res


@pytest.fixture(scope="module")
def results(e2e_settings: Settings) -> Results:
    # The simulated agent's dialplan must be loaded; then the agent joins the queue.
    managed.install_config(e2e_settings)
    managed.rx(e2e_settings, "dialplan reload")
    managed.rx(e2e_settings, f"queue remove member {MEMBER} from collectors")
    managed.rx(e2e_settings, f"queue add member {MEMBER} to collectors penalty 0 as SimAgent7")
    try:
        yield asyncio.run(_run_all(e2e_settings))
    finally:
        managed.rx(e2e_settings, f"queue remove member {MEMBER} from collectors")


@pytest.mark.parametrize("campaign, rule, tz", [
    ("e2e-guard-us", "us.hours", "America/New_York"),
    ("e2e-guard-cn", "cn.quiet_hours", "Asia/Shanghai"),
])
def test_guard_blocks_at_2205_local(results: Results, campaign: str, rule: str,
                                    tz: str) -> None:
    out = results.by_campaign[campaign]
    assert out.summary.called == 0 and out.summary.blocked == {rule: 1}
    assert out.calls == [] and out.sim_calls == 0, "a blocked call reached the telephone"
    [d] = out.decisions
    assert d["callable"] == 0 and d["rule"] == rule and d["attempt_id"] is None
    assert "22:05 local" in d["reason"]
    nxt = datetime.fromisoformat(d["next_callable_at"].replace("Z", "+00:00"))
    local = nxt.astimezone(ZoneInfo(tz))
    assert (local.date().isoformat(), local.hour, local.minute) == ("2026-12-02", 8, 0)


def _only_call(out: Outcome) -> dict[str, Any]:
    assert len(out.calls) == 1, out.calls
    return out.calls[0]


def test_machine_hangs_up(results: Results) -> None:
    out = results.by_campaign["e2e-machine-hangup"]
    call = _only_call(out)
    att = call["attempt"]
    assert att["result"] == "machine" and att["amd_status"] == "MACHINE"
    assert call["outcome"]["disposition"] == "machine"
    assert [t for t in call["turns"] if t.speaker == "robot"] == []
    assert out.decisions[0]["callable"] == 1 and out.decisions[0]["attempt_id"] == att["id"]
    assert float(att["duration_s"]) < 12, "the robot should hang up on a machine at once"


def test_machine_gets_limited_content_voicemail(results: Results) -> None:
    out = results.by_campaign["e2e-machine-voicemail"]
    call = _only_call(out)
    att = call["attempt"]
    assert att["result"] == "machine" and att["amd_status"] == "MACHINE"
    assert call["outcome"]["disposition"] == "voicemail_left"
    robot = [t for t in call["turns"] if t.speaker == "robot"]
    assert [t.text for t in robot] == [render("en", **VOICEMAIL)]
    msg = robot[0]
    assert msg.end_s - msg.start_s > 4, "the message was not played out"
    recs = {r.kind: r for r in call["recordings"]}
    pcm, rate = read_wav(Path(recs["tx"].path))
    start, end = int(msg.start_s * rate) * 2, int(msg.end_s * rate) * 2
    assert rms_dbfs(pcm[start:end]) > -40, "nothing audible was sent while the message played"


def test_transfer_reaches_an_agent(results: Results) -> None:
    out = results.by_campaign["e2e-transfer"]
    call = _only_call(out)
    att = call["attempt"]
    assert att["result"] == "answered"
    assert call["outcome"]["disposition"] == "transfer"
    assert "agent" in " ".join(t.text for t in call["turns"] if t.speaker == "debtor").lower()
    assert "transferred to queue" in (call["outcome"]["notes"] or "")
    # The agent's channel (a queue member) answered this very attempt ...
    assert results.agent_var == att["id"]
    # ... and app_queue counted the call for that member.
    line = next(ln for ln in results.queue_show.splitlines() if "SimAgent7" in ln)
    assert "has taken 1 call" in line, results.queue_show
