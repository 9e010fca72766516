"""Debtor scenarios: what a simulated callee does when the robot calls it.

A scenario file maps phone numbers to behaviours::

    defaults:
      lang: en              # voice of the scripted replies
      turn_silence_ms: 900  # robot silence that means "your turn"
    scenarios:
      "+15550100001":
        name: promise_to_pay
        answer: answer      # answer | busy | no_answer | reject
        greeting: "Hello?"  # said right after answering (lets AMD hear a human)
        replies:            # one per robot turn, in order
          - "Yes, speaking."
          - "I can pay two hundred dollars next Friday."
        then: wait_hangup   # after the last reply: wait_hangup | hangup
        barge_in_after_ms: 1500  # optional: say reply number barge_in_reply (0-based)
        barge_in_reply: 1        #   this long after the robot starts, over its prompt
      "+15550100021":
        name: voicemail
        answer: machine     # answer with a recorded greeting (AMD hears a machine),
                            # then stay silent, as a mailbox recording the caller does

Numbers not listed get ``defaults.unknown`` (``no_answer`` unless set).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from robot.errors import InputError

ANSWERS = ("answer", "busy", "no_answer", "reject", "machine")
#: What a ``machine`` says unless the scenario gives its own greeting: long and wordy,
#: so answering-machine detection hears a recording, not a person.
MACHINE_GREETING = ("Hi, you have reached the voicemail of Sam Taylor. I am not available "
                    "to take your call right now. Please leave your name, your number and "
                    "a short message after the tone, and I will call you back as soon as I "
                    "can. Thank you.")
THEN = ("wait_hangup", "hangup")


@dataclass
class Scenario:
    number: str
    name: str
    answer: str = "answer"
    greeting: str | None = "Hello?"
    replies: list[str] = field(default_factory=list)
    then: str = "wait_hangup"
    lang: str = "en"
    turn_silence_ms: int = 900
    answer_delay_s: float = 0.5
    #: Talk over the robot: the reply number ``barge_in_reply`` (0-based) is spoken
    #: this long after the robot's turn starts being heard, instead of after it ends.
    barge_in_after_ms: int | None = None
    barge_in_reply: int = 0


@dataclass
class ScenarioBook:
    scenarios: dict[str, Scenario]
    unknown: str = "no_answer"

    def for_number(self, number: str) -> Scenario:
        key = normalise(number)
        if key in self.scenarios:
            return self.scenarios[key]
        return Scenario(number=key, name="unknown", answer=self.unknown, greeting=None)


def normalise(number: str) -> str:
    return "".join(ch for ch in str(number) if ch.isdigit() or ch == "+").lstrip("+")


def load_scenarios(path: Path | str) -> ScenarioBook:
    """Load and check a scenario file; errors name ``file:line:column``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        node = yaml.compose(text)
        data = yaml.safe_load(text) or {}
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise InputError(f"YAML syntax: {exc.problem}", where) from None
    except OSError as exc:
        raise InputError(f"cannot read scenario file: {exc}", str(path)) from None
    marks = _marks(node)

    def where(*keys: str) -> str:
        line, col = marks.get(keys, marks.get(keys[:-1], (0, 0)))
        return f"{path}:{line}:{col}"

    if not isinstance(data, dict) or not isinstance(data.get("scenarios"), dict):
        raise InputError("expected a mapping with a 'scenarios' mapping", f"{path}:1:1")
    defaults = data.get("defaults") or {}
    book: dict[str, Scenario] = {}
    for number, spec in data["scenarios"].items():
        spec = spec or {}
        merged = {**{k: v for k, v in defaults.items() if k != "unknown"}, **spec}
        answer = merged.get("answer", "answer")
        if answer not in ANSWERS:
            raise InputError(f"answer must be one of {ANSWERS}, not {answer!r}",
                             where("scenarios", str(number), "answer"))
        then = merged.get("then", "wait_hangup")
        if then not in THEN:
            raise InputError(f"then must be one of {THEN}, not {then!r}",
                             where("scenarios", str(number), "then"))
        replies = merged.get("replies") or []
        if not isinstance(replies, list) or not all(isinstance(r, str) for r in replies):
            raise InputError("replies must be a list of sentences",
                             where("scenarios", str(number), "replies"))
        key = normalise(str(number))
        greeting = merged.get("greeting", MACHINE_GREETING if answer == "machine" else "Hello?")
        if answer == "machine":
            if replies:
                raise InputError("a machine does not reply: leave out replies",
                                 where("scenarios", str(number), "replies"))
            then = "wait_hangup"
        book[key] = Scenario(
            number=key, name=str(merged.get("name", key)), answer=answer,
            greeting=greeting, replies=replies, then=then,
            lang=str(merged.get("lang", "en")),
            turn_silence_ms=int(merged.get("turn_silence_ms", 900)),
            answer_delay_s=float(merged.get("answer_delay_s", 0.5)),
            barge_in_after_ms=(int(merged["barge_in_after_ms"])
                               if merged.get("barge_in_after_ms") is not None else None),
            barge_in_reply=int(merged.get("barge_in_reply", 0)),
        )
    return ScenarioBook(book, unknown=str(defaults.get("unknown", "no_answer")))


def _marks(node: Any, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], tuple[int, int]]:
    """Map key paths to 1-based (line, column) of their values."""
    out: dict[tuple[str, ...], tuple[int, int]] = {}
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            path = prefix + (str(k.value),)
            out[path] = (v.start_mark.line + 1, v.start_mark.column + 1)
            out.update(_marks(v, path))
    return out
