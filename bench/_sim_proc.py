"""The scripted debtors of a benchmark, in a process of their own.

A real deployment does not host its callers: run in the robot's process, the
simulator's 30 media loops would share the robot's event loop and CPU and blur what
the robot costs. Here they get their own interpreter; the benchmark reads this
process's CPU from /proc and its record of every call from the JSON file it writes on
exit. Times are ``time.monotonic()`` (CLOCK_MONOTONIC), the same clock in every
process on the machine, so they join with the robot's own timestamps.

Usage (by bench/_calls.py): python bench/_sim_proc.py SETTINGS_JSON SCENARIOS OUT_JSON
Prints ``ready`` once it answers calls; stops and writes OUT_JSON when stdin closes.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

from robot.config import Settings
from robot.sim.debtor import DebtorSimulator
from robot.sim.scenarios import load_scenarios
from robot.speech.tts.base import create_tts
from robot.speech.tts.cache import PromptCache


def settings_from_json(text: str) -> Settings:
    """The benchmark's settings, as :func:`settings_to_json` wrote them."""
    raw: dict[str, Any] = json.loads(text)
    kinds = {f.name: f.type for f in dataclasses.fields(Settings)}
    values = {k: Path(v) if kinds.get(k) in (Path, "Path") else v for k, v in raw.items()}
    return Settings(**values)


def settings_to_json(settings: Settings) -> str:
    return json.dumps({f.name: (str(v) if isinstance(v, Path) else v)
                       for f in dataclasses.fields(Settings)
                       for v in [getattr(settings, f.name)]})


def record(sim: DebtorSimulator) -> list[dict[str, Any]]:
    """Every call the simulator answered, as plain data."""
    return [{"number": c.number, "scenario": c.scenario, "action": c.action,
             "turns": [dataclasses.asdict(t) for t in c.turns]} for c in sim.calls]


async def serve(settings: Settings, scenarios: Path, out: Path) -> None:
    voices: dict[str, Any] = {}

    def tts(lang: str) -> Any:
        if lang not in voices:
            voices[lang] = create_tts(settings, lang)
        return voices[lang]

    sim = DebtorSimulator(settings, load_scenarios(scenarios), tts, PromptCache(settings))
    await sim.warm_up()
    await sim.start()
    print("ready", flush=True)
    loop = asyncio.get_running_loop()
    try:
        await loop.run_in_executor(None, sys.stdin.read)  # until the benchmark closes it
    finally:
        await sim.stop()
        out.write_text(json.dumps(record(sim)))


if __name__ == "__main__":
    asyncio.run(serve(settings_from_json(Path(sys.argv[1]).read_text()),
                      Path(sys.argv[2]), Path(sys.argv[3])))
