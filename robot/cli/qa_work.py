"""``dunbot qa import|run|show|report|sample|review|appeal|decide|queue``: QA of stored calls.

The nightly job is ``qa run`` (robot calls scored from their live turns, imported
collector recordings transcribed then scored); people then work the queue: spot checks
(``sample``), verdicts on findings (``review``), agents' appeals (``appeal``) and the
decisions on them (``decide``). Every step is in the audit trail (``dunbot audit verify``).
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from robot.store.db import Store

EPILOG = """\
a day of QA:
  dunbot qa import calls/*.wav --agent A017 --agency east --lang zh   human collectors' calls
  dunbot qa run --since 2026-11-27                 score everything not scored yet (resumable)
  dunbot qa sample --rate 0.05                     every fatal call + 5 % of the others
  dunbot qa queue                                  what awaits a reviewer
  dunbot qa show CALL                              a call's score and numbered findings
  dunbot qa review CALL --finding 2 --overturn --reviewer li.na --note "quoting the law"
  dunbot qa appeal CALL --finding 1 --agent A017 --reason "the debtor's words, not mine"
  dunbot qa decide 3 --uphold --reviewer li.na
  dunbot qa report --since 2026-11-01 --out qa-november.html --csv qa-november.csv
Recordings: 16-bit stereo WAV, channel 1 the collector, channel 2 the borrower (docs/qa.md)."""

Handler = Callable[[Store, argparse.Namespace], Awaitable[int]]


def _run(fn: Handler) -> Callable[[argparse.Namespace], int]:
    from robot.cli.campaign import with_store

    return with_store(fn)


def _day(text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _period(args: argparse.Namespace) -> tuple[str, str]:
    until = (date.fromisoformat(args.until) + timedelta(days=1)).isoformat() if args.until else "9999"
    return args.since, until


def register(sub: Any) -> None:
    """Add the stored-call commands to the ``qa`` group's sub-parsers."""
    fmt = argparse.RawDescriptionHelpFormatter
    im = sub.add_parser("import", help="register stereo recordings of human collectors' calls",
                        epilog=EPILOG, formatter_class=fmt)
    im.add_argument("files", nargs="+", type=Path, metavar="FILE.wav")
    im.add_argument("--agent", required=True, help="the collector heard on channel 1")
    im.add_argument("--agency", default="", help="their agency ('' = the bank's own staff)")
    im.add_argument("--account", default=None, help="the account the call was about")
    im.add_argument("--lang", required=True, choices=("zh", "en"))
    im.add_argument("--at", default=None, help="when the call took place (ISO; default: now)")
    im.set_defaults(func=_run(_import))
    rn = sub.add_parser("run", help="transcribe and score stored calls without a result",
                        epilog=EPILOG, formatter_class=fmt)
    rn.add_argument("--since", type=_day, required=True, help="first day (YYYY-MM-DD, UTC)")
    rn.add_argument("--until", type=_day, default=None, help="last day (default: no end)")
    rn.add_argument("--limit", type=int, default=None, help="at most this many calls")
    rn.set_defaults(func=_run(_batch))
    sh = sub.add_parser("show", help="a scored call: score and numbered findings")
    sh.add_argument("call")
    sh.set_defaults(func=_run(_show))
    rp = sub.add_parser("report", help="HTML report with charts (and CSV) over a period")
    rp.add_argument("--since", type=_day, required=True)
    rp.add_argument("--until", type=_day, default=None)
    rp.add_argument("--out", type=Path, required=True, metavar="REPORT.html")
    rp.add_argument("--csv", type=Path, default=None, metavar="CALLS.csv")
    rp.set_defaults(func=_run(_report))
    sa = sub.add_parser("sample", help="pick calls for spot checks (all fatal + a random share)")
    sa.add_argument("--rate", type=float, default=None,
                    help="share of non-fatal calls (default: setting qa_sample_rate, 0.05)")
    sa.add_argument("--seed", type=int, default=None, help="fix the draw (repeatable)")
    sa.add_argument("--actor", default=None)
    sa.set_defaults(func=_run(_sample))
    rv = sub.add_parser("review", help="confirm or overturn a finding")
    rv.add_argument("call")
    rv.add_argument("--finding", type=int, required=True, metavar="N")
    g = rv.add_mutually_exclusive_group(required=True)
    g.add_argument("--confirm", dest="verdict", action="store_const", const="confirmed")
    g.add_argument("--overturn", dest="verdict", action="store_const", const="overturned")
    rv.add_argument("--reviewer", required=True)
    rv.add_argument("--note", default="")
    rv.set_defaults(func=_run(_review))
    ap = sub.add_parser("appeal", help="an agent appeals a finding of their call")
    ap.add_argument("call")
    ap.add_argument("--finding", type=int, required=True, metavar="N")
    ap.add_argument("--agent", required=True)
    ap.add_argument("--reason", required=True)
    ap.set_defaults(func=_run(_appeal))
    de = sub.add_parser("decide", help="uphold or reject an appeal")
    de.add_argument("appeal", type=int, metavar="APPEAL")
    g = de.add_mutually_exclusive_group(required=True)
    g.add_argument("--uphold", dest="decision", action="store_const", const="uphold")
    g.add_argument("--reject", dest="decision", action="store_const", const="reject")
    de.add_argument("--reviewer", required=True)
    de.add_argument("--note", default="")
    de.set_defaults(func=_run(_decide))
    qu = sub.add_parser("queue", help="sampled calls and appeals awaiting a person")
    qu.add_argument("--json", action="store_true")
    qu.set_defaults(func=_run(_queue))


async def _import(store: Store, args: argparse.Namespace) -> int:
    from robot.qa.legs import read_legs
    from robot.qa.store import import_recording

    for path in args.files:
        _, duration = read_legs(path)  # refuse mono/broken files before registering them
        cid, new = await import_recording(
            store, path, agent=args.agent, agency=args.agency, account=args.account,
            lang=args.lang, recorded_at=args.at, duration_s=duration,
            actor=f"cli:{getpass.getuser()}")  # fmt: skip
        print(f"{cid}  {path}  {duration:.1f} s{'' if new else '  (imported before)'}")
    return 0


async def _batch(store: Store, args: argparse.Namespace) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from robot.config import load_settings
    from robot.qa.batch import run

    since, until = _period(args)
    with Progress(TextColumn("[bold]qa run"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), TextColumn("{task.fields[call]}"),
                  transient=False) as bar:  # fmt: skip
        task = bar.add_task("qa", total=None, call="")

        def progress(done: int, total: int, call: str) -> None:
            bar.update(task, completed=done, total=total, call=call)

        rep = await run(store, load_settings(), since, until, limit=args.limit, progress=progress)
    print(f"scored {rep.scored} call(s), {rep.fatal} fatal; skipped {len(rep.skipped)}"
          f" (no speech); failed {len(rep.failed)}")
    for line in rep.failed:
        print(f"  failed: {line}", file=sys.stderr)
    return 1 if rep.failed else 0


async def _show(store: Store, args: argparse.Namespace) -> int:
    from robot.qa.store import findings, result

    res = await result(store, args.call)
    print(json.dumps({**res, "findings": await findings(store, args.call)}, ensure_ascii=False,
                     indent=2))
    return 0


async def _report(store: Store, args: argparse.Namespace) -> int:
    from robot.qa.report import rows, to_csv, to_html

    since, until = _period(args)
    data = await rows(store, since, until)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(to_html(data, args.since, args.until or "today"), encoding="utf-8")
    print(f"{len(data)} calls -> {args.out}")
    if args.csv:
        args.csv.write_text(to_csv(data), encoding="utf-8")
        print(f"           -> {args.csv}")
    return 0


async def _sample(store: Store, args: argparse.Namespace) -> int:
    from robot.config import load_settings
    from robot.qa.store import sample

    rate = args.rate if args.rate is not None else load_settings().qa_sample_rate
    picked = await sample(store, rate, args.seed, args.actor or f"cli:{getpass.getuser()}")
    for cid, reason in picked:
        print(f"{reason:7} {cid}")
    print(f"{len(picked)} call(s) sampled")
    return 0


async def _review(store: Store, args: argparse.Namespace) -> int:
    from robot.qa.store import review

    score = await review(store, args.call, args.finding, args.verdict, args.reviewer, args.note)
    print(f"finding {args.finding} {args.verdict}; score now {score}")
    return 0


async def _appeal(store: Store, args: argparse.Namespace) -> int:
    from robot.qa.store import appeal

    print(f"appeal {await appeal(store, args.call, args.finding, args.agent, args.reason)} filed")
    return 0


async def _decide(store: Store, args: argparse.Namespace) -> int:
    from robot.qa.store import decide

    score = await decide(store, args.appeal, args.decision, args.reviewer, args.note)
    print(f"appeal {args.appeal}: {args.decision}; score now {score}")
    return 0


async def _queue(store: Store, args: argparse.Namespace) -> int:
    from robot.qa.store import queue

    q = await queue(store)
    if args.json:
        print(json.dumps(q, ensure_ascii=False))
        return 0
    print(f"spot checks ({len(q['samples'])}):")
    for s in q["samples"]:
        print(f"  {s['reason']:7} {s['call_id']}  score {s['score']}  agent {s['agent_id']}")
    print(f"appeals ({len(q['appeals'])}):")
    for a in q["appeals"]:
        print(f"  #{a['id']} {a['call_id']} finding {a['n']} ({a['code']}) by {a['agent_id']}:"
              f" {a['reason']}")
    return 0
