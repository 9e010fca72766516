"""``dunbot campaign plan|set|dnc|consent|callback``: the dialer's side of a campaign."""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from robot.errors import InputError

PLAN_EPILOG = """\
examples:
  dunbot campaign plan june --at "2026-12-01 14:00"        (UTC)
  dunbot campaign plan june --at "2026-12-01 22:05+08:00" --summary

For each account: callable, or the rule that blocks it (with the reason) and the next
time it becomes callable, in the account's local time; finished accounts and retries
not yet due are shown as such."""

SET_EPILOG = """\
examples:
  dunbot campaign set june --profile cn --window 09:00-20:00
  dunbot campaign set june --machine voicemail --business-name "Acme Services" \\
      --contact-name "Jane Miller" --callback-number +15550109999
  dunbot campaign set june --max-attempts 5 --retry busy=20 --retry no_answer=180
  dunbot campaign set june --mode predictive --business-name "Acme Services" \\
      --callback-number +15550109999 --agent-queue collectors --abandon-cap 0.03 \\
      --trunk-channels 30 --trunk-cps 5

Predictive mode sends answered calls to the agents of --agent-queue and dials ahead
of them; see docs/dialer.md.

Without options it prints the current settings."""

_PHONE_SEPARATORS = re.compile(r"[ \-()]")
_PHONE = re.compile(r"^\+?\d{6,15}$")


def register(csub: Any, fmt: Any) -> None:
    plan = csub.add_parser("plan", help="who is callable at a time, and why not",
                           epilog=PLAN_EPILOG, formatter_class=fmt)
    plan.add_argument("name", metavar="NAME")
    plan.add_argument("--at", required=True, metavar='"YYYY-MM-DD HH:MM"',
                      help="the instant (UTC unless an offset is given)")
    plan.add_argument("--summary", action="store_true", help="counts by rule only")
    plan.set_defaults(func=cmd_plan)

    st = csub.add_parser("set", help="dialing settings: profile, window, machines, retries",
                         epilog=SET_EPILOG, formatter_class=fmt)
    st.add_argument("name", metavar="NAME")
    st.add_argument("--profile", metavar="cn|us|FILE", help="jurisdiction profile")
    st.add_argument("--window", metavar="HH:MM-HH:MM", help="campaign calling window (local)")
    st.add_argument("--machine", choices=("hangup", "voicemail"))
    st.add_argument("--max-attempts", type=int, metavar="N")
    st.add_argument("--retry", action="append", default=[], metavar="OUTCOME=MIN",
                    help="minutes before retrying after an outcome (repeatable)")
    st.add_argument("--best-time", choices=("on", "off"))
    st.add_argument("--business-name")
    st.add_argument("--contact-name")
    st.add_argument("--callback-number")
    st.add_argument("--mode", choices=("robot", "predictive"),
                    help="robot: the robot talks; predictive: answered calls go to agents")
    st.add_argument("--agent-queue", metavar="QUEUE", help="predictive: the agents' queue")
    st.add_argument("--agent-wait", type=float, metavar="S",
                    help="predictive: seconds to wait for an agent (at most 2)")
    st.add_argument("--abandon-cap", type=float, metavar="SHARE",
                    help="predictive: abandoned / live answers over 30 days (default 0.03)")
    st.add_argument("--trunk-channels", type=int, metavar="N", help="calls at once on the trunk")
    st.add_argument("--trunk-cps", type=int, metavar="N", help="new calls per second on the trunk")
    st.set_defaults(func=cmd_set)

    sts = csub.add_parser("status", help="agents, answer rate and abandonment rate",
                          description="Agents by state (live, over AMI), the measured "
                                      "answer rate and the 30-day abandonment rate against "
                                      "the campaign's cap: what the predictive pacer uses.")
    sts.add_argument("name", metavar="NAME")
    sts.set_defaults(func=cmd_status)

    dnc = csub.add_parser("dnc", help="the do-not-call list")
    dsub = dnc.add_subparsers(dest="dnc_command", metavar="ACTION", required=True)
    dl = dsub.add_parser("load", help="add the numbers of a file (one per line, or a CSV "
                                      "with a phone column and an optional reason)")
    dl.add_argument("file", type=Path, metavar="FILE")
    dl.set_defaults(func=cmd_dnc_load)

    cons = csub.add_parser("consent", help="record a borrower's consent to a calling window")
    cons.add_argument("account", metavar="ACCOUNT_ID")
    cons.add_argument("window", metavar="HH:MM-HH:MM", help="local time window agreed to")
    cons.add_argument("--note")
    cons.set_defaults(func=cmd_consent)

    cb = csub.add_parser("callback", help="record the time a borrower asked to be called")
    cb.add_argument("name", metavar="NAME")
    cb.add_argument("account", metavar="ACCOUNT_ID")
    cb.add_argument("--at", required=True, metavar='"YYYY-MM-DD HH:MM"',
                    help="UTC unless an offset is given")
    cb.set_defaults(func=cmd_callback)


def parse_at(text: str) -> datetime:
    """``YYYY-MM-DD HH:MM`` (UTC) or with an offset / ``Z``."""
    try:
        at = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f'--at must look like "2026-12-01 14:00", not {text!r}') from None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


def _local(at: datetime | None, tz: str) -> str:
    if at is None:
        return "-"
    from robot.dialer.tzcalendar import zone

    return at.astimezone(zone(tz)).strftime("%Y-%m-%d %H:%M %Z")


def cmd_plan(args: argparse.Namespace) -> int:
    return asyncio.run(_plan(args))


