"""``dunbot sim``: scripted debtors on the far end of real SIP calls."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from robot.config import REPO_ROOT

DEFAULT_SCENARIOS = REPO_ROOT / "campaigns" / "sample" / "scenarios.yaml"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sim", help="simulated debtors that answer the robot's calls",
        description="Simulated callees reached over real SIP through Asterisk.",
    )
    s = p.add_subparsers(dest="sim_command", metavar="SUBCOMMAND")
    d = s.add_parser(
        "debtor", help="answer calls per a scenario file until Ctrl-C",
        description=(
            "Answer the robot's calls as scripted debtors. Each dialled number selects a "
            "scenario (answer and speak replies, busy, no answer). Run it beside "
            "`dunbot campaign run` to try a dialogue script without a real phone."
        ),
        epilog="example:\n  dunbot sim debtor --scenarios campaigns/sample/scenarios.yaml",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    d.add_argument("--scenarios", type=Path, default=DEFAULT_SCENARIOS,
                   help=f"scenario YAML (default {DEFAULT_SCENARIOS.relative_to(REPO_ROOT)})")
    d.set_defaults(func=_debtor)


def _debtor(args: argparse.Namespace) -> int:
    from robot.config import load_settings
    from robot.sim.debtor import DebtorSimulator
    from robot.sim.scenarios import load_scenarios

    settings = load_settings()
    book = load_scenarios(args.scenarios)

    async def main() -> None:
        from robot.speech.tts.base import create_tts
        from robot.speech.tts.cache import PromptCache

        voices: dict[str, object] = {}

        def tts(lang: str) -> object:
            if lang not in voices:
                voices[lang] = create_tts(settings, lang)
            return voices[lang]

        sim = DebtorSimulator(settings, book, tts, PromptCache(settings))
        await sim.warm_up()
        await sim.start()
        print(f"answering calls for {len(book.scenarios)} scenario number(s); Ctrl-C to stop")
        try:
            await asyncio.Event().wait()
        finally:
            await sim.stop()

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
    return 0
