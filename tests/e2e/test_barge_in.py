"""Barge-in through a real Asterisk: a debtor who talks over the robot.

Two scripted debtors: one speaks over the payment reminder (an ordinary prompt, after
the must-hear mini-Miranda: the robot must stop and listen), one speaks over the greeting, whose recording notice is
must-hear (the robot must keep talking). What the debtor side heard is the evidence:
robot audio stops arriving while the debtor still talks, or does not.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from robot.cases.csvload import load_csv_file
from robot.config import Settings
from robot.dialer.runner import Engines, Observer, run_campaign
from robot.sim.debtor import DebtorSimulator
from robot.sim.scenarios import load_scenarios
from robot.store.db import Store

pytestmark = pytest.mark.e2e

CAMPAIGN = "e2e-barge"
BARGE, MUST_HEAR = "+15550100031", "+15550100032"

ACCOUNTS = f"""account_id,name,phone,amount_due,currency,due_date,timezone,lang,product
BARGE-1,Alice Walker,{BARGE},1250.00,USD,2026-10-15,America/New_York,en,credit card
BARGE-2,Alice Walker,{MUST_HEAR},1250.00,USD,2026-10-15,America/New_York,en,credit card
"""

SCENARIOS = f"""defaults:
  lang: en
  turn_silence_ms: 900
  answer_delay_s: 1.0
scenarios:
  "{BARGE}":
    name: barge_over_reminder
    greeting: "Hello?"
    replies:
      - "Yes, speaking."
      - "I can pay two hundred dollars next Friday."
      - "Yes, that's right."
    barge_in_reply: 1
    barge_in_after_ms: 7500   # past the must-hear mini-Miranda (~6 s), into the reminder
  "{MUST_HEAR}":
    name: talk_over_notice
    greeting: "Hello?"
    replies:
      - "Yes, this is Alice Walker speaking, who is calling please?"
      - "Yes, speaking."
      - "I can pay two hundred dollars next Friday."
      - "Yes, that's right."
    barge_in_reply: 0
    barge_in_after_ms: 300
"""


class _Results(Observer):
    def __init__(self) -> None:
        self.by_phone: dict[str, Any] = {}

    def done(self, account: Any, result: Any) -> None:
        self.by_phone[account.phone] = result


@dataclass
class Run:
    results: dict[str, Any] = field(default_factory=dict)
    sim: dict[str, Any] = field(default_factory=dict)
    turns: dict[str, list] = field(default_factory=dict)
    outcome: dict[str, dict] = field(default_factory=dict)


async def _run(settings: Settings, clock: Any) -> Run:
    home = Path(settings.home)
    (home / "accounts.csv").write_text(ACCOUNTS)
    (home / "scenarios.yaml").write_text(SCENARIOS)
    async with await Store.open(settings.db_path) as store:
        await load_csv_file(store, home / "accounts.csv", CAMPAIGN)
    engines = Engines(settings)
    sim = DebtorSimulator(settings, load_scenarios(home / "scenarios.yaml"), engines.tts,
                          engines.prompts)
    await sim.warm_up()
    await sim.start()
    obs = _Results()
    try:
        await run_campaign(settings, CAMPAIGN, max_concurrent=2, engines=engines, observer=obs,
                           clock=clock)
    finally:
        await sim.stop()
        await engines.aclose()
    run = Run(results=obs.by_phone)
    for phone in (BARGE, MUST_HEAR):
        calls = sim.calls_to(phone)
        run.sim[phone] = calls[0] if calls else None
    async with await Store.open(settings.db_path) as store:
        campaign = await store.require_campaign(CAMPAIGN)
        for att in await store.attempts(campaign["id"]):
            account = await store.account(att["account_id"])
            assert account is not None
            run.turns[account.phone] = await store.turns(att["id"])
            run.outcome[account.phone] = await store.outcome(att["id"])
    return run


@pytest.fixture(scope="module")
def barge_run(e2e_settings: Settings, daytime: Any) -> Run:
    # the dial guard's calling hours apply: the dialer sees 10:00 in New York whenever
    # the suite runs
    return asyncio.run(_run(e2e_settings, daytime("America/New_York")))


def test_robot_stops_when_the_debtor_talks_over_a_prompt(barge_run: Run) -> None:
    sim = barge_run.sim[BARGE]
    assert sim is not None
    barged = [t for t in sim.turns if t.barged]
    assert len(barged) == 1
    turn = barged[0]
    # The robot's audio stopped reaching the debtor while the debtor was still talking.
    assert turn.robot_stopped_at is not None and turn.robot_stopped_at < turn.speech_end - 0.5
    assert turn.robot_during_s < (turn.speech_end - turn.speech_start) / 2
    result = barge_run.results[BARGE]
    assert len(result.barge_ins) == 1
    b = result.barge_ins[0]
    assert 0 < b.heard_ms < b.queued_ms
    robot_turns = [t for t in barge_run.turns[BARGE] if t.speaker == "robot"]
    interrupted = [t for t in robot_turns if t.heard_ms is not None]
    assert len(interrupted) == 1 and "reminder" in interrupted[0].text.lower()
    assert (interrupted[0].heard_ms, interrupted[0].prompt_ms) == (b.heard_ms, b.queued_ms)
    # What the debtor said over the prompt was heard and acted on.
    out = barge_run.outcome[BARGE]
    assert out["disposition"] == "ptp"
    assert Decimal(str(out["ptp_amount"])) == Decimal("200")


def test_must_hear_notice_is_not_interrupted(barge_run: Run) -> None:
    sim = barge_run.sim[MUST_HEAR]
    assert sim is not None
    turn = next(t for t in sim.turns if t.barged)
    # Robot audio kept arriving for as long as the debtor talked over the greeting
    # (less the pause between its two sentences).
    assert turn.robot_during_s >= 0.6 * (turn.speech_end - turn.speech_start)
    result = barge_run.results[MUST_HEAR]
    assert result.barge_ins == []
    first = next(t for t in barge_run.turns[MUST_HEAR] if t.speaker == "robot")
    assert "recorded" in first.text and first.heard_ms is None
    assert barge_run.outcome[MUST_HEAR]["disposition"] == "ptp"
