"""One conversation driven by a dialogue script: pure, no audio, no clock, no I/O.

The call controller feeds what the borrower said (ASR text, optional DTMF digit and
emotion label) and speaks the returned prompts; everything here is deterministic given
the script, the account and ``today``, so whole calls are replayed in unit tests.

Turn logic, in order: a DTMF digit mapped by the state, else the NLU's candidate
intents; the first candidate that the state (or the script's global ``on:``) handles
wins, with ``when:`` guards on emotion/account fields. In a state that collects slots,
a promise or a bare answer ("next Friday") fills slots instead, asking for what is still
missing and moving to ``then:`` once complete. Anything else is a no-match, retried
per ``retries:`` before escalating.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from robot.dialogue import nlu as nlu_module
from robot.dialogue.model import Action, PromptSpec, Retry, Script, State, Transition
from robot.dialogue.numbers import FULL
from robot.dialogue.speak import say_amount, say_date

NluFunc = Callable[..., nlu_module.NluResult]
_MAX_HOPS = 50


@dataclass(frozen=True)
class Prompt:
    """Text to speak; ``must_hear`` prompts must play to the end (no barge-in)."""

    text: str
    must_hear: bool = False


@dataclass
class Step:
    """What the robot says now and where the conversation stands."""

    prompts: list[Prompt]
    state: str
    ended: bool
    intent: str | None = None
    slots: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    """How the call ended, for the case store and the bank's export."""

    disposition: str
    ptp_amount: Decimal | None = None
    ptp_date: date | None = None
    stop_calling: bool = False
    transfer_queue: str | None = None


class Turn(NamedTuple):
    state: str
    text: str
    intent: str | None
    slots: dict[str, Any]
    emotion: str | None = None


#: The pseudo-intent ``any`` in ``on:`` is tried before the recognised intents on every
#: turn; its transitions need a ``when:`` (e.g. two angry turns -> soothe or transfer).
ANY = "any"


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


