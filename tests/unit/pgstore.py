"""A real PostgreSQL for the store tests: one throwaway database per test.

The server comes from scripts/postgres.sh (Debian's PostgreSQL on 127.0.0.1, the dunbot
role's password in the data folder). If it is not there the tests fail and say how to
start it; they never skip.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import psycopg
import pytest

from robot.store.db import Store

ROOT = Path(__file__).resolve().parents[2]
_seq = itertools.count()


def server_url() -> str:
    """URL of the dunbot database: $DUNBOT_TEST_PG, else what scripts/postgres.sh reports."""
    if os.environ.get("DUNBOT_TEST_PG"):
        return os.environ["DUNBOT_TEST_PG"]
    done = subprocess.run([str(ROOT / "scripts/postgres.sh"), "status"], capture_output=True,
                          text=True, check=False)  # fmt: skip
    url = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    if done.returncode != 0 or "online" not in done.stdout + done.stderr:
        pytest.fail(f"PostgreSQL is not running; start it with `scripts/postgres.sh up`"
                    f" ({(done.stderr or done.stdout).strip()})", pytrace=False)  # fmt: skip
    return url


async def fresh_database(base: str) -> str:
    """Create an empty database and return its URL (dropped by :func:`drop_database`)."""
    name = f"dunbot_test_{os.getpid()}_{next(_seq)}"
    async with await psycopg.AsyncConnection.connect(base, autocommit=True) as conn:
        await conn.execute(f"DROP DATABASE IF EXISTS {name}")
        await conn.execute(f"CREATE DATABASE {name}")
    return base.rsplit("/", 1)[0] + "/" + name


async def drop_database(base: str, url: str) -> None:
    """Drop the test database; a backend still closing (or autovacuum) may hold it a moment."""
    name = url.rsplit("/", 1)[1]
    async with await psycopg.AsyncConnection.connect(base, autocommit=True) as conn:
        for attempt in range(50):
            try:
                await conn.execute(f"DROP DATABASE IF EXISTS {name}")
                return
            except psycopg.errors.ObjectInUse:
                if attempt == 49:
                    raise
                await asyncio.sleep(0.1)


@asynccontextmanager
async def either_store(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[Store]:
    """A fresh store of ``kind`` (``sqlite`` or ``postgresql``), closed and dropped after."""
    if kind == "sqlite":
        async with await Store.open(tmp_path / "d.db") as s:
            yield s
        return
    base = request.getfixturevalue("pg_server")
    url = await fresh_database(base)
    try:
        async with await Store.open(url) as s:
            yield s
    finally:
        await drop_database(base, url)


@pytest.fixture(scope="session")
def pg_server() -> str:
    return server_url()


@pytest.fixture
async def pg_url(pg_server: str):  # type: ignore[no-untyped-def]
    url = await fresh_database(pg_server)
    yield url
    await asyncio.shield(drop_database(pg_server, url))
