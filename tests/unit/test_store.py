"""Case store: migrations, upserts, resume after a crash, atomic finish."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from robot.errors import StoreError
from robot.store.db import Store
from robot.store.migrate import discover, split_statements
from robot.store.models import Account, Recording, Turn, bucket_for


def account(n: int, **kw: object) -> Account:
    base: dict[str, object] = dict(
        id=f"A-{n}", name=f"Name {n}", phone=f"+155501000{n:02d}", timezone="America/New_York",
        currency="USD", amount_due=Decimal("100.10") * n, due_date=date(2026, 10, n),
        days_past_due=30 + n, bucket=bucket_for(30 + n), lang="en", extra={"n": str(n)},
    )  # fmt: skip
    base.update(kw)
    return Account(**base)  # type: ignore[arg-type]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "store" / "dunbot.db"


@pytest.fixture
async def store(db_path: Path):  # type: ignore[no-untyped-def]
    db_path.parent.mkdir()
    async with await Store.open(db_path) as s:
        yield s


def raw(path: Path, sql: str) -> list[tuple]:
    con = sqlite3.connect(path)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


async def test_schema_versioned_wal_and_reopen(store: Store, db_path: Path) -> None:
    shipped = [(m.version, m.name) for m in discover()]
    assert shipped[0] == (1, "init")
    assert raw(db_path, "SELECT version, name FROM schema_version ORDER BY version") == shipped
    assert raw(db_path, "PRAGMA journal_mode") == [("wal",)]
    await store.close()
    async with await Store.open(db_path):  # a second open applies nothing again
        pass
    assert raw(db_path, "SELECT COUNT(*) FROM schema_version") == [(len(shipped),)]


async def test_newer_schema_is_refused(store: Store, db_path: Path) -> None:
    await store.close()
    con = sqlite3.connect(db_path)
    con.execute("INSERT INTO schema_version VALUES (99, 'future', 'x')")
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="version 99"):
        await Store.open(db_path)


def test_migrations_numbered_and_split() -> None:
    migs = discover()
    assert [m.version for m in migs] == list(range(1, len(migs) + 1))
    stmts = split_statements("-- c;\nCREATE TABLE a (x TEXT); -- t\nCREATE TABLE b (y TEXT);\n")
    assert len(stmts) == 2 and stmts[1].startswith("CREATE TABLE b")


async def test_foreign_keys_enforced(store: Store) -> None:
    with pytest.raises(StoreError, match="FOREIGN KEY"):
        await store.upsert_accounts(42, [account(1)])
    assert await store.account("A-1") is None  # the whole batch rolled back


async def test_campaigns(store: Store) -> None:
    cid = await store.ensure_campaign("june", script="a.yaml", lang="zh")
    assert await store.ensure_campaign("june") == cid
    camp = await store.require_campaign("june")
    assert (camp["script"], camp["lang"]) == ("a.yaml", "zh")  # None keeps the old values
    await store.ensure_campaign("june", script="b.yaml")
    assert (await store.require_campaign("june"))["script"] == "b.yaml"
    assert await store.get_campaign("july") is None
    with pytest.raises(StoreError, match="no campaign named 'july'"):
        await store.require_campaign("july")


async def test_upsert_round_trip_and_idempotent(store: Store, db_path: Path) -> None:
    cid = await store.ensure_campaign("c")
    accs = [account(i) for i in range(1, 4)]
    assert await store.upsert_accounts(cid, accs) == (3, 0)
    assert await store.upsert_accounts(cid, accs) == (0, 3)
    assert await store.pending_accounts(cid) == accs
    assert raw(db_path, "SELECT amount_due FROM accounts WHERE id = 'A-3'") == [("300.30",)]
    assert raw(db_path, "SELECT COUNT(*) FROM campaign_accounts") == [(3,)]
    changed = account(2, name="New Name", amount_due=Decimal("0.01"))
    assert await store.upsert_accounts(cid, [changed, account(4)]) == (1, 1)
    pending = await store.pending_accounts(cid)
    assert [a.id for a in pending] == ["A-1", "A-2", "A-3", "A-4"]  # load order kept
    assert pending[1] == changed


async def test_resume_after_crash(store: Store, db_path: Path) -> None:
    cid = await store.ensure_campaign("c")
    a1, a2, a3 = account(1), account(2), account(3)
    await store.upsert_accounts(cid, [a1, a2, a3])
    await store.begin_attempt("att-1", cid, a1)
    await store.finish_attempt("att-1", result="busy", disposition="no_contact")
    await store.begin_attempt("att-2", cid, a2)  # the controller dies during this call
    await store.close()

    async with await Store.open(db_path) as again:
        assert [a.id for a in await again.pending_accounts(cid)] == ["A-2", "A-3"]
        assert await again.recover_interrupted() == 1
        assert await again.recover_interrupted() == 0
        atts = {a["id"]: a for a in await again.attempts(cid)}
        assert atts["att-2"]["result"] == "interrupted" and atts["att-2"]["ended_at"]
        assert atts["att-1"]["result"] == "busy"
        # Interrupted is not finished: A-2 is called again; A-1 (busy, finished) is not.
        assert [a.id for a in await again.pending_accounts(cid)] == ["A-2", "A-3"]
        with pytest.raises(StoreError, match="already exists"):
            await again.begin_attempt("att-2", cid, a2)
        with pytest.raises(StoreError, match="already finished"):
            await again.finish_attempt("att-2", result="answered", disposition="ptp")
        assert await again.campaign_summary("c") == {"interrupted": 1, "no_contact": 1}


async def test_finish_attempt_stores_everything(store: Store) -> None:
    cid = await store.ensure_campaign("c")
    await store.upsert_accounts(cid, [account(1)])
    await store.begin_attempt("att-1", cid, account(1))
    turns = [
        Turn("robot", "Hello", 0.0, 1.5, state="greet"),
        Turn("debtor", "I will pay Friday", 2.0, 3.2, intent="promise", emotion="calm"),
    ]
    recs = [Recording("mix", "/var/lib/dunbot/recordings/att-1.wav", 40.0, "ab" * 32)]
    await store.finish_attempt(
        "att-1", result="answered", disposition="ptp", hangup_cause=16, amd_status="HUMAN",
        answered_at=datetime(2026, 11, 28, 9, 0, 5, tzinfo=UTC), duration_s=40.2, turns=turns,
        ptp_amount=Decimal("250.00"), ptp_date=date(2026, 12, 4), notes="friendly",
        recordings=recs,
    )  # fmt: skip
    assert await store.turns("att-1") == turns
    assert await store.recordings("att-1") == recs
    out = await store.outcome("att-1")
    assert out is not None
    assert (out["ptp_amount"], out["ptp_date"], out["stop_calling"]) == (
        Decimal("250.00"), date(2026, 12, 4), False)  # fmt: skip
    att = (await store.attempts(cid))[0]
    assert att["answered_at"] == "2026-11-28T09:00:05.000Z"
    assert (att["hangup_cause"], att["disposition"], att["duration_s"]) == ("16", "ptp", 40.2)
    assert await store.pending_accounts(cid) == []


async def test_finish_attempt_is_all_or_nothing(store: Store, db_path: Path) -> None:
    cid = await store.ensure_campaign("c")
    await store.upsert_accounts(cid, [account(1)])
    await store.begin_attempt("att-1", cid, account(1))
    with pytest.raises(StoreError, match="CHECK"):
        await store.finish_attempt(
            "att-1", result="answered", disposition="ptp",
            turns=[Turn("robot", "Hello", 0.0, 1.0)], ptp_amount="5",
            recordings=[Recording("stereo", "/x.wav", 1.0, None)],  # the last insert fails
        )  # fmt: skip
    assert raw(db_path, "SELECT ended_at, result FROM attempts") == [(None, None)]
    for table in ("turns", "outcomes", "recordings"):
        assert raw(db_path, f"SELECT COUNT(*) FROM {table}") == [(0,)], table
    # The attempt can still be finished properly afterwards.
    await store.finish_attempt("att-1", result="no_answer", disposition="no_contact")
    assert (await store.outcome("att-1"))["disposition"] == "no_contact"  # type: ignore[index]


async def test_finish_attempt_refuses_unknown(store: Store) -> None:
    with pytest.raises(StoreError, match="unknown result"):
        await store.finish_attempt("x", result="maybe", disposition="d")
    with pytest.raises(StoreError, match="not begun"):
        await store.finish_attempt("x", result="failed", disposition="d")
