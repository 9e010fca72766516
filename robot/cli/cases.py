"""``dunbot cases`` (the case lifecycle) and ``dunbot audit`` (the audit trail)."""

from __future__ import annotations

import argparse
import csv
import getpass
import sys
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any

from robot.cli.campaign import _date_arg, with_store
from robot.errors import InputError
from robot.store.db import Store

FMT = argparse.RawDescriptionHelpFormatter
CASES_EPILOG = """\
a daily cycle:
  dunbot cases import-accounts accounts-2026-11-28.csv --today 2026-11-28
  dunbot cases import-payments payments-2026-11-28.csv
  dunbot cases reconcile --date 2026-11-28        match payments, judge promises, buckets
  dunbot cases recall --date 2026-11-28           expired placements come back
  dunbot cases strategy rules.yaml --date 2026-11-28 --dry-run | less
  dunbot cases strategy rules.yaml --date 2026-11-28
  dunbot cases allocate --date 2026-11-28 --plan collectors.yaml
  dunbot cases sms --date 2026-11-28
  dunbot cases report --from 2026-11-01 --to 2026-11-28 --weekly --out reports/

File formats: docs/account-file.md, docs/payment-file.md; rules: docs/strategy.md,
docs/allocation.md; figures: docs/reports.md; REST API: docs/api.md."""

Handler = Callable[[Store, argparse.Namespace], Awaitable[int]]


def _actor(args: argparse.Namespace) -> str:
    return str(args.actor or f"cli:{getpass.getuser()}")


_run = with_store


def _scheme(args: argparse.Namespace) -> Any:
    from robot.cases.buckets import DEFAULT_SCHEME, parse_scheme

    return parse_scheme(args.bounds) if getattr(args, "bounds", None) else DEFAULT_SCHEME


def register(sub: Any) -> None:
    p = sub.add_parser("cases", help="account and payment files, buckets, strategy, allocation,"
                       " reconciliation, reports, REST API", epilog=CASES_EPILOG,
                       formatter_class=FMT)  # fmt: skip
    p.add_argument("--actor", metavar="NAME", help="who is acting, for the audit trail"
                   " (default cli:<user>)")  # fmt: skip
    cs = p.add_subparsers(dest="cases_command", metavar="ACTION", required=True)

    def add(name: str, fn: Handler, help_: str) -> argparse.ArgumentParser:
        q = cs.add_parser(name, help=help_, description=help_)
        q.set_defaults(func=_run(fn))
        return q

    def day(q: argparse.ArgumentParser) -> None:
        q.add_argument("--date", dest="day", type=_date_arg, default=date.today(),
                       metavar="YYYY-MM-DD", help="business day (default: today)")  # fmt: skip

    def bounds(q: argparse.ArgumentParser) -> None:
        q.add_argument("--bounds", metavar="SPEC", help="bucket cut-offs, e.g. "
                       "30:M0,60:M1,90:M2,120:M3,180:M4-M6,M6+ (the default)")  # fmt: skip

    q = add("import-accounts", _import_accounts, "apply the bank's account file (CSV)")
    q.add_argument("file", type=Path, metavar="FILE.csv")
    q.add_argument("--today", type=_date_arg, default=date.today(), metavar="YYYY-MM-DD")
    q.add_argument("--rejects", type=Path, metavar="PATH")
    q = add("import-payments", _import_payments, "record the bank's payment file (CSV)")
    q.add_argument("file", type=Path, metavar="FILE.csv")
    q.add_argument("--rejects", type=Path, metavar="PATH")
    q = add("buckets", _buckets, "recompute buckets for a day and show roll rates")
    day(q)
    bounds(q)
    q = add("reconcile", _reconcile, "match payments, judge promises, update balances, buckets")
    day(q)
    bounds(q)
    q.add_argument("--grace", type=int, default=3, metavar="DAYS",
                   help="days after a promise's date a payment still keeps it (default 3)")
    q = add("unmatched", _unmatched, "list payments that matched no account")
    q.add_argument("--out", type=Path, metavar="FILE.csv")
    q = add("strategy", _strategy, "choose each open case's treatment by the rules (YAML)")
    q.add_argument("rules", type=Path, metavar="RULES.yaml")
    day(q)
    bounds(q)
    q.add_argument("--dry-run", action="store_true", help="explain each decision, write nothing")
    q.add_argument("--account", action="append", metavar="ID", help="only these accounts")
    q = add("sms", _sms, "send the day's SMS work items through the gateway")
    day(q)
    q.add_argument("--gateway", default="outbox", help="gateway name (default outbox)")
    q = add("allocate", _allocate, "place the day's agent/agency work items (分案)")
    day(q)
    q.add_argument("--plan", type=Path, required=True, metavar="PLAN.yaml",
                   help="collectors, method and placement period (docs/allocation.md)")
    q = add("recall", _recall, "bring back expired placements (回收), or one case early")
    day(q)
    q.add_argument("--account", metavar="ID", help="recall this case now")
    q = add("show", _show, "one case: balance, bucket, placement, promises")
    q.add_argument("account", metavar="ID")
    q = add("report", _report, "daily or weekly figures as CSV and HTML")
    q.add_argument("--from", dest="start", type=_date_arg, required=True, metavar="YYYY-MM-DD")
    q.add_argument("--to", dest="end", type=_date_arg, required=True, metavar="YYYY-MM-DD")
    q.add_argument("--weekly", action="store_true", help="ISO weeks instead of days")
    q.add_argument("--out", type=Path, required=True, metavar="DIR")
    q = add("token", _token, "create a REST API token (printed once)")
    q.add_argument("name")
    q.add_argument("--role", choices=("bank", "agency"), required=True)
    q.add_argument("--collector", metavar="ID", help="the agency an agency token acts for")
    q = add("serve", _serve, "run the REST API (docs/api.md)")
    q.add_argument("--host", default="127.0.0.1")
    q.add_argument("--port", type=int, default=8090)
    o = cs.add_parser("openapi", help="print the REST API's OpenAPI spec (docs/openapi.json)")
    o.set_defaults(func=lambda a: print(_openapi_text()) or 0)


