"""Quality-inspection rule sets: load them from YAML, check them, compile them.

Rule files are maintained by compliance staff, who add a synonym or a phrase after each
review meeting, so a mistake must point at the place (``file:line:column``) and say
what was expected, and it must surface when the file is loaded, not halfway through a
night's batch of transcripts. See ``robot/qa/rules/zh.yaml`` for the format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from robot.errors import InputError
from robot.qa.match import Combo, Concept, compile_template, lexicon, normalise

SPEAKERS = ("agent", "robot", "debtor", "third_party")
#: Concepts the party tracking (who is on the line, did the borrower confirm) relies on.
PARTY_CONCEPTS = ("identity_confirmed", "identity_question", "affirm", "not_the_person")
FATAL_BY_DEFAULT = frozenset({"threat", "insult", "impersonation", "third_party_disclosure",
                              "illegal_funding_pressure", "stop_request_ignored"})

# kind -> {parameter: (type, required, default)}; concept parameters name concepts.
_C = "concept"
KINDS: dict[str, dict[str, tuple[str, bool, Any]]] = {
    "forbidden": {"concept": (_C, True, None)},
    "required": {"all_of": ("concepts", True, None), "within_s": ("number", True, None),
                 "anchor": ("anchor", False, "call_start"),
                 "only_if_right_party": ("bool", False, True)},
    "right_party_check": {"disclosure": (_C, False, "debt_detail")},
    "third_party_disclosure": {"disclosure": (_C, False, "debt_detail")},
    "ptp_readback": {"promise": (_C, False, "promise"), "amount": (_C, False, "amount"),
                     "date": (_C, False, "date"), "within_turns": ("int", False, 2),
                     # optional: the collector's request for a payment ("when can you pay,
                     # and how much?"), which makes an answer with an amount and a date a
                     # promise even without a verb ("probably eighty on Friday")
                     "asked_by": (_C, False, None),
                     # optional: a reply that says no ("今天真没有 我卡里就剩几百块") is no
                     # promise, whatever sum and day it names
                     "refusal": (_C, False, None)},
    "stop_ignored": {"stop": (_C, False, "stop_request"), "push": (_C, False, "push"),
                     "amount": (_C, False, "amount"), "date": (_C, False, "date")},
    "silence": {"max_gap_ms": ("int", True, None)},
    "speech_rate": {"max_rate": ("number", True, None), "min_s": ("number", False, 2.0)},
    "shouting": {"above_median_db": ("number", False, 10.0), "min_turns": ("int", False, 3)},
    "emotion": {"labels": ("labels", False, ["angry"])},
    "talk_over": {"max_overlap_ms": ("int", True, None)},
}
_NEEDS_PARTY = {"right_party_check", "third_party_disclosure"}
_COMMON = {"code", "kind", "severity", "fatal", "deduction", "max_deduction", "speakers",
           "description"}
_SEVERITIES = ("minor", "major", "critical")


class _Loader(yaml.SafeLoader):
    """YAML 1.2 booleans only: under YAML 1.1 the phrases yes/no/on/off would silently
    become booleans, and "yes" is exactly what an affirm list contains."""


_Loader.yaml_implicit_resolvers = {
    k: [r for r in v if r[0] != "tag:yaml.org,2002:bool"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool",
                              re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


@dataclass(frozen=True)
class Rule:
    """One check. ``params`` holds the kind's parameters with defaults filled in and
    concept names resolved to compiled :class:`Concept` objects."""

    code: str
    kind: str
    severity: str
    fatal: bool
    deduction: int
    max_deduction: int
    speakers: tuple[str, ...]
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RuleSet:
    """A language's rules and the concepts they share."""

    lang: str
    name: str
    source: str
    concepts: dict[str, Concept]
    rules: tuple[Rule, ...]

    def concept(self, name: str) -> Concept:
        return self.concepts[name]


