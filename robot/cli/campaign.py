"""``dunbot campaign``: load call lists, list and inspect campaigns, run them."""

from __future__ import annotations

import argparse
import asyncio
from datetime import date
from pathlib import Path
from collections.abc import Awaitable, Callable
from typing import Any

from robot.config import load_settings
from robot.errors import InputError
from robot.store.db import Store
from robot.store.pg import is_url as is_pg_url

LOAD_EPILOG = """\
examples:
  dunbot campaign load campaigns/sample/accounts.csv --campaign demo
  dunbot campaign load june.csv --campaign june --script robot/dialogs/m0_reminder_en.yaml
  dunbot campaign load june.csv --campaign june --rejects /tmp/june.rejects.csv

Columns are described in docs/call-list.md. Loading the same file again updates the
accounts without duplicating them. Bad rows go to <file>.rejects.csv (row number, reason)."""

RUN_EPILOG = """\
examples:
  dunbot campaign run demo --max-concurrent 2
  dunbot campaign run june --max-concurrent 4 --limit 50 --no-amd

Accounts are called when due (never called, or their retry time has come) and the
compliance guard allows it now; every decision is stored with its reason. A run killed
mid-way resumes where it stopped. See also: dunbot campaign plan / set."""


async def open_store() -> Store:
    """The store named by the settings (DUNBOT_HOME / DUNBOT_DB), folders created."""
    path = load_settings().db_path
    if not is_pg_url(path):  # a postgresql:// URL names a server, not a folder
        path.parent.mkdir(parents=True, exist_ok=True)
    return await Store.open(path)


def with_store(fn: Callable[[Store, argparse.Namespace], Awaitable[int]]
               ) -> Callable[[argparse.Namespace], int]:  # fmt: skip
    """A command handler that runs ``fn(store, args)`` on the settings' store."""
    def cmd(args: argparse.Namespace) -> int:
        async def go() -> int:
            async with await open_store() as store:
                return await fn(store, args)

        return asyncio.run(go())

    return cmd


def _date_arg(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {text!r}") from None


def register(sub: Any) -> None:
    p = sub.add_parser(
        "campaign",
        help="load call lists, list, show and run campaigns",
        description="Campaigns: a named call list with a dialogue script.",
    )
    csub = p.add_subparsers(dest="campaign_command", metavar="ACTION", required=True)
    fmt = argparse.RawDescriptionHelpFormatter

    load = csub.add_parser(
        "load", help="load a call-list CSV into a campaign", epilog=LOAD_EPILOG,
        formatter_class=fmt,
    )  # fmt: skip
    load.add_argument("file", type=Path, metavar="FILE.csv", help="call list (UTF-8 or GB18030)")
    load.add_argument(
        "--campaign", required=True, metavar="NAME", help="campaign name (created if new)"
    )
    load.add_argument(
        "--script", type=Path, metavar="PATH", help="dialogue script (YAML) of the campaign"
    )
    load.add_argument(
        "--rejects", type=Path, metavar="PATH",
        help="reject file (default: <file>.rejects.csv beside the input)",
    )  # fmt: skip
    load.add_argument(
        "--today", type=_date_arg, metavar="YYYY-MM-DD",
        help="date to compute days_past_due from (default: today)",
    )  # fmt: skip
    load.set_defaults(func=cmd_load)

    lst = csub.add_parser("list", help="list campaigns with their account counts")
    lst.set_defaults(func=cmd_list)

    show = csub.add_parser(
        "show", help="attempts per disposition of one campaign",
        epilog="example:\n  dunbot campaign show demo", formatter_class=fmt,
    )  # fmt: skip
    show.add_argument("name", metavar="NAME")
    show.set_defaults(func=cmd_show)

    run = csub.add_parser(
        "run", help="call the pending accounts of a campaign", epilog=RUN_EPILOG,
        formatter_class=fmt,
    )  # fmt: skip
    run.add_argument("name", metavar="NAME")
    run.add_argument(
        "--max-concurrent", type=int, default=2, metavar="N",
        help="simultaneous calls (default 2)",
    )  # fmt: skip
    run.add_argument(
        "--limit", type=int, default=None, metavar="N",
        help="stop after N calls (default: all pending)",
    )  # fmt: skip
    run.add_argument("--no-amd", action="store_true", help="skip answering-machine detection")
    run.set_defaults(func=cmd_run)

    from robot.cli import dialer

    dialer.register(csub, fmt)


def cmd_load(args: argparse.Namespace) -> int:
    return asyncio.run(_load(args))


async def _load(args: argparse.Namespace) -> int:
    from robot.cases.csvload import load_csv_file

    script = None
    if args.script is not None:
        if not args.script.is_file():
            raise InputError("dialogue script not found", where=str(args.script))
        script = str(args.script.resolve())
    async with await open_store() as store:
        res = await load_csv_file(
            store, args.file, args.campaign, script=script, today=args.today,
            rejects_path=args.rejects, progress=True,
        )  # fmt: skip
    print(f"campaign {args.campaign}: {args.file} ({res.encoding})")
    print(f"  loaded   {res.loaded}")
    print(f"  updated  {res.updated}")
    print(f"  rejected {res.rejected}" + (f" -> {res.rejects_path}" if res.rejects_path else ""))
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    return asyncio.run(_list())


async def _list() -> int:
    async with await open_store() as store:
        rows = await store.campaigns()
        pending = {r["name"]: len(await store.pending_accounts(r["id"])) for r in rows}
    if not rows:
        print("no campaigns (load one with: dunbot campaign load FILE.csv --campaign NAME)")
        return 0
    print(f"{'campaign':<24} {'accounts':>8} {'pending':>8} {'attempts':>8}  created")
    for r in rows:
        print(f"{r['name']:<24} {r['accounts']:>8} {pending[r['name']]:>8} "
              f"{r['attempts']:>8}  {r['created_at'][:10]}")  # fmt: skip
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    return asyncio.run(_show(args.name))


async def _show(name: str) -> int:
    async with await open_store() as store:
        camp = await store.require_campaign(name)
        summary = await store.campaign_summary(name)
        pending = len(await store.pending_accounts(camp["id"]))
        total = next(c["accounts"] for c in await store.campaigns() if c["id"] == camp["id"])
    print(f"campaign {name}: {total} accounts, {pending} pending"
          + (f", script {camp['script']}" if camp["script"] else ""))  # fmt: skip
    if not summary:
        print("  no calls yet")
    for disposition, n in summary.items():
        print(f"  {disposition:<20} {n:>6}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from robot.dialer.runner import run_campaign_cli

    return run_campaign_cli(args)