async def _plan(args: argparse.Namespace) -> int:
    from robot.cli.campaign import open_store
    from robot.dialer.planning import plan_campaign
    from robot.logs import mask_phone

    at = parse_at(args.at)
    counts: Counter[str] = Counter()
    async with await open_store() as store:
        if not args.summary:
            print(f"{'account':<16} {'phone':<14} {'status':<9} {'rule':<30} next / reason")
        async for row in plan_campaign(store, args.name, at):
            counts[row.rule or row.status] += 1
            if args.summary:
                continue
            if row.status == "callable":
                tail = "callable now"
            else:
                tail = f"{_local(row.next_at, row.timezone)}  {row.reason}"
            print(f"{row.account_id:<16} {mask_phone(row.phone):<14} {row.status:<9} "
                  f"{row.rule or '':<30} {tail}")
    print(f"plan of {args.name} at {at.astimezone(UTC):%Y-%m-%d %H:%M}Z: "
          + ", ".join(f"{k} {v}" for k, v in counts.most_common()))
    return 0


def cmd_set(args: argparse.Namespace) -> int:
    return asyncio.run(_set(args))


async def _set(args: argparse.Namespace) -> int:
    from robot.cli.campaign import open_store
    from robot.store import dialer as ds

    retry: dict[str, int] = {}
    for item in args.retry:
        key, _, minutes = item.partition("=")
        if not minutes.isdigit():
            raise InputError(f"--retry takes OUTCOME=MINUTES, not {item!r}")
        retry[key.strip()] = int(minutes)
    async with await open_store() as store:
        camp = await store.require_campaign(args.name)
        cur = await ds.get_settings(store, camp["id"])
        changes = dict(profile=args.profile, window=args.window, machine=args.machine,
                       max_attempts=args.max_attempts, business_name=args.business_name,
                       contact_name=args.contact_name, callback_number=args.callback_number,
                       mode=args.mode, agent_queue=args.agent_queue, agent_wait_s=args.agent_wait,
                       abandon_cap=args.abandon_cap, trunk_channels=args.trunk_channels,
                       trunk_cps=args.trunk_cps)
        if args.best_time:
            changes["best_time"] = args.best_time == "on"
        if retry:
            changes["retry_minutes"] = {**cur.retry_minutes, **retry}
        new = cur.updated(**changes)
        if new != cur:
            await ds.set_settings(store, args.name, new)
    for key, value in sorted(new.__dict__.items()):
        print(f"  {key:<16} {value}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    return asyncio.run(_status(args))


async def _status(args: argparse.Namespace) -> int:
    from robot.cli.campaign import open_store
    from robot.config import load_settings
    from robot.dialer.status import campaign_status, format_status

    async with await open_store() as store:
        print(format_status(await campaign_status(load_settings(), store, args.name)))
    return 0


def read_numbers(path: Path) -> list[tuple[str, str | None]]:
    """``(phone, reason)`` from a file of numbers or a CSV with a ``phone`` column."""
    from robot.cases.csvload import decode

    try:
        text, _ = decode(path.read_bytes(), str(path))
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", where=str(path)) from None
    rows = list(csv.reader(io.StringIO(text, newline="")))
    col, reason_col, start = 0, None, 0
    if rows:
        head = [h.strip().lower() for h in rows[0]]
        if "phone" in head:
            col, start = head.index("phone"), 1
            reason_col = head.index("reason") if "reason" in head else None
    out = []
    for n, cells in enumerate(rows[start:], start=start + 1):
        if not cells or not cells[col].strip() or cells[0].lstrip().startswith("#"):
            continue
        phone = _PHONE_SEPARATORS.sub("", cells[col].strip())
        if not _PHONE.match(phone):
            raise InputError(f"not a phone number: {cells[col]!r}", where=f"{path} row {n}")
        reason = cells[reason_col].strip() if reason_col is not None and len(cells) > reason_col else None
        out.append((phone, reason or None))
    return out


def cmd_dnc_load(args: argparse.Namespace) -> int:
    return asyncio.run(_dnc_load(args))


async def _dnc_load(args: argparse.Namespace) -> int:
    from robot.cli.campaign import open_store
    from robot.store import dialer as ds

    numbers = read_numbers(args.file)
    async with await open_store() as store:
        added, known = await ds.add_dnc(store, numbers, source=args.file.name)
    print(f"do-not-call list: {added} added, {known} already listed ({args.file})")
    return 0


def cmd_consent(args: argparse.Namespace) -> int:
    return asyncio.run(_consent(args))


async def _consent(args: argparse.Namespace) -> int:
    from robot.cli.campaign import open_store
    from robot.dialer.settings import parse_window
    from robot.store import dialer as ds

    w = parse_window(args.window)
    async with await open_store() as store:
        if await store.account(args.account) is None:
            raise InputError(f"no account {args.account!r}")
        await ds.add_consent(store, args.account, f"{w.start:%H:%M}", f"{w.end:%H:%M}",
                             args.note)
    print(f"account {args.account}: consent to calls {w} local recorded")
    return 0


def cmd_callback(args: argparse.Namespace) -> int:
    return asyncio.run(_callback(args))


async def _callback(args: argparse.Namespace) -> int:
    from robot.cli.campaign import open_store
    from robot.store import dialer as ds

    at = parse_at(args.at)
    async with await open_store() as store:
        camp = await store.require_campaign(args.name)
        if await store.account(args.account) is None:
            raise InputError(f"no account {args.account!r}")
        await ds.set_callback(store, camp["id"], args.account, at)
    print(f"account {args.account}: callback at {at.astimezone(UTC):%Y-%m-%d %H:%M}Z")
    return 0
