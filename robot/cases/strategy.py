"""Strategy rules (YAML, docs/strategy.md): which treatment each open case gets today.

Pure: loading with ``file:line:column`` errors and the decision itself do no I/O beyond
reading the file. Rules are tried in order and the first whose conditions all hold
wins; ``default`` catches the rest. Whatever the rules say, a case whose compliance
state forbids contact (cease, attorney, dnc, deceased) never gets a robot call or an
SMS: such a rule is skipped and the explanation says so.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from robot.cases.accounts import COMPLIANCE
from robot.cases.buckets import DEFAULT_SCHEME, BucketScheme
from robot.cases.money import minor_text, to_minor
from robot.cases.yamlpos import Marks, check_keys, compose
from robot.errors import InputError

TREATMENTS = ("robot", "sms", "agent", "agency", "legal", "hold")
#: Parameters each treatment takes (required ones first in the tuple, see _REQUIRED).
PARAMS: dict[str, tuple[str, ...]] = {
    "robot": ("campaign", "script"), "sms": ("text",), "agent": ("queue",),
    "agency": ("placement_days",), "legal": ("note",), "hold": ("note",),
}  # fmt: skip
_REQUIRED = {"robot": ("campaign",), "sms": ("text",)}
NO_CONTACT = frozenset({"cease", "attorney", "dnc", "deceased"})
_CONTACT = frozenset({"robot", "sms"})
CONDITIONS = ("bucket", "region", "compliance", "balance_min", "balance_max", "risk_min",
              "risk_max", "dpd_min", "dpd_max", "broken_promises_min", "kept_promises_min",
              "attempts_min", "attempts_max")  # fmt: skip


@dataclass(frozen=True)
class Facts:
    """What the strategy knows about one open case."""

    account_id: str
    bucket: str
    dpd: int
    balance_minor: int
    risk_score: int | None
    region: str
    compliance: str
    broken_promises: int = 0
    kept_promises: int = 0
    attempts: int = 0


Check = Callable[[Facts], bool]


@dataclass(frozen=True)
class Condition:
    name: str
    check: Check
    describe: Callable[[Facts], str]


@dataclass(frozen=True)
class Rule:
    id: str
    treatment: str
    params: dict[str, Any]
    conditions: tuple[Condition, ...] = ()


@dataclass(frozen=True)
class Strategy:
    name: str
    rules: tuple[Rule, ...]
    default: Rule
    source: str = ""


@dataclass(frozen=True)
class Decision:
    account_id: str
    treatment: str
    rule_id: str
    params: dict[str, Any]
    reasons: tuple[str, ...] = field(default=())


def decide(strategy: Strategy, f: Facts, explain: bool = False) -> Decision:
    """The first rule that matches ``f`` (and is allowed by its compliance state)."""
    notes: list[str] = []
    for rule in (*strategy.rules, strategy.default):
        failed = next((c for c in rule.conditions if not c.check(f)), None)
        if failed is not None:
            if explain:
                notes.append(f"{rule.id}: no, {failed.describe(f)}")
            continue
        if rule.treatment in _CONTACT and f.compliance in NO_CONTACT:
            if explain:
                notes.append(f"{rule.id}: skipped, {rule.treatment} not allowed under "
                             f"compliance {f.compliance!r}")  # fmt: skip
            continue
        if explain:
            why = "; ".join(c.describe(f) for c in rule.conditions) or "no conditions"
            notes.append(f"{rule.id}: yes, {why}")
        return Decision(f.account_id, rule.treatment, rule.id, rule.params, tuple(notes))
    if explain:
        notes.append("no rule allowed: hold")
    return Decision(f.account_id, "hold", "compliance-hold", {}, tuple(notes))


# -- conditions -------------------------------------------------------------------------


def _in(name: str, attr: str, allowed: list[str]) -> Condition:
    shown = ", ".join(allowed)
    ok = frozenset(allowed)
    return Condition(name, lambda f: getattr(f, attr) in ok,
                     lambda f: f"{attr} {getattr(f, attr)!r} "
                     f"{'in' if getattr(f, attr) in ok else 'not in'} [{shown}]")  # fmt: skip


def _bound(name: str, attr: str, limit: int, low: bool, money: bool = False) -> Condition:
    def show(v: int | None) -> str:
        return "none" if v is None else minor_text(v) if money else str(v)

    def check(f: Facts) -> bool:
        v = getattr(f, attr)
        return v is not None and (v >= limit if low else v <= limit)

    sign = ">=" if low else "<="
    return Condition(name, check, lambda f: f"{attr} {show(getattr(f, attr))}"
                     f" {sign if check(f) else 'not ' + sign} {show(limit)}")  # fmt: skip


_ATTR = {"risk": "risk_score", "dpd": "dpd", "broken_promises": "broken_promises",
         "kept_promises": "kept_promises", "attempts": "attempts", "balance": "balance_minor"}


# -- loading ------------------------------------------------------------------------------


def load_strategy(path: str | Path, scheme: BucketScheme = DEFAULT_SCHEME) -> Strategy:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read strategy: {exc.strerror}", where=str(p)) from None
    return load_strategy_text(text, str(p), scheme)


def load_strategy_text(
    text: str, source: str = "<strategy>", scheme: BucketScheme = DEFAULT_SCHEME
) -> Strategy:
    data, m = compose(text, source)
    if not isinstance(data, dict):
        raise InputError("a strategy is a mapping with name, rules and default", m.at())
    check_keys(data, ("name", "rules", "default"), m, ())
    rules_raw = data.get("rules") or []
    if not isinstance(rules_raw, list):
        raise InputError("rules must be a list", m.at("rules"))
    if "default" not in data:
        raise InputError("missing 'default' (the treatment when no rule matches)", m.at())
    rules, seen = [], {}  # type: ignore[var-annotated]
    for i, raw in enumerate(rules_raw):
        rule = _rule(raw, ("rules", i), m, scheme)
        if rule.id in seen:
            raise InputError(f"rule id {rule.id!r} repeats (first at {seen[rule.id]})",
                             m.at("rules", i, "id"))  # fmt: skip
        seen[rule.id] = m.at("rules", i, "id")
        rules.append(rule)
    default = _rule(data["default"], ("default",), m, scheme, default=True)
    if default.conditions:
        raise InputError("default takes no conditions", m.at("default", "when"))
    return Strategy(str(data.get("name") or Path(source).stem), tuple(rules), default, source)


def _rule(raw: Any, path: tuple[Any, ...], m: Marks, scheme: BucketScheme,
          default: bool = False) -> Rule:  # fmt: skip
    if not isinstance(raw, dict):
        raise InputError("a rule is a mapping with id, when, treatment, params", m.at(*path))
    check_keys(raw, ("id", "when", "treatment", "params"), m, path)
    rid = raw.get("id", "default" if default else None)
    if not isinstance(rid, str) or not re.fullmatch(r"[A-Za-z0-9_.\-]+", rid):
        raise InputError("id must be a name (letters, digits, _ . -)", m.at(*path, "id"))
    treatment = raw.get("treatment")
    if treatment not in TREATMENTS:
        raise InputError(f"treatment {treatment!r} is not one of {', '.join(TREATMENTS)}",
                         m.at(*path, "treatment"))  # fmt: skip
    params = raw.get("params") or {}
    if not isinstance(params, dict):
        raise InputError("params must be a mapping", m.at(*path, "params"))
    check_keys(params, PARAMS[treatment], m, path + ("params",))
    for need in _REQUIRED.get(treatment, ()):
        if not params.get(need):
            raise InputError(f"treatment {treatment} needs params.{need}", m.at(*path))
    when = raw.get("when") or {}
    if not isinstance(when, dict):
        raise InputError("when must be a mapping of conditions", m.at(*path, "when"))
    check_keys(when, CONDITIONS, m, path + ("when",))
    conds = tuple(_condition(k, v, path + ("when", k), m, scheme) for k, v in when.items())
    return Rule(rid, treatment, dict(params), conds)


def _condition(key: str, val: Any, path: tuple[Any, ...], m: Marks,
               scheme: BucketScheme) -> Condition:  # fmt: skip
    if key in ("bucket", "region", "compliance"):
        items = [val] if isinstance(val, str) else val
        if not isinstance(items, list) or not items or not all(isinstance(x, str) for x in items):
            raise InputError(f"{key} must be a name or a list of names", m.at(*path))
        known = {"bucket": scheme.order, "compliance": COMPLIANCE}.get(key)
        for i, x in enumerate(items):
            if known is not None and x not in known:
                raise InputError(f"unknown {key} {x!r} (known: {', '.join(known)})",
                                 m.at(*path, i) if isinstance(val, list) else m.at(*path))
        return _in(key, key, items)
    base, _, side = key.rpartition("_")
    if base == "balance":
        try:
            limit = to_minor(Decimal(str(val)))
        except (InvalidOperation, ValueError):
            raise InputError(f"{key} must be an amount such as 5000.00", m.at(*path)) from None
        if isinstance(val, bool):
            raise InputError(f"{key} must be an amount such as 5000.00", m.at(*path))
        return _bound(key, "balance_minor", limit, side == "min", money=True)
    if isinstance(val, bool) or not isinstance(val, int):
        raise InputError(f"{key} must be a whole number", m.at(*path))
    return _bound(key, _ATTR[base], val, side == "min")
