"""``dunbot qa``: quality inspection of call transcripts.

``score`` prints one JSON object per file so the output can go straight into a
supervisor's dashboard or a spreadsheet import; ``check-rules`` is what compliance staff
run after editing a rule file, before the night's batch relies on it. The exit code of
``score`` is 0 even when violations are found: finding them is the command working.
"""

from __future__ import annotations

import argparse
import json
from typing import Any


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("qa", help="score call transcripts against compliance rules")
    sub = p.add_subparsers(dest="qa_command", metavar="ACTION", required=True)
    sc = sub.add_parser("score", help="score transcript JSON files, print JSON results",
                        description='Each FILE is {"lang": "zh|en", "turns": [{"speaker": '
                                    '"agent|robot|debtor|third_party", "start": s, "end": s, '
                                    '"text": "..."}]}.')
    sc.add_argument("files", nargs="+", metavar="FILE.json")
    sc.add_argument("--rules", default=None, metavar="RULES.yaml",
                    help="rule file to use instead of the shipped one for the transcript's language")
    sc.add_argument("--indent", type=int, default=None, help="pretty-print with this indent")
    sc.set_defaults(func=cmd_score)
    ck = sub.add_parser("check-rules", help="validate a QA rule file")
    ck.add_argument("file", metavar="RULES.yaml")
    ck.set_defaults(func=cmd_check_rules)
    from robot.cli import qa_work  # stored calls: import, run, report, review workflow

    qa_work.register(sub)
    from robot.cli import qa_watch  # live turns and findings over MQTT

    qa_watch.register(sub)


def cmd_score(args: argparse.Namespace) -> int:
    from robot.qa.rules import load_rules
    from robot.qa.score import score_transcript
    from robot.qa.transcript import read_transcript

    rules = load_rules(args.rules) if args.rules else None
    for path in args.files:
        result = score_transcript(read_transcript(path), rules)
        out = result.to_json()
        if len(args.files) > 1:
            out = {"file": path, **out}
        print(json.dumps(out, ensure_ascii=False, indent=args.indent), flush=True)
    return 0


def cmd_check_rules(args: argparse.Namespace) -> int:
    from robot.qa.rules import load_rules

    rs = load_rules(args.file)
    print(f"OK {args.file}: {rs.lang}, {len(rs.rules)} rules, {len(rs.concepts)} concepts")
    return 0
