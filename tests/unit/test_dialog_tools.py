"""Authoring tools: lint rules, the graph picture, conversation tests, chat --account,
and the NLU corpus and its `nlu parse` contract."""

from __future__ import annotations

import asyncio
import io
import json
import shutil
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from robot.cli import main
from robot.dialogue.convtest import run_file
from robot.dialogue.draw import to_dot
from robot.dialogue.lint import lint_text
from robot.dialogue.loader import load_script

ROOT = Path(__file__).resolve().parents[2]
DIALOGS = ROOT / "robot" / "dialogs"
SHIPPED = sorted(DIALOGS.glob("*.yaml"))

MINI = """
name: mini
lang: en
start: ask
collector: {institution: Acme Bank, agent_id: "1"}
on:
  stop_calling: bye
states:
  ask:
    say: "When can you pay?"
    on:
      affirm: bye
  bye: {say: "Goodbye.", final: true, outcome: no_contact}
"""


def test_shipped_scripts_are_m0_and_m1_in_both_languages() -> None:
    names = {p.stem for p in SHIPPED}
    assert {"m0_reminder_en", "m0_reminder_zh", "m1_collection_en", "m1_collection_zh"} <= names


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_script_passes_lint(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dialog", "lint", str(path)]) == 0, capsys.readouterr().out


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_script_conversation_tests_pass(path: Path) -> None:
    script_path, results = run_file(path)
    assert script_path == path
    assert len(results) >= 5
    failed = {r.name: r.failures + r.transcript for r in results if not r.ok}
    assert not failed


def test_lint_reports_unhandled_intents() -> None:
    problems = lint_text(MINI, "mini.yaml")
    unhandled = [p for p in problems if "is never handled" in p]
    assert any("'wrong_number'" in p for p in unhandled)
    assert not any("'stop_calling'" in p or "'unknown'" in p for p in unhandled)
    assert all(p.startswith("mini.yaml:") for p in problems)


def test_lint_reports_long_prompts_and_forbidden_words() -> None:
    text = MINI.replace('"When can you pay?"', '"Pay now or we will have you arrested, you deadbeat."')
    problems = lint_text(text, "m.yaml")
    assert any("forbidden wording (threat): 'arrested'" in p and p.startswith("m.yaml:10:") for p in problems)
    assert any("forbidden wording (insult): 'deadbeat'" in p for p in problems)
    long = MINI.replace('"When can you pay?"', '"' + "please pay " * 20 + '"')
    assert any("over the limit of 180" in p for p in lint_text(long, "m.yaml"))
    assert not any("over the limit" in p for p in lint_text(long, "m.yaml", max_prompt=500))


def test_lint_forbidden_words_mandarin() -> None:
    zh = (MINI.replace("lang: en", "lang: zh").replace('"When can you pay?"', '"我们是法院的，再不还就上门找你家人。"'))
    kinds = {p.split("forbidden wording (")[1].split(")")[0] for p in lint_text(zh, "z.yaml") if "forbidden" in p}
    assert kinds == {"threat", "impersonation"}
    lawful = MINI.replace("lang: en", "lang: zh").replace('"When can you pay?"', '"请问您哪天能还款？"')
    assert not any("forbidden" in p for p in lint_text(lawful, "z.yaml"))


def test_lint_cli_fails_on_findings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "mini.yaml"
    f.write_text(MINI, "utf-8")
    assert main(["dialog", "lint", str(f)]) == 1
    assert "never handled" in capsys.readouterr().out


def test_graph_dot_names_states_and_guards() -> None:
    dot = to_dot(load_script(DIALOGS / "m1_collection_en.yaml"))
    assert dot.startswith('digraph "m1_collection_en"')
    assert '"ask_full" -> "confirm"' in dot
    assert 'any [angry x2]' in dot
    assert "doubleoctagon" in dot


@pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz not installed")
@pytest.mark.parametrize("suffix,magic", [(".svg", b"<svg"), (".png", b"\x89PNG")])
def test_graph_cli_renders(tmp_path: Path, suffix: str, magic: bytes) -> None:
    out = tmp_path / f"m0{suffix}"
    assert main(["dialog", "graph", str(DIALOGS / "m0_reminder_zh.yaml"), "-o", str(out)]) == 0
    assert magic in out.read_bytes()[:400]


def test_graph_cli_rejects_unknown_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dialog", "graph", str(DIALOGS / "m0_reminder_en.yaml"), "-o", str(tmp_path / "x.gif")]) == 1


def test_dialog_test_cli_reports_failures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tests = tmp_path / "t.tests.yaml"
    tests.write_text(f"script: {DIALOGS / 'm0_reminder_en.yaml'}\ntoday: 2026-11-25\ntests:\n"
                     "  - name: wrong expectation\n    turns:\n"
                     "      - user: \"Yes, speaking.\"\n        expect: {state: confirm}\n", "utf-8")
    assert main(["dialog", "test", str(tests)]) == 1
    out = capsys.readouterr().out
    assert "FAIL wrong expectation" in out and "state is 'ask_payment', expected 'confirm'" in out
    assert main(["dialog", "test", str(DIALOGS / "m1_collection_zh.yaml")]) == 0


def test_chat_with_an_account_from_the_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    from robot.store.db import Store
    from robot.store.models import Account

    monkeypatch.setenv("DUNBOT_HOME", str(tmp_path))
    monkeypatch.delenv("DUNBOT_DB", raising=False)

    async def seed() -> None:
        async with await Store.open(tmp_path / "dunbot.db") as store:
            cid = await store.ensure_campaign("c1")
            await store.upsert_accounts(cid, [Account(
                id="ZH-7", name="王芳", phone="13800000007", timezone="Asia/Shanghai", currency="CNY",
                amount_due=Decimal("3200"), due_date=date(2026, 10, 20), days_past_due=36,
                bucket="M1", lang="zh")])

    asyncio.run(seed())
    monkeypatch.setattr("sys.stdin", io.StringIO("是我\n"))
    assert main(["dialog", "chat", str(DIALOGS / "m1_collection_zh.yaml"), "--account", "ZH-7",
                 "--today", "2026-11-25"]) == 0
    out = capsys.readouterr().out
    assert "王芳" in out and "三千两百元" in out and "10月20日" in out
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["dialog", "chat", str(DIALOGS / "m0_reminder_en.yaml"), "--account", "NOPE"]) == 1
    assert main(["dialog", "chat", str(DIALOGS / "m0_reminder_en.yaml"), "--account", "NOPE",
                 "--account-json", '{"name": "Bo Li"}']) == 0
    assert "Bo Li" in capsys.readouterr().out


