"""The guard wired to the store: contexts from stored facts, stored decisions, retries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from robot.dialer.dialing import Dialing
from robot.dialer.settings import DialerSettings
from robot.store import dialer as ds
from robot.store.db import Store
from robot.store.models import Account, Turn, bucket_for

NY = ZoneInfo("America/New_York")
SH = ZoneInfo("Asia/Shanghai")


def account(n: int, **kw: object) -> Account:
    base: dict[str, object] = dict(
        id=f"A-{n}", name=f"Name {n}", phone=f"+155501000{n:02d}", timezone="America/New_York",
        currency="USD", amount_due=Decimal("100"), due_date=datetime(2026, 10, 1).date(),
        days_past_due=30, bucket=bucket_for(30), lang="en", extra={},
    )
    base.update(kw)
    return Account(**base)  # type: ignore[arg-type]


@pytest.fixture
async def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    async with await Store.open(tmp_path / "dunbot.db") as s:
        yield s


async def setup(store: Store, accounts: list[Account], **settings: object) -> int:
    cid = await store.ensure_campaign("c")
    await store.upsert_accounts(cid, accounts)
    if settings:
        await ds.set_settings(store, "c", DialerSettings(**settings))  # type: ignore[arg-type]
    return cid


async def attempt(store: Store, cid: int, acc: Account, at: datetime, result: str,
                  disposition: str, *, stop: bool = False, turns: int = 0) -> str:
    """A finished attempt started at ``at`` (stamped directly: tests own the clock)."""
    aid = f"att-{acc.id}-{at.timestamp():.0f}"
    await store.begin_attempt(aid, cid, acc)
    await store.finish_attempt(
        aid, result=result, disposition=disposition, stop_calling=stop,
        ended_at=at + timedelta(minutes=1),
        turns=[Turn("debtor", "x", 0, 1)] * turns)
    async with store.transaction("stamp") as db:
        await db.execute("UPDATE attempts SET started_at = ? WHERE id = ?",
                         (at.astimezone(UTC).isoformat().replace("+00:00", "Z"), aid))
    return aid


def clock(t: datetime):  # type: ignore[no-untyped-def]
    return lambda: t


async def test_night_call_blocked_and_decision_stored(store: Store) -> None:
    a_us, a_cn = account(1), account(2, timezone="Asia/Shanghai", currency="CNY", lang="zh")
    cid = await setup(store, [a_us, a_cn])
    at = datetime(2026, 12, 1, 22, 5, tzinfo=NY)  # 11:05 next day in Shanghai
    d = await Dialing.open(store, cid, clock(at))
    sel = await d.select([a_us, a_cn])
    assert [a.id for a in sel.to_dial] == ["A-2"]
    [(acc, dec)] = sel.blocked
    assert acc.id == "A-1" and dec.rule == "us.hours" and "22:05 local" in dec.reason
    [row] = await ds.decisions(store, cid)
    assert (row["account_id"], row["rule"], row["callable"], row["profile"]) == (
        "A-1", "us.hours", 0, "us")
    assert row["next_callable_at"] == "2026-12-02T13:00:00.000Z"  # 08:00 New York
    # Right before the dial: a fresh decision, stored with the attempt id it allows.
    dec2 = await d.decide(a_cn, "att-x")
    assert dec2.callable
    rows = await ds.decisions(store, cid, "A-2")
    assert rows[-1]["attempt_id"] == "att-x" and rows[-1]["profile"] == "cn"


async def test_stop_request_honoured_from_the_next_dial(store: Store) -> None:
    a = account(1)
    cid = await setup(store, [a])
    t = datetime(2026, 12, 1, 10, 0, tzinfo=NY)
    await attempt(store, cid, a, t, "answered", "callback", stop=True, turns=2)
    d = await Dialing.open(store, cid, clock(t + timedelta(days=3)))
    dec = await d.decide(a, "att-2")
    assert not dec.callable and dec.rule == "any.stop_request"
    assert dec.next_callable_at is None


async def test_dnc_consent_attorney_and_state(store: Store) -> None:
    a1, a2 = account(1), account(2, extra={"attorney_represented": "yes"})
    a3 = account(3)
    cid = await setup(store, [a1, a2, a3])
    added, known = await ds.add_dnc(store, [(a1.phone, "bank"), (a1.phone, None)], "f.csv")
    assert (added, known) == (1, 1)
    await ds.add_consent(store, a3.id, "21:00", "22:30")
    d = await Dialing.open(store, cid, clock(datetime(2026, 12, 1, 21, 30, tzinfo=NY)))
    sel = await d.select([a1, a2, a3])
    assert {a.id: dec.rule for a, dec in sel.blocked} == {"A-1": "any.dnc", "A-2": "us.attorney"}
    assert [a.id for a in sel.to_dial] == ["A-3"]  # consent lifts the 21:00 end


async def test_massachusetts_two_in_seven(store: Store) -> None:
    a = account(1, extra={"state": "ma"})
    cid = await setup(store, [a], retry_minutes={"no_answer": 0})
    t = datetime(2026, 12, 1, 10, 0, tzinfo=NY)
    await attempt(store, cid, a, t, "no_answer", "no_answer")
    await attempt(store, cid, a, t + timedelta(days=1), "no_answer", "no_answer")
    d = await Dialing.open(store, cid, clock(t + timedelta(days=2)))
    dec = await d.decide(a, "att-3")
    assert dec.rule == "us.ma.2_in_7"
    assert (await ds.decisions(store, cid))[-1]["profile"] == "us.MA"


async def test_retries_finals_and_max_attempts(store: Store) -> None:
    accs = [account(i) for i in range(1, 6)]
    cid = await setup(store, accs, max_attempts=2, best_time=False)
    t = datetime(2026, 12, 1, 10, 0, tzinfo=NY)
    await attempt(store, cid, accs[0], t, "busy", "busy")                 # 30 min
    await attempt(store, cid, accs[1], t, "answered", "ptp", turns=3)     # final
    await attempt(store, cid, accs[2], t, "machine", "machine")           # 4 h
    await attempt(store, cid, accs[3], t, "no_answer", "no_answer")
    await attempt(store, cid, accs[3], t + timedelta(hours=3), "no_answer", "no_answer")
    sel = await (await Dialing.open(store, cid, clock(t + timedelta(minutes=45)))).select(accs)
    assert [a.id for a in sel.to_dial] == ["A-1", "A-5"]
    assert sel.finished == 2  # the promise, and the attempt limit
    [(acc, due)] = sel.waiting
    assert acc.id == "A-3" and due.rule == "retry.machine"
    assert due.at == t.astimezone(UTC) + timedelta(minutes=241)


async def test_callback_at_a_named_time(store: Store) -> None:
    a = account(1, timezone="Asia/Shanghai", currency="CNY", lang="zh")
    cid = await setup(store, [a], best_time=False)
    t = datetime(2026, 12, 1, 10, 0, tzinfo=SH)
    await attempt(store, cid, a, t, "answered", "callback", turns=2)
    await ds.set_callback(store, cid, a.id, datetime(2026, 12, 1, 17, 30, tzinfo=SH))
    d = await Dialing.open(store, cid, clock(t + timedelta(hours=3)))
    sel = await d.select([a])
    assert sel.waiting[0][1].rule == "retry.callback"
    nxt = await d.next_attempt(a)
    assert nxt is not None and nxt.at == datetime(2026, 12, 1, 17, 30, tzinfo=SH)


async def test_us_callback_still_waits_out_the_conversation_rule(store: Store) -> None:
    """Under Regulation F a conversation starts 7 quiet days, named callback or not."""
    a = account(1)
    cid = await setup(store, [a], best_time=False)
    t = datetime(2026, 12, 1, 10, 0, tzinfo=NY)
    await attempt(store, cid, a, t, "answered", "callback", turns=2)
    await ds.set_callback(store, cid, a.id, datetime(2026, 12, 1, 17, 30, tzinfo=NY))
    nxt = await (await Dialing.open(store, cid, clock(t + timedelta(hours=3)))).next_attempt(a)
    assert nxt is not None and nxt.at == datetime(2026, 12, 8, 8, 0, tzinfo=NY)
    assert "us.7_days_after_conversation" in nxt.reason


async def test_best_time_aims_retries_at_the_best_hour(store: Store) -> None:
    accs = [account(i) for i in range(1, 31)]
    cid = await setup(store, accs, retry_minutes={"no_answer": 60})
    day = datetime(2026, 11, 2, tzinfo=NY)
    # The bucket answers at 18:00 and rarely at 10:00.
    for i, acc in enumerate(accs[1:]):
        await attempt(store, cid, acc, day.replace(hour=10) + timedelta(days=i % 5),
                      "no_answer", "no_answer")
        await attempt(store, cid, acc, day.replace(hour=18) + timedelta(days=i % 5),
                      "answered", "refused", turns=2)
    t = datetime(2026, 12, 1, 9, 0, tzinfo=NY)
    await attempt(store, cid, accs[0], t, "no_answer", "no_answer")
    d = await Dialing.open(store, cid, clock(t + timedelta(hours=2)))
    best = await d.best_time(accs[0])
    assert best.hour == 18 and "bucket M0" in best.explanation
    nxt = await d.next_attempt(accs[0])
    assert nxt is not None and nxt.at == datetime(2026, 12, 1, 18, 0, tzinfo=NY)
    sel = await d.select([accs[0]])
    assert sel.waiting and "best hour 18:00" in sel.waiting[0][1].reason


async def test_plan_campaign_rows(store: Store) -> None:
    from robot.dialer.planning import plan_campaign

    accs = [account(1), account(2, timezone="Asia/Shanghai", currency="CNY", lang="zh"),
            account(3, extra={"cease_requested": "1"}), account(4)]
    cid = await setup(store, accs)
    await attempt(store, cid, accs[3], datetime(2026, 12, 1, 20, 0, tzinfo=NY), "busy", "busy")
    at = datetime(2026, 12, 1, 20, 10, tzinfo=NY)
    rows = [r async for r in plan_campaign(store, "c", at)]
    got = {r.account_id: (r.status, r.rule) for r in rows}
    assert got == {"A-1": ("callable", None), "A-2": ("callable", None),
                   "A-3": ("blocked", "us.cease"), "A-4": ("waiting", "retry.busy")}
    at_night = datetime(2026, 12, 1, 22, 5, tzinfo=SH)
    rows = {r.account_id: r async for r in plan_campaign(store, "c", at_night)}
    assert rows["A-2"].rule == "cn.quiet_hours"
    assert rows["A-2"].next_at == datetime(2026, 12, 2, 8, 0, tzinfo=SH)


async def test_run_campaign_blocked_at_night_dials_nothing(tmp_path: Path) -> None:
    """The runner asks the guard first: at 22:05 local nothing reaches Asterisk (none runs)."""
    import dataclasses

    from robot.config import load_settings
    from robot.dialer.runner import Observer, run_campaign

    settings = dataclasses.replace(load_settings({}), home=tmp_path, db="",
                                   ari_port=9)  # nothing listens there
    async with await Store.open(settings.db_path) as st:
        await setup(st, [account(1), account(2, extra={"cease_requested": "yes"})])

    seen: list[tuple[str, str | None]] = []

    class Record(Observer):
        def blocked(self, account, decision):  # type: ignore[no-untyped-def]
            seen.append((account.id, decision.rule))

    night = clock(datetime(2026, 12, 1, 22, 5, tzinfo=NY))
    summary = await run_campaign(settings, "c", clock=night, observer=Record())
    assert summary.called == 0
    assert summary.blocked == {"us.hours": 1, "us.cease": 1}
    assert sorted(seen) == [("A-1", "us.hours"), ("A-2", "us.cease")]
    async with await Store.open(settings.db_path) as st:
        rows = await ds.decisions(st, 1)
        assert [(r["account_id"], r["rule"], r["attempt_id"]) for r in rows] == [
            ("A-1", "us.hours", None), ("A-2", "us.cease", None)]
        assert await st.attempts(1) == []
