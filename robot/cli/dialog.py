"""``dunbot dialog``: check, draw, test a dialogue script, or chat with it as the borrower.

``lint`` is what script authors run before a campaign (validity plus authoring rules:
unhandled intents, long prompts, forbidden wording); ``graph`` draws the state machine;
``test`` replays the scripted conversations kept beside the script; ``chat`` lets them
walk every branch by typing, without a phone line, using the same engine the calls use.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from typing import Any

from robot.errors import DialogError, InputError

_DEFAULT_ACCOUNT = {"name": "John Smith", "amount_due": "2500.50", "due_date": None}


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("dialog", help="lint or try out a dialogue script")
    sub = p.add_subparsers(dest="dialog_command", metavar="ACTION", required=True)
    lint = sub.add_parser("lint", help="validate a script (syntax, schema, graph rules)")
    lint.add_argument("file")
    lint.add_argument("--max-prompt", type=int, default=None,
                      help="longest prompt in characters (default: 60 for zh, 180 for en)")
    lint.add_argument("--forbidden", default=None,
                      help="YAML list of forbidden wording (default: the shipped forbidden.yaml)")
    lint.set_defaults(func=cmd_lint)
    graph = sub.add_parser("graph", help="draw the state machine (SVG, PNG, PDF or DOT)")
    graph.add_argument("file")
    graph.add_argument("-o", "--output", required=True, help="picture file; the suffix picks the format")
    graph.set_defaults(func=cmd_graph)
    test = sub.add_parser("test", help="replay a script's conversation tests (YAML)")
    test.add_argument("file", help="a script (its tests/<name>.tests.yaml is run) or a .tests.yaml file")
    test.add_argument("-v", "--verbose", action="store_true", help="print each conversation")
    test.set_defaults(func=cmd_test)
    chat = sub.add_parser("chat", help="type as the borrower and see the robot's replies")
    chat.add_argument("file")
    chat.add_argument("--account", default=None, metavar="ID",
                      help="take the account fields from the case store (settings.db_path)")
    chat.add_argument("--account-json", default=None,
                      help='account fields, e.g. \'{"name": "Li Lei", "amount_due": 2500}\' '
                           '(also the fallback when --account is not in the store)')
    chat.add_argument("--today", default=None, help="date the call happens (YYYY-MM-DD)")
    chat.set_defaults(func=cmd_chat)


def cmd_lint(args: argparse.Namespace) -> int:
    from robot.dialogue.lint import lint_file
    from robot.dialogue.loader import load_script

    try:
        script = load_script(args.file)
        problems = lint_file(args.file, max_prompt=args.max_prompt, forbidden_file=args.forbidden)
    except DialogError as exc:
        print(str(exc))
        return 1
    if problems:
        print("\n".join(problems))
        return 1
    print(f"OK {args.file}: {len(script.states)} states, start '{script.start}'")
    return 0


def cmd_graph(args: argparse.Namespace) -> int:
    from robot.dialogue.draw import render
    from robot.dialogue.loader import load_script

    try:
        script = load_script(args.file)
    except DialogError as exc:
        print(str(exc))
        return 1
    print(f"wrote {render(script, args.output)}")
    return 0


def cmd_test(args: argparse.Namespace) -> int:
    from robot.dialogue.convtest import run_file

    try:
        script_path, results = run_file(args.file)
    except DialogError as exc:
        print(str(exc))
        return 1
    for r in results:
        print(f"{'PASS' if r.ok else 'FAIL'} {r.name}")
        for f in r.failures:
            print(f"  {f}")
        if args.verbose or not r.ok:
            print("\n".join(f"    {line}" for line in r.transcript))
    failed = sum(not r.ok for r in results)
    print(f"{script_path}: {len(results) - failed} passed, {failed} failed")
    return 1 if failed or not results else 0


def store_account(account_id: str) -> dict[str, Any] | None:
    """The account's fields as a call sees them, from the case store; None if absent."""
    import asyncio

    from robot.config import load_settings
    from robot.store.db import Store

    path = load_settings().db_path
    if not path.exists():
        return None

    async def fetch() -> dict[str, Any] | None:
        async with await Store.open(path) as store:
            acc = await store.account(account_id)
        if acc is None:
            return None
        from robot.telephony.call import account_fields
        return account_fields(acc)

    return asyncio.run(fetch())


def parse_today(text: str | None) -> date:
    if not text:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"--today {text!r} is not a date (YYYY-MM-DD)") from None


def cmd_chat(args: argparse.Namespace) -> int:
    from robot.dialogue.emotion import classify_emotion
    from robot.dialogue.engine import DialogSession, Step
    from robot.dialogue.loader import load_script
    from robot.dialogue.nlu import slots_to_json

    script = load_script(args.file)
    today = parse_today(args.today)
    account: dict[str, Any] = dict(_DEFAULT_ACCOUNT, due_date=today.isoformat())
    found = store_account(args.account) if args.account else None
    if args.account and found is None and not args.account_json:
        raise InputError(f"account {args.account!r} is not in the case store "
                         "(import a call list, or give --account-json)")
    if found is not None:
        account.update(found)
        print(f"(account {args.account} from the case store)")
    elif args.account_json:
        try:
            account.update(json.loads(args.account_json))
        except (json.JSONDecodeError, TypeError) as exc:
            raise InputError(f"--account-json is not a JSON object: {exc}") from None
    session = DialogSession(script, account, today)

    def show(step: Step) -> None:
        for p in step.prompts:
            print(f"robot: {p.text}" + ("  [must hear]" if p.must_hear else ""))
        print(f"  [state={step.state} intent={step.intent} slots={json.dumps(slots_to_json(step.slots), ensure_ascii=False)}]")

    print("(type the borrower's replies; empty line = silence, Ctrl-D = hang up)")
    step = session.start()
    show(step)
    while not step.ended:
        line = sys.stdin.readline()
        if not line:
            break
        text = line.strip()
        if text:
            emo = classify_emotion(text, script.lang)  # text cues only: no audio here
            if emo.label != "neutral":
                print(f"  [emotion={emo.label} cues={', '.join(emo.cues)}]")
            step = session.handle(text, emotion=emo.label)
        else:
            step = session.no_input()
        show(step)
    out = session.outcome
    print("outcome:", json.dumps({
        "disposition": out.disposition,
        "ptp_amount": str(out.ptp_amount) if out.ptp_amount is not None else None,
        "ptp_date": out.ptp_date.isoformat() if out.ptp_date else None,
        "stop_calling": out.stop_calling, "transfer_queue": out.transfer_queue}, ensure_ascii=False))
    return 0
