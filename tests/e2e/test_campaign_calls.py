"""The sample campaign through a real Asterisk: one test per demo scenario.

The module runs the campaign once (six accounts, real SIP/RTP between the robot's
trunk and the scripted debtors), then each test checks what a user would: the stored
result, disposition and promise, the transcript turns, the recording, the exported row.
"""

from __future__ import annotations

import asyncio
import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from e2e_helpers import assert_recording
from robot.cases.csvload import load_csv_file
from robot.cases.export import export_outcomes
from robot.config import REPO_ROOT, Settings
from robot.dialer.runner import Engines, run_campaign
from robot.sim.debtor import DebtorSimulator
from robot.sim.scenarios import load_scenarios
from robot.store.db import Store

pytestmark = pytest.mark.e2e

SAMPLE = REPO_ROOT / "campaigns" / "sample"
CAMPAIGN = "e2e-sample"


@dataclass
class Run:
    settings: Settings
    clock: Callable[[], datetime]
    by_phone: dict[str, dict[str, Any]] = field(default_factory=dict)
    sim_calls: dict[str, int] = field(default_factory=dict)
    exported: dict[str, dict[str, str]] = field(default_factory=dict)


async def _run(settings: Settings, clock: Callable[[], datetime]) -> Run:
    run = Run(settings, clock)
    book = load_scenarios(SAMPLE / "scenarios.yaml")
    async with await Store.open(settings.db_path) as store:
        await load_csv_file(store, SAMPLE / "accounts.csv", CAMPAIGN)
    engines = Engines(settings)
    sim = DebtorSimulator(settings, book, engines.tts, engines.prompts)
    await sim.warm_up()
    await sim.start()
    try:
        await run_campaign(settings, CAMPAIGN, max_concurrent=3, engines=engines,
                           clock=clock)
    finally:
        await sim.stop()
        await engines.aclose()
    out = settings.home / "outcomes.csv"
    async with await Store.open(settings.db_path) as store:
        campaign = await store.require_campaign(CAMPAIGN)
        for att in await store.attempts(campaign["id"]):
            account = await store.account(att["account_id"])
            assert account is not None
            run.by_phone[account.phone] = {
                "attempt": att,
                "account": account,
                "turns": await store.turns(att["id"]),
                "recordings": await store.recordings(att["id"]),
                "outcome": await store.outcome(att["id"]),
            }
        await export_outcomes(store, CAMPAIGN, out)
    with out.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            run.exported[row["account_id"]] = row
    for phone in run.by_phone:
        run.sim_calls[phone] = len(sim.calls_to(phone))
    return run


@pytest.fixture(scope="module")
def sample_run(e2e_settings: Settings, daytime: Callable[..., Any]) -> Run:
    # The calling rules see 10:00 in New York, whatever the hour the tests run at.
    return asyncio.run(_run(e2e_settings, daytime("America/New_York")))


def _get(run: Run, phone: str) -> dict[str, Any]:
    assert phone in run.by_phone, f"no attempt stored for {phone}: {sorted(run.by_phone)}"
    return run.by_phone[phone]


def _text(turns: list, speaker: str) -> str:
    return " ".join(t.text for t in turns if t.speaker == speaker).lower()


def _assert_exported(run: Run, call: dict[str, Any]) -> dict[str, str]:
    row = run.exported[call["account"].id]
    assert row["disposition"] == call["outcome"]["disposition"]
    assert row["result"] == call["attempt"]["result"]
    return row


def test_promise_to_pay(sample_run: Run) -> None:
    call = _get(sample_run, "+15550100001")
    assert call["attempt"]["result"] == "answered"
    out = call["outcome"]
    assert out["disposition"] == "ptp"
    assert Decimal(str(out["ptp_amount"])) == Decimal("200")
    ptp_date = date.fromisoformat(str(out["ptp_date"]))
    started = date.fromisoformat(str(call["attempt"]["started_at"])[:10])
    assert ptp_date.weekday() == 4 and started < ptp_date <= started + timedelta(days=14)
    turns = call["turns"]
    assert [t.speaker for t in turns].count("debtor") >= 3
    assert "two hundred" in _text(turns, "debtor") or "200" in _text(turns, "debtor")
    assert "record" in _text(turns, "robot")  # the recording notice was spoken
    # Every caller turn carries an emotion label; this debtor is calm throughout.
    assert [t.emotion for t in turns if t.speaker == "debtor"] and all(
        t.emotion == "neutral" for t in turns if t.speaker == "debtor")
    assert_recording(call)
    row = _assert_exported(sample_run, call)
    assert Decimal(row["ptp_amount"]) == Decimal("200") and row["ptp_date"] == str(ptp_date)
    assert row["recording"]


