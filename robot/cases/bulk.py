"""Connection settings for bulk work (a million accounts): a bigger page cache and
in-memory temporary tables. Per connection, performance only: results do not change."""

from __future__ import annotations

from robot.store.db import Store

CACHE_KIB = 256 * 1024


async def tune(store: Store) -> None:
    await store.query(f"PRAGMA cache_size = -{CACHE_KIB}")
    await store.query("PRAGMA temp_store = MEMORY")
