"""The review workflow's rules (pure): scores after verdicts, allowed steps, sampling."""

from __future__ import annotations

import pytest

from robot.errors import InputError
from robot.qa.workflow import (Finding, check_appeal, check_verdict, decision_status,
                               effective_score, pick_sample)  # fmt: skip


def test_score_counts_only_standing_findings() -> None:
    fs = [Finding(1, "talk_over", False, 5), Finding(2, "missing_ptp_readback", False, 10)]
    assert effective_score(fs) == (85, False)
    fs[1] = Finding(2, "missing_ptp_readback", False, 10, "overturned")
    assert effective_score(fs) == (95, False)
    threat = Finding(3, "threat", True, 0, "confirmed")
    assert effective_score([*fs, threat]) == (0, True)
    assert effective_score([*fs, Finding(3, "threat", True, 0, "upheld")]) == (95, False)
    assert effective_score([Finding(1, "x", False, 70), Finding(2, "y", False, 70)]) == (0, False)


def test_verdicts_follow_the_allowed_steps() -> None:
    check_verdict("open", "confirmed", pending_appeal=False)
    check_verdict("confirmed", "overturned", pending_appeal=False)
    with pytest.raises(InputError, match="already confirmed"):
        check_verdict("confirmed", "confirmed", pending_appeal=False)
    with pytest.raises(InputError, match="decide it first"):
        check_verdict("open", "overturned", pending_appeal=True)
    with pytest.raises(InputError, match="upheld cannot become"):
        check_verdict("upheld", "confirmed", pending_appeal=False)
    with pytest.raises(InputError, match="confirmed or overturned"):
        check_verdict("open", "maybe", pending_appeal=False)


def test_only_the_calls_agent_appeals_a_standing_finding_once() -> None:
    check_appeal("confirmed", pending_appeal=False, call_agent="A7", agent="A7")
    with pytest.raises(InputError, match=r"only the collector this finding is about \(A7\)"):
        check_appeal("open", pending_appeal=False, call_agent="A7", agent="A8")
    with pytest.raises(InputError, match="already pending"):
        check_appeal("open", pending_appeal=True, call_agent="A7", agent="A7")
    with pytest.raises(InputError, match="overturned: it no longer counts"):
        check_appeal("overturned", pending_appeal=False, call_agent="A7", agent="A7")
    assert decision_status("uphold") == ("upheld", "upheld")
    assert decision_status("reject") == ("rejected", "confirmed")
    with pytest.raises(InputError):
        decision_status("ignore")


def test_sample_takes_every_fatal_call_and_a_repeatable_share() -> None:
    calls = [(f"c{i:03d}", i % 25 == 0) for i in range(200)]
    first = pick_sample(calls, 0.05, seed=7)
    fatal = {c for c, r in first if r == "fatal"}
    assert fatal == {c for c, f in calls if f}
    assert sum(r == "random" for _, r in first) == round(0.05 * 192)
    assert first == pick_sample(calls, 0.05, seed=7)
    assert first != pick_sample(calls, 0.05, seed=8)
    again = pick_sample(calls, 0.05, seed=7, already=[c for c, _ in first])
    assert not {c for c, _ in again} & {c for c, _ in first}
    assert not [r for _, r in again if r == "fatal"]
    assert len(pick_sample(calls[1:3], 0.01, seed=1)) == 1  # a small day still gets one check
    assert pick_sample(calls, 0.0, seed=1) == [(c, "fatal") for c, f in calls if f]
    with pytest.raises(InputError, match="between 0 and 1"):
        pick_sample(calls, 5, seed=1)
