"""``dunbot qa run``: inspect every stored call that has no QA result yet.

Robot calls are scored from the turns the live pipeline stored (what the robot heard and
said, with times); imported recordings of human collectors, and the predictive dialer's
calls that a human agent took (each leg recorded apart), are transcribed from their two
legs first (robot/qa/legs.py). Each call is committed on its own, so a run that is
stopped (Ctrl-C, a crash, a reboot) resumes where it stopped, and one unreadable file is
reported by path without losing the others.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from robot.config import Settings
from robot.errors import DunbotError
from robot.qa import store as qs
from robot.qa.legs import read_leg_files, read_legs, transcribe_legs
from robot.qa.rules import shipped_rules_text
from robot.qa.score import finding_owners, score_transcript
from robot.store.db import Store


@dataclass
class RunReport:
    scored: int = 0
    fatal: int = 0
    skipped: list[str] = field(default_factory=list)  # call ids with nothing to score
    failed: list[str] = field(default_factory=list)  # "call: reason"


def rules_fingerprint(lang: str) -> str:
    """Which rule file produced a score (its sha256, shortened), kept with the result."""
    return f"{lang}.yaml@{hashlib.sha256(shipped_rules_text(lang).encode()).hexdigest()[:12]}"


async def run(store: Store, settings: Settings, since: str, until: str, *,
              limit: int | None = None,
              progress: Callable[[int, int, str], None] | None = None) -> RunReport:  # fmt: skip
    """Score the pending calls between ``since`` and ``until``; see the module docstring."""
    todo = await qs.pending(store, since, until, limit)
    rep = RunReport()
    stt = None
    for i, p in enumerate(todo, start=1):
        if progress:
            progress(i - 1, len(todo), p.call_id)
        try:
            turns_saved = None
            if p.kind == "robot":
                turns = await qs.robot_turns(store, p.call_id)
            else:
                if stt is None:
                    from robot.speech.asr.base import create_stt

                    stt = create_stt(settings)
                    await stt.warm_up()
                legs, _ = read_leg_files(*p.legs) if p.legs else read_legs(p.path)
                engine = stt

                async def recognise(pcm: bytes, lang: str = p.lang) -> str:
                    return (await engine.transcribe(pcm, 16000, lang)).text

                turns = turns_saved = await transcribe_legs(legs, recognise)
            if not turns:
                rep.skipped.append(p.call_id)
                continue
            result = score_transcript({"lang": p.lang, "turns": turns})
            about = finding_owners(result, [str(t["speaker"]) for t in turns], p.agent_id)
            await qs.save_result(store, p, result, rules_fingerprint(p.lang), turns_saved,
                                 about=about)
        except DunbotError as exc:
            rep.failed.append(f"{p.call_id}: {exc}")
            continue
        rep.scored += 1
        rep.fatal += int(result.alert)
    if progress:
        progress(len(todo), len(todo), "")
    if stt is not None:
        await stt.aclose()
    return rep
