"""``dunbot demo``: the sample campaign, end to end, through a real Asterisk.

Starts Asterisk (building it once if needed), loads ``campaigns/sample/accounts.csv``
into a fresh campaign, answers the robot's calls with the scripted debtors of
``campaigns/sample/scenarios.yaml`` over real SIP, exports the outcomes and prints a
summary. The last two lines are the outcomes CSV and the recordings folder.
"""

from __future__ import annotations

import argparse
import dataclasses
import asyncio
import time
from datetime import datetime
from pathlib import Path

from robot.config import REPO_ROOT, Settings

SAMPLE = REPO_ROOT / "campaigns" / "sample"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo", help="run the sample campaign end to end against scripted debtors",
        description=(
            "Start Asterisk, load the sample call list into a new campaign, call every "
            "account over real SIP against scripted debtors, export the outcomes CSV "
            "and print a summary."
        ),
    )
    p.add_argument("--sample", type=Path, default=SAMPLE,
                   help="folder with accounts.csv and scenarios.yaml (default campaigns/sample)")
    p.add_argument("--max-concurrent", type=int, default=3, help="calls at once (default 3)")
    p.add_argument("--keep-asterisk", action="store_true",
                   help="leave Asterisk (and the MQTT broker) running afterwards"
                   " (default: stop what the demo started)")
    p.set_defaults(func=_demo)


def _demo(args: argparse.Namespace) -> int:
    from robot.config import load_settings

    settings = load_settings()
    if not settings.db.startswith("postgresql"):
        # A store of the demo's own, fresh each run: the calling rules would (rightly)
        # not call the sample borrowers again for days after a conversation, so a second
        # demo on the main store would skip the promise and refusal scenarios.
        demo_db = settings.home / "demo.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{demo_db}{suffix}").unlink(missing_ok=True)
        settings = dataclasses.replace(settings, db=str(demo_db))
    return asyncio.run(run_demo(settings, args.sample, args.max_concurrent, args.keep_asterisk))


async def run_demo(settings: Settings, sample: Path, max_concurrent: int, keep: bool) -> int:
    from rich.console import Console

    from robot.cases.csvload import load_csv_file
    from robot.cases.export import export_outcomes
    from robot.cli.progress import CampaignProgress
    from robot.dialer.dialing import simulated_daytime
    from robot.dialer.runner import Engines, install_stop_handler, run_campaign
    from robot.sim.debtor import DebtorSimulator
    from robot.sim.scenarios import load_scenarios
    from robot.store.db import Store
    from robot.telephony import asterisk

    console = Console()
    t_start = time.monotonic()
    book = load_scenarios(sample / "scenarios.yaml")
    was_running = await asyncio.to_thread(asterisk.is_running, settings)
    console.print("[bold]1/5[/] Asterisk: " + ("already running" if was_running else "starting"))
    info = await asyncio.to_thread(asterisk.up, settings)
    console.print(f"    Asterisk {info.get('version', '?')} answering ARI at {settings.ari_base}")
    from robot.errors import DunbotError
    from robot.events import broker

    mqtt_started = settings.mqtt_enabled and not broker.answers(settings)
    if settings.mqtt_enabled:
        try:  # live turns and QA findings: watch them with `dunbot qa watch`
            console.print("    " + await asyncio.to_thread(broker.up, settings)
                          + " (live events: dunbot qa watch)")
        except DunbotError as exc:
            console.print(f"    no live events: {exc}")

    name = "demo-" + datetime.now().strftime("%Y%m%d-%H%M%S")
    console.print(f"[bold]2/5[/] loading {sample / 'accounts.csv'} into campaign {name}")
    async with await Store.open(settings.db_path) as store:
        report = await load_csv_file(store, sample / "accounts.csv", name)
    console.print(f"    {report.loaded} loaded, {report.updated} updated, {report.rejected} rejected")

    console.print("[bold]3/5[/] loading speech engines and the scripted debtors' voices")
    engines = Engines(settings)
    sim = DebtorSimulator(settings, book, engines.tts, engines.prompts)
    await sim.warm_up()
    await sim.start()
    stop = asyncio.Event()
    install_stop_handler(stop)
    console.print(f"[bold]4/5[/] calling (up to {max_concurrent} at once)")
    try:
        async with CampaignProgress(settings, name, console=console) as progress:
            # The debtors are simulated: the calling rules see 10:00 New York time.
            await run_campaign(settings, name, max_concurrent=max_concurrent,
                               engines=engines, observer=progress, stop=stop,
                               clock=simulated_daytime("America/New_York"))
    finally:
        await sim.stop()
        await engines.aclose()
        if not keep and not was_running:
            await asyncio.to_thread(asterisk.down, settings)
        if mqtt_started and not keep:
            await asyncio.to_thread(broker.down, settings)

    console.print("[bold]5/5[/] exporting outcomes")
    out = settings.home / "exports" / f"{name}-outcomes.csv"
    async with await Store.open(settings.db_path) as store:
        rows = await export_outcomes(store, name, out)
        _print_summary(console, rows, book)
    console.print(f"finished in {time.monotonic() - t_start:.0f} s")
    print(f"outcomes CSV: {out}")
    print(f"recordings:   {settings.recordings_dir}")
    print(f"store:        {settings.db_path} (e.g. DUNBOT_DB={settings.db_path} dunbot qa run"
          f" --since {datetime.now().date()})")
    return 0


def _print_summary(console: object, rows: list[dict], book: object) -> None:
    from rich.table import Table

    table = Table(title="Demo outcomes")
    for col in ("account", "scenario", "result", "disposition", "promise", "duration", "recording"):
        table.add_column(col)
    for r in rows:
        phone_scenario = book.for_number(r.get("phone", "")).name if r.get("phone") else ""  # type: ignore[attr-defined]
        promise = ""
        if r.get("ptp_amount"):
            promise = f"{r['ptp_amount']} {r.get('ptp_currency', '')} on {r.get('ptp_date', '')}"
        dur = r.get("call_duration_s")
        table.add_row(
            str(r["account_id"]), phone_scenario, str(r["result"]), str(r["disposition"]),
            promise, f"{float(dur):.1f}s" if dur not in (None, "") else "",
            Path(str(r["recording"])).name if r.get("recording") else "",
        )
    console.print(table)  # type: ignore[attr-defined]
