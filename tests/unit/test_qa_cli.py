"""`dunbot qa score` and `dunbot qa check-rules`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from qa_helpers import call

from robot.cli import main

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, name: str, data: object) -> str:
    p = tmp_path / name
    p.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False), "utf-8")
    return str(p)


def test_score_prints_the_documented_shape(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = write(tmp_path, "c.json", call("zh", ("debtor", "别再给我打电话了！"), ("agent", "您今天能还多少？")))
    assert main(["qa", "score", f]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out == {"score": 0, "alert": True, "violations": [
        {"code": "stop_request_ignored", "turn": 3,
         "evidence": "after \"别再给我打电话了！\": 您今天能还多少", "deduction": 100}]}


def test_score_clean_call_and_several_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = write(tmp_path, "a.json", call("en"))
    b = write(tmp_path, "b.json", call("zh"))
    assert main(["qa", "score", a, b]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert lines == [{"file": a, "score": 100, "alert": False, "violations": []},
                     {"file": b, "score": 100, "alert": False, "violations": []}]


def test_score_corpus_file_with_extra_keys(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["qa", "score", str(ROOT / "bench" / "qa_data" / "en23.json")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["alert"] is True and {v["code"] for v in out["violations"]} == {
        "impersonation", "missing_identity_disclosure", "missing_recording_notice", "missing_mini_miranda"}


@pytest.mark.parametrize("content,message", [
    ('{"lang": "zh",\n "turns": [}', "bad.json:2:12: invalid JSON: Expecting value"),
    ('[1, 2]', "bad.json: $: expected an object with lang and turns, not an array"),
    ('{"lang": "fr", "turns": []}', 'bad.json: $.lang: expected "zh" or "en", not "fr"'),
    ('{"lang": "en", "turns": []}', "bad.json: $.turns: expected a non-empty array of turns, not an array"),
    ('{"lang": "en", "turns": [{"speaker": "agent", "start": 0, "end": 1}]}',
     'bad.json: $.turns[0]: missing "text"'),
    ('{"lang": "en", "turns": [{"speaker": "agent", "start": 0, "end": "1s", "text": "hi"}]}',
     'bad.json: $.turns[0].end: expected seconds as a number >= 0, not "1s"'),
    ('{"lang": "en", "turns": [{"speaker": "agent", "start": 2, "end": 1, "text": "hi"}]}',
     "bad.json: $.turns[0].end: ends (1) before it starts (2)"),
    ('{"lang": "en", "turns": [{"speaker": "agent", "start": 5, "end": 6, "text": "hi"},'
     ' {"speaker": "debtor", "start": 1, "end": 2, "text": "hi"}]}',
     "bad.json: $.turns[1].start: turns must be in order of start time"),
])
def test_bad_input_names_file_and_place(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        content: str, message: str) -> None:
    f = write(tmp_path, "bad.json", content)
    assert main(["qa", "score", f]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"dunbot: error: {tmp_path}/{message}"), err


def test_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["qa", "score", "/nonexistent/call.json"]) == 1
    assert "/nonexistent/call.json: cannot read transcript" in capsys.readouterr().err


def test_rules_option_and_check_rules(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = write(tmp_path, "c.json", call("zh"))
    en_rules = str(ROOT / "robot" / "qa" / "rules" / "en.yaml")
    assert main(["qa", "score", f, "--rules", en_rules]) == 1
    assert "is for 'en', transcript is 'zh'" in capsys.readouterr().err
    assert main(["qa", "check-rules", en_rules]) == 0
    assert capsys.readouterr().out.startswith(f"OK {en_rules}: en, 17 rules")
    bad = write(tmp_path, "r.yaml", "lang: en\nconcepts: {}\nrules: []\n")
    assert main(["qa", "check-rules", bad]) == 1
    assert f"{bad}:2:11: concepts: concepts must be a non-empty mapping" in capsys.readouterr().err
