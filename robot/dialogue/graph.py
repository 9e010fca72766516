"""Graph rules over a schema-valid script, and building the Script model.

The schema checks shapes; these rules check meaning, which a schema cannot: targets
exist, every state can be reached from ``start``, no state leaves the caller stuck,
final states say how the call ended. Violations are reported all together, each with
the position of the offending node.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

from robot.dialogue.model import (TEMPLATE_FIELDS, Action, Collector, Condition, PromptSpec,
                                  Retry, Script, SlotSpec, State, Transition)
from robot.dialogue.nlu import INTENTS

if TYPE_CHECKING:
    from robot.dialogue.loader import Locator


def _targets(spec: Any) -> list[tuple[int | None, str]]:
    """(index in list or None, target) of an ``on:`` value."""
    if isinstance(spec, list):
        return [(i, t if isinstance(t, str) else t["goto"]) for i, t in enumerate(spec)]
    return [(None, spec if isinstance(spec, str) else spec["goto"])]


def _edges(data: dict[str, Any], name: str) -> list[tuple[tuple[Any, ...], str]]:
    """(path of the reference, target) for every way out of state ``name``."""
    st = data["states"][name] or {}
    out: list[tuple[tuple[Any, ...], str]] = []
    base = ("states", name)
    for key in ("next", "then"):
        if key in st:
            out.append(((*base, key), st[key]))
    for intent, spec in (st.get("on") or {}).items():
        for i, target in _targets(spec):
            item = spec if i is None else spec[i]
            path = (*base, "on", intent) + ((i,) if i is not None else ())
            out.append((path if isinstance(item, str) else (*path, "goto"), target))
    for kind, retry in (st.get("retries") or {}).items():
        if "goto" in retry:
            out.append(((*base, "retries", kind, "goto"), retry["goto"]))
    return out


def _global_edges(data: dict[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
    out: list[tuple[tuple[Any, ...], str]] = []
    for intent, spec in (data.get("on") or {}).items():
        for i, target in _targets(spec):
            item = spec if i is None else spec[i]
            path = ("on", intent) + ((i,) if i is not None else ())
            out.append((path if isinstance(item, str) else (*path, "goto"), target))
    for kind, retry in (data.get("retries") or {}).items():
        if "goto" in retry:
            out.append((("retries", kind, "goto"), retry["goto"]))
    return out


def _prompt_texts(value: Any) -> list[tuple[tuple[Any, ...], str]]:
    items = value if isinstance(value, list) else [value]
    return [((i,) if isinstance(value, list) else (), p if isinstance(p, str) else p["text"])
            for i, p in enumerate(items)]


def check(data: dict[str, Any], loc: Locator) -> list[str]:
    """Every graph-rule violation, each as 'file:line:col: message'."""
    from robot.dialogue.loader import template_fields

    states: dict[str, Any] = {k: (v or {}) for k, v in data["states"].items()}
    names = ", ".join(states)
    problems: list[str] = []
    known_intents = set(INTENTS) | set(data.get("phrases") or {}) | {"any"}

    if data["start"] not in states:
        problems.append(loc.at(("start",), f"state '{data['start']}' does not exist (states: {names})"))
    for path, target in _global_edges(data) + [e for n in states for e in _edges(data, n)]:
        if target not in states:
            problems.append(loc.at(path, f"transition target '{target}' does not exist (states: {names})"))

    def check_intents(on: dict[str, Any], base: tuple[Any, ...]) -> None:
        spec = on.get("any")
        if spec is not None:
            for i, item in enumerate(spec if isinstance(spec, list) else [spec]):
                if not (isinstance(item, dict) and item.get("when")):
                    path = (*base, "on", "any") + ((i,) if isinstance(spec, list) else ())
                    problems.append(loc.at(path, "'any' is tried on every turn, so each of its "
                                                 "transitions needs a when: (e.g. {emotion: angry, turns: 2})"))
        for intent in on:
            if intent not in known_intents:
                problems.append(loc.at((*base, "on", intent), f"unknown intent '{intent}' (known: "
                                       f"{', '.join(sorted(known_intents))})", key=True))

    check_intents(data.get("on") or {}, ())
    for name, st in states.items():
        base = ("states", name)
        check_intents(st.get("on") or {}, base)
        for intent in (st.get("dtmf") or {}).values():
            if intent not in known_intents:
                problems.append(loc.at((*base, "dtmf"), f"unknown intent '{intent}'"))
        if st.get("final"):
            if not st.get("outcome"):
                problems.append(loc.at(base, "final state needs an outcome: (ptp, wrong_number, ...)", key=True))
            for key in ("on", "next", "slots", "then", "retries"):
                if key in st:
                    problems.append(loc.at((*base, key), f"a final state ends the call; '{key}' is not allowed", key=True))
        else:
            if not (st.get("on") or st.get("next") or st.get("then")):
                problems.append(loc.at(base, "not final and has no way out (add on:, next:, "
                                             "slots: with then:, or final: true)", key=True))
            if "outcome" in st:
                problems.append(loc.at((*base, "outcome"), "outcome is only allowed on final states (add final: true)", key=True))
        if bool(st.get("slots")) != ("then" in st):
            problems.append(loc.at(base, "slots: and then: go together (then: names the state "
                                         "to go to once all slots are filled)", key=True))
        for key in ("say",):
            if key in st:
                for sub, text in _prompt_texts(st[key]):
                    for field_ in template_fields(text):
                        if field_ not in TEMPLATE_FIELDS:
                            problems.append(loc.at((*base, key, *sub), f"unknown template field "
                                                   f"'{{{field_}}}' (known: {', '.join(TEMPLATE_FIELDS)})"))

    if data["start"] in states:
        seen = _reachable(data, states)
        for name in states:
            if name not in seen:
                problems.append(loc.at(("states", name), f"unreachable from start "
                                                         f"'{data['start']}'", key=True))
    for name, st in states.items():
        hops, cur = 0, name
        while cur in states and "next" in states[cur] and hops <= len(states):
            cur, hops = states[cur]["next"], hops + 1
        if hops > len(states):
            problems.append(loc.at(("states", name, "next"), "this chain of next: loops forever without listening"))
    return sorted(set(problems), key=position)


def position(problem: str) -> tuple[int, int, str]:
    parts = problem.split(":", 3)
    try:
        return (int(parts[1]), int(parts[2]), problem)
    except (IndexError, ValueError):
        return (0, 0, problem)


def _reachable(data: dict[str, Any], states: dict[str, Any]) -> set[str]:
    global_targets = [t for _, t in _global_edges(data)]
    seen, queue = {data["start"]}, deque([data["start"]])
    while queue:
        name = queue.popleft()
        targets = [t for _, t in _edges(data, name)]
        if not states[name].get("final"):
            targets += global_targets
        for t in targets:
            if t in states and t not in seen:
                seen.add(t)
                queue.append(t)
    return seen


def _prompts(value: Any) -> tuple[PromptSpec, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    return tuple(PromptSpec(p) if isinstance(p, str) else PromptSpec(p["text"], bool(p.get("must_hear")))
                 for p in items)


def _action(value: Any) -> Action | None:
    if value is None:
        return None
    if isinstance(value, str):
        return Action(value)
    return Action("transfer", value["transfer"])


def _transition(spec: Any) -> Transition:
    if isinstance(spec, str):
        return Transition(spec)
    when = spec.get("when")
    cond = None
    if when:
        emo = when.get("emotion", ())
        cond = Condition(tuple([emo] if isinstance(emo, str) else emo),
                         {k: tuple(v if isinstance(v, list) else [v]) for k, v in (when.get("account") or {}).items()},
                         int(when.get("turns", 1)))
    return Transition(spec["goto"], cond, dict(spec.get("set") or {}), _action(spec.get("action")))


def _on(value: Any) -> dict[str, tuple[Transition, ...]]:
    return {intent: tuple(_transition(s) for s in (spec if isinstance(spec, list) else [spec]))
            for intent, spec in (value or {}).items()}


def _retries(value: Any) -> dict[str, Retry]:
    return {k: Retry(int(r["max"]), _prompts(r.get("say")), r.get("goto")) for k, r in (value or {}).items()}


def build(data: dict[str, Any], filename: str) -> Script:
    """The Script model of a validated document."""
    states = {}
    for name, st in data["states"].items():
        st = st or {}
        slots = tuple(SlotSpec(n, _prompts((s or {}).get("ask")), (s or {}).get("default"))
                      for n, s in (st.get("slots") or {}).items())
        states[name] = State(
            name=name, say=_prompts(st.get("say")), on=_on(st.get("on")), next=st.get("next"),
            slots=slots, then=st.get("then"), retries=_retries(st.get("retries")),
            dtmf={str(k): v for k, v in (st.get("dtmf") or {}).items()},
            final=bool(st.get("final")), outcome=st.get("outcome"), action=_action(st.get("action")))
    col = data["collector"]
    return Script(
        name=data["name"], lang=data["lang"], start=data["start"],
        collector=Collector(col["institution"], str(col["agent_id"]), col.get("currency")),
        states=states, on=_on(data.get("on")), retries=_retries(data.get("retries")),
        phrases={k: tuple(v) for k, v in (data.get("phrases") or {}).items()}, filename=filename)