def register_audit(sub: Any) -> None:
    p = sub.add_parser("audit", help="verify and read the tamper-evident audit trail",
                       epilog="examples:\n  dunbot audit verify\n  dunbot audit head"
                       "   (keep the line it prints somewhere else)\n  dunbot audit verify"
                       " --anchor 1042:9f2c...\n  dunbot audit log --entity account:A-17",
                       formatter_class=FMT)  # fmt: skip
    a = p.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    v = a.add_parser("verify", help="check the hash chain; exit 1 naming the first broken entry")
    v.add_argument("--anchor", metavar="SEQ:HASH", help="a head printed earlier by audit head")
    v.set_defaults(func=_run(_verify))
    h = a.add_parser("head", help="print SEQ:HASH of the newest entry")
    h.set_defaults(func=_run(_head))
    lg = a.add_parser("log", help="the newest entries")
    lg.add_argument("--entity", metavar="ENTITY", help="e.g. account:A-17, day:2026-11-28")
    lg.add_argument("--limit", type=int, default=20)
    lg.set_defaults(func=_run(_log))


# -- handlers ---------------------------------------------------------------------------


def _print_import(rep: Any, updated: str = "updated") -> None:
    note = " (already received: not applied again)" if rep.already else ""
    print(f"{rep.kind}: {rep.name} sha256 {rep.sha256[:12]}{note}")
    print(f"  rows     {rep.rows}\n  new      {rep.inserted}\n  {updated:<8} {rep.updated}")
    print(f"  rejected {rep.rejected}" + (f" -> {rep.rejects_path}" if rep.rejects_path else ""))


async def _import_accounts(store: Store, args: argparse.Namespace) -> int:
    from robot.cases.accounts import import_accounts

    rep = await import_accounts(store, args.file, today=args.today, actor=_actor(args),
                                rejects_path=args.rejects)  # fmt: skip
    _print_import(rep)
    return 0


async def _import_payments(store: Store, args: argparse.Namespace) -> int:
    from robot.cases.payments import import_payments

    rep = await import_payments(store, args.file, actor=_actor(args), rejects_path=args.rejects)
    _print_import(rep, "known")
    return 0


