"""The campaign store (campaigns, accounts, attempts, crash recovery) on both databases.

test_store.py covers SQLite in depth (including raw-file checks); these scenarios run
through the Store API only, so they hold for a PostgreSQL store as well."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from pgstore import either_store, pg_server  # noqa: F401  (fixture)
from robot.errors import StoreError
from robot.store.db import Store
from robot.store.models import Recording, Turn
from test_store import account


@pytest.fixture(params=["sqlite", "postgresql"])
async def store(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    async with either_store(request.param, tmp_path, request) as s:
        yield s


async def test_campaigns_and_accounts(store: Store) -> None:
    cid = await store.ensure_campaign("june", script="a.yaml", lang="zh")
    assert await store.ensure_campaign("june") == cid
    assert (await store.require_campaign("june"))["script"] == "a.yaml"
    accs = [account(i) for i in range(1, 4)]
    assert await store.upsert_accounts(cid, accs) == (3, 0)
    assert await store.upsert_accounts(cid, accs) == (0, 3)
    assert await store.pending_accounts(cid) == accs
    with pytest.raises(StoreError, match="(?i)foreign key"):
        await store.upsert_accounts(42, [account(9)])
    assert await store.account("A-9") is None  # the whole batch rolled back


async def test_attempt_round_trip_and_recovery(store: Store) -> None:
    cid = await store.ensure_campaign("c")
    a1, a2 = account(1), account(2)
    await store.upsert_accounts(cid, [a1, a2])
    await store.begin_attempt("att-1", cid, a1)
    turns = [Turn("robot", "Hello", 0.0, 1.5, state="greet"),
             Turn("debtor", "I will pay Friday", 2.0, 3.2, intent="promise", emotion="calm")]
    recs = [Recording("mix", "/var/lib/dunbot/recordings/att-1.wav", 40.0, "ab" * 32)]
    await store.finish_attempt(
        "att-1", result="answered", disposition="ptp", hangup_cause=16, amd_status="HUMAN",
        answered_at=datetime(2026, 11, 28, 9, 0, 5, tzinfo=UTC), duration_s=40.2, turns=turns,
        ptp_amount=Decimal("250.00"), ptp_date=date(2026, 12, 4), recordings=recs,
    )  # fmt: skip
    assert await store.turns("att-1") == turns
    assert await store.recordings("att-1") == recs
    out = await store.outcome("att-1")
    assert out is not None and (out["ptp_amount"], out["ptp_date"]) == (
        Decimal("250.00"), date(2026, 12, 4))  # fmt: skip
    await store.begin_attempt("att-2", cid, a2)  # the controller dies during this call
    assert await store.recover_interrupted() == 1
    assert [a.id for a in await store.pending_accounts(cid)] == ["A-2"]
    with pytest.raises(StoreError, match="already finished"):
        await store.finish_attempt("att-2", result="answered", disposition="ptp")
    assert await store.campaign_summary("c") == {"interrupted": 1, "ptp": 1}


async def test_transferred_call_keeps_agent_turns_and_owner(store: Store) -> None:
    """A transferred call's agent turns are stored with the robot's, its agent is kept,
    and quality inspection files the call under that agent (migration 0005)."""
    from robot.qa.store import pending

    cid = await store.ensure_campaign("x", lang="en")
    a1, a2, a3 = account(1), account(2), account(3)
    await store.upsert_accounts(cid, [a1, a2, a3])
    turns = [Turn("robot", "Let me put you through.", 0.0, 1.5, state="transfer"),
             Turn("agent", "Hi, this is Mark, agent 4410.", 9.0, 11.0),
             Turn("debtor", "Hi Mark.", 11.5, 12.0)]
    for aid, acc, agent in (("att-x", a1, "ann"), ("att-y", a2, None)):
        await store.begin_attempt(aid, cid, acc)
        await store.finish_attempt(aid, result="answered", disposition="transfer",
                                   turns=turns if agent else turns[:1], agent_id=agent)  # fmt: skip
    assert await store.turns("att-x") == turns
    assert (await store.outcome("att-x") or {})["agent_id"] == "ann"
    await store.begin_attempt("att-z", cid, a3)
    with pytest.raises(StoreError, match="(?i)check"):  # still no unknown speakers
        await store.finish_attempt("att-z", result="answered", disposition="transfer",
                                   turns=[Turn("caller", "?", 0, 1)])
    owners = {p.call_id: p.agent_id for p in await pending(store, "2000-01-01", "2999-01-01")}
    assert owners == {"att-x": "ann", "att-y": "robot"}


async def test_talked_over_prompt_keeps_how_much_was_heard(store: Store) -> None:
    cid = await store.ensure_campaign("b")
    await store.upsert_accounts(cid, [account(1)])
    await store.begin_attempt("att-b", cid, account(1))
    turns = [Turn("robot", "A reminder about your card.", 0.0, 1.2, state="remind",
                  heard_ms=840, prompt_ms=3100),
             Turn("debtor", "I will pay on Friday.", 0.9, 2.4, level_dbfs=-23.5)]
    await store.finish_attempt("att-b", result="answered", disposition="ptp", turns=turns)
    got = await store.turns("att-b")
    assert got == turns and (got[0].heard_ms, got[0].prompt_ms) == (840, 3100)
    assert got[1].heard_ms is None
    assert (got[0].level_dbfs, got[1].level_dbfs) == (None, -23.5)


async def test_findings_of_a_transferred_call_are_about_who_said_it(store: Store, tmp_path: Path) -> None:
    """The robot's part of a call it handed to an agent is the robot's: its missing
    recording notice is not held against the agent, who may appeal only their own
    findings (migration 0007)."""
    from robot.config import Settings
    from robot.errors import InputError
    from robot.qa import store as qs
    from robot.qa.batch import run
    from robot.qa.report import rows

    cid = await store.ensure_campaign("xfer", lang="en")
    await store.upsert_accounts(cid, [account(1)])
    turns = [Turn("robot", "Hello, this is the automated assistant for Acme Bank, assistant ID 27."
                           " Am I speaking with Brian Chen?", 0.0, 6.0),
             Turn("debtor", "Yes, speaking.", 6.5, 7.5),
             Turn("robot", "This is an attempt to collect a debt and any information obtained"
                           " will be used for that purpose. I will put you through to an agent.", 8.0, 15.0),
             Turn("agent", "This is Mark. Pay today or we will have you arrested.", 30.0, 34.0),
             Turn("debtor", "Okay.", 35.0, 36.0)]
    await store.begin_attempt("att-t", cid, account(1))
    await store.finish_attempt("att-t", result="answered", disposition="transfer", turns=turns,
                               agent_id="ann")
    rep = await run(store, Settings(home=tmp_path), "2000-01-01", "2999-01-01")
    assert rep.scored == 1, rep
    about = {f["code"]: (f["n"], f["about"]) for f in await qs.findings(store, "att-t")}
    assert about["missing_recording_notice"][1] == "robot"
    assert about["threat"][1] == "ann"
    with pytest.raises(InputError, match=r"only the collector this finding is about \(robot\)"):
        await qs.appeal(store, "att-t", about["missing_recording_notice"][0], "ann", "not me")
    appeal_id = await qs.appeal(store, "att-t", about["threat"][0], "ann", "quoting the debtor")
    assert [a["id"] for a in (await qs.queue(store))["appeals"]] == [appeal_id]
    assert await qs.decide(store, appeal_id, "reject", "lead", "a threat") == 0
    [row] = await rows(store, "2000-01-01", "2999-01-01")
    assert row.agent_id == "ann" and set(row.about) == {"robot", "ann"}
