"""The PostgreSQL store: every migration applies there, and the SQL rewriting holds."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from lifecycle_helpers import account_file, payment_file
from pgstore import pg_server, pg_url  # noqa: F401  (fixtures)
from robot.cases import audit
from robot.errors import StoreError
from robot.store import pg
from robot.store.db import Store
from robot.store.migrate import discover, split_statements
from robot.store.pgddl import translate


async def test_all_migrations_apply_on_postgresql(pg_url: str) -> None:
    async with await Store.open(pg_url) as s:
        assert s.dialect == "postgresql"
        rows = await s.query("SELECT version FROM schema_version ORDER BY version")
        assert [r[0] for r in rows] == [m.version for m in discover()]
    # reopening is a no-op, not a second application
    async with await Store.open(pg_url) as s:
        assert len(await s.query("SELECT version FROM schema_version")) == len(discover())


def test_every_migration_statement_translates() -> None:
    for mig in discover():
        for stmt in split_statements(mig.sql):
            for out in translate(stmt):
                assert "AUTOINCREMENT" not in out.upper() and "RAISE(ABORT" not in out


async def test_audit_log_is_append_only_on_postgresql(pg_url: str) -> None:
    async with await Store.open(pg_url) as s:
        async with s.transaction("seed") as db:
            await db.execute("INSERT INTO audit_log (seq, at, actor, action, entity, before,"
                             " after, prev_hash, hash) VALUES (1, 'x', 'a', 'b', 'c', NULL,"
                             " NULL, '', 'h')")  # fmt: skip
        with pytest.raises(StoreError, match="append-only"):
            async with s.transaction("tamper") as db:
                await db.execute("UPDATE audit_log SET actor = 'z'")


def test_rewrite_placeholders_and_literals() -> None:
    sql, names = pg.rewrite("SELECT a FROM t WHERE d = :day AND s = 'x:y?%' AND n % 2 = :day")
    assert sql == "SELECT a FROM t WHERE d = %s AND s = 'x:y?%%' AND n %% 2 = %s"
    assert names == ("day", "day")
    sql, names = pg.rewrite("INSERT OR IGNORE INTO t (a) VALUES (?)")
    assert sql == "INSERT INTO t (a) VALUES (%s) ON CONFLICT DO NOTHING" and names is None


async def test_bad_url_is_a_clear_error() -> None:
    with pytest.raises(StoreError, match="cannot connect to PostgreSQL"):
        await Store.open("postgresql://nobody:wrong@127.0.0.1:1/none")


async def test_audit_chain_verifies_and_catches_an_edit_on_postgresql(pg_url: str) -> None:
    async with await Store.open(pg_url) as s:
        for i in range(1, 4):
            await audit.record(s, "alice", "case.note", f"account:A{i}", None, {"n": i})
        assert await audit.verify(s) == []
        assert (await audit.head(s))[0] == 3
    # someone with the owner's rights disables the trigger and edits entry 2
    async with await psycopg.AsyncConnection.connect(pg_url, autocommit=True) as conn:
        await conn.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update")
        await conn.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2")
    async with await Store.open(pg_url) as s:
        problems = await audit.verify(s)
        assert problems and problems[0].seq == 2


def run_cli_cycle(pg_url: str, tmp_path: Path) -> None:
    """What a user does: DUNBOT_DB=postgresql://... then the ordinary commands."""
    env = {**os.environ, "DUNBOT_DB": pg_url, "DUNBOT_HOME": str(tmp_path / "home")}
    accounts = account_file(tmp_path / "a.csv", [{}, {}])
    payments = payment_file(tmp_path / "p.csv", [("P1", "A1", "100.00", "2026-11-02")])

    def dunbot(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(Path(sys.executable).parent / "dunbot"), *args], env=env, text=True,
                              capture_output=True, check=False)  # fmt: skip

    for cmd in (["cases", "import-accounts", str(accounts), "--today", "2026-11-01"],
                ["cases", "import-payments", str(payments)],
                ["cases", "reconcile", "--date", "2026-11-03"],
                ["audit", "verify"]):  # fmt: skip
        done = dunbot(*cmd)
        assert done.returncode == 0, (cmd, done.stderr)
    assert not (Path.cwd() / "postgresql:").exists()


async def test_cli_results_are_in_postgresql(pg_url: str, tmp_path: Path) -> None:
    run_cli_cycle(pg_url, tmp_path)
    async with await Store.open(Path(pg_url)) as s:  # a Path-mangled URL still works
        rows = await s.query("SELECT status, COUNT(*) FROM payments GROUP BY status")
        assert [tuple(r) for r in rows] == [("matched", 1)]
        assert len(await s.query("SELECT id FROM accounts")) == 2
