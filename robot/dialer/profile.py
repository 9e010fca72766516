"""Jurisdiction profiles: which calling rules apply, with which numbers, as YAML.

The numbers of a regulation (08:00, three connected calls, seven in seven days) change
with the law, the regulator's guidance and the bank's own policy, so they live in
``robot/dialer/profiles/*.yaml`` with a comment citing the rule, not in code. Code knows
only the *shapes* of rules (a daily local-time window, a per-day cap, a count over
consecutive days, a quiet period after a conversation, a flag that blocks). A section
left out, or set to ``null``, switches that rule off. A ``states`` mapping overrides
sections for one US state (or any sub-jurisdiction) by key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any

import yaml

from robot.errors import InputError

PROFILES_DIR = Path(__file__).resolve().parent / "profiles"
#: Attempt results as the telephony layer reports them (``voicemail`` = message left).
ATTEMPT_RESULTS = ("answered", "busy", "no_answer", "failed", "machine", "voicemail",
                   "interrupted")
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class Window:
    """A daily local-time window ``[start, end)``.

    ``end <= start`` wraps past midnight (22:00-08:00); ``start == end`` is all day.
    """

    start: time
    end: time

    def seconds(self) -> tuple[int, int]:
        return (self.start.hour * 3600 + self.start.minute * 60 + self.start.second,
                self.end.hour * 3600 + self.end.minute * 60 + self.end.second)

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


def in_window(sod: float, start: int, end: int) -> bool:
    """Whether ``sod`` (seconds after local midnight) lies in window ``[start, end)``."""
    if start < end:
        return start <= sod < end
    if start > end:
        return sod >= start or sod < end
    return True


@dataclass(frozen=True)
class HoursRule:
    """Calls only inside a local window; a consent record may lift it if allowed."""

    id: str
    window: Window
    consent_lifts: bool


@dataclass(frozen=True)
class DailyCap:
    """At most ``max`` counted attempts per local calendar day."""

    id: str
    max: int


@dataclass(frozen=True)
class WindowCap:
    """At most ``max`` calls in any ``days`` consecutive local days.

    Attempts that did not connect and ended in one of ``excluded_unconnected`` (busy,
    network failure) are not calls for this count.
    """

    id: str
    max: int
    days: int
    excluded_unconnected: frozenset[str]


@dataclass(frozen=True)
class QuietAfter:
    """No call for ``days`` local days, the day of a conversation being the first."""

    id: str
    days: int


@dataclass(frozen=True)
class ThirdPartyRule:
    """When third parties (emergency contacts) may be called at all."""

    id: str
    only_when_borrower_unreachable: bool
    never_after_refusal: bool


@dataclass(frozen=True)
class Profile:
    """The calling rules of one jurisdiction (``states`` holds overridden variants)."""

    name: str
    hours: HoursRule | None = None
    daily_connected_cap: DailyCap | None = None
    daily_unanswered_cap: DailyCap | None = None
    calls_in_window: WindowCap | None = None
    after_conversation: QuietAfter | None = None
    cease: str | None = None
    attorney: str | None = None
    third_party: ThirdPartyRule | None = None
    holidays: frozenset[date] = frozenset()
    states: tuple[tuple[str, Profile], ...] = field(default=(), compare=False)

    def for_state(self, state: str | None) -> Profile:
        """This profile with ``state``'s overrides applied (itself if none)."""
        if state:
            for code, variant in self.states:
                if code == state.upper():
                    return variant
        return self

    @property
    def lookback_days(self) -> int:
        """How many local days of history any rule of this profile can look at."""
        days = [1]
        for states_variant in (self, *(p for _, p in self.states)):
            if states_variant.calls_in_window:
                days.append(states_variant.calls_in_window.days)
            if states_variant.after_conversation:
                days.append(states_variant.after_conversation.days)
        return max(days)


# -- loading -------------------------------------------------------------------------

_SECTIONS: dict[str, tuple[str, ...]] = {
    "hours": ("id", "start", "end", "consent_lifts"),
    "daily_connected_cap": ("id", "max"),
    "daily_unanswered_cap": ("id", "max"),
    "calls_in_window": ("id", "max", "days", "excluded_unconnected"),
    "after_conversation": ("id", "days"),
    "cease": ("id",),
    "attorney": ("id",),
    "third_party": ("id", "only_when_borrower_unreachable", "never_after_refusal"),
}
_TOP = ("name", "description", "holidays", "states", *_SECTIONS)