def _print_buckets(run: Any) -> None:
    print(f"buckets on {run.day}: " + ", ".join(f"{b} {n}" for b, n in run.counts.items()))
    if run.from_day:
        print(f"roll rates since {run.from_day}:")
        for r in run.rolls:
            print(f"  {r.bucket:<8} {r.accounts:>9} accounts  rolled {r.rolled:>8}"
                  f" ({r.rate:.1%})  cured {r.cured}")  # fmt: skip


async def _buckets(store: Store, args: argparse.Namespace) -> int:
    from robot.cases.buckets import recompute

    _print_buckets(await recompute(store, args.day, _scheme(args), _actor(args)))
    return 0


async def _reconcile(store: Store, args: argparse.Namespace) -> int:
    from robot.cases.money import minor_text
    from robot.cases.reconcile import reconcile

    rep = await reconcile(store, args.day, grace_days=args.grace, scheme=_scheme(args),
                          actor=_actor(args))  # fmt: skip
    print(f"reconciliation of {rep.day}: {rep.matched} payments matched"
          f" ({minor_text(rep.matched_minor)}), {rep.unmatched} unmatched")  # fmt: skip
    print("promises judged: " + (", ".join(f"{k} {v}" for k, v in sorted(rep.promises.items()))
                                 or "none"))  # fmt: skip
    _print_buckets(rep.buckets)
    if rep.unmatched:
        print("unmatched payments need a person: dunbot cases unmatched --out FILE.csv")
    return 0


