"""``dunbot export``: files for the bank (the outcome CSV, see docs/outcomes.md)."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

from robot.config import load_settings

EPILOG = """\
examples:
  dunbot export outcomes --campaign demo --out demo-outcomes.csv
  dunbot export outcomes --campaign june --out june.csv --excel   # BOM so Excel reads UTF-8

One row per call attempt; columns are described in docs/outcomes.md."""


def register(sub: Any) -> None:
    p = sub.add_parser("export", help="export campaign results for the bank")
    esub = p.add_subparsers(dest="export_command", metavar="WHAT", required=True)
    out = esub.add_parser(
        "outcomes",
        help="one CSV row per call attempt of a campaign",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    out.add_argument("--campaign", required=True, metavar="NAME", help="campaign to export")
    out.add_argument("--out", required=True, type=Path, metavar="FILE.csv", help="file to write")
    out.add_argument("--excel", action="store_true", help="write UTF-8 with BOM for Excel")
    out.set_defaults(func=cmd_outcomes)


def cmd_outcomes(args: argparse.Namespace) -> int:
    return asyncio.run(_outcomes(args))


async def _outcomes(args: argparse.Namespace) -> int:
    from robot.cases.export import export_outcomes
    from robot.cli.campaign import open_store

    settings = load_settings()
    async with await open_store() as store:
        rows = await export_outcomes(
            store, args.campaign, args.out, recordings_dir=settings.recordings_dir,
            excel=args.excel,
        )  # fmt: skip
    print(f"{len(rows)} attempt(s) of campaign {args.campaign} -> {args.out}")
    return 0
