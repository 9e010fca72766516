"""The shipped dialogue scripts pass the shipped QA rules on every conversation test.

Each conversation test of robot/dialogs/tests is replayed through the dialogue engine,
turned into a transcript (robot prompts and borrower lines, with plausible times) and
scored with the rule set of its language: a script edit that drops the recording
notice, the mini-Miranda or the read-back of a promise, or that reveals the debt to a
third party, fails here before any call is made.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from robot.dialogue.convtest import DEFAULT_ACCOUNT
from robot.dialogue.engine import DialogSession
from robot.dialogue.loader import load_script
from robot.qa.score import score_transcript

TESTS = sorted((Path(__file__).resolve().parents[2] / "robot" / "dialogs" / "tests").glob("*.tests.yaml"))
CASES = [(f, i) for f in TESTS for i in range(len(yaml.safe_load(f.read_text("utf-8"))["tests"]))]


def _transcript(path: Path, index: int) -> tuple[str, dict[str, Any]]:
    data = yaml.safe_load(path.read_text("utf-8"))
    test = data["tests"][index]
    script = load_script(path.parent / data["script"])
    today = data.get("today") or date(2026, 11, 25)
    today = today if isinstance(today, date) else date.fromisoformat(str(today))
    account = {**DEFAULT_ACCOUNT, "due_date": today.isoformat(), **(data.get("account") or {}),
               **(test.get("account") or {})}  # fmt: skip
    session = DialogSession(script, account, today)
    turns: list[dict[str, Any]] = []
    clock = 0.0

    def say(text: str, speaker: str, seconds: float) -> None:
        nonlocal clock
        if text:
            turns.append({"speaker": speaker, "start": clock, "end": clock + seconds, "text": text})
            clock += seconds + 0.5

    lang = "zh" if path.name.split(".")[0].endswith("_zh") else "en"
    per_char = 0.22 if lang == "zh" else 0.07  # speaking rate, s per character
    step = session.start()
    robot = " ".join(p.text for p in step.prompts)
    say(robot, "robot", len(robot) * per_char)
    for turn in test.get("turns") or []:
        if step.ended:
            break
        text = "" if turn.get("silence") else str(turn.get("user", ""))
        say(text, "debtor", 1.5)
        step = session.handle(text, emotion=turn.get("emotion")) if text else session.no_input()
        robot = " ".join(p.text for p in step.prompts)
        say(robot, "robot", len(robot) * per_char)
    return test.get("name", f"test {index}"), {"lang": lang, "turns": turns}


@pytest.mark.parametrize("path,index", CASES, ids=[f"{p.name.split('.')[0]}-{i}" for p, i in CASES])
def test_conversation_scores_100(path: Path, index: int) -> None:
    name, transcript = _transcript(path, index)
    result = score_transcript(transcript)
    assert result.violations == (), (name, [(v.code, v.evidence) for v in result.violations])