def load_rules(path: str | Path) -> RuleSet:
    """Read and check a rule file; raise InputError naming file:line:column."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read QA rule file: {exc.strerror}", where=str(p)) from exc
    return load_rules_text(text, str(p))


_SHIPPED: dict[str, tuple[str, RuleSet]] = {}


def shipped_rules_text(lang: str) -> str:
    """The text of the rule file shipped for ``lang`` (``zh`` or ``en``)."""
    ref = resources.files("robot.qa").joinpath("rules", f"{lang}.yaml")
    if not ref.is_file():
        raise InputError(f"no shipped QA rules for language {lang!r} (shipped: en, zh)")
    return ref.read_text("utf-8")


def shipped_rules(lang: str) -> RuleSet:
    """The rule set shipped for ``lang``, built once per version of the file.

    Building compiles a thousand-odd patterns (a quarter of a second); live QA scores
    after every turn of every call, so the result is kept and rebuilt only when the
    file's text changes (an engineer editing the rules sees the edit at once).
    """
    text = shipped_rules_text(lang)
    known = _SHIPPED.get(lang)
    if known is None or known[0] != text:
        known = (text, load_rules_text(text, f"robot/qa/rules/{lang}.yaml"))
        _SHIPPED[lang] = known
    return known[1]


def load_rules_text(text: str, filename: str = "<rules>") -> RuleSet:
    """Check ``text`` as a rule file called ``filename`` in messages."""
    try:
        root = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{filename}:{mark.line + 1}:{mark.column + 1}" if mark else filename
        raise InputError(f"YAML syntax error: {getattr(exc, 'problem', exc)}", where=where) from exc
    return _Builder(root, data, filename).build()


class _Builder:
    def __init__(self, root: yaml.Node | None, data: Any, filename: str) -> None:
        self.root, self.data, self.filename = root, data, filename
        self.lexicons: dict[str, Concept] = {}  # a synonym list compiles once, however often combined

    def fail(self, path: tuple[Any, ...], message: str, key: bool = False) -> InputError:
        node = self.root
        for i, step in enumerate(path):
            if isinstance(node, yaml.MappingNode):
                match = [(k, v) for k, v in node.value if k.value == str(step)]
                if not match:
                    break
                node = match[0][0] if key and i == len(path) - 1 else match[0][1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
                node = node.value[step]
            else:
                break
        mark = node.start_mark if node is not None else None
        where = f"{self.filename}:{mark.line + 1}:{mark.column + 1}" if mark else f"{self.filename}:1:1"
        dotted = ".".join(f"[{s}]" if isinstance(s, int) else str(s) for s in path)
        return InputError(f"{dotted + ': ' if dotted else ''}{message}", where=where)

    def build(self) -> RuleSet:
        d = self.data
        if not isinstance(d, dict):
            raise self.fail((), "a QA rule file is a mapping with lang, concepts and rules")
        for key in d:
            if key not in ("lang", "name", "synonyms", "concepts", "rules"):
                raise self.fail((key,), f"unknown key '{key}' (expected lang, name, synonyms, "
                                        "concepts, rules)", key=True)
        lang = d.get("lang")
        if lang not in ("zh", "en"):
            raise self.fail(("lang",), f"lang must be zh or en, not {lang!r}")
        synonyms = self.synonyms(d.get("synonyms") or {}, lang)
        concepts = self.concepts(d.get("concepts"), lang, synonyms)
        rules = self.rules(d.get("rules"), concepts)
        return RuleSet(lang, str(d.get("name") or lang), self.filename, concepts, tuple(rules))

    def synonyms(self, raw: Any, lang: str) -> dict[str, list[str]]:
        if not isinstance(raw, dict):
            raise self.fail(("synonyms",), "synonyms must map a name to a list of words")
        out = {}
        for name, words in raw.items():
            if not isinstance(words, list) or not words or not all(isinstance(w, str) for w in words):
                raise self.fail(("synonyms", name), "expected a non-empty list of strings")
            out[str(name)] = [normalise(w, lang) for w in words]
        return out

    def concepts(self, raw: Any, lang: str, syn: dict[str, list[str]]) -> dict[str, Concept]:
        if not isinstance(raw, dict) or not raw:
            raise self.fail(("concepts",), "concepts must be a non-empty mapping of name to "
                                           "{phrases, patterns, negatable}")
        out = {}
        for name, body in raw.items():
            at = ("concepts", name)
            if not isinstance(body, dict):
                raise self.fail(at, "expected a mapping with phrases and/or patterns")
            for key in body:
                if key not in ("phrases", "patterns", "combine", "negatable", "description",
                               "not_preceded_by", "not_followed_by"):
                    raise self.fail((*at, key), f"unknown key '{key}' (expected phrases, "
                                                "patterns, combine, negatable, not_preceded_by, "
                                                "not_followed_by)", key=True)
            phrases = [p for item in self.strings(body, "phrases", at, syn)
                       for p in compile_template(normalise(item, lang), syn, regex=False)]
            patterns = self.regexes(self.strings(body, "patterns", at, syn), (*at, "patterns"), syn)
            combos = self.combos(body.get("combine", []), (*at, "combine"), lang, syn)
            if not phrases and not patterns and not combos:
                raise self.fail(at, "a concept needs at least one phrase, pattern or combination")
            neg = body.get("negatable", True)
            if not isinstance(neg, bool):
                raise self.fail((*at, "negatable"), "expected true or false")
            # not_preceded_by / not_followed_by: the words right before a match (searched
            # in the clause up to it: end them with $) or right after it (matched from its
            # end) that make it something else: 你就找你爸妈要去 sends the borrower to their
            # parents, it is no threat to call them.
            before, after = (self.regexes(self.strings(body, k, at, syn, "a list of regular expressions"),
                                          (*at, k), syn) for k in ("not_preceded_by", "not_followed_by"))
            out[str(name)] = Concept(str(name), lang, tuple(patterns), tuple(dict.fromkeys(phrases)),
                                     neg, combos, not_preceded_by=before, not_followed_by=after)
        return out

    def strings(self, body: dict[str, Any], kind: str, at: tuple[Any, ...], syn: dict[str, list[str]],
                what: str = "a list of strings") -> list[str]:
        """The non-empty strings listed under ``kind``; every ``{name}`` must be a synonym list."""
        items = body.get(kind, [])
        if not isinstance(items, list):
            raise self.fail((*at, kind), f"expected {what}")
        for i, item in enumerate(items):
            if not isinstance(item, str) or not item.strip():
                raise self.fail((*at, kind, i), f"expected a non-empty string, not {item!r}")
            for ref in re.findall(r"\{([A-Za-z_]\w*)\}", item):
                if ref not in syn:
                    raise self.fail((*at, kind, i), f"unknown synonym list '{{{ref}}}' "
                                    f"(defined: {', '.join(sorted(syn)) or 'none'})")
        return items

    def regexes(self, items: list[str], at: tuple[Any, ...], syn: dict[str, list[str]]) -> tuple[re.Pattern[str], ...]:
        """Compiled regular expressions, synonym lists expanded; a bad one named by its place."""
        out = []
        for i, item in enumerate(items):
            for rx in compile_template(item, syn, regex=True):
                try:
                    out.append(re.compile(rx))
                except re.error as exc:
                    raise self.fail((*at, i), f"bad regular expression: {exc}") from None
        return tuple(out)

    def combos(self, raw: Any, at: tuple[Any, ...], lang: str, syn: dict[str, list[str]]) -> tuple[Combo, ...]:
        """``combine:`` items: a list of synonym-list names (one word of each, in that
        order, in the same clause), or ``{all: [names], scope: turn}`` to allow them across
        the turn's clauses. A single name matches any word of the list (with English
        inflections)."""
        if not isinstance(raw, list):
            raise self.fail(at, "expected a list of combinations such as [action, target]")
        out = []
        for i, item in enumerate(raw):
            names, scope = item, "clause"
            if isinstance(item, dict):
                extra = set(item) - {"all", "scope"}
                if extra:
                    raise self.fail((*at, i, sorted(extra)[0]), f"unknown key '{sorted(extra)[0]}' "
                                    "(expected all, scope)", key=True)
                names, scope = item.get("all"), item.get("scope", "clause")
                if scope not in ("clause", "turn"):
                    raise self.fail((*at, i, "scope"), f"scope must be clause or turn, not {scope!r}")
            where = (*at, i, "all") if isinstance(item, dict) else (*at, i)
            if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
                raise self.fail(where, "a combination lists one or more synonym-list names")
            for j, n in enumerate(names):
                if n not in syn:
                    raise self.fail((*where, j), f"unknown synonym list '{n}' "
                                    f"(defined: {', '.join(sorted(syn)) or 'none'})")
            out.append(Combo(tuple(self.lexicon(n, lang, syn) for n in names), scope))
        return tuple(out)

    def lexicon(self, name: str, lang: str, syn: dict[str, list[str]]) -> Concept:
        if name not in self.lexicons:
            self.lexicons[name] = lexicon(name, syn[name], lang)
        return self.lexicons[name]

    def rules(self, raw: Any, concepts: dict[str, Concept]) -> list[Rule]:
        if not isinstance(raw, list) or not raw:
            raise self.fail(("rules",), "rules must be a non-empty list")
        out: list[Rule] = []
        seen: set[str] = set()
        for i, r in enumerate(raw):
            at: tuple[Any, ...] = ("rules", i)
            if not isinstance(r, dict):
                raise self.fail(at, "expected a mapping with code and kind")
            code, kind = r.get("code"), r.get("kind")
            if not isinstance(code, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", code):
                raise self.fail((*at, "code"), f"code must be snake_case, not {code!r}")
            if code in seen:
                raise self.fail((*at, "code"), f"duplicate rule code '{code}'")
            seen.add(code)
            if kind not in KINDS:
                raise self.fail((*at, "kind"), f"unknown kind {kind!r} (expected one of: "
                                               f"{', '.join(KINDS)})")
            spec = KINDS[kind]
            for key in r:
                if key not in _COMMON and key not in spec:
                    raise self.fail((*at, key), f"unknown key '{key}' for kind {kind} (expected "
                                                f"{', '.join(sorted(_COMMON | set(spec)))})", key=True)
            params = {name: self.param(r, (*at, name), t, req, default, concepts)
                      for name, (t, req, default) in spec.items()}
            if kind in _NEEDS_PARTY or (kind == "required" and
                                        (params["only_if_right_party"] or params["anchor"] == "right_party")):
                for name in PARTY_CONCEPTS:
                    if name not in concepts:
                        raise self.fail(at, f"rule kind {kind} needs the concept '{name}'")
            fatal = r.get("fatal", code in FATAL_BY_DEFAULT)
            if not isinstance(fatal, bool):
                raise self.fail((*at, "fatal"), "expected true or false")
            severity = r.get("severity", "critical" if fatal else "major")
            if severity not in _SEVERITIES:
                raise self.fail((*at, "severity"), f"severity must be one of {', '.join(_SEVERITIES)}")
            deduction = self.number(r, (*at, "deduction"), 100 if fatal else 10)
            max_deduction = self.number(r, (*at, "max_deduction"), deduction)
            speakers = r.get("speakers", ["agent", "robot"])
            if not isinstance(speakers, list) or not speakers or any(s not in SPEAKERS for s in speakers):
                raise self.fail((*at, "speakers"), f"speakers must be a list of {', '.join(SPEAKERS)}")
            out.append(Rule(code, kind, severity, fatal, deduction, max_deduction, tuple(speakers), params))
        return out

    def number(self, r: dict[str, Any], at: tuple[Any, ...], default: int) -> int:
        value = r.get(at[-1], default)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
            raise self.fail(at, f"expected a whole number of points 0-100, not {value!r}")
        return value

    def param(self, r: dict[str, Any], at: tuple[Any, ...], t: str, required: bool, default: Any,
              concepts: dict[str, Concept]) -> Any:
        name = at[-1]
        if name not in r:
            if required:
                raise self.fail(at[:-1], f"'{name}' is required for kind {r['kind']}")
            value = default
        else:
            value = r[name]
        if t == _C:
            if value is None and not required:
                return None  # an optional concept the rule does without
            if value not in concepts:
                raise self.fail(at, f"unknown concept {value!r} (defined: {', '.join(sorted(concepts))})")
            return concepts[value]
        if t == "concepts":
            if not isinstance(value, list) or not value:
                raise self.fail(at, "expected a non-empty list of concept names")
            for j, v in enumerate(value):
                if v not in concepts:
                    raise self.fail((*at, j), f"unknown concept {v!r}")
            return tuple(concepts[v] for v in value)
        if t == "number":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise self.fail(at, f"expected a positive number, not {value!r}")
            return float(value)
        if t == "int":
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise self.fail(at, f"expected a positive whole number, not {value!r}")
            return value
        if t == "bool":
            if not isinstance(value, bool):
                raise self.fail(at, "expected true or false")
            return value
        if t == "labels":
            from robot.qa.transcript import EMOTIONS

            if not isinstance(value, list) or not value or any(v not in EMOTIONS for v in value):
                raise self.fail(at, f"expected a list of emotion labels ({', '.join(EMOTIONS)})")
            return tuple(value)
        if t == "anchor":
            if value not in ("call_start", "right_party"):
                raise self.fail(at, f"anchor must be call_start or right_party, not {value!r}")
            return value
        raise AssertionError(t)  # pragma: no cover
