"""Import of the bank's call list (CSV) into a campaign; format in docs/call-list.md.

Good rows load, bad rows go to a reject file with their file row number and the reason,
so one typo never blocks a campaign and nothing is dropped silently. Banks export from
Excel, so the reader takes UTF-8 with or without BOM and GB18030, and header names in
any case or spacing.
"""

from __future__ import annotations

import asyncio
import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from rich.progress import Progress

from robot.cases.validate import REQUIRED, normalise_header, validate_row
from robot.errors import InputError
from robot.store.db import Store
from robot.store.models import Account

__all__ = [
    "LoadReport", "load_call_list", "load_csv_file", "read_call_list", "reject_path_for",
    "validate_row",
]  # fmt: skip

BATCH = 1000
#: Rows validated between two turns of the event loop (progress updates, store writes).
YIELD_EVERY = 200


@dataclass(frozen=True)
class CallList:
    """A decoded call list: original header, normalised names, data rows with numbers."""

    encoding: str
    header: list[str]
    columns: list[str]
    rows: list[tuple[int, list[str]]]


@dataclass(frozen=True)
class Reject:
    rownum: int
    reason: str
    cells: list[str]


@dataclass(frozen=True)
class LoadReport:
    """What a load did: new accounts, refreshed ones, rejected rows (and where they went)."""

    loaded: int
    updated: int
    rejected: int
    rejects_path: Path | None
    encoding: str


def decode(data: bytes, source: str) -> tuple[str, str]:
    """Text and encoding: UTF-8 (BOM or not) first, since GB18030 decodes almost anything."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-8-sig" and not data.startswith(b"\xef\xbb\xbf"):
            encoding = "utf-8"
        return text, encoding
    raise InputError("neither UTF-8 nor GB18030 text", where=source)


def detect_encoding(data: bytes, source: str) -> str:
    """The encoding :func:`decode` would choose, checked without building the text."""
    for encoding in ("utf-8-sig", "gb18030"):
        dec = codecs.getincrementaldecoder(encoding)()
        try:
            for i in range(0, len(data), 1 << 22):
                dec.decode(data[i : i + (1 << 22)])
            dec.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-8-sig" and not data.startswith(b"\xef\xbb\xbf"):
            encoding = "utf-8"
        return encoding
    raise InputError("neither UTF-8 nor GB18030 text", where=source)


class _StreamedRows:
    """Data rows decoded and split as they are iterated (once): a million-row list
    stays a file in memory, not a million lists. ``len`` is the line count, for
    progress display only."""

    def __init__(self, records: Iterator[tuple[int, list[str]]], lines: int) -> None:
        self._records, self._lines = records, lines

    def __len__(self) -> int:
        return self._lines

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        return ((n, cells) for n, cells in self._records if any(c.strip() for c in cells))


def read_call_list(path: Path, required: tuple[str, ...] = REQUIRED, *,
                   stream: bool = False) -> CallList:
    """Decode and split the file; only a missing header or column is fatal.

    ``required`` lets other bank files (payments) share the reader and its rules.
    ``stream``: the rows are read while iterated, once (big files; same rows)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", where=str(path)) from None
    if stream:
        encoding = detect_encoding(data, str(path))
        text_io = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig"
                                   if encoding.startswith("utf-8") else encoding, newline="")
        lazy = enumerate(csv.reader(text_io), start=1)
        first = next(lazy, None)
        records = [first] if first is not None else []
    else:
        text, encoding = decode(data, str(path))
        records = list(enumerate(csv.reader(io.StringIO(text, newline="")), start=1))
    if not records or not any(c.strip() for c in records[0][1]):
        raise InputError("empty file (no header row)", where=f"{path} row 1")
    header = records[0][1]
    columns = [normalise_header(h) for h in header]
    missing = [c for c in required if c not in columns]
    if missing:
        raise InputError(
            f"header lacks required column(s) {', '.join(missing)}", where=f"{path} row 1"
        )
    dupes = sorted({c for c in columns if c and columns.count(c) > 1})
    if dupes:
        raise InputError(f"header repeats column(s) {', '.join(dupes)}", where=f"{path} row 1")
    if stream:
        return CallList(encoding, header, columns,
                        _StreamedRows(lazy, max(data.count(b"\n") - 1, 0)))  # type: ignore[arg-type]
    # Blank lines and Excel's trailing ",,,," rows carry nothing: skip, don't reject.
    rows = [(n, cells) for n, cells in records[1:] if any(c.strip() for c in cells)]
    return CallList(encoding, header, columns, rows)