# -- nlu parse contract and the corpus ---------------------------------------------------
def test_nlu_parse_contract_keys_and_canonical_intents(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["nlu", "parse", "--lang", "zh", "--today", "2026-11-25", "下周三发了工资先还一千八"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "intent": "promise_to_pay", "slots": {"amount": 1800, "date": "2026-12-02"}, "confidence": 1.0}
    assert main(["nlu", "parse", "--lang", "en", "--today", "2026-11-25", "Yeah."]) == 0
    out = json.loads(capsys.readouterr().out)
    assert list(out) == ["intent", "confidence"] and out["intent"] == "identity_confirmed"


def test_nlu_parse_stdin_one_object_per_line(monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("我下周五可以海款\n\n我現在沒錢\n"))
    assert main(["nlu", "parse", "--lang", "zh", "--today", "2026-11-25", "-"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [x["intent"] for x in lines] == ["promise_to_pay", "unknown", "hardship"]
    assert lines[0]["slots"] == {"date": "2026-12-04"}


def test_corpus_benchmark_meets_its_goal() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "nlu_accuracy.py"), "--repeat", "1", "--quiet"],
                          capture_output=True, text=True, check=True, cwd=ROOT)
    last = json.loads(proc.stdout.strip().splitlines()[-1])
    assert last["items"] >= 200
    assert last["intent_accuracy"] >= 0.95 and last["slot_exact_match"] >= 0.95
    assert "zh " in proc.stdout and "en " in proc.stdout and "asr " in proc.stdout
