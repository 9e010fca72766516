"""Dialogue loader: every stage reports file:line:column and all of its errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from robot.dialogue.loader import load_script, load_script_text, schema
from robot.errors import DialogError, InputError

DATA = Path(__file__).resolve().parents[1] / "data"
DIALOGS = Path(__file__).resolve().parents[2] / "robot" / "dialogs"

VALID = """\
name: tiny
lang: en
start: hello
collector: {institution: Acme, agent_id: 7}
states:
  hello:
    say: "Is this {name}?"
    on: {affirm: bye}
  bye:
    say: Bye.
    final: true
    outcome: ptp
"""


def errors_of(text: str, name: str = "d.yaml") -> list[str]:
    with pytest.raises(DialogError) as info:
        load_script_text(text, name)
    return str(info.value).splitlines()


@pytest.mark.parametrize("path", sorted(DIALOGS.glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_scripts_load(path: Path) -> None:
    script = load_script(path)
    assert script.start in script.states
    assert any(s.final and s.outcome == "ptp" for s in script.states.values())


def test_valid_minimal_script() -> None:
    script = load_script_text(VALID, "tiny.yaml")
    assert script.collector.agent_id == "7"
    assert script.states["hello"].on["affirm"][0].goto == "bye"


def test_yaml_syntax_error_has_position() -> None:
    errs = errors_of("name: x\nstates:\n  a: [1,\n  b: 2\n")
    assert len(errs) == 1
    assert errs[0].startswith("d.yaml:5:1: YAML syntax error")


def test_dialog_error_is_input_error_with_where() -> None:
    with pytest.raises(InputError) as info:
        load_script_text("a: [", "x.yaml")
    assert isinstance(info.value, DialogError)
    assert info.value.where == "x.yaml:1:5"


def test_yaml_12_booleans_keep_on_and_yes_as_strings() -> None:
    # YAML 1.1 reads `on:` and `yes` as True; the loader uses YAML 1.2 booleans.
    script = load_script_text(VALID + "phrases: {affirm: [yes, no problem]}\n", "t.yaml")
    assert script.states["hello"].on["affirm"][0].goto == "bye"
    assert script.phrases == {"affirm": ("yes", "no problem")}
    assert script.states["bye"].final is True


SCHEMA_BAD = """\
name: bad
lang: fr
start: greet
collector:
  institution: Acme
  agent_id: "7"
states:
  greet:
    say: {txt: "Hello"}
    on:
      affirm: {goto: bye, sett: {}}
    finall: true
  bye:
    say: 42
    final: true
    outcome: paid
"""


def test_schema_errors_all_reported_with_positions() -> None:
    errs = errors_of(SCHEMA_BAD, "s.yaml")
    assert errs == [
        "s.yaml:2:7: lang: 'fr' is not valid; expected zh or en",
        "s.yaml:9:10: state 'greet': say: 'text' is required but missing",
        "s.yaml:9:11: state 'greet': say.txt: unknown key 'txt' (expected one of: must_hear, text)",
        "s.yaml:11:27: state 'greet': on.affirm.sett: unknown key 'sett' (expected one of: action, goto, set, when)",
        "s.yaml:12:5: state 'greet': finall: unknown key 'finall' (expected one of: action, dtmf, final, "
        "next, on, outcome, retries, say, slots, then)",
        "s.yaml:14:10: state 'bye': say: 42 is not valid; expected a prompt: a string or {text, must_hear}",
        "s.yaml:16:14: state 'bye': outcome: 'paid' is not valid; expected a disposition (ptp, wrong_number, "
        "third_party, refused, already_paid, callback, dispute, hardship, transfer, stop_calling, no_contact)",
    ]


def test_missing_required_and_duplicate_key() -> None:
    errs = errors_of("name: x\nname: y\nlang: en\n", "m.yaml")
    assert errs[0] == "m.yaml:1:1: 'collector' is required but missing"
    assert "m.yaml:2:1: duplicate key 'name' (first at line 1)" in errs
    assert "m.yaml:1:1: 'states' is required but missing" in errs


def test_empty_file() -> None:
    assert errors_of("", "e.yaml")[0].startswith("e.yaml:1:1: the file is empty")


def test_graph_errors_from_fixture() -> None:
    path = DATA / "broken_dialog.yaml"
    with pytest.raises(DialogError) as info:
        load_script(path)
    errs = [line.replace(str(path), "F") for line in str(info.value).splitlines()]
    assert errs == [
        "F:15:10: state 'confirm': say: unknown template field '{when}' (known: name, amount_due, "
        "due_date, institution, agent_id, ptp_amount, ptp_date)",
        "F:17:15: state 'confirm': on.affirm: transition target 'goodbye2' does not exist "
        "(states: greet, confirm, stuck, listening, goodbye)",
        errs[2],
        "F:19:3: state 'stuck': not final and has no way out (add on:, next:, slots: with then:, or final: true)",
        "F:19:3: state 'stuck': unreachable from start 'greet'",
        "F:21:3: state 'listening': not final and has no way out (add on:, next:, slots: with then:, "
        "or final: true)",
        "F:21:3: state 'listening': unreachable from start 'greet'",
        "F:23:3: state 'goodbye': final state needs an outcome: (ptp, wrong_number, ...)",
    ]
    assert errs[2].startswith("F:18:7: state 'confirm': on.refsue: unknown intent 'refsue'")


def test_start_state_must_exist_and_global_targets_checked() -> None:
    text = VALID.replace("start: hello", "start: helo") + "on: {stop_calling: nowhere}\n"
    errs = errors_of(text, "g.yaml")
    assert errs[0] == "g.yaml:3:8: start: state 'helo' does not exist (states: hello, bye)"
    assert "g.yaml:13:20: on.stop_calling: transition target 'nowhere' does not exist (states: hello, bye)" in errs


def test_final_state_rejects_transitions_and_slots_need_then() -> None:
    text = VALID.replace("    outcome: ptp\n", "    outcome: ptp\n    next: hello\n").replace(
        "    on: {affirm: bye}\n", "    on: {affirm: bye}\n    slots: {amount: {}}\n")
    errs = errors_of(text, "f.yaml")
    assert "f.yaml:6:3: state 'hello': slots: and then: go together (then: names the state to go to once all slots are filled)" in errs
    assert "f.yaml:14:5: state 'bye': next: a final state ends the call; 'next' is not allowed" in errs


def test_next_loop_is_rejected() -> None:
    text = VALID.replace("    on: {affirm: bye}\n", "    next: loop\n") + (
        "  loop:\n    say: again\n    next: hello\n")
    errs = errors_of(text, "l.yaml")
    assert any(e == "l.yaml:8:11: state 'hello': next: this chain of next: loops forever without listening" for e in errs)


def test_schema_is_published_json() -> None:
    assert schema()["title"] == "Dunbot dialogue script"


def test_shipped_script_by_name() -> None:
    from robot.dialogue.loader import shipped_script

    assert shipped_script("m0_reminder_zh").lang == "zh"
    with pytest.raises(DialogError, match="shipped: m0_reminder_en, m0_reminder_zh"):
        shipped_script("nope")
