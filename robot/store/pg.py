"""A thin PostgreSQL connection that speaks the aiosqlite dialect the store is written in.

The case store's SQL (robot/store/*, robot/cases/*) is written once, for SQLite. Rather
than duplicating every query, this adapter gives a psycopg 3 connection the small part
of the aiosqlite API the code uses (``execute`` as awaitable or context manager,
``executemany``, cursors with ``fetchone``/``fetchall``/``rowcount``/async iteration,
rows readable by index and by name) and rewrites each statement mechanically:
``?`` and ``:name`` placeholders, ``INSERT OR IGNORE``, ``BEGIN IMMEDIATE``, ``SELECT
changes()``, ``CAST(.. AS REAL)``. The few SQLite functions the SQL relies on
(``julianday``, ``date(day, modifier)``, ``json_extract``, ``SUM`` over a comparison)
are created as small SQL functions in the database when a connection opens.

Database errors are re-raised as subclasses of :class:`sqlite3.Error` so the store's
existing error handling (which names the operation) applies unchanged.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from types import TracebackType
from typing import Any

try:
    import psycopg
    from psycopg.adapt import Loader
except ImportError:  # pragma: no cover - only without the postgres extra
    psycopg = None  # type: ignore[assignment]
    Loader = object  # type: ignore[assignment,misc]

from robot.errors import StoreError

URL_PREFIXES = ("postgresql://", "postgres://")

#: Functions that give PostgreSQL the SQLite built-ins the store's SQL uses.
SHIMS = [
    "CREATE OR REPLACE FUNCTION julianday(t text) RETURNS double precision"
    " LANGUAGE sql IMMUTABLE AS $$ SELECT (t::date - date '2000-01-01') + 2451544.5 $$",
    "CREATE OR REPLACE FUNCTION date(t text, modifier text) RETURNS text"
    " LANGUAGE sql IMMUTABLE AS $$ SELECT (t::date + modifier::interval)::date::text $$",
    "CREATE OR REPLACE FUNCTION json_extract(j text, path text) RETURNS text"
    " LANGUAGE sql IMMUTABLE AS"
    " $$ SELECT j::jsonb #>> string_to_array(substr(path, 3), '.') $$",
    "CREATE OR REPLACE FUNCTION dunbot_sum_bool(s bigint, b boolean) RETURNS bigint"
    " LANGUAGE sql IMMUTABLE AS $$ SELECT COALESCE(s, 0) + CASE WHEN b THEN 1 ELSE 0 END $$",
    "DO $$ BEGIN CREATE AGGREGATE sum(boolean) (sfunc = dunbot_sum_bool, stype = bigint);"
    " EXCEPTION WHEN duplicate_function THEN NULL; END $$",
]


class PgError(sqlite3.DatabaseError):
    """A PostgreSQL error, shaped like SQLite's so the store's handlers catch it."""


class PgIntegrityError(sqlite3.IntegrityError):
    """A PostgreSQL constraint violation (unique, foreign key, check)."""


def is_url(target: object) -> bool:
    """True if ``target`` names a PostgreSQL database rather than a SQLite file.

    ``Path("postgresql://...")`` collapses the double slash, so that form counts too."""
    text = str(target)
    return text.startswith(URL_PREFIXES) or text.startswith(("postgresql:/", "postgres:/"))


def normal_url(target: object) -> str:
    """The URL with the ``//`` a Path may have collapsed put back."""
    text = str(target)
    for scheme in ("postgresql:", "postgres:"):
        if text.startswith(scheme) and not text.startswith(scheme + "//"):
            return scheme + "//" + text[len(scheme):].lstrip("/")
    return text


def mask_url(url: str) -> str:
    """The URL without its password, for logs and messages."""
    return re.sub(r"(//[^:/@]+):[^@]*@", r"\1:***@", url)


_TOKEN = re.compile(r"'(?:[^']|'')*'|\"[^\"]*\"|::|\?|:[A-Za-z_]\w*|%|--[^\n]*")


