"""Asterisk stops in the middle of a call, then comes back.

The controller must reconnect by itself, store the attempt as ``interrupted`` (with
the turns it had), and never place a second call for that attempt.
"""

from __future__ import annotations

import asyncio

import pytest

from robot.cases.csvload import load_csv_file
from robot.config import REPO_ROOT, Settings
from robot.dialer.dialing import simulated_daytime
from robot.dialer.runner import Engines, Observer, run_campaign
from robot.sim.debtor import DebtorSimulator
from robot.sim.scenarios import load_scenarios
from robot.store.db import Store
from robot.telephony import asterisk

pytestmark = [pytest.mark.e2e, pytest.mark.asterisk_restart]

DATA = REPO_ROOT / "tests" / "data"
PHONE = "+15550199001"


class Seen(Observer):
    def __init__(self) -> None:
        self.dialed: list[str] = []
        self.results: list[str] = []

    def dialing(self, account, attempt_id):  # type: ignore[override]
        self.dialed.append(attempt_id)

    def done(self, account, result):  # type: ignore[override]
        self.results.append(result.result)


def _crash(settings: Settings) -> None:
    """Kill Asterisk outright (no hang-ups sent, no goodbye on the WebSocket)."""
    import os
    import signal
    import time

    for pid in asterisk.pids(settings):
        os.kill(pid, signal.SIGKILL)
    for _ in range(50):
        if not asterisk.pids(settings):
            return
        time.sleep(0.1)


async def _scenario(settings: Settings, how: str) -> tuple[Seen, list, int, dict]:
    book = load_scenarios(DATA / "fault_scenarios.yaml")
    async with await Store.open(settings.db_path) as store:
        await load_csv_file(store, DATA / "fault_accounts.csv", "fault")
    engines = Engines(settings)
    sim = DebtorSimulator(settings, book, engines.tts, engines.prompts)
    await sim.warm_up()
    await sim.start()
    seen = Seen()
    run = asyncio.create_task(
        run_campaign(settings, "fault", max_concurrent=1, engines=engines, observer=seen,
                     clock=simulated_daytime("America/New_York")))
    try:
        # Wait until the debtor has answered and said something: the call is live.
        for _ in range(600):
            calls = sim.calls_to(PHONE)
            if calls and len(calls[0].said) >= 2:
                break
            await asyncio.sleep(0.1)
        else:
            pytest.fail("the call never got going")
        await asyncio.to_thread(asterisk.down if how == "stop" else _crash, settings)
        await asyncio.sleep(2)
        await asyncio.to_thread(asterisk.up, settings)
        await asyncio.wait_for(run, 120)
        assert sim.ari.connected.is_set() or await _reconnected(sim)
        n_calls = len(sim.calls_to(PHONE))
    finally:
        if not run.done():
            run.cancel()
        await sim.stop()
        await engines.aclose()
    async with await Store.open(settings.db_path) as store:
        campaign = await store.require_campaign("fault")
        attempts = await store.attempts(campaign["id"])
        turns = await store.turns(attempts[0]["id"]) if attempts else []
    return seen, attempts, n_calls, {"turns": turns}


async def _reconnected(sim: DebtorSimulator) -> bool:
    await asyncio.wait_for(sim.ari.connected.wait(), 30)
    return True


@pytest.mark.parametrize("how", ["stop", "crash"])
def test_asterisk_restart_mid_call(e2e_settings: Settings, how: str) -> None:
    import dataclasses

    settings = dataclasses.replace(e2e_settings, db=str(e2e_settings.home / f"fault-{how}.db"))
    seen, attempts, n_calls, extra = asyncio.run(_scenario(settings, how))
    assert len(attempts) == 1, attempts
    assert attempts[0]["result"] == "interrupted"
    assert attempts[0]["ended_at"]
    assert seen.results == ["interrupted"]
    assert n_calls == 1 == len(seen.dialed)
    # What was said before the failure is kept.
    assert any(t.speaker == "robot" for t in extra["turns"])