async def _unmatched(store: Store, args: argparse.Namespace) -> int:
    from robot.cases.money import minor_text
    from robot.cases.payments import unmatched

    rows = [{**r, "amount": minor_text(r["amount_minor"])} for r in await unmatched(store)]
    cols = ["payment_id", "account_id", "amount", "currency", "paid_on", "source", "note"]
    fh = args.out.open("w", encoding="utf-8", newline="") if args.out else sys.stdout
    try:
        w = csv.DictWriter(fh, fieldnames=cols, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    finally:
        if args.out:
            fh.close()
    if args.out:
        print(f"{len(rows)} unmatched payments -> {args.out}")
    return 0


async def _strategy(store: Store, args: argparse.Namespace) -> int:
    from robot.cases.strategy import load_strategy
    from robot.cases.treat import run_strategy

    strategy = load_strategy(args.rules, _scheme(args))
    run = await run_strategy(store, strategy, args.day, dry_run=args.dry_run,
                             account_ids=args.account, actor=_actor(args))  # fmt: skip
    if args.dry_run:
        for d in run.decisions:
            print(f"{d.account_id}: {d.treatment} ({d.rule_id})")
            for why in d.reasons:
                print(f"    {why}")
    print(f"strategy {strategy.name} on {args.day}" + (" (dry run)" if args.dry_run else "")
          + ": " + ", ".join(f"{t} {n}" for t, n in sorted(run.by_treatment.items())))
    for name, n in run.queued.items():
        print(f"  campaign {name}: {n} accounts queued")
    return 0


async def _sms(store: Store, args: argparse.Namespace) -> int:
    from robot.cases.sms import dispatch_sms, gateway
    from robot.config import load_settings

    gw = gateway(args.gateway, load_settings().home)
    print(f"{await dispatch_sms(store, args.day, gw, _actor(args))} SMS sent via {args.gateway}")
    return 0


async def _allocate(store: Store, args: argparse.Namespace) -> int:
    from collections import Counter

    from robot.cases.placement import load_plan, place, save_collectors

    plan = load_plan(args.plan)
    await save_collectors(store, plan, _actor(args))
    res = await place(store, args.day, plan.placement_days, plan.method, _actor(args))
    print(f"placed {len(res.assigned)} cases ({plan.method}), {len(res.unassigned)} waiting")
    for cid, n in sorted(Counter(c for _, c in res.assigned).items()):
        print(f"  {cid:<20} {n:>8}")
    for why, n in sorted(Counter(r for _, r in res.unassigned).items()):
        print(f"  waiting: {why}: {n}")
    return 0


async def _recall(store: Store, args: argparse.Namespace) -> int:
    from robot.cases.money import minor_text
    from robot.cases.placement import recall_account, recall_expired

    back = (await recall_account(store, args.account, args.day, _actor(args)) if args.account
            else await recall_expired(store, args.day, _actor(args)))  # fmt: skip
    total = sum(int(b["recovered_minor"] or 0) for b in back)
    print(f"{len(back)} placements recalled, {minor_text(total)} recovered while placed")
    return 0


async def _show(store: Store, args: argparse.Namespace) -> int:
    from robot.cases.accounts import case_row

    case = await case_row(store, args.account)
    if case is None:
        raise InputError(f"no case {args.account!r}")
    for k in ("account_id", "name", "status", "balance", "currency", "bucket", "dpd",
              "risk_score", "region", "compliance", "as_of"):  # fmt: skip
        print(f"{k:<12} {case[k]}")
    for r in await store.query("SELECT collector_id, placed_on, expires_on, status FROM"
                               " placements WHERE account_id = ? ORDER BY id", (args.account,)):
        print(f"placement    {r[0]} {r[1]}..{r[2]} {r[3]}")
    for r in await store.query("SELECT source, due_on, amount_minor, status FROM promises"
                               " WHERE account_id = ? ORDER BY due_on", (args.account,)):
        print(f"promise      {r[1]} {r[2] / 100:.2f} {r[3]} ({r[0]})")
    return 0


async def _report(store: Store, args: argparse.Namespace) -> int:
    from robot.cases import reportfmt
    from robot.cases.report import daily_counts, roll_rows

    days, bases = await daily_counts(store, args.start, args.end)
    rows = reportfmt.rollup(days, bases, args.weekly)
    rolls = await roll_rows(store, args.start, args.end)
    kind = "weekly" if args.weekly else "daily"
    args.out.mkdir(parents=True, exist_ok=True)
    stem = f"{kind}-{args.start}-{args.end}"
    (args.out / f"{stem}.csv").write_text(reportfmt.to_csv(rows), encoding="utf-8")
    (args.out / f"{stem}-rolls.csv").write_text(reportfmt.rolls_csv(rolls), encoding="utf-8")
    title = f"Dunbot {kind} report {args.start} to {args.end}"
    (args.out / f"{stem}.html").write_text(reportfmt.to_html(title, rows, rolls), "utf-8")
    print(f"{len(rows)} rows -> {args.out / stem}.csv, {stem}-rolls.csv, {stem}.html")
    return 0


async def _token(store: Store, args: argparse.Namespace) -> int:
    from robot.cases.api import create_token

    print(await create_token(store, args.name, args.role, args.collector, _actor(args)))
    return 0


async def _serve(store: Store, args: argparse.Namespace) -> int:
    from robot.cases.api import serve

    await serve(store, args.host, args.port)
    return 0


def _openapi_text() -> str:
    import json

    from robot.cases.api import openapi

    return json.dumps(openapi(), indent=2, ensure_ascii=False)


async def _verify(store: Store, args: argparse.Namespace) -> int:
    from robot.cases import audit

    anchor = audit.parse_anchor(args.anchor) if args.anchor else None
    problems = await audit.verify(store, anchor)
    seq, _ = await audit.head(store)
    if not problems:
        print(f"audit trail: {seq} entries, intact")
        return 0
    print(f"audit trail BROKEN: first broken entry: seq {problems[0].seq}", file=sys.stderr)
    for p in problems:
        print(f"  {p}", file=sys.stderr)
    return 1


async def _head(store: Store, args: argparse.Namespace) -> int:
    from robot.cases import audit

    seq, digest = await audit.head(store)
    print(f"{seq}:{digest}")
    return 0


async def _log(store: Store, args: argparse.Namespace) -> int:
    from robot.cases import audit

    for e in await audit.entries(store, args.entity, args.limit):
        print(f"{e.seq:>8} {e.at} {e.actor:<16} {e.action:<20} {e.entity}"
              + (f" before={e.before}" if e.before else "")
              + (f" after={e.after}" if e.after else ""))  # fmt: skip
    return 0

