"""Scenario files for the scripted debtors: loading, defaults, and errors that name the place."""

from __future__ import annotations

from pathlib import Path

import pytest

from robot.config import REPO_ROOT
from robot.errors import InputError
from robot.sim.scenarios import load_scenarios, normalise


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scenarios.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_sample_book_covers_the_demo_numbers() -> None:
    book = load_scenarios(REPO_ROOT / "campaigns" / "sample" / "scenarios.yaml")
    names = {book.for_number(f"+1555010000{i}").name for i in range(1, 7)}
    assert names == {"promise_to_pay", "wrong_number", "third_party", "refusal", "no_answer", "busy"}
    assert book.for_number("+15550100006").answer == "busy"
    assert book.for_number("+15550100001").replies[0] == "Yes, speaking."


def test_defaults_apply_and_unknown_numbers_ring_out(tmp_path: Path) -> None:
    path = _write(tmp_path, """
defaults:
  turn_silence_ms: 700
  unknown: busy
scenarios:
  "100":
    replies: ["Yes."]
  "101":
    turn_silence_ms: 1200
""")
    book = load_scenarios(path)
    assert book.for_number("100").turn_silence_ms == 700
    assert book.for_number("101").turn_silence_ms == 1200
    assert book.for_number("999").answer == "busy"


def test_number_forms_are_normalised() -> None:
    assert normalise("+1 555-010-0001") == "15550100001"
    assert normalise("+15550100001") == normalise("15550100001")


def test_bad_answer_names_line_and_column(tmp_path: Path) -> None:
    path = _write(tmp_path, 'scenarios:\n  "100":\n    answer: maybe\n')
    with pytest.raises(InputError) as err:
        load_scenarios(path)
    assert err.value.where == f"{path}:3:13"
    assert "maybe" in str(err.value)


def test_yaml_syntax_error_names_line(tmp_path: Path) -> None:
    path = _write(tmp_path, 'scenarios:\n  "100": [unclosed\n')
    with pytest.raises(InputError) as err:
        load_scenarios(path)
    assert str(err.value).startswith(f"{path}:3:")


def test_replies_must_be_sentences(tmp_path: Path) -> None:
    path = _write(tmp_path, 'scenarios:\n  "100":\n    replies: {a: 1}\n')
    with pytest.raises(InputError, match="replies"):
        load_scenarios(path)


def test_machine_answers_with_a_long_greeting(tmp_path: Path) -> None:
    from robot.sim.scenarios import MACHINE_GREETING

    path = _write(tmp_path, """
scenarios:
  "+15550100021": {answer: machine}
  "+15550100022": {answer: machine, greeting: "You reached Sam. Leave a message after the tone please."}
""")
    book = load_scenarios(path)
    sc = book.for_number("+15550100021")
    assert sc.answer == "machine" and sc.greeting == MACHINE_GREETING and sc.replies == []
    assert len(sc.greeting.split()) > 20  # far more words than AMD allows a person
    assert book.for_number("+15550100022").greeting.startswith("You reached Sam")
    bad = _write(tmp_path, """
scenarios:
  "+1555": {answer: machine, replies: ["hello"]}
""")
    with pytest.raises(InputError, match="a machine does not reply") as exc:
        load_scenarios(bad)
    assert ":3:" in str(exc.value)
