"""The case store: accounts, campaigns, call attempts and what came of them.

One SQLite file (WAL, foreign keys on) behind an asyncio API. Every write is an explicit
transaction and a lock serialises use of the one connection, so concurrent calls of a
campaign run never interleave half-written transactions. ``begin_attempt`` commits
before the dial and ``finish_attempt`` writes everything about a call at once: after a
crash the store holds either a finished attempt or an unfinished one (which
``recover_interrupted`` closes), never a call that is half recorded.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any

import aiosqlite

from robot.errors import StoreError
from robot.store import convert as cv
from robot.store import pg
from robot.store.migrate import migrate
from robot.store.models import RESULTS, Account, Recording, Turn

_FINISHED = "a.ended_at IS NOT NULL AND a.result <> 'interrupted'"


class Store:
    """Async access to the case store; open with ``await Store.open(path)``."""

    def __init__(self, db: aiosqlite.Connection, path: Path) -> None:
        self._db = db
        self.path = path
        self._lock = asyncio.Lock()

    # -- lifecycle ---------------------------------------------------------------
    @classmethod
    async def open(cls, path: Path | str) -> Store:
        """Open (creating if needed) and migrate the store at ``path``: a SQLite file,
        or a ``postgresql://user:password@host:port/db`` URL (see robot.store.pg)."""
        if pg.is_url(path):
            return await cls._open_pg(pg.normal_url(path))
        path = Path(path)
        try:
            db = await aiosqlite.connect(path, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"{path}: cannot open the store: {exc}") from exc
        try:
            db.row_factory = sqlite3.Row
            await db.execute("PRAGMA journal_mode=WAL")
            await db.execute("PRAGMA foreign_keys=ON")
            await db.execute("PRAGMA busy_timeout=5000")
            await migrate(db)
        except (sqlite3.Error, StoreError) as exc:
            await db.close()
            if isinstance(exc, StoreError):
                raise
            raise StoreError(f"{path}: not a usable Dunbot store: {exc}") from exc
        return cls(db, path)

    @classmethod
    async def _open_pg(cls, url: str) -> Store:
        conn = await pg.PgConnection.connect(url)
        try:
            await migrate(conn)  # type: ignore[arg-type]
        except (sqlite3.Error, StoreError) as exc:
            await conn.close()
            if isinstance(exc, StoreError):
                raise
            raise StoreError(f"PostgreSQL store: not usable: {exc}") from exc
        return cls(conn, Path(pg.mask_url(url)))  # type: ignore[arg-type]

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``: which database holds the store."""
        return getattr(self._db, "dialect", "sqlite")

    async def close(self) -> None:
        await self._db.close()

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    # -- plumbing ----------------------------------------------------------------
    @asynccontextmanager
    async def _tx(self, what: str) -> AsyncIterator[aiosqlite.Connection]:
        """One transaction, all or nothing; database errors become StoreError."""
        async with self._lock:
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException as exc:
                await self._db.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise StoreError(f"{what}: {exc}") from exc
                raise
            await self._db.execute("COMMIT")

    async def _all(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        async with self._lock:
            async with self._db.execute(sql, params) as cur:
                return list(await cur.fetchall())

    async def _one(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        rows = await self._all(sql, params)
        return rows[0] if rows else None

    @asynccontextmanager
    async def transaction(self, what: str) -> AsyncIterator[aiosqlite.Connection]:
        """One all-or-nothing transaction for modules that own their tables
        (``robot.cases.*``); ``what`` names the operation in error messages."""
        async with self._tx(what) as db:
            yield db

    async def query(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        """Rows of one read-only statement (outside any transaction)."""
        try:
            return await self._all(sql, params)
        except sqlite3.Error as exc:
            raise StoreError(f"query failed: {exc}") from exc

    # -- campaigns ---------------------------------------------------------------
    async def ensure_campaign(
        self, name: str, script: str | None = None, lang: str | None = None
    ) -> int:
        """Id of campaign ``name``, created if new; a given script/lang replaces the old."""
        async with self._tx(f"campaign {name!r}") as db:
            await db.execute(
                "INSERT INTO campaigns (name, script, lang, created_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (name) DO UPDATE SET"
                " script = COALESCE(excluded.script, campaigns.script),"
                " lang = COALESCE(excluded.lang, campaigns.lang)",
                (name, script, lang, cv.utc_now()),
            )
            async with db.execute("SELECT id FROM campaigns WHERE name = ?", (name,)) as cur:
                row = await cur.fetchone()
        assert row is not None
        return int(row[0])

    async def get_campaign(self, name: str) -> dict[str, Any] | None:
        row = await self._one("SELECT * FROM campaigns WHERE name = ?", (name,))
        return dict(row) if row else None

    async def require_campaign(self, name: str) -> dict[str, Any]:
        """Like get_campaign, but a missing campaign is an error that names the fix."""
        found = await self.get_campaign(name)
        if found is None:
            raise StoreError(
                f"no campaign named {name!r} (load one with: dunbot campaign load FILE.csv"
                f" --campaign {name})"
            )
        return found

    async def campaigns(self) -> list[dict[str, Any]]:
        """Every campaign with its account and finished-attempt counts, oldest first."""
        rows = await self._all(
            "SELECT c.*,"
            " (SELECT COUNT(*) FROM campaign_accounts ca WHERE ca.campaign_id = c.id)"
            "   AS accounts,"
            f" (SELECT COUNT(*) FROM attempts a WHERE a.campaign_id = c.id AND {_FINISHED})"
            "   AS attempts"
            " FROM campaigns c ORDER BY c.id"
        )
        return [dict(r) for r in rows]

    # -- accounts ----------------------------------------------------------------
    async def upsert_accounts(self, campaign_id: int, accounts: list[Account]) -> tuple[int, int]:
        """Insert or refresh accounts and link them to the campaign, in one transaction.

        Returns ``(inserted, updated)``: accounts new to the store, and ones it already
        had (refreshed with the file's data). Loading the same file twice therefore
        gives ``(0, n)`` and no duplicate rows.
        """
        if not accounts:
            return 0, 0
        now = cv.utc_now()
        placeholders = ", ".join("?" * len(cv.ACCOUNT_COLUMNS))
        updates = ", ".join(
            f"{c} = excluded.{c}" for c in cv.ACCOUNT_COLUMNS if c not in ("id", "created_at")
        )
        async with self._tx(f"campaign {campaign_id}: loading accounts") as db:
            known = await self._existing_ids(db, [a.id for a in accounts])
            inserted = updated = 0
            for acc in accounts:
                if acc.id in known:
                    updated += 1
                else:
                    inserted += 1
                    known.add(acc.id)
            await db.executemany(
                f"INSERT INTO accounts ({', '.join(cv.ACCOUNT_COLUMNS)}) VALUES ({placeholders})"
                f" ON CONFLICT (id) DO UPDATE SET {updates}",
                [cv.account_params(a, now) for a in accounts],
            )
            async with db.execute(
                "SELECT COALESCE(MAX(position), 0) FROM campaign_accounts WHERE campaign_id = ?",
                (campaign_id,),
            ) as cur:
                row = await cur.fetchone()
            start = int(row[0]) + 1 if row else 1
            await db.executemany(
                "INSERT INTO campaign_accounts (campaign_id, account_id, position, added_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (campaign_id, account_id) DO NOTHING",
                [(campaign_id, a.id, start + i, now) for i, a in enumerate(accounts)],
            )
        return inserted, updated

    @staticmethod
    async def _existing_ids(db: aiosqlite.Connection, ids: list[str]) -> set[str]:
        found: set[str] = set()
        for i in range(0, len(ids), 500):  # stay under SQLite's bound-parameter limit
            chunk = ids[i : i + 500]
            sql = f"SELECT id FROM accounts WHERE id IN ({', '.join('?' * len(chunk))})"
            async with db.execute(sql, chunk) as cur:
                found.update(r[0] for r in await cur.fetchall())
        return found

    async def account(self, account_id: str) -> Account | None:
        row = await self._one("SELECT * FROM accounts WHERE id = ?", (account_id,))
        return cv.account_from_row(row) if row else None

    async def pending_accounts(self, campaign_id: int) -> list[Account]:
        """Accounts of the campaign without a finished attempt, in load order.

        An interrupted attempt (controller killed mid-call) does not count as finished,
        so a resumed run calls that account again.
        """
        rows = await self._all(
            "SELECT acc.* FROM campaign_accounts ca JOIN accounts acc ON acc.id = ca.account_id"
            " WHERE ca.campaign_id = ? AND NOT EXISTS (SELECT 1 FROM attempts a"
            f"  WHERE a.campaign_id = ca.campaign_id AND a.account_id = ca.account_id"
            f"  AND {_FINISHED})"
            " ORDER BY ca.position",
            (campaign_id,),
        )
        return [cv.account_from_row(r) for r in rows]

    # -- attempts ----------------------------------------------------------------
    async def recover_interrupted(self) -> int:
        """Close attempts a killed controller left open; returns how many."""
        async with self._tx("recovering interrupted attempts") as db:
            cur = await db.execute(
                "UPDATE attempts SET result = 'interrupted', ended_at = ? WHERE ended_at IS NULL",
                (cv.utc_now(),),
            )
            return int(cur.rowcount)

    async def begin_attempt(self, attempt_id: str, campaign_id: int, account: Account) -> None:
        """Record an attempt before dialing; a reused attempt id is refused."""
        try:
            async with self._tx(f"attempt {attempt_id}") as db:
                await db.execute(
                    "INSERT INTO attempts (id, campaign_id, account_id, phone, started_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (attempt_id, campaign_id, account.id, account.phone, cv.utc_now()),
                )
        except StoreError as exc:
            if "UNIQUE" in str(exc):
                raise StoreError(f"attempt {attempt_id} already exists; never redial it") from exc
            raise

    async def finish_attempt(
        self,
        attempt_id: str,
        *,
        result: str,
        disposition: str,
        hangup_cause: str | int | None = None,
        amd_status: str | None = None,
        answered_at: datetime | str | None = None,
        ended_at: datetime | str | None = None,
        duration_s: float | None = None,
        turns: Iterable[Turn] = (),
        ptp_amount: Decimal | int | str | None = None,
        ptp_date: date | str | None = None,
        stop_calling: bool = False,
        notes: str | None = None,
        recordings: Iterable[Recording] = (),
        agent_id: str | None = None,
    ) -> None:
        """Write the end of a call - attempt, turns, outcome, recordings - all or nothing."""
        if result not in RESULTS:
            raise StoreError(f"attempt {attempt_id}: unknown result {result!r} (one of {RESULTS})")
        ended = cv.iso_utc(ended_at) if ended_at is not None else cv.utc_now()
        async with self._tx(f"finishing attempt {attempt_id}") as db:
            cur = await db.execute(
                "UPDATE attempts SET answered_at = ?, ended_at = ?, result = ?, hangup_cause = ?,"
                " amd_status = ?, disposition = ?, duration_s = ?"
                " WHERE id = ? AND ended_at IS NULL",
                (
                    cv.opt_iso_utc(answered_at), ended, result,
                    None if hangup_cause is None else str(hangup_cause),
                    amd_status, disposition, duration_s, attempt_id,
                ),
            )  # fmt: skip
            if cur.rowcount != 1:
                raise StoreError(f"attempt {attempt_id}: not begun, or already finished")
            await db.executemany(
                "INSERT INTO turns (attempt_id, seq, speaker, text, start_s, end_s, intent,"
                " emotion, state, heard_ms, prompt_ms, level_dbfs)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (attempt_id, i, t.speaker, t.text, t.start_s, t.end_s, t.intent,
                     t.emotion, t.state, t.heard_ms, t.prompt_ms, t.level_dbfs)
                    for i, t in enumerate(turns, start=1)
                ],
            )  # fmt: skip
            await db.execute(
                "INSERT INTO outcomes (attempt_id, disposition, ptp_amount, ptp_date,"
                " stop_calling, notes, agent_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    attempt_id, disposition, cv.decimal_text(ptp_amount),
                    cv.date_text(ptp_date), int(bool(stop_calling)), notes, agent_id,
                ),
            )  # fmt: skip
            await db.executemany(
                "INSERT INTO recordings (attempt_id, kind, path, duration_s, sha256)"
                " VALUES (?, ?, ?, ?, ?)",
                [(attempt_id, r.kind, str(r.path), r.duration_s, r.sha256) for r in recordings],
            )

    async def attempts(self, campaign_id: int) -> list[dict[str, Any]]:
        rows = await self._all(
            "SELECT * FROM attempts WHERE campaign_id = ? ORDER BY started_at, rowid",
            (campaign_id,),
        )
        return [dict(r) for r in rows]

    async def turns(self, attempt_id: str) -> list[Turn]:
        rows = await self._all(
            "SELECT speaker, text, start_s, end_s, intent, emotion, state, heard_ms, prompt_ms,"
            " level_dbfs"
            " FROM turns"
            " WHERE attempt_id = ? ORDER BY seq",
            (attempt_id,),
        )
        return [Turn(**dict(r)) for r in rows]

    async def recordings(self, attempt_id: str) -> list[Recording]:
        rows = await self._all(
            "SELECT kind, path, duration_s, sha256 FROM recordings WHERE attempt_id = ?"
            " ORDER BY kind",
            (attempt_id,),
        )
        return [Recording(**dict(r)) for r in rows]

    async def outcome(self, attempt_id: str) -> dict[str, Any] | None:
        """The outcome with exact types: Decimal amount, date, bool stop_calling."""
        row = await self._one("SELECT * FROM outcomes WHERE attempt_id = ?", (attempt_id,))
        if row is None:
            return None
        out = dict(row)
        out["ptp_amount"] = Decimal(out["ptp_amount"]) if out["ptp_amount"] else None
        out["ptp_date"] = date.fromisoformat(out["ptp_date"]) if out["ptp_date"] else None
        out["stop_calling"] = bool(out["stop_calling"])
        return out

    # -- reporting ---------------------------------------------------------------
    async def outcome_rows(self, campaign_name: str) -> list[dict[str, Any]]:
        """One row per ended attempt of the campaign, oldest first, for the bank's file."""
        camp = await self.require_campaign(campaign_name)
        rows = await self._all(
            "SELECT a.account_id, a.phone, c.name AS campaign, a.id AS attempt_id,"
            " a.started_at AS attempt_time, a.result,"
            " COALESCE(o.disposition, a.disposition) AS disposition,"
            " o.ptp_amount, acc.currency, o.ptp_date, o.stop_calling,"
            " r.path AS recording, a.duration_s AS call_duration_s"
            " FROM attempts a JOIN campaigns c ON c.id = a.campaign_id"
            " JOIN accounts acc ON acc.id = a.account_id"
            " LEFT JOIN outcomes o ON o.attempt_id = a.id"
            " LEFT JOIN recordings r ON r.attempt_id = a.id AND r.kind = 'mix'"
            " WHERE a.campaign_id = ? AND a.ended_at IS NOT NULL"
            " ORDER BY a.started_at, a.rowid",
            (camp["id"],),
        )
        return [dict(r) for r in rows]

    async def campaign_summary(self, campaign_name: str) -> dict[str, int]:
        """Ended attempts per disposition (an interrupted call counts as 'interrupted')."""
        camp = await self.require_campaign(campaign_name)
        rows = await self._all(
            "SELECT COALESCE(disposition, result) AS d, COUNT(*) AS n FROM attempts"
            " WHERE campaign_id = ? AND ended_at IS NOT NULL GROUP BY d ORDER BY d",
            (camp["id"],),
        )
        return {r["d"]: int(r["n"]) for r in rows}
