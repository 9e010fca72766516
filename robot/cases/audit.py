"""Tamper-evident audit trail: who did what to which entity, when, before and after.

Every entry carries the hash of the one before it, and its own hash is the sha256 of a
canonical encoding of all its fields (:func:`entry_hash`). Editing an entry changes its
hash; deleting one leaves a gap in ``seq`` and a broken link; deleting the newest ones
disagrees with ``audit_head``, which every append updates in the same transaction.
Someone able to rewrite the whole database could rebuild a consistent chain, so the
head (``dunbot audit head``) is meant to be copied elsewhere now and then and checked
with ``dunbot audit verify --anchor SEQ:HASH``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import aiosqlite

from robot.errors import StoreError
from robot.store import convert as cv
from robot.store.db import Store

GENESIS = "0" * 64
_FIELDS = "seq, at, actor, action, entity, before, after, prev_hash, hash"


@dataclass(frozen=True)
class Entry:
    seq: int
    at: str
    actor: str
    action: str
    entity: str
    before: str | None
    after: str | None
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class Problem:
    """A place where the log is not what was written: ``seq`` is the first entry affected."""

    seq: int
    reason: str

    def __str__(self) -> str:
        return f"seq {self.seq}: {self.reason}"


def canonical_json(value: Any) -> str | None:
    """One text per value: sorted keys, no spaces, UTF-8 kept, Decimals and dates as text."""
    if value is None:
        return None
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)  # fmt: skip


def entry_hash(seq: int, at: str, actor: str, action: str, entity: str, before: str | None,
               after: str | None, prev_hash: str) -> str:  # fmt: skip
    """sha256 (hex) of the canonical encoding: a JSON array of the fields in order."""
    payload = json.dumps([seq, at, actor, action, entity, before, after, prev_hash],
                         separators=(",", ":"), ensure_ascii=False)  # fmt: skip
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


async def append(
    db: aiosqlite.Connection,
    actor: str,
    action: str,
    entity: str,
    before: Any = None,
    after: Any = None,
    at: str | None = None,
) -> Entry:
    """Add one entry inside the caller's transaction (so it commits with the change)."""
    async with db.execute("SELECT seq, hash FROM audit_head WHERE id = 1") as cur:
        head = await cur.fetchone()
    seq, prev = (int(head[0]) + 1, str(head[1])) if head else (1, GENESIS)
    at = at or cv.utc_now()
    b, a = canonical_json(before), canonical_json(after)
    digest = entry_hash(seq, at, actor, action, entity, b, a, prev)
    await db.execute(
        f"INSERT INTO audit_log ({_FIELDS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (seq, at, actor, action, entity, b, a, prev, digest),
    )
    await db.execute(
        "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?)"
        " ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
        (seq, digest),
    )
    return Entry(seq, at, actor, action, entity, b, a, prev, digest)


