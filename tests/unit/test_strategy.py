"""Strategy rules: loading errors point at file:line:column, decisions and their reasons."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from lifecycle_helpers import account_file
from robot.cases.accounts import import_accounts
from robot.cases.sms import OutboxGateway, dispatch_sms
from robot.cases.strategy import Facts, decide, load_strategy_text
from robot.cases.treat import run_strategy, work_items
from robot.errors import InputError
from robot.store.db import Store
from pgstore import either_store, pg_server  # noqa: F401  (fixture)

RULES = """\
name: daily
rules:
  - id: legal-old-big
    when: {bucket: [M6+], balance_min: 20000}
    treatment: legal
  - id: broken-to-agency
    when: {broken_promises_min: 2}
    treatment: agency
    params: {placement_days: 45}
  - id: early-robot
    when:
      bucket: [M0, M1]
      risk_max: 600
    treatment: robot
    params: {campaign: early}
  - id: remind
    when: {bucket: M0}
    treatment: sms
    params: {text: "{name}, {amount_due} {currency} is due"}
default:
  treatment: agent
  params: {queue: general}
"""


def facts(**kw: object) -> Facts:
    base: dict[str, object] = dict(account_id="A", bucket="M0", dpd=10, balance_minor=100000,
                                   risk_score=500, region="SH", compliance="ok")
    base.update(kw)
    return Facts(**base)  # type: ignore[arg-type]


def test_first_matching_rule_wins_and_explains() -> None:
    s = load_strategy_text(RULES, "s.yaml")
    d = decide(s, facts(), explain=True)
    assert (d.treatment, d.rule_id, d.params) == ("robot", "early-robot", {"campaign": "early"})
    assert d.reasons == (
        "legal-old-big: no, bucket 'M0' not in [M6+]",
        "broken-to-agency: no, broken_promises 0 not >= 2",
        "early-robot: yes, bucket 'M0' in [M0, M1]; risk_score 500 <= 600",
    )
    assert decide(s, facts(risk_score=700)).treatment == "sms"
    assert decide(s, facts(risk_score=None)).treatment == "sms"  # unknown risk: no match
    assert decide(s, facts(bucket="M6+", balance_minor=2_000_000)).treatment == "legal"
    assert decide(s, facts(bucket="M6+", balance_minor=1_999_999)).rule_id == "default"
    assert decide(s, facts(broken_promises=2)).params == {"placement_days": 45}


def test_compliance_forbids_robot_and_sms() -> None:
    s = load_strategy_text(RULES, "s.yaml")
    d = decide(s, facts(compliance="cease"), explain=True)
    assert d.treatment == "agent"
    assert "early-robot: skipped, robot not allowed under compliance 'cease'" in d.reasons
    assert "remind: skipped, sms not allowed under compliance 'cease'" in d.reasons
    assert decide(s, facts(compliance="dispute")).treatment == "robot"


@pytest.mark.parametrize("text, where, message", [
    ("rules: []\n", "s.yaml:1:1", "missing 'default'"),
    ("rules:\n  - id: a\n    treatment: robt\ndefault: {treatment: hold}\n", "s.yaml:3:16",
     "treatment 'robt' is not one of"),
    ("rules:\n  - id: a\n    treatment: robot\ndefault: {treatment: hold}\n", "s.yaml:2:5",
     "treatment robot needs params.campaign"),
    ("rules:\n  - id: a\n    when: {bukket: [M0]}\n    treatment: hold\n"
     "default: {treatment: hold}\n", "s.yaml:3:12", "unknown key 'bukket'"),
    ("rules:\n  - id: a\n    when: {bucket: [M0, M9]}\n    treatment: hold\n"
     "default: {treatment: hold}\n", "s.yaml:3:25", "unknown bucket 'M9'"),
    ("rules:\n  - id: a\n    when: {balance_min: lots}\n    treatment: hold\n"
     "default: {treatment: hold}\n", "s.yaml:3:25", "balance_min must be an amount"),
    ("rules:\n  - id: a\n    treatment: hold\n  - id: a\n    treatment: hold\n"
     "default: {treatment: hold}\n", "s.yaml:4:9", "rule id 'a' repeats (first at s.yaml:2:9)"),
    ("rules: [\n", "s.yaml:2:1", "YAML syntax"),
])  # fmt: skip
def test_errors_name_file_line_column(text: str, where: str, message: str) -> None:
    with pytest.raises(InputError) as exc:
        load_strategy_text(text, "s.yaml")
    assert exc.value.where == where and message in str(exc.value)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
async def test_run_writes_work_items_queues_robot_and_sends_sms(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    day = date(2026, 11, 1)
    async with either_store(kind, tmp_path, request) as store:
        await import_accounts(store, account_file(tmp_path / "a.csv", [
            {"due_date": "2026-10-20"}, {"due_date": "2026-10-20", "risk_score": "900"},
            {"due_date": "2026-10-20", "compliance": "cease"}, {"due_date": "2026-01-01"},
        ]), today=day)  # fmt: skip
        s = load_strategy_text(RULES, "s.yaml")
        dry = await run_strategy(store, s, day, dry_run=True)
        assert [(d.account_id, d.treatment) for d in dry.decisions] == [
            ("A1", "robot"), ("A2", "sms"), ("A3", "agent"), ("A4", "agent")]
        assert await work_items(store, day) == []  # a dry run writes nothing
        run = await run_strategy(store, s, day)
        assert run.by_treatment == {"robot": 1, "sms": 1, "agent": 2}
        assert run.queued == {"early": 1}
        camp = await store.require_campaign("early")
        assert [a.id for a in await store.pending_accounts(camp["id"])] == ["A1"]
        again = await run_strategy(store, s, day)  # same day again: no duplicates
        assert again.queued == {"early": 0} and len(await work_items(store, day)) == 4
        gw = OutboxGateway(tmp_path / "outbox")
        assert await dispatch_sms(store, day, gw) == 1
        assert await dispatch_sms(store, day, gw) == 0
        line = json.loads((tmp_path / "outbox" / "sms-2026-11-01.jsonl").read_text())
        assert line["account_id"] == "A2" and line["text"] == "Name 2, 1000.00 USD is due"


def test_documented_examples_load() -> None:
    from robot.cases.placement import load_plan
    from robot.cases.strategy import load_strategy

    docs = Path(__file__).resolve().parent.parent.parent / "docs" / "examples"
    s = load_strategy(docs / "strategy.yaml")
    assert [r.id for r in s.rules][:2] == ["hold-compliance", "legal-big"]
    assert decide(s, facts(bucket="M0", risk_score=800)).treatment == "sms"
    plan = load_plan(docs / "collectors.yaml")
    assert plan.method == "performance" and len(plan.collectors) == 4


def test_region_codes_are_not_booleans() -> None:
    s = load_strategy_text("rules:\n  - {id: ca, when: {region: [ON, NO, yes]}, treatment: legal}\n"
                           "default: {treatment: hold}\n")
    assert decide(s, facts(region="ON")).treatment == "legal"
    assert decide(s, facts(region="NO")).treatment == "legal"
