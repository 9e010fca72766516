"""The ``dunbot`` command line.

Each sub-command group lives in its own module here and exposes
``register(subparsers)``; the group's handler functions take the parsed
``argparse.Namespace`` and return an exit code. Errors derived from
:class:`robot.errors.DunbotError` are printed as one clear line (exit 1); anything else
is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from robot import __version__
from robot.errors import DunbotError

#: Modules under robot.cli that contribute sub-commands, in the order --help lists them.
GROUPS = ["demo", "campaign", "cases", "audit", "export", "asterisk", "mqtt", "sim", "dialog", "nlu", "tts", "asr", "qa"]

EPILOG = """\
typical session:
  dunbot asterisk up                                 start Asterisk (builds it once if needed)
  dunbot campaign load accounts.csv --campaign june  load a call list (bad rows -> reject file)
  dunbot campaign run june --max-concurrent 4        call every pending account
  dunbot export outcomes --campaign june --out june.csv

settings come from DUNBOT_* environment variables or $DUNBOT_HOME/dunbot.toml
(DUNBOT_HOME defaults to /var/lib/dunbot)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dunbot",
        description="Telephone debt-collection robot on Asterisk.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"dunbot {__version__}")
    parser.add_argument("--log-level", default="WARNING", help="logging level (default WARNING)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in GROUPS:
        try:
            module = importlib.import_module(f"robot.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"robot.cli.{name}":
                continue
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    from robot.logs import setup_logging

    setup_logging(args.log_level.upper())
    try:
        return int(args.func(args) or 0)
    except DunbotError as exc:
        print(f"dunbot: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("dunbot: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