def check_rows(cl: CallList, today: date, source: str) -> Iterator[Account | Reject]:
    """Each data row as an Account or a Reject (wrong width, invalid, duplicate id)."""
    first_seen: dict[str, int] = {}
    for rownum, cells in cl.rows:
        if len(cells) != len(cl.columns):
            yield Reject(rownum, f"{len(cells)} columns, header has {len(cl.columns)}", cells)
            continue
        try:
            acc = validate_row(dict(zip(cl.columns, cells)), rownum, today, source)
        except InputError as exc:
            yield Reject(rownum, _reason(exc), cells)
            continue
        if acc.id in first_seen:
            yield Reject(rownum, f"duplicate account_id {acc.id!r} (first at row "
                         f"{first_seen[acc.id]})", cells)  # fmt: skip
            continue
        first_seen[acc.id] = rownum
        yield acc


def _reason(exc: InputError) -> str:
    prefix = f"{exc.where}: "
    text = str(exc)
    return text[len(prefix) :] if exc.where and text.startswith(prefix) else text


def reject_path_for(path: Path) -> Path:
    """Default reject file: ``<stem>.rejects.csv`` beside the call list."""
    return path.with_name(f"{path.stem}.rejects.csv")


def write_rejects(path: Path, cl: CallList, rejects: list[Reject]) -> None:
    """Rejects in the call list's own encoding, so they open the way the input did."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=cl.encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["row", "reason", *cl.header])
        for r in rejects:
            writer.writerow([r.rownum, r.reason, *r.cells])


async def load_call_list(
    store: Store,
    campaign_id: int,
    path: Path,
    *,
    today: date,
    rejects_path: Path | None = None,
    batch_size: int = BATCH,
    progress: bool = True,
) -> LoadReport:
    """Load ``path`` into the campaign in batches (one transaction each).

    The reject file is written when there are rejects, and rewritten (header only) if an
    old one exists, so it never describes a previous load.
    """
    cl = read_call_list(path, stream=True)
    rejects_path = rejects_path or reject_path_for(path)
    rejects: list[Reject] = []
    counts = [0, 0]  # inserted, updated
    batch: list[Account] = []
    # Batch N is written (in the store's thread) while batch N+1 is validated; batches
    # are still written one at a time and in order, and a failed write stops the load
    # before the next batch starts, as if they ran one after the other.
    writing: asyncio.Task[tuple[int, int]] | None = None

    async def settle() -> None:
        nonlocal writing
        if writing is not None:
            ins, upd = await writing
            writing = None
            counts[0] += ins
            counts[1] += upd

    try:
        with Progress(disable=not progress, transient=True) as bar:
            task = bar.add_task(f"loading {path.name}", total=len(cl.rows))
            for n, item in enumerate(check_rows(cl, today, str(path)), start=1):
                if isinstance(item, Reject):
                    rejects.append(item)
                else:
                    batch.append(item)
                if len(batch) >= batch_size:
                    await settle()
                    writing = asyncio.create_task(store.upsert_accounts(campaign_id, batch))
                    batch = []
                if n % YIELD_EVERY == 0:
                    bar.advance(task, YIELD_EVERY)
                    await asyncio.sleep(0)  # let the write in flight take its next step
            await settle()
            ins, upd = await store.upsert_accounts(campaign_id, batch)
            counts[0] += ins
            counts[1] += upd
    finally:
        if writing is not None and not writing.done():
            await asyncio.wait({writing})  # never leave a transaction half-way
    inserted, updated = counts
    written = None
    if rejects or rejects_path.exists():
        write_rejects(rejects_path, cl, rejects)
        written = rejects_path
    return LoadReport(inserted, updated, len(rejects), written, cl.encoding)


async def load_csv_file(
    store: Store,
    path: Path,
    campaign: str,
    *,
    script: str | None = None,
    today: date | None = None,
    rejects_path: Path | None = None,
    progress: bool = False,
) -> LoadReport:
    """Create the campaign if needed and load ``path`` into it (the CLI and demo entry)."""
    campaign_id = await store.ensure_campaign(campaign, script=script)
    return await load_call_list(
        store, campaign_id, Path(path), today=today or date.today(),
        rejects_path=rejects_path, progress=progress,
    )  # fmt: skip
