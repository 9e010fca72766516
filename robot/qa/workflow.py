"""The review workflow's rules, free of I/O: sampling, verdicts, appeals, the score after them.

A machine finding is a claim, not a verdict. Collection QA teams check a sample of calls
by hand (every call the machine calls fatal, plus a random share of the rest), a
reviewer confirms or overturns each finding, and the agent whose call it was may appeal
a finding to a reviewer who upholds the appeal (the finding stops counting) or rejects
it. These functions decide what is allowed and what the score becomes; robot/qa/store.py
applies them inside transactions and writes every step to the audit trail.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from robot.errors import InputError

#: Finding states. open: as the machine found it; confirmed/overturned: a reviewer's
#: verdict; upheld: an agent's appeal against it won.
FINDING_STATES = ("open", "confirmed", "overturned", "upheld")
#: States in which a finding still counts against the call.
COUNTING = frozenset({"open", "confirmed"})
#: Allowed changes: a reviewer may change their mind before an appeal is decided, but an
#: upheld appeal is final (the agent was told), as is a reviewer's confirmation after a
#: rejected appeal (handled by the appeal check, not here).
_VERDICT_FROM = {"open": {"confirmed", "overturned"}, "confirmed": {"overturned"},
                 "overturned": {"confirmed"}, "upheld": set()}  # fmt: skip


@dataclass(frozen=True)
class Finding:
    """A stored finding, as the workflow sees it."""

    n: int
    code: str
    fatal: bool
    deduction: int
    status: str = "open"


def effective_score(findings: Iterable[Finding]) -> tuple[int, bool]:
    """(score, fatal) counting only findings still standing: the scorer's own formula
    (100 minus deductions, 0 when a fatal finding stands)."""
    standing = [f for f in findings if f.status in COUNTING]
    if any(f.fatal for f in standing):
        return 0, True
    return max(0, 100 - sum(f.deduction for f in standing)), False


def check_verdict(current: str, verdict: str, *, pending_appeal: bool) -> None:
    """Raise InputError unless a reviewer may set ``verdict`` on a finding in ``current``."""
    if verdict not in ("confirmed", "overturned"):
        raise InputError(f"verdict is confirmed or overturned, not {verdict!r}")
    if pending_appeal:
        raise InputError("an appeal against this finding awaits a decision: decide it first"
                         " (dunbot qa decide)")
    if verdict == current:
        raise InputError(f"the finding is already {current}")
    if verdict not in _VERDICT_FROM.get(current, set()):
        raise InputError(f"a finding that is {current} cannot become {verdict}")


def check_appeal(current: str, *, pending_appeal: bool, call_agent: str, agent: str) -> None:
    """Raise InputError unless ``agent`` may appeal a finding in state ``current``;
    ``call_agent`` is the collector the finding is about (the robot, on a call it
    handed to a human agent, for what it said before the transfer)."""
    if agent != call_agent:
        raise InputError(f"only the collector this finding is about ({call_agent}) may appeal it")
    if pending_appeal:
        raise InputError("an appeal against this finding is already pending")
    if current not in COUNTING:
        raise InputError(f"the finding is {current}: it no longer counts, nothing to appeal")


def decision_status(decision: str) -> tuple[str, str | None]:
    """(appeal status, new finding status or None) for a reviewer's decision."""
    if decision == "uphold":
        return "upheld", "upheld"
    if decision == "reject":
        return "rejected", "confirmed"
    raise InputError(f"decision is uphold or reject, not {decision!r}")


def pick_sample(calls: Sequence[tuple[str, bool]], rate: float, seed: int | None = None,
                already: Iterable[str] = ()) -> list[tuple[str, str]]:  # fmt: skip
    """Calls to spot-check, as (call_id, reason): every fatal call not sampled before, and
    a random ``rate`` share of the others (at least one when there are any and rate > 0).

    Deterministic for a given seed, so a supervisor can say which draw they mean.
    """
    if not 0.0 <= rate <= 1.0:
        raise InputError(f"sampling rate is a share between 0 and 1, not {rate}")
    done = set(already)
    fresh = [(cid, fatal) for cid, fatal in calls if cid not in done]
    picked = [(cid, "fatal") for cid, fatal in fresh if fatal]
    rest = sorted(cid for cid, fatal in fresh if not fatal)
    if rest and rate > 0:
        k = max(1, round(rate * len(rest)))
        picked += [(cid, "random") for cid in sorted(random.Random(seed).sample(rest, k))]
    return picked