async def append_many(
    db: aiosqlite.Connection,
    actor: str,
    items: Iterable[tuple[str, str, Any, Any]],
    at: str | None = None,
) -> int:
    """Append ``(action, entity, before, after)`` entries in one go (bulk operations);
    the chain is computed here and written with one executemany. Returns how many."""
    async with db.execute("SELECT seq, hash FROM audit_head WHERE id = 1") as cur:
        head = await cur.fetchone()
    seq, prev = (int(head[0]), str(head[1])) if head else (0, GENESIS)
    at = at or cv.utc_now()
    rows: list[tuple[Any, ...]] = []
    for action, entity, before, after in items:
        seq += 1
        b, a = canonical_json(before), canonical_json(after)
        prev_hash, prev = prev, entry_hash(seq, at, actor, action, entity, b, a, prev)
        rows.append((seq, at, actor, action, entity, b, a, prev_hash, prev))
    if not rows:
        return 0
    await db.executemany(f"INSERT INTO audit_log ({_FIELDS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         rows)  # fmt: skip
    await db.execute(
        "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?)"
        " ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
        (seq, prev),
    )
    return len(rows)


async def record(store: Store, actor: str, action: str, entity: str, before: Any = None,
                 after: Any = None) -> Entry:  # fmt: skip
    """Append one entry in its own transaction (for operations that change nothing else)."""
    async with store.transaction(f"audit {action}") as db:
        return await append(db, actor, action, entity, before, after)


def check_chain(
    rows: Iterable[Sequence[Any]],
    head: tuple[int, str] | None,
    anchor: tuple[int, str] | None = None,
) -> list[Problem]:
    """Problems of a log given as rows of (seq .. hash) in seq order (pure).

    ``head`` is the stored ``(seq, hash)`` of the newest entry; ``anchor`` an older head
    kept elsewhere, which the log must still contain unchanged.
    """
    problems: list[Problem] = []
    expected, prev, last = 1, GENESIS, (0, GENESIS)
    anchor_seen = anchor is None
    for row in rows:
        e = Entry(*row)
        if e.seq != expected:
            gap = f"{expected}" if e.seq == expected + 1 else f"{expected}..{e.seq - 1}"
            problems.append(Problem(expected, f"entry {gap} missing (deleted)"))
        elif e.prev_hash != prev:
            problems.append(Problem(max(e.seq - 1, 1), f"chain broken between entries "
                                    f"{e.seq - 1} and {e.seq}: prev_hash of {e.seq} is not "
                                    f"the hash of {e.seq - 1} (rewritten)"))  # fmt: skip
        if entry_hash(e.seq, e.at, e.actor, e.action, e.entity, e.before, e.after,
                      e.prev_hash) != e.hash:  # fmt: skip
            problems.append(Problem(e.seq, "content does not match its hash (edited)"))
        if anchor is not None and e.seq == anchor[0]:
            anchor_seen = True
            if e.hash != anchor[1]:
                problems.append(Problem(e.seq, "hash differs from the anchor kept elsewhere"))
        expected, prev, last = e.seq + 1, e.hash, (e.seq, e.hash)
    if head is None and last[0]:
        problems.append(Problem(last[0], "audit_head is missing (tampered)"))
    elif head is not None and head[0] > last[0]:
        gap = f"{last[0] + 1}" if head[0] == last[0] + 1 else f"{last[0] + 1}..{head[0]}"
        problems.append(Problem(last[0] + 1, f"entry {gap} missing (the log ends at "
                                f"{last[0]}, its head says {head[0]})"))  # fmt: skip
    elif head is not None and head != last:
        problems.append(Problem(head[0], "audit_head does not match the newest entry"))
    if not anchor_seen and anchor is not None:
        problems.append(Problem(anchor[0], "the anchored entry is missing (deleted)"))
    return sorted(problems, key=lambda p: p.seq)


async def verify(store: Store, anchor: tuple[int, str] | None = None) -> list[Problem]:
    """Check the whole log; an empty list means intact."""
    head_rows = await store.query("SELECT seq, hash FROM audit_head WHERE id = 1")
    head = (int(head_rows[0][0]), str(head_rows[0][1])) if head_rows else None
    rows = await store.query(f"SELECT {_FIELDS} FROM audit_log ORDER BY seq")
    return check_chain((tuple(r) for r in rows), head, anchor)


async def head(store: Store) -> tuple[int, str]:
    rows = await store.query("SELECT seq, hash FROM audit_head WHERE id = 1")
    return (int(rows[0][0]), str(rows[0][1])) if rows else (0, GENESIS)


async def entries(store: Store, entity: str | None = None, limit: int = 100) -> list[Entry]:
    """The newest entries (of one entity if given), newest first."""
    where, params = ("WHERE entity = ?", [entity]) if entity else ("", [])
    rows = await store.query(
        f"SELECT {_FIELDS} FROM audit_log {where} ORDER BY seq DESC LIMIT ?", [*params, limit]
    )
    return [Entry(*tuple(r)) for r in rows]


def parse_anchor(text: str) -> tuple[int, str]:
    """``SEQ:HASH`` as printed by ``dunbot audit head``."""
    seq, _, digest = text.partition(":")
    if not seq.isdigit() or len(digest) != 64:
        raise StoreError(f"anchor {text!r} is not SEQ:HASH (as printed by dunbot audit head)")
    return int(seq), digest
