"""Audit trail: the hash chain detects edited, deleted and truncated entries."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from robot.cases import audit
from robot.cli import main
from robot.store.db import Store


@pytest.fixture
async def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    async with await Store.open(tmp_path / "d.db") as s:
        for i in range(1, 6):
            await audit.record(s, "alice", "case.note", f"account:A{i}", {"n": i - 1},
                               {"n": i, "名": "张三"})  # fmt: skip
        yield s


def tamper(path: Path, *sql: str) -> None:
    """What someone with write access to the file could do (triggers dropped first)."""
    con = sqlite3.connect(path)
    con.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    con.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    for s in sql:
        con.execute(s)
    con.commit()
    con.close()


async def test_intact_chain_verifies(store: Store) -> None:
    assert await audit.verify(store) == []
    seq, digest = await audit.head(store)
    assert seq == 5 and len(digest) == 64
    newest = (await audit.entries(store, limit=1))[0]
    assert newest.prev_hash == (await audit.entries(store, limit=2))[1].hash
    assert newest.after == '{"n":5,"名":"张三"}'


async def test_hash_is_over_canonical_encoding() -> None:
    h = audit.entry_hash(1, "t", "a", "x", "e", None, audit.canonical_json({"b": 1, "a": 2}),
                         audit.GENESIS)  # fmt: skip
    assert h == audit.entry_hash(1, "t", "a", "x", "e", None, '{"a":2,"b":1}', audit.GENESIS)
    assert h != audit.entry_hash(2, "t", "a", "x", "e", None, '{"a":2,"b":1}', audit.GENESIS)


async def test_triggers_refuse_update_and_delete(store: Store) -> None:
    con = sqlite3.connect(store.path)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("DELETE FROM audit_log WHERE seq = 2")
    con.close()


async def test_edited_entry_is_named(store: Store) -> None:
    tamper(store.path, "UPDATE audit_log SET after = '{\"n\":99}' WHERE seq = 3")
    problems = await audit.verify(store)
    assert problems and problems[0].seq == 3 and "edited" in problems[0].reason


async def test_edit_with_recomputed_hash_breaks_the_link(store: Store) -> None:
    row = sqlite3.connect(store.path).execute(
        "SELECT seq, at, actor, action, entity, before, after, prev_hash FROM audit_log"
        " WHERE seq = 2").fetchone()
    forged = audit.entry_hash(*row[:6], '{"n":0}', row[7])
    tamper(store.path, f"UPDATE audit_log SET after = '{{\"n\":0}}', hash = '{forged}'"
                       " WHERE seq = 2")  # fmt: skip
    problems = await audit.verify(store)
    assert problems[0].seq == 2 and "between entries 2 and 3" in problems[0].reason


async def test_deleted_middle_entry_is_named(store: Store) -> None:
    tamper(store.path, "DELETE FROM audit_log WHERE seq = 4")
    problems = await audit.verify(store)
    assert problems[0].seq == 4 and "missing" in problems[0].reason


async def test_deleted_newest_entries_are_detected(store: Store) -> None:
    tamper(store.path, "DELETE FROM audit_log WHERE seq >= 4")
    problems = await audit.verify(store)
    assert problems[0].seq == 4 and "4..5 missing" in problems[0].reason


async def test_truncation_with_head_rewritten_caught_by_anchor(store: Store) -> None:
    anchor = await audit.head(store)
    prev = sqlite3.connect(store.path).execute(
        "SELECT hash FROM audit_log WHERE seq = 4").fetchone()[0]
    tamper(store.path, "DELETE FROM audit_log WHERE seq = 5",
           f"UPDATE audit_head SET seq = 4, hash = '{prev}'")
    assert await audit.verify(store) == []  # consistent on its own ...
    problems = await audit.verify(store, anchor)  # ... but not with the anchor
    assert problems and problems[0].seq == 5


def test_cli_verify_exit_codes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    monkeypatch.setenv("DUNBOT_HOME", str(tmp_path))
    monkeypatch.delenv("DUNBOT_DB", raising=False)
    monkeypatch.delenv("DUNBOT_CONFIG", raising=False)
    import asyncio

    async def fill() -> None:
        async with await Store.open(tmp_path / "dunbot.db") as s:
            for i in range(3):
                await audit.record(s, "bob", "x", f"e{i}")
    asyncio.run(fill())
    assert main(["audit", "verify"]) == 0
    assert "3 entries, intact" in capsys.readouterr().out
    tamper(tmp_path / "dunbot.db", "UPDATE audit_log SET actor = 'eve' WHERE seq = 2")
    assert main(["audit", "verify"]) == 1
    out = capsys.readouterr()
    assert "first broken entry: seq 2" in out.out + out.err
