"""``dunbot dialog``: check a dialogue script, or chat with it as the borrower.

``lint`` is what script authors run before a campaign; ``chat`` lets them walk every
branch by typing, without a phone line, using the same engine the calls use.
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
    lint.set_defaults(func=cmd_lint)
    chat = sub.add_parser("chat", help="type as the borrower and see the robot's replies")
    chat.add_argument("file")
    chat.add_argument("--account-json", default=None,
                      help='account fields, e.g. \'{"name": "Li Lei", "amount_due": 2500}\'')
    chat.add_argument("--today", default=None, help="date the call happens (YYYY-MM-DD)")
    chat.set_defaults(func=cmd_chat)


def cmd_lint(args: argparse.Namespace) -> int:
    from robot.dialogue.loader import load_script

    try:
        script = load_script(args.file)
    except DialogError as exc:
        print(str(exc))
        return 1
    print(f"OK {args.file}: {len(script.states)} states, start '{script.start}'")
    return 0


def parse_today(text: str | None) -> date:
    if not text:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"--today {text!r} is not a date (YYYY-MM-DD)") from None


def cmd_chat(args: argparse.Namespace) -> int:
    from robot.dialogue.engine import DialogSession, Step
    from robot.dialogue.loader import load_script
    from robot.dialogue.nlu import slots_to_json

    script = load_script(args.file)
    today = parse_today(args.today)
    account: dict[str, Any] = dict(_DEFAULT_ACCOUNT, due_date=today.isoformat())
    if args.account_json:
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
        step = session.handle(text) if text else session.no_input()
        show(step)
    out = session.outcome
    print("outcome:", json.dumps({
        "disposition": out.disposition,
        "ptp_amount": str(out.ptp_amount) if out.ptp_amount is not None else None,
        "ptp_date": out.ptp_date.isoformat() if out.ptp_date else None,
        "stop_calling": out.stop_calling, "transfer_queue": out.transfer_queue}, ensure_ascii=False))
    return 0