class _Src:
    """Finds ``file:line:column`` of a key path, trying override paths first."""

    def __init__(self, path: Path, marks: dict[tuple[str, ...], tuple[int, int]]) -> None:
        self.path, self.marks = path, marks

    def at(self, *paths: tuple[str, ...]) -> str:
        for p in paths:
            for cut in range(len(p), 0, -1):
                if p[:cut] in self.marks:
                    line, col = self.marks[p[:cut]]
                    return f"{self.path}:{line}:{col}"
        return f"{self.path}:1:1"


def _marks(node: Any, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], tuple[int, int]]:
    out: dict[tuple[str, ...], tuple[int, int]] = {}
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            p = prefix + (str(k.value),)
            out[p] = (v.start_mark.line + 1, v.start_mark.column + 1)
            out.update(_marks(v, p))
    return out


def _build(raw: dict[str, Any], src: _Src, pre: tuple[str, ...], name: str) -> Profile:
    """One profile from merged raw sections; ``pre`` is the override path tried first."""

    def where(*keys: str) -> str:
        return src.at(pre + keys, keys)

    def need(sec: str, spec: dict[str, Any], key: str, kind: type) -> Any:
        if key not in spec:
            raise InputError(f"{sec}: missing {key!r}", where(sec))
        val = spec[key]
        if kind is int and (isinstance(val, bool) or not isinstance(val, int) or val < 0):
            raise InputError(f"{sec}.{key} must be a whole number >= 0, not {val!r}",
                             where(sec, key))
        if kind is bool and not isinstance(val, bool):
            raise InputError(f"{sec}.{key} must be true or false", where(sec, key))
        if kind is str and (not isinstance(val, str) or not val):
            raise InputError(f"{sec}.{key} must be a non-empty string", where(sec, key))
        if kind is time:
            m = _TIME.match(val) if isinstance(val, str) else None
            if not m:
                raise InputError(f"{sec}.{key} must be a quoted \"HH:MM\" string, not {val!r}",
                                 where(sec, key))
            return time(int(m.group(1)), int(m.group(2)))
        return val

    secs: dict[str, Any] = {}
    for sec, keys in _SECTIONS.items():
        spec = raw.get(sec)
        if spec is None:
            secs[sec] = None
            continue
        if not isinstance(spec, dict):
            raise InputError(f"{sec} must be a mapping or null", where(sec))
        for key in spec:
            if key not in keys:
                raise InputError(f"{sec}: unknown key {key!r} (known: {', '.join(keys)})",
                                 where(sec, str(key)))
        secs[sec] = spec
    def days_ok(sec: str, n: int) -> int:
        if n < 1:
            raise InputError(f"{sec}.days must be >= 1", where(sec, "days"))
        return n

    h, cc, uc, cw, ac, tp = (secs[s] for s in ("hours", "daily_connected_cap",
                                                "daily_unanswered_cap", "calls_in_window",
                                                "after_conversation", "third_party"))
    excluded: frozenset[str] = frozenset()
    if cw is not None:
        listed = cw.get("excluded_unconnected", [])
        if not isinstance(listed, list) or any(r not in ATTEMPT_RESULTS for r in listed):
            raise InputError(f"calls_in_window.excluded_unconnected must list results from "
                             f"{ATTEMPT_RESULTS}", where("calls_in_window", "excluded_unconnected"))
        excluded = frozenset(listed)
    return Profile(
        name=name,
        hours=None if h is None else HoursRule(
            need("hours", h, "id", str),
            Window(need("hours", h, "start", time), need("hours", h, "end", time)),
            bool(need("hours", h, "consent_lifts", bool))),
        daily_connected_cap=None if cc is None else DailyCap(
            need("daily_connected_cap", cc, "id", str), need("daily_connected_cap", cc, "max", int)),
        daily_unanswered_cap=None if uc is None else DailyCap(
            need("daily_unanswered_cap", uc, "id", str),
            need("daily_unanswered_cap", uc, "max", int)),
        calls_in_window=None if cw is None else WindowCap(
            need("calls_in_window", cw, "id", str), need("calls_in_window", cw, "max", int),
            days_ok("calls_in_window", need("calls_in_window", cw, "days", int)), excluded),
        after_conversation=None if ac is None else QuietAfter(
            need("after_conversation", ac, "id", str),
            days_ok("after_conversation", need("after_conversation", ac, "days", int))),
        cease=None if secs["cease"] is None else need("cease", secs["cease"], "id", str),
        attorney=None if secs["attorney"] is None else need("attorney", secs["attorney"], "id", str),
        third_party=None if tp is None else ThirdPartyRule(
            need("third_party", tp, "id", str),
            need("third_party", tp, "only_when_borrower_unreachable", bool),
            need("third_party", tp, "never_after_refusal", bool)),
        holidays=_holidays(raw.get("holidays"), where),
    )


