"""``dunbot nlu parse``: what the robot understands from one utterance.

Used to tune phrase tables and to check ASR transcripts from real calls: one JSON object
per utterance, so the output pipes into jq or a regression file.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("nlu", help="run the intent/slot recogniser on text")
    sub = p.add_subparsers(dest="nlu_command", metavar="ACTION", required=True)
    parse = sub.add_parser("parse", help="print {intent, slots, confidence} as JSON")
    parse.add_argument("--lang", choices=["zh", "en"], required=True)
    parse.add_argument("--today", default=None, help="date to resolve 'tomorrow' against (YYYY-MM-DD)")
    parse.add_argument("text", help="the utterance, or - to read one per line from stdin")
    parse.set_defaults(func=cmd_parse)


def result_json(text: str, lang: str, today: Any) -> str:
    from robot.dialogue.nlu import canonical, parse, slots_to_json

    res = parse(text, lang, today)
    intent, confidence = canonical(res)
    out: dict[str, Any] = {"intent": intent}
    if res.slots:
        out["slots"] = slots_to_json(res.slots)
    out["confidence"] = round(confidence, 2)
    return json.dumps(out, ensure_ascii=False)


def cmd_parse(args: argparse.Namespace) -> int:
    from robot.cli.dialog import parse_today

    today = parse_today(args.today)
    lines = (ln.rstrip("\n") for ln in sys.stdin) if args.text == "-" else iter([args.text])
    for line in lines:  # one object per input line, blank lines included, so outputs pair up
        print(result_json(line, args.lang, today), flush=True)
    return 0