class DialogSession:
    """A single call's dialogue state. ``history`` lists every borrower turn."""

    def __init__(self, script: Script, account: Mapping[str, Any], today: date,
                 nlu: NluFunc | None = None) -> None:
        self.script, self.account, self.today = script, account, today
        self.nlu: NluFunc = nlu or nlu_module.parse
        self.state = script.start
        self.slots: dict[str, Any] = {}
        self.history: list[Turn] = []
        self.ended = False
        self._failures = {"no_input": 0, "no_match": 0}
        self._final: State | None = None
        self._actions: list[Action] = []
        self._emotion: str | None = None
        self.currency = str(account.get("currency") or script.collector.currency
                            or ("CNY" if script.lang == "zh" else "USD"))

    # -- public API -------------------------------------------------------------------
    def start(self) -> Step:
        return Step(self._enter(self.script.start), self.state, self.ended, None, dict(self.slots))

    def handle(self, text: str, *, emotion: str | None = None, dtmf: str | None = None) -> Step:
        if self.ended:
            return Step([], self.state, True, None, dict(self.slots))
        st = self.script.states[self.state]
        self._emotion = emotion
        emotions = [t.emotion for t in self.history] + [emotion]
        chosen = self._pick(st.on.get(ANY) or self.script.on.get(ANY), emotions)
        if chosen is not None:
            self._record(text, ANY, {})
            return self._step(self._go(chosen), ANY)
        if dtmf and dtmf in st.dtmf:
            candidates: tuple[str, ...] = (st.dtmf[dtmf],)
            heard: dict[str, Any] = {}
        else:
            res = self.nlu(text, self.script.lang, self.today, dict(self.script.phrases))
            candidates = res.candidates or (res.intent,)
            heard = dict(res.slots)
        for intent in candidates:
            if intent == "promise_to_pay" and st.slots and intent not in st.on:
                break
            chosen = self._pick(st.on.get(intent) or self.script.on.get(intent), emotions)
            if chosen is not None:
                self._record(text, intent, heard)
                if intent == "promise_to_pay":  # "no, make it 300" restates the promise
                    self.slots.update({k: v for k, v in heard.items() if k in ("amount", "date")})
                return self._step(self._go(chosen), intent)
        wanted = {s.name for s in st.slots}
        useful = {k: v for k, v in heard.items() if k in wanted}
        if useful:
            self._record(text, "promise_to_pay", heard)
            self.slots.update(useful)
            return self._step(self._collect(st), "promise_to_pay")
        top = candidates[0] if candidates else "unknown"
        self._record(text, top, heard)
        return self._step(self._fail(st, "no_match"), top)

    def no_input(self) -> Step:
        """The borrower said nothing before the listening timeout."""
        if self.ended:
            return Step([], self.state, True, None, dict(self.slots))
        self.history.append(Turn(self.state, "", None, {}, None))
        return self._step(self._fail(self.script.states[self.state], "no_input"), None)

    @property
    def outcome(self) -> Outcome:
        stop = any(a.kind == "stop_calling" for a in self._actions)
        queue = next((a.queue for a in reversed(self._actions) if a.kind == "transfer"), None)
        if self._final is None:
            return Outcome("no_contact", stop_calling=stop, transfer_queue=queue)
        disposition = self._final.outcome or "no_contact"
        amount, day = (self._ptp_amount(), _date(self.slots.get("date"))) if disposition == "ptp" else (None, None)
        return Outcome(disposition, amount, day, stop or disposition == "stop_calling", queue)

    # -- transitions ------------------------------------------------------------------
    def _pick(self, options: tuple[Transition, ...] | None, emotions: list[str | None]) -> Transition | None:
        for t in options or ():
            if t.when is None or t.when.holds(emotions, self.account):
                return t
        return None

    def _go(self, t: Transition) -> list[Prompt]:
        for name, value in t.set.items():
            if value is None:
                self.slots.pop(name, None)
            else:
                self.slots[name] = _date(value) if name == "date" else (value if value == FULL else _decimal(value))
        if t.action is not None:
            self._actions.append(t.action)
        return self._enter(t.goto)

    def _enter(self, name: str) -> list[Prompt]:
        prompts: list[Prompt] = []
        for _ in range(_MAX_HOPS):
            st = self.script.states[name]
            self.state = name
            self._failures = {"no_input": 0, "no_match": 0}
            prompts += self._render(st.say)
            if st.final:
                self.ended, self._final = True, st
                if st.action is not None:
                    self._actions.append(st.action)
                break
            if st.next is None:
                break
            name = st.next
        return prompts

    def _collect(self, st: State) -> list[Prompt]:
        self._failures = {"no_input": 0, "no_match": 0}
        for spec in st.slots:
            if spec.name not in self.slots and spec.default is not None:
                self.slots[spec.name] = spec.default if spec.default == FULL else (
                    _date(spec.default) if spec.name == "date" else _decimal(spec.default))
        missing = [s for s in st.slots if s.name not in self.slots]
        if not missing:
            assert st.then is not None  # guaranteed by the loader's graph rules
            return self._enter(st.then)
        return self._render(missing[0].ask or st.say)

    def _fail(self, st: State, kind: str) -> list[Prompt]:
        self._failures[kind] += 1
        retry: Retry | None = st.retries.get(kind) or self.script.retries.get(kind)
        if retry is not None and self._failures[kind] > retry.max and retry.goto:
            return self._enter(retry.goto)
        return self._render((retry.say if retry else ()) + self._question(st))

    def _question(self, st: State) -> tuple[PromptSpec, ...]:
        """What to repeat after a failure: the missing slot's question, else the state's."""
        missing = [s for s in st.slots if s.name not in self.slots]
        if missing and missing[0].ask and len(missing) < len(st.slots):
            return missing[0].ask
        return st.say

    def _record(self, text: str, intent: str | None, heard: dict[str, Any]) -> None:
        self.history.append(Turn(self.state, text, intent, dict(heard), self._emotion))

    def _step(self, prompts: list[Prompt], intent: str | None) -> Step:
        return Step(prompts, self.state, self.ended, intent, dict(self.slots))

    # -- prompts ----------------------------------------------------------------------
    def _ptp_amount(self) -> Decimal | None:
        value = self.slots.get("amount")
        if value == FULL:
            return _decimal(self.account.get("amount_due"))
        return value if isinstance(value, Decimal) else _decimal(value)

    def variables(self) -> dict[str, str]:
        """Template values, amounts and dates already in speakable words."""
        lang = self.script.lang
        due, due_date = _decimal(self.account.get("amount_due")), _date(self.account.get("due_date"))
        ptp, ptp_date = self._ptp_amount(), _date(self.slots.get("date"))
        return {
            "name": str(self.account.get("name") or ""),
            "institution": self.script.collector.institution,
            "agent_id": self.script.collector.agent_id,
            "amount_due": say_amount(due, self.currency, lang) if due is not None else "",
            "due_date": say_date(due_date, lang) if due_date else "",
            "ptp_amount": say_amount(ptp, self.currency, lang) if ptp is not None else "",
            "ptp_date": say_date(ptp_date, lang) if ptp_date else "",
        }

    def _render(self, specs: tuple[PromptSpec, ...]) -> list[Prompt]:
        if not specs:
            return []
        values = self.variables()
        return [Prompt(s.text.format_map(values), s.must_hear) for s in specs]