def _holidays(val: Any, where: Any) -> frozenset[date]:
    if val is None:
        return frozenset()
    if not isinstance(val, list) or not all(type(d) is date for d in val):
        raise InputError("holidays must be a list of YYYY-MM-DD dates", where("holidays"))
    return frozenset(val)


def _bad_scalar(path: Path, text: str) -> str:
    """``file:line:column`` of the first scalar PyYAML cannot construct."""
    loader = yaml.SafeLoader(text)
    stack = [loader.get_single_node()]
    while stack:
        node = stack.pop(0)
        if isinstance(node, yaml.ScalarNode):
            try:
                loader.construct_object(node, deep=True)
            except ValueError:
                return f"{path}:{node.start_mark.line + 1}:{node.start_mark.column + 1}"
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            stack.extend(n for pair in node.value for n in pair)
    return f"{path}:1:1"


def profile_path(name_or_path: str | Path) -> Path:
    """A shipped profile's file for a bare name (``cn``), else the path as given."""
    text = str(name_or_path)
    if "/" not in text and not text.endswith((".yaml", ".yml")):
        path = PROFILES_DIR / f"{text}.yaml"
        if not path.exists():
            known = ", ".join(sorted(p.stem for p in PROFILES_DIR.glob("*.yaml")))
            raise InputError(f"no profile named {text!r} (shipped: {known})")
        return path
    return Path(text)


def load_profile(name_or_path: str | Path) -> Profile:
    """Load and check a profile; every error names ``file:line:column``."""
    path = profile_path(name_or_path)
    try:
        text = path.read_text(encoding="utf-8")
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise InputError(f"YAML syntax: {exc.problem}", where) from None
    except ValueError as exc:  # a well-formed scalar that is no valid value (2026-13-01)
        raise InputError(f"not a valid date or number: {exc}", _bad_scalar(path, text)) from None
    except OSError as exc:
        raise InputError(f"cannot read profile: {exc}", str(path)) from None
    src = _Src(path, _marks(node))
    if not isinstance(data, dict):
        raise InputError("a profile is a mapping of rule sections", f"{path}:1:1")
    for key in data:
        if key not in _TOP:
            raise InputError(f"unknown section {key!r} (known: {', '.join(_TOP)})",
                             src.at((str(key),)))
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise InputError("name must be a non-empty string", src.at(("name",)))
    base = _build(data, src, (), name)
    states = data.get("states") or {}
    if not isinstance(states, dict):
        raise InputError("states must map a state code to overridden sections",
                         src.at(("states",)))
    variants: list[tuple[str, Profile]] = []
    for code, over in states.items():
        pre = ("states", str(code))
        if not isinstance(over, dict):
            raise InputError(f"states.{code} must be a mapping", src.at(pre))
        merged = dict(data)
        for sec, spec in over.items():
            if sec not in _SECTIONS and sec != "holidays":
                raise InputError(f"states.{code}: cannot override {sec!r}", src.at(pre + (sec,)))
            if isinstance(spec, dict) and isinstance(data.get(sec), dict):
                merged[sec] = {**data[sec], **spec}
            else:
                merged[sec] = spec
        variants.append((str(code).upper(), _build(merged, src, pre, f"{name}.{code}")))
    return Profile(**{**base.__dict__, "states": tuple(variants)})
