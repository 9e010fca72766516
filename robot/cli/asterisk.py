"""``dunbot asterisk``: start, stop and inspect the Asterisk the robot calls through."""

from __future__ import annotations

import argparse
import json
import sys

from robot.config import load_settings
from robot.telephony import asterisk

DESCRIPTION = """\
Manage the Asterisk 22 that carries Dunbot's calls.

If the host has Asterisk 22 or later installed (`asterisk -V`), Dunbot runs it with its
own configuration folder ($DUNBOT_HOME/asterisk/etc) and leaves /etc/asterisk alone.
Otherwise it builds, once, a private Debian root with Asterisk under
$DUNBOT_CACHE/asterisk-root (debootstrap from this machine's Debian mirror, about a
minute and 500 MB) and runs Asterisk there. The configuration installed on every start
is the repository's asterisk/etc/ plus the generated ARI user and HTTP address."""

EPILOG = """\
examples:
  dunbot asterisk up                       build if needed, start, wait for ARI
  dunbot asterisk status --json            what runs where (machine-readable)
  dunbot asterisk cli -x "pjsip show endpoints"
  dunbot asterisk cli                      interactive console (exit with 'quit')
  dunbot asterisk down                     stop, unmount, verify nothing is left"""


def _progress(line: str) -> None:
    print(f"  {line}", file=sys.stderr, flush=True)


def _print_status(info: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(info, indent=2))
        return
    state = f"running, Asterisk {info['version']}" if info["running"] else "not running"
    print(f"Asterisk: {state}")
    where = info["root"] if info["mode"] == "private" else "installed on the host"
    print(f"  mode:    {info['mode']} ({where})")
    if info["mode"] == "private" and not info["built"]:
        print("  root:    not built yet (`dunbot asterisk up` builds it)")
    print(f"  pids:    {', '.join(map(str, info['pids'])) or '-'}")
    print(f"  ARI:     {info['ari_url']}")
    print(f"  config:  {info['config']}")
    print(f"  spool:   {info['spool']}")
    print(f"  log:     {info['log']}")


def cmd_up(args: argparse.Namespace) -> int:
    settings = load_settings()
    info = asterisk.up(settings, progress=_progress)
    _print_status(info, args.json)
    return 0


def cmd_down(args: argparse.Namespace) -> int:
    asterisk.down(load_settings(), progress=_progress)
    print("Asterisk stopped; no process or mount left.")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    info = asterisk.status(load_settings())
    _print_status(info, args.json)
    return 0 if info["running"] else 3


def cmd_cli(args: argparse.Namespace) -> int:
    return asterisk.cli(load_settings(), args.execute)


def register(subparsers: argparse._SubParsersAction) -> None:
    fmt = argparse.RawDescriptionHelpFormatter
    parser = subparsers.add_parser(
        "asterisk", help="start/stop/inspect Asterisk", description=DESCRIPTION,
        epilog=EPILOG, formatter_class=fmt,
    )
    sub = parser.add_subparsers(dest="asterisk_command", metavar="ACTION", required=True)

    p = sub.add_parser(
        "up", help="build once if needed, install the configuration, start, wait for ARI",
        description="Start Asterisk and wait until ARI answers (up to 60 s). Does nothing "
        "if it already answers. The first run builds the private root and prints progress.",
        formatter_class=fmt,
    )
    p.add_argument("--json", action="store_true", help="print the status as JSON")
    p.set_defaults(func=cmd_up)

    p = sub.add_parser(
        "down", help="stop Asterisk and unmount its root",
        description="Stop Asterisk (core stop now, then SIGTERM/SIGKILL if needed), unmount "
        "everything under the private root, and check that nothing is left. Safe to repeat.",
    )
    p.set_defaults(func=cmd_down)

    p = sub.add_parser(
        "status", help="show mode, pids, version, ARI URL (exit 3 when not running)",
        description="Show which Asterisk is used and whether ARI answers. Exit status 0 "
        "when running, 3 when not.",
    )
    p.add_argument("--json", action="store_true", help="print the status as JSON")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser(
        "cli", help="run an Asterisk CLI command, or open the console",
        description="Without -x: an interactive Asterisk console (asterisk -r). With -x: "
        "run one command and print its output (asterisk -rx).",
    )
    p.add_argument("-x", "--execute", metavar="CMD", help='command, e.g. "core show channels"')
    p.set_defaults(func=cmd_cli)