@lru_cache(maxsize=1024)
def rewrite(sql: str) -> tuple[str, tuple[str, ...] | None]:
    """The statement in psycopg's dialect, and the order of named parameters (None when
    the statement uses ``?``). Literals and comments are left as they are."""
    names: list[str] = []
    positional = False

    def sub(m: re.Match[str]) -> str:
        nonlocal positional
        tok = m.group(0)
        if tok == "?":
            positional = True
            return "%s"
        if tok == "%":
            return "%%"
        if tok.startswith("'"):
            return tok.replace("%", "%%")
        if tok.startswith(":") and tok != "::":
            names.append(tok[1:])
            return "%s"
        return tok

    out = _TOKEN.sub(sub, sql)
    out = re.sub(r"\bBEGIN\s+IMMEDIATE\b", "BEGIN", out, flags=re.I)
    out = re.sub(r"(?<![\w.])temp\.(?=\w)", "pg_temp.", out, flags=re.I)
    out = re.sub(r"\bAS\s+REAL\s*\)", "AS DOUBLE PRECISION)", out, flags=re.I)
    if re.match(r"\s*INSERT\s+OR\s+IGNORE\b", out, flags=re.I):
        out = re.sub(r"^\s*INSERT\s+OR\s+IGNORE", "INSERT", out, count=1, flags=re.I)
        m = re.search(r"\bRETURNING\b", out, flags=re.I)
        out = (out[: m.start()] + "ON CONFLICT DO NOTHING " + out[m.start():] if m
               else out.rstrip().rstrip(";") + " ON CONFLICT DO NOTHING")  # fmt: skip
    if names and positional:
        raise StoreError(f"statement mixes ? and :name parameters: {sql[:80]!r}")
    return out, (tuple(names) if names else None)


def bind(names: tuple[str, ...] | None, params: Any) -> list[Any]:
    """Parameters in statement order, with dates and decimals as the text SQLite kept."""
    if params is None:
        values: list[Any] = []
    elif names is not None:
        values = [params[n] for n in names]
    elif isinstance(params, dict):
        values = list(params.values())
    else:
        values = list(params)
    return [_value(v) for v in values]


def _value(v: Any) -> Any:
    if isinstance(v, datetime | date):
        return v.isoformat()
    if isinstance(v, Decimal):
        return str(v)
    return v


def _error(exc: Exception) -> sqlite3.Error:
    kind = PgIntegrityError if isinstance(exc, psycopg.errors.IntegrityError) else PgError
    return kind(str(exc).strip())


class Row(tuple):  # type: ignore[type-arg]
    """A result row readable by position and by column name, like sqlite3.Row."""

    _keys: tuple[str, ...] = ()

    def __getitem__(self, key: Any) -> Any:  # type: ignore[override]
        if isinstance(key, str):
            return tuple.__getitem__(self, self._keys.index(key))
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._keys)


def _row_factory(cursor: Any) -> Any:
    keys = tuple(c.name for c in cursor.description or ())
    cls = type("Row", (Row,), {"_keys": keys})
    return lambda values: cls(values)


class _IntegralNumeric(Loader):  # type: ignore[misc,valid-type]
    """numeric as int when whole (SUM of integers), else Decimal, as SQLite returns."""

    def load(self, data: Any) -> Any:
        d = Decimal(bytes(data).decode())
        return int(d) if d == d.to_integral_value() else d


class Cursor:
    """The result of one statement: rows, affected row count."""

    def __init__(self, rows: list[Row], rowcount: int) -> None:
        self._rows = rows
        self._pos = 0
        self.rowcount = rowcount
        self.lastrowid: int | None = None

    async def fetchone(self) -> Row | None:
        if self._pos >= len(self._rows):
            return None
        self._pos += 1
        return self._rows[self._pos - 1]

    async def fetchall(self) -> list[Row]:
        rest = self._rows[self._pos:]
        self._pos = len(self._rows)
        return rest

    def __aiter__(self) -> Cursor:
        return self

    async def __anext__(self) -> Row:
        row = await self.fetchone()
        if row is None:
            raise StopAsyncIteration
        return row

    async def close(self) -> None:
        return None


