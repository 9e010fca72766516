"""`dunbot dialog` and `dunbot nlu` commands."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from robot.cli import main

ROOT = Path(__file__).resolve().parents[2]
EN = str(ROOT / "robot" / "dialogs" / "m0_reminder_en.yaml")
BROKEN = str(ROOT / "tests" / "data" / "broken_dialog.yaml")


def test_lint_ok(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dialog", "lint", EN]) == 0
    assert capsys.readouterr().out.startswith(f"OK {EN}")


def test_lint_errors_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dialog", "lint", BROKEN]) == 1
    out = capsys.readouterr().out.splitlines()
    assert f"{BROKEN}:17:15: state 'confirm': on.affirm: transition target 'goodbye2' does not exist" in out[1]
    assert len(out) == 8


def test_lint_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dialog", "lint", "/nonexistent/x.yaml"]) == 1
    assert "cannot read dialogue script" in capsys.readouterr().out


def test_nlu_parse_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["nlu", "parse", "--lang", "en", "--today", "2026-11-25",
                 "I can pay $200 next Friday."]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "intent": "promise_to_pay", "slots": {"amount": 200, "date": "2026-12-04"}, "confidence": 1.0}


def test_nlu_parse_stdin_and_empty_slots_omitted(monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("别再打了\n一次性还清\n"))
    assert main(["nlu", "parse", "--lang", "zh", "--today", "2026-11-25", "-"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert lines[0] == {"intent": "stop_calling", "confidence": 1.0}
    assert lines[1]["slots"] == {"amount": "full"}


def test_nlu_bad_today(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["nlu", "parse", "--lang", "en", "--today", "25/11/2026", "hi"]) == 1
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_chat_walks_a_call(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("Yes, speaking.\nI can pay 200 dollars tomorrow.\nYes.\n"))
    assert main(["dialog", "chat", EN, "--today", "2026-11-25",
                 "--account-json", '{"name": "Ann Lee", "amount_due": 120}']) == 0
    out = capsys.readouterr().out
    assert "robot: Am I speaking with Ann Lee?" in out
    assert "one hundred twenty dollars" in out
    assert "state=confirm intent=promise_to_pay" in out
    last = json.loads(out.strip().splitlines()[-1].removeprefix("outcome: "))
    assert last == {"disposition": "ptp", "ptp_amount": "200", "ptp_date": "2026-11-26",
                    "stop_calling": False, "transfer_queue": None}
