"""Rule files: the shipped ones load, and mistakes name file:line:column."""

from __future__ import annotations

from pathlib import Path

import pytest

from robot.errors import InputError
from robot.qa.rules import load_rules, load_rules_text, shipped_rules
from robot.qa.score import CODES, MANNER_CODES

GOOD = """\
lang: en
synonyms:
  greet: [hello, hi]
concepts:
  greeting: {phrases: ['{greet} there']}
rules:
  - code: missing_greeting
    kind: required
    all_of: [greeting]
    within_s: 5
    only_if_right_party: false
"""


def test_shipped_rule_sets_cover_the_canonical_codes() -> None:
    zh, en = shipped_rules("zh"), shipped_rules("en")
    assert {r.code for r in en.rules} == set(CODES) | set(MANNER_CODES)
    assert {r.code for r in zh.rules} == set(CODES) - {"missing_mini_miranda"} | set(MANNER_CODES)
    fatal = {"threat", "insult", "impersonation", "third_party_disclosure",
             "illegal_funding_pressure", "stop_request_ignored"}
    for rs in (zh, en):
        assert {r.code for r in rs.rules if r.fatal} == fatal


def test_every_shipped_rule_is_commented() -> None:
    root = Path(__file__).resolve().parents[2] / "robot" / "qa" / "rules"
    for name in ("zh.yaml", "en.yaml"):
        lines = (root / name).read_text("utf-8").splitlines()
        for i, line in enumerate(lines):
            if line.startswith("  - code:"):
                assert lines[i - 1].strip().startswith("#"), f"{name}:{i + 1} has no comment"


def test_synonyms_expand_into_phrases() -> None:
    rs = load_rules_text(GOOD, "good.yaml")
    assert rs.concepts["greeting"].phrases == ("hello there", "hi there")
    assert rs.rules[0].params["within_s"] == 5.0 and rs.rules[0].deduction == 10


def test_yes_and_no_stay_strings() -> None:
    rs = load_rules_text(GOOD.replace("[hello, hi]", "[yes, no, on]"), "good.yaml")
    assert rs.concepts["greeting"].phrases == ("yes there", "no there", "on there")


@pytest.mark.parametrize("edit,where,message", [
    (("within_s: 5", "within_s: five"), "bad.yaml:10:15", "rules.[0].within_s: expected a positive number"),
    (("kind: required", "kind: requried"), "bad.yaml:8:11", "unknown kind 'requried'"),
    (("all_of: [greeting]", "all_of: [greetings]"), "bad.yaml:9:14", "unknown concept 'greetings'"),
    (("'{greet} there'", "'{greeting} there'"), "bad.yaml:5:24", "unknown synonym list '{greeting}'"),
    (("within_s: 5", "within_s: 5\n    severity_level: 3"), "bad.yaml:11:5", "unknown key 'severity_level'"),
    (("lang: en", "lang: fr"), "bad.yaml:1:7", "lang must be zh or en"),
    (("{phrases: ['{greet} there']}", "{patterns: ['(unclosed']}"), "bad.yaml:5:25", "bad regular expression"),
    (("greet: [hello, hi]", "greet: [hello, hi"), "bad.yaml:4:", "YAML syntax error"),
    (("code: missing_greeting", "code: Missing Greeting"), "bad.yaml:7:11", "code must be snake_case"),
])
def test_errors_name_the_place(edit: tuple[str, str], where: str, message: str) -> None:
    text = GOOD.replace(*edit)
    assert text != GOOD
    with pytest.raises(InputError) as err:
        load_rules_text(text, "bad.yaml")
    assert str(err.value).startswith(where), str(err.value)
    assert message in str(err.value)


def test_party_rules_need_the_party_concepts() -> None:
    text = GOOD.replace("only_if_right_party: false", "only_if_right_party: true")
    with pytest.raises(InputError, match=r"bad.yaml:7:5: .*needs the concept 'identity_confirmed'"):
        load_rules_text(text, "bad.yaml")


def test_load_rules_from_file_and_missing_file(tmp_path: Path) -> None:
    p = tmp_path / "r.yaml"
    p.write_text(GOOD, "utf-8")
    assert load_rules(p).lang == "en"
    with pytest.raises(InputError, match="cannot read QA rule file"):
        load_rules(tmp_path / "missing.yaml")
    with pytest.raises(InputError, match="no shipped QA rules for language 'fr'"):
        shipped_rules("fr")
