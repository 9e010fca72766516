"""The parsed form of a dialogue script: small immutable dataclasses.

The loader builds these only after the YAML passed the schema and graph checks, so the
engine can trust every reference (targets exist, final states have an outcome) and
stays free of validation code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

DISPOSITIONS = ("ptp", "wrong_number", "third_party", "refused", "already_paid", "callback",
                "dispute", "hardship", "transfer", "stop_calling", "no_contact")
SLOT_NAMES = ("amount", "date")
TEMPLATE_FIELDS = ("name", "amount_due", "due_date", "institution", "agent_id",
                   "ptp_amount", "ptp_date")


@dataclass(frozen=True)
class PromptSpec:
    """A prompt template; ``must_hear`` prompts (the recording notice) may not be
    interrupted by barge-in."""

    text: str
    must_hear: bool = False


@dataclass(frozen=True)
class Action:
    """A side effect the call controller performs: ``transfer`` (to ``queue``),
    ``callback`` or ``stop_calling``."""

    kind: str
    queue: str | None = None


@dataclass(frozen=True)
class Condition:
    """A ``when:`` guard: the caller's emotion is one of ``emotion`` (if given) on this
    turn and on the ``turns - 1`` caller turns before it ("two angry turns in a row" is
    ``{emotion: angry, turns: 2}``), and every listed account field has one of the
    listed values."""

    emotion: tuple[str, ...] = ()
    account: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    turns: int = 1

    def holds(self, emotions: str | None | Sequence[str | None], account: Mapping[str, Any]) -> bool:
        """``emotions``: this turn's label, or the labels of the caller's turns so far,
        oldest first, ending with this turn's."""
        recent = [emotions] if emotions is None or isinstance(emotions, str) else list(emotions)
        if self.emotion:
            tail = recent[-self.turns:]
            if len(tail) < self.turns or any(e not in self.emotion for e in tail):
                return False
        return all(account.get(k) in allowed for k, allowed in self.account.items())


@dataclass(frozen=True)
class Transition:
    goto: str
    when: Condition | None = None
    set: Mapping[str, Any] = field(default_factory=dict)
    action: Action | None = None


@dataclass(frozen=True)
class SlotSpec:
    name: str
    ask: tuple[PromptSpec, ...] = ()
    default: Any = None


@dataclass(frozen=True)
class Retry:
    """After ``max`` consecutive failures in a state, go to ``goto``; before that, say
    ``say`` (or repeat the state's prompts) and listen again."""

    max: int
    say: tuple[PromptSpec, ...] = ()
    goto: str | None = None


@dataclass(frozen=True)
class State:
    name: str
    say: tuple[PromptSpec, ...] = ()
    on: Mapping[str, tuple[Transition, ...]] = field(default_factory=dict)
    next: str | None = None
    slots: tuple[SlotSpec, ...] = ()
    then: str | None = None
    retries: Mapping[str, Retry] = field(default_factory=dict)
    dtmf: Mapping[str, str] = field(default_factory=dict)
    final: bool = False
    outcome: str | None = None
    action: Action | None = None


@dataclass(frozen=True)
class Collector:
    institution: str
    agent_id: str
    currency: str | None = None


@dataclass(frozen=True)
class Script:
    name: str
    lang: str
    start: str
    collector: Collector
    states: Mapping[str, State]
    on: Mapping[str, tuple[Transition, ...]] = field(default_factory=dict)
    retries: Mapping[str, Retry] = field(default_factory=dict)
    phrases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    filename: str = "<script>"