def test_wrong_number_never_hears_the_debt(sample_run: Run) -> None:
    call = _get(sample_run, "+15550100002")
    assert call["attempt"]["result"] == "answered"
    assert call["outcome"]["disposition"] == "wrong_number"
    robot_said = _text(call["turns"], "robot")
    assert "wrong number" in _text(call["turns"], "debtor")
    for word in ("overdue", "payment", "balance", "debt", "$", "dollars"):
        assert word not in robot_said, f"robot disclosed {word!r} to a wrong number"
    assert_recording(call)
    _assert_exported(sample_run, call)


def test_third_party_gets_no_details(sample_run: Run) -> None:
    call = _get(sample_run, "+15550100003")
    assert call["outcome"]["disposition"] == "third_party"
    robot_said = _text(call["turns"], "robot")
    for word in ("overdue", "balance", "debt", "dollars"):
        assert word not in robot_said, f"robot disclosed {word!r} to a third party"
    assert_recording(call)
    _assert_exported(sample_run, call)


def test_refusal(sample_run: Run) -> None:
    call = _get(sample_run, "+15550100004")
    assert call["outcome"]["disposition"] == "refused"
    assert call["outcome"]["ptp_amount"] in (None, "")
    assert "pay" in _text(call["turns"], "debtor")
    assert_recording(call)
    _assert_exported(sample_run, call)


def test_no_answer(sample_run: Run) -> None:
    call = _get(sample_run, "+15550100005")
    assert call["attempt"]["result"] == "no_answer"
    assert call["outcome"]["disposition"] == "no_answer"
    assert call["turns"] == [] and call["recordings"] == []
    row = _assert_exported(sample_run, call)
    assert row["ptp_amount"] == "" and row["recording"] == ""


def test_busy(sample_run: Run) -> None:
    call = _get(sample_run, "+15550100006")
    assert call["attempt"]["result"] == "busy"
    assert call["outcome"]["disposition"] == "busy"
    assert call["turns"] == []
    _assert_exported(sample_run, call)


def test_each_account_called_once_per_attempt(sample_run: Run) -> None:
    assert len(sample_run.by_phone) == 6
    for phone, n in sample_run.sim_calls.items():
        assert n == 1, f"{phone} received {n} calls for one attempt"


def test_rerun_calls_nobody_again(sample_run: Run) -> None:
    async def again() -> int:
        summary = await run_campaign(sample_run.settings, CAMPAIGN, max_concurrent=2,
                                     clock=sample_run.clock)
        return summary.called  # finished accounts, and retries not due yet

    assert asyncio.run(again()) == 0


def test_qa_run_scores_the_robot_calls_from_their_live_turns(sample_run: Run) -> None:
    """`dunbot qa run` after the campaign: each answered call scored from the turns the
    robot stored, findings kept per call, and the robot told no third party the debt."""
    from robot.qa import store as qs
    from robot.qa.batch import run as qa_run
    from robot.qa.score import score_transcript

    async def go() -> tuple[Any, dict[str, Any]]:
        async with await Store.open(sample_run.settings.db_path) as store:
            rep = await qa_run(store, sample_run.settings, "2000-01-01", "9999")
            out = {}
            for phone, call in sample_run.by_phone.items():
                if call["turns"]:
                    aid = call["attempt"]["id"]
                    out[phone] = (await qs.result(store, aid), await qs.findings(store, aid))
            again = await qa_run(store, sample_run.settings, "2000-01-01", "9999")
            return (rep, again), out

    (rep, again), results = asyncio.run(go())
    answered = [p for p, c in sample_run.by_phone.items() if c["turns"]]
    assert len(answered) == 4 and sorted(results) == sorted(answered)
    # The session's store may also hold other modules' calls: they are scored too.
    assert rep.failed == [] and rep.scored >= 4 and again.scored == 0
    for phone, (res, found) in results.items():
        call = sample_run.by_phone[phone]
        assert (res["kind"], res["agent_id"], res["lang"]) == ("robot", "robot", "en")
        turns = [{"speaker": t.speaker, "start": t.start_s, "end": t.end_s, "text": t.text}
                 for t in call["turns"] if t.text.strip()]  # fmt: skip
        expected = score_transcript({"lang": "en", "turns": turns})
        assert res["machine_score"] == res["score"] == expected.score
        assert [(f["code"], f["turn_index"]) for f in found] == [
            (v.code, v.turn_index) for v in expected.violations]
        codes = {f["code"] for f in found}
        assert not codes & {"threat", "insult", "impersonation", "illegal_funding_pressure"}
    for phone in ("+15550100002", "+15550100003"):  # wrong number, third party
        assert "third_party_disclosure" not in {f["code"] for f in results[phone][1]}
    # The shipped script passes its own QA with the right party: identity and number,
    # recording notice, mini-Miranda, promise read back.
    for phone in ("+15550100001", "+15550100004"):  # promise, refusal
        res, found = results[phone]
        assert found == [] and res["score"] == 100, found
