"""``dunbot qa watch``: live turns and QA findings of the calls in progress.

A supervisor keeps it open in a terminal; violations stand out, fatal ones in red, so a
threat or a disclosure to a relative is seen while the call is still on. ``--json``
prints the raw messages (one per line) for other tools.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

EPILOG = """\
examples:
  dunbot qa watch                        every turn and finding of every live call
  dunbot qa watch --alerts-only          fatal findings only
  dunbot qa watch --campaign june --json one JSON message per line
topics and message fields: docs/mqtt.md"""


def register(sub: Any) -> None:
    w = sub.add_parser("watch", help="live turns and QA findings of calls (MQTT)",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    w.add_argument("--call", default=None, help="only this attempt id")
    w.add_argument("--campaign", default=None, help="only this campaign")
    w.add_argument("--alerts-only", action="store_true", help="only fatal findings")
    w.add_argument("--json", action="store_true", help="print the messages as JSON lines")
    w.add_argument("--count", type=int, default=None, help="stop after this many messages")
    w.set_defaults(func=cmd_watch)


def topics(prefix: str, call: str | None, alerts_only: bool) -> list[str]:
    """What to subscribe to (pure)."""
    if alerts_only:
        return [f"{prefix}/alerts"]
    return [f"{prefix}/calls/{call or '+'}/#"]


def line(kind: str, msg: dict[str, Any]) -> str:
    """One readable terminal line with rich markup (pure)."""
    call = str(msg.get("attempt", ""))[:8]
    if kind == "turn":
        who = {"robot": "[cyan]robot [/]", "debtor": "[green]debtor[/]"}.get(msg["speaker"],
                                                                           msg["speaker"])
        extra = f"  [dim]({msg.get('intent')}, {msg.get('emotion')})[/]" if msg.get("intent") else ""
        return f"{call} {msg['start']:7.1f}s {who} {_esc(msg['text'])}{extra}"
    if kind in ("violation", "alerts"):
        style = "bold red" if msg.get("fatal") else "yellow"
        turn = f"turn {msg['turn']}" if msg.get("turn") is not None else "whole call"
        return (f"{call} [{style}]VIOLATION {msg['code']}[/] ({turn}, -{msg['deduction']},"
                f" score {msg['score_so_far']}): {_esc(msg['evidence'])}")
    if kind == "end":
        codes = ", ".join(msg.get("codes") or []) or "no findings"
        return (f"{call} [bold]call ended[/] {msg.get('result')}/{msg.get('disposition')},"
                f" {msg.get('turns')} turns, score {msg.get('score')} ({codes})")
    return f"{call} {kind}: {json.dumps(msg, ensure_ascii=False)}"


def _esc(text: str) -> str:
    return text.replace("[", "\\[")


def cmd_watch(args: argparse.Namespace) -> int:
    try:
        return asyncio.run(_watch(args))
    except KeyboardInterrupt:
        return 0


async def _watch(args: argparse.Namespace) -> int:
    import aiomqtt
    from rich.console import Console

    from robot.config import load_settings
    from robot.errors import DunbotError
    from robot.events.subscribe import messages

    s = load_settings()
    console = Console(highlight=False)
    seen = 0
    subscribed = asyncio.Event()

    async def announce() -> None:
        await subscribed.wait()
        if not args.json:
            console.print(f"[dim]watching {s.mqtt_host}:{s.mqtt_port} (Ctrl-C to stop)[/]")

    announcer = asyncio.create_task(announce())
    try:
        async for topic, msg in messages(s, topics(s.mqtt_prefix, args.call, args.alerts_only),
                                         subscribed):  # fmt: skip
            if args.campaign and msg.get("campaign") != args.campaign:
                continue
            if args.json:
                print(json.dumps({"topic": topic, **msg}, ensure_ascii=False), flush=True)
            else:
                console.print(line(topic.rsplit("/", 1)[-1], msg))
            seen += 1
            if args.count and seen >= args.count:
                return 0
    except aiomqtt.MqttError as exc:
        raise DunbotError(f"no MQTT broker at {s.mqtt_host}:{s.mqtt_port} ({exc});"
                          " start one with: dunbot mqtt up") from None
    finally:
        announcer.cancel()
    return 0
