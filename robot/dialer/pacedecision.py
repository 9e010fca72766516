"""How many to dial now in a predictive campaign, and why (pure logic).

This is where the live pieces meet the pacer of :mod:`robot.dialer.pacing`: the agent
counts from the queue (:mod:`robot.dialer.agents`), the campaign's calls in flight
(:mod:`robot.dialer.predictive_call`) and the measured rates (:mod:`robot.dialer.pacestats`).
Three rules sit on top of the pacer's own model:

* An answered call still in AMD or in the queue will take a free agent within
  seconds, so it is subtracted from the free agents (it is a person already, not a
  ring with a 30 % chance).
* Every call in flight holds a trunk channel, with or without an agent; the channel
  limit is what is left of ``trunk_channels``, and ``trunk_cps`` bounds dials per second.
* The abandonment cap is a hard limit over the 30-day window: once the measured rate
  has reached the cap, or when the abandons this decision is expected to add would
  take the window over it, the dialer stops dialling ahead and places only calls that
  a free agent is sure to take (the progressive floor), which cannot be abandoned.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from robot.dialer.agents import AgentCounts
from robot.dialer.pacestats import PaceStats
from robot.dialer.pacing import PacingState, PredictivePacer
from robot.dialer.predictive_call import PredictiveCall


@dataclass(frozen=True)
class DialDecision:
    """Dials to place now, the pacer's input, and the explanation stored with each dial."""

    n: int
    state: PacingState
    reason: str


def projected_rate(pacer: PredictivePacer, state: PacingState, n: int) -> float:
    """Window abandonment rate if ``n`` more calls are dialled and answered as expected."""
    outstanding = (state.ringing if state.answerable is None else state.answerable) + n
    answers = outstanding * state.answer_rate
    abandons = pacer.expected_abandon_share(state, n) * answers
    live = state.window_answered + answers
    return (state.window_abandoned + abandons) / live if live > 0 else 0.0


def capped(pacer: PredictivePacer, state: PacingState, n: int, floor: int) -> tuple[int, str]:
    """The hard cap on top of the pacer's ``n``: ``(dials, rule applied)``. ``floor`` is
    what free agents are sure to take (never trimmed: it cannot be abandoned)."""
    if n <= floor:
        return n, "pacer"
    answered, abandoned = state.window_answered, state.window_abandoned
    if answered and abandoned / answered >= pacer.abandon_cap:
        return floor, "cap reached: no dialling ahead"
    if projected_rate(pacer, state, n) <= pacer.abandon_cap:
        return n, "pacer"
    while n > floor and projected_rate(pacer, state, n) > pacer.abandon_cap:
        n -= 1
    return n, "cap would be exceeded: dialling ahead trimmed"


def decide(counts: AgentCounts, calls: Iterable[PredictiveCall], stats: PaceStats,
           pacer: PredictivePacer, *, dials_last_second: int, pending: int,
           wrap_s: float) -> DialDecision:
    """The number of accounts to dial now (at most ``pending``), with its reason."""
    live = [c for c in calls if not c.done]
    ringing = sum(1 for c in live if c.ringing)
    awaiting = sum(1 for c in live if c.awaiting_agent)
    with_agent = sum(1 for c in live if c.agent is not None)
    free = max(0, counts.free - awaiting)
    state = PacingState(
        agents_free=free, agents_busy=counts.talking, agents_wrap=counts.wrap,
        ringing=ringing, dials_last_second=dials_last_second,
        answer_rate=stats.answer_rate, mean_answer_s=stats.mean_answer_s,
        mean_talk_s=stats.mean_talk_s, mean_wrap_s=wrap_s,
        window_answered=stats.window_answered, window_abandoned=stats.window_abandoned)
    # Channels held by answered calls not counted as busy agents (AMD, queue, message).
    held = len(live) - ringing - min(with_agent, counts.talking)
    local = replace(pacer, max_channels=max(0, pacer.max_channels - held))
    floor = max(0, min(free - ringing, local.max_channels - ringing - counts.talking,
                       pacer.cps_limit - dials_last_second))
    n, rule = capped(local, state, local.how_many_to_dial(state), floor)
    n = min(n, pending)
    reason = (f"dial {n} ({rule}): {counts.describe()}; awaiting an agent {awaiting}, "
              f"ringing {ringing}; {stats.describe()}; target "
              f"{pacer.target(state):.2%} of live answers, cap {pacer.abandon_cap:.0%}")
    return DialDecision(n, state, reason)
