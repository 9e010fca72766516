"""Scripted conversations as regression tests for dialogue scripts (``dunbot dialog test``).

Script authors pin down behaviour in YAML next to the script, without Python:

    script: ../m0_reminder_en.yaml        # relative to this file
    today: 2026-11-25                      # the call's date (relative dates resolve here)
    account: {name: Ann Lee, amount_due: 120, due_date: 2026-11-20}
    tests:
      - name: promise with amount and date
        start: {state: identify}           # optional check after the greeting
        turns:
          - user: "Yes, speaking."
            expect: {state: ask_payment, intent: identity_confirmed}
          - user: "I can pay 100 on Friday."
            emotion: angry                 # optional label for this turn
            expect: {state: confirm, slots: {amount: 100, date: 2026-11-27}}
          - silence: true                  # the borrower says nothing (no-input)
          - dtmf: "1"                      # a key press instead of speech
          - user: "Yes."
            expect: {ended: true, say: "Goodbye"}
        outcome: {disposition: ptp, ptp_amount: 100, ptp_date: 2026-11-27}

``expect`` keys: ``state``, ``intent``, ``slots`` (the listed slots must equal; others
may be present), ``ended``, ``say`` (text that must appear in what the robot said on
that turn). ``outcome`` keys: ``disposition``, ``ptp_amount``, ``ptp_date``,
``stop_calling``, ``transfer_queue``. Each test may override ``account`` and ``today``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from robot.dialogue.engine import DialogSession, Step
from robot.dialogue.loader import load_script
from robot.dialogue.nlu import slots_to_json
from robot.errors import DialogError

DEFAULT_ACCOUNT = {"name": "John Smith", "amount_due": "2500.50"}
_TURN_KEYS = {"user", "silence", "dtmf", "emotion", "expect"}
_EXPECT_KEYS = {"state", "intent", "slots", "ended", "say"}
_OUTCOME_KEYS = {"disposition", "ptp_amount", "ptp_date", "stop_calling", "transfer_queue"}


@dataclass
class TestResult:
    name: str
    failures: list[str] = field(default_factory=list)
    transcript: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def tests_file_for(path: str | Path) -> Path:
    """The tests file of a script: ``tests/<stem>.tests.yaml`` beside it."""
    p = Path(path)
    if p.name.endswith(".tests.yaml"):
        return p
    return p.parent / "tests" / f"{p.stem}.tests.yaml"


def _norm(value: Any) -> Any:
    """Expected values compare as the JSON the NLU prints: dates ISO, numbers plain."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return slots_to_json({"x": Decimal(str(value))})["x"]
    if isinstance(value, dict):
        return {k: _norm(v) for k, v in value.items()}
    return value


def _check(where: str, step: Step, expect: dict[str, Any], failures: list[str]) -> None:
    unknown = set(expect) - _EXPECT_KEYS
    if unknown:
        raise DialogError(f"{where}: unknown expect key(s) {sorted(unknown)} (expected: {sorted(_EXPECT_KEYS)})")
    got = {"state": step.state, "intent": step.intent, "ended": step.ended}
    for key in ("state", "intent", "ended"):
        if key in expect and expect[key] != got[key]:
            failures.append(f"{where}: {key} is {got[key]!r}, expected {expect[key]!r}")
    if "slots" in expect:
        have = slots_to_json(step.slots)
        for k, v in (expect["slots"] or {}).items():
            if have.get(k) != _norm(v):
                failures.append(f"{where}: slot {k} is {have.get(k)!r}, expected {_norm(v)!r}")
    if "say" in expect:
        said = " ".join(p.text for p in step.prompts)
        if str(expect["say"]) not in said:
            failures.append(f"{where}: robot said {said!r}, expected it to contain {expect['say']!r}")


def run_test(script_path: Path, test: dict[str, Any], defaults: dict[str, Any]) -> TestResult:
    name = str(test.get("name") or "unnamed")
    res = TestResult(name)
    script = load_script(script_path)
    today = test.get("today", defaults.get("today")) or date(2026, 11, 25)
    today = today if isinstance(today, date) else date.fromisoformat(str(today))
    account = {**DEFAULT_ACCOUNT, "due_date": today.isoformat(), **(defaults.get("account") or {}),
               **(test.get("account") or {})}
    session = DialogSession(script, account, today)
    step = session.start()
    res.transcript.append("robot: " + " ".join(p.text for p in step.prompts))
    if test.get("start"):
        _check(f"{name}: start", step, test["start"], res.failures)
    for i, turn in enumerate(test.get("turns") or [], 1):
        where = f"{name}: turn {i}"
        if not isinstance(turn, dict) or set(turn) - _TURN_KEYS:
            raise DialogError(f"{where}: a turn is a mapping with keys {sorted(_TURN_KEYS)}")
        if step.ended:
            res.failures.append(f"{where}: the call already ended in state '{step.state}'")
            break
        if turn.get("silence"):
            step = session.no_input()
            res.transcript.append("borrower: (silence)")
        else:
            text = str(turn.get("user", ""))
            dtmf = str(turn["dtmf"]) if "dtmf" in turn else None
            step = session.handle(text, emotion=turn.get("emotion"), dtmf=dtmf)
            res.transcript.append(f"borrower: {text}" + (f" [dtmf {dtmf}]" if dtmf else "")
                                  + (f" [{turn['emotion']}]" if turn.get("emotion") else ""))
        res.transcript.append(f"robot: {' '.join(p.text for p in step.prompts)}  "
                              f"[state={step.state} intent={step.intent}]")
        _check(where, step, turn.get("expect") or {}, res.failures)
    if "outcome" in test:
        want = test["outcome"] or {}
        unknown = set(want) - _OUTCOME_KEYS
        if unknown:
            raise DialogError(f"{name}: unknown outcome key(s) {sorted(unknown)} (expected: {sorted(_OUTCOME_KEYS)})")
        out = session.outcome
        got = {"disposition": out.disposition, "ptp_amount": _norm(out.ptp_amount) if out.ptp_amount is not None else None,
               "ptp_date": _norm(out.ptp_date) if out.ptp_date else None,
               "stop_calling": out.stop_calling, "transfer_queue": out.transfer_queue}
        for key, value in want.items():
            if got[key] != _norm(value):
                res.failures.append(f"{name}: outcome {key} is {got[key]!r}, expected {_norm(value)!r}")
    return res


def run_file(path: str | Path) -> tuple[Path, list[TestResult]]:
    """Run every conversation of a tests file (or of the tests file of a script)."""
    tests_path = tests_file_for(path)
    try:
        doc = yaml.safe_load(tests_path.read_text("utf-8"))
    except OSError as exc:
        raise DialogError(f"cannot read conversation tests: {exc.strerror}", where=str(tests_path)) from exc
    except yaml.YAMLError as exc:
        raise DialogError(f"YAML syntax error: {exc}", where=str(tests_path)) from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("tests"), list):
        raise DialogError("a tests file is a mapping with script: and a list tests:", where=str(tests_path))
    if Path(path).name.endswith(".tests.yaml"):
        script_path = tests_path.parent / str(doc.get("script") or "")
    else:
        script_path = Path(path)
    if not script_path.is_file():
        raise DialogError(f"script {script_path} not found (set script: relative to the tests file)",
                          where=str(tests_path))
    return script_path, [run_test(script_path, t, doc) for t in doc["tests"]]
