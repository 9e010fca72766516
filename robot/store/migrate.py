"""Versioned schema migrations, applied in order when the store opens.

Each file ``migrations/NNNN_name.sql`` is one version. A version runs in its own
transaction and is recorded in ``schema_version`` in that same transaction, so a crash
mid-migration leaves the database at the previous version, never half-migrated.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import aiosqlite

from robot.errors import StoreError
from robot.store.pgddl import translate

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def discover(folder: Path = MIGRATIONS_DIR) -> list[Migration]:
    """The migrations in ``folder``, checked to be numbered 1, 2, 3 ... without gaps."""
    found: list[Migration] = []
    for path in sorted(folder.glob("*.sql")):
        m = _NAME.match(path.name)
        if not m:
            raise StoreError(f"{path}: migration files are named NNNN_name.sql")
        found.append(Migration(int(m.group(1)), m.group(2), path.read_text(encoding="utf-8")))
    for expected, mig in enumerate(found, start=1):
        if mig.version != expected:
            raise StoreError(
                f"{folder}: migration {expected:04d} missing (found {mig.version:04d})"
            )
    return found


def split_statements(sql: str) -> list[str]:
    """Split a script into complete statements (sqlite3 decides where one ends)."""
    statements: list[str] = []
    pending = ""
    for line in sql.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            stmt = pending.strip()
            if stmt.strip(";").strip():
                statements.append(stmt)
            pending = ""
    if pending.strip() and not all(
        ln.strip().startswith("--") or not ln.strip() for ln in pending.splitlines()
    ):
        raise StoreError(f"unterminated SQL statement: {pending.strip()[:80]!r}")
    return statements


def _dialect_statements(db: aiosqlite.Connection, stmt: str) -> list[str]:
    """``stmt`` as the connection's database needs it (PostgreSQL: translated DDL)."""
    if getattr(db, "dialect", "sqlite") != "postgresql":
        return [stmt]
    try:
        return translate(stmt)
    except ValueError as exc:
        raise StoreError(str(exc)) from exc


async def current_version(db: aiosqlite.Connection) -> int:
    await db.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    async with db.execute("SELECT MAX(version) FROM schema_version") as cur:
        row = await cur.fetchone()
    return int(row[0] or 0) if row else 0


async def migrate(db: aiosqlite.Connection, migrations: list[Migration] | None = None) -> int:
    """Bring ``db`` (autocommit mode) to the newest version; return that version."""
    migrations = discover() if migrations is None else migrations
    have = await current_version(db)
    newest = migrations[-1].version if migrations else 0
    if have > newest:
        raise StoreError(
            f"database schema is version {have}, newer than this Dunbot knows ({newest}); "
            "upgrade Dunbot"
        )
    for mig in migrations:
        if mig.version <= have:
            continue
        await db.execute("BEGIN")
        try:
            for stmt in split_statements(mig.sql):
                for part in _dialect_statements(db, stmt):
                    await db.execute(part)
            await db.execute(
                "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                (mig.version, mig.name, datetime.now(UTC).isoformat(timespec="seconds")),
            )
        except sqlite3.Error as exc:
            await db.execute("ROLLBACK")
            raise StoreError(f"migration {mig.version:04d}_{mig.name} failed: {exc}") from exc
        await db.execute("COMMIT")
    return max(have, newest)