class _Op:
    """``await conn.execute(...)`` or ``async with conn.execute(...) as cur``."""

    def __init__(self, conn: PgConnection, sql: str, params: Any) -> None:
        self._conn, self._sql, self._params = conn, sql, params

    def __await__(self) -> Any:
        return self._conn._run(self._sql, self._params).__await__()

    async def __aenter__(self) -> Cursor:
        return await self._conn._run(self._sql, self._params)

    async def __aexit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None


class PgConnection:
    """The aiosqlite-shaped face of one psycopg connection (autocommit; the store's
    explicit BEGIN/COMMIT make the transactions)."""

    dialect = "postgresql"

    def __init__(self, conn: Any) -> None:
        self._conn = conn
        self._changes = 0
        self.row_factory: Any = None  # accepted and ignored: rows are always Row

    @classmethod
    async def connect(cls, url: str) -> PgConnection:
        if psycopg is None:
            raise StoreError("PostgreSQL store needs psycopg: pip install 'dunbot[postgres]'")
        try:
            conn = await psycopg.AsyncConnection.connect(normal_url(url), autocommit=True)
        except psycopg.Error as exc:
            raise StoreError(f"cannot connect to PostgreSQL: {str(exc).strip()}") from exc
        conn.row_factory = _row_factory
        conn.adapters.register_loader("numeric", _IntegralNumeric)
        self = cls(conn)
        for stmt in SHIMS:
            for attempt in range(5):  # two processes opening at once may race on the catalog
                try:
                    await self._raw(stmt)
                    break
                except sqlite3.Error:
                    if attempt == 4:
                        raise
                    await asyncio.sleep(0.05 * (attempt + 1))
        return self

    async def _raw(self, sql: str) -> None:
        try:
            await self._conn.execute(sql)
        except psycopg.Error as exc:
            raise _error(exc) from exc

    async def _run(self, sql: str, params: Any) -> Cursor:
        if re.fullmatch(r"\s*SELECT\s+changes\(\)\s*;?\s*", sql, flags=re.I):
            return Cursor([Row((self._changes,))], 1)
        if re.match(r"\s*PRAGMA\b", sql, flags=re.I):
            return Cursor([], 0)  # SQLite tuning has no meaning here
        text, names = rewrite(sql)
        try:
            cur = await self._conn.execute(text, bind(names, params))
            rows = await cur.fetchall() if cur.description is not None else []
        except psycopg.Error as exc:
            raise _error(exc) from exc
        self._changes = max(cur.rowcount, 0)
        return Cursor(rows, cur.rowcount)

    def execute(self, sql: str, params: Any = None) -> _Op:
        return _Op(self, sql, params)

    async def executemany(self, sql: str, seq: Iterable[Sequence[Any] | dict[str, Any]]) -> Cursor:
        text, names = rewrite(sql)
        batch = [bind(names, p) for p in seq]
        if not batch:
            return Cursor([], 0)
        try:
            async with self._conn.cursor() as cur:
                await cur.executemany(text, batch)
                count = cur.rowcount
        except psycopg.Error as exc:
            raise _error(exc) from exc
        self._changes = max(count, 0)
        return Cursor([], count)

    async def copy_rows(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """Bulk-load rows with COPY (the fast path for large imports)."""
        cols = ", ".join(columns)
        try:
            async with self._conn.cursor() as cur:
                async with cur.copy(f"COPY {table} ({cols}) FROM STDIN") as cp:
                    for r in rows:
                        await cp.write_row([_value(v) for v in r])
        except psycopg.Error as exc:
            raise _error(exc) from exc

    async def close(self) -> None:
        await self._conn.close()
