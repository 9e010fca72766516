"""Pacing: how many numbers to dial right now.

Two pacers answer the same question from the same :class:`PacingState` snapshot, and
neither does I/O, so the campaign runner, the unit tests and the benchmark
(``bench/pacing.py``) all drive the very same code.

*Progressive* dialling places one call per free agent (a robot call slot, or a person
the robot hands over to). It never abandons a call, but each agent waits through the
ringing and the unanswered attempts, so with a 30 % answer rate most of an agent's hour
is spent waiting.

*Predictive* dialling places more calls than there are free agents, betting that only
some will be answered and that busy or wrapping agents will be free by the time they
are. The bet is sized with a queueing model and corrected by measurement:

1. Model. Calls outstanding after dialling ``n`` more (``ringing + n``) are each
   answered by a person with the measured answer rate ``p``, so live answers are
   ``X ~ Binomial(ringing + n, p)`` (counting only calls still young enough to be
   answered, when the caller says how many those are). Agents available when those answers arrive (about
   ``mean_answer_s`` from now) are the free ones plus each wrapping agent with
   probability ``1 - exp(-r / wrap)`` and each talking agent with probability
   ``1 - exp(-r / (talk + wrap))`` - the memoryless service-time assumption of the
   Erlang models. Expected abandoned calls are ``E[max(0, X - K)]``; the pacer dials the
   largest ``n`` whose expected abandoned share ``E[max(0, X - K)] / E[X]`` stays
   within a target. Both sides are exact discrete distributions, so this works for the
   small agent groups a bank campaign has, where Erlang-C's large-group approximations
   are at their weakest.
2. Measurement. The law caps abandonment measured over a window (47 CFR
   64.1200(a)(7): 3 % of live-answered calls per 30-day period per campaign), and the
   model's inputs are estimates. So the per-decision target is a proportional
   controller on the measured window rate: ``target = budget + gain * (budget -
   measured)``, clamped to ``[0, cap]``, with ``budget = margin * cap``. Running above
   budget makes the pacer more cautious until the window recovers; below it lets it
   dial a little harder. Until ``min_sample`` live answers are measured the target is
   half the budget.

The predictive count is never below the progressive one (one call per free agent not
already covered by a ringing call) because those calls cannot be abandoned.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class PacingState:
    """A snapshot of the campaign the pacer decides from.

    Agent counts are by state: ``free`` (waiting for a call), ``busy`` (talking) and
    ``wrap`` (finishing the previous call). ``ringing`` calls are dialled and not yet
    resolved. The measured quantities come from the campaign's own recent calls.
    """

    agents_free: int
    agents_busy: int
    agents_wrap: int
    ringing: int
    dials_last_second: int = 0
    answer_rate: float = 0.3  # share of dials answered by a person
    mean_answer_s: float = 8.0  # seconds from dial to a live answer
    mean_talk_s: float = 90.0
    mean_wrap_s: float = 15.0
    window_answered: int = 0  # live answers in the abandonment window
    window_abandoned: int = 0  # of which abandoned
    #: Ringing calls still young enough to be answered (younger than, say, the 95th
    #: percentile of measured answer delays); ``None`` = all of them. A call that has
    #: rung past that age is almost surely a no-answer and will not need an agent.
    answerable: int | None = None

    @property
    def agents(self) -> int:
        return self.agents_free + self.agents_busy + self.agents_wrap


def _limits(s: PacingState, max_channels: int, cps_limit: int) -> int:
    """Dials the trunk allows now: free channels and what is left of this second."""
    return max(0, min(max_channels - s.ringing - s.agents_busy,
                      cps_limit - s.dials_last_second))


@dataclass(frozen=True)
class ProgressivePacer:
    """One call per free agent, within the channel, robot and calls-per-second limits.

    ``robot_capacity`` is how many calls the robot can hold at once (its speech engines
    are the bottleneck); agents beyond it are not offered calls.
    """

    max_channels: int
    robot_capacity: int
    cps_limit: int

    def how_many_to_dial(self, state: PacingState) -> int:
        free = min(state.agents_free,
                   self.robot_capacity - state.agents_busy - state.agents_wrap)
        want = free - state.ringing
        return max(0, min(want, _limits(state, self.max_channels, self.cps_limit)))


@dataclass(frozen=True)
class PredictivePacer:
    """Dial ahead of free agents, holding abandonment under ``abandon_cap`` (see module)."""

    abandon_cap: float = 0.03
    window_days: int = 30
    max_channels: int = 200
    robot_capacity: int = 1_000_000
    cps_limit: int = 50
    margin: float = 0.7
    gain: float = 2.0
    min_sample: int = 100

    def target(self, state: PacingState) -> float:
        """The abandoned share this decision may risk, from the measured window rate."""
        budget = self.margin * self.abandon_cap
        if state.window_answered < self.min_sample:
            return budget / 2
        measured = state.window_abandoned / state.window_answered
        return min(self.abandon_cap, max(0.0, budget + self.gain * (budget - measured)))

    def expected_abandon_share(self, state: PacingState, extra: int) -> float:
        """``E[max(0, X - K)] / E[X]`` if ``extra`` more calls are dialled now."""
        n = (state.ringing if state.answerable is None else state.answerable) + extra
        p = min(max(state.answer_rate, 0.0), 1.0)
        if n == 0 or p == 0.0:
            return 0.0
        r = state.mean_answer_s
        q_wrap = 1 - math.exp(-r / state.mean_wrap_s) if state.mean_wrap_s > 0 else 1.0
        q_busy = 1 - math.exp(-r / max(state.mean_talk_s + state.mean_wrap_s, 1e-9))
        k_pmf = _convolve(_binomial(state.agents_wrap, q_wrap),
                          _binomial(state.agents_busy, q_busy))
        # g[x] = E[max(0, x - K)], built up with g[x+1] = g[x] + P(K <= x)
        free = state.agents_free
        cdf, g, total = 0.0, 0.0, 0.0
        for x, px in enumerate(_binomial(n, p)):
            if x > free:
                k = x - 1 - free  # P(K' <= x - 1) with K = free + K'
                cdf += k_pmf[k] if k < len(k_pmf) else 0.0
                g += cdf
            total += px * g
        return total / (n * p)

    def how_many_to_dial(self, state: PacingState) -> int:
        free = min(state.agents_free,
                   self.robot_capacity - state.agents_busy - state.agents_wrap)
        floor = max(0, free - state.ringing)
        room = _limits(state, self.max_channels, self.cps_limit)
        if state.agents == 0 or room == 0:
            return 0
        if floor >= room:
            return room
        target = self.target(state)
        if self.expected_abandon_share(state, room) <= target:
            return room
        # the share grows with n: bisect for the largest n in [floor, room) within target
        lo, hi = floor, room
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if self.expected_abandon_share(state, mid) <= target:
                lo = mid
            else:
                hi = mid
        return lo

    def window_totals(self, daily: Mapping[date, tuple[int, int]], today: date) -> tuple[int, int]:
        """``(answered, abandoned)`` over the ``window_days`` ending ``today`` inclusive."""
        first = today - timedelta(days=self.window_days - 1)
        answered = sum(a for d, (a, _) in daily.items() if first <= d <= today)
        abandoned = sum(b for d, (_, b) in daily.items() if first <= d <= today)
        return answered, abandoned


def _binomial(n: int, p: float) -> list[float]:
    """Probabilities of 0..n successes, computed in log space (no underflow)."""
    if n <= 0:
        return [1.0]
    if p >= 1.0:
        return [0.0] * n + [1.0]
    if p <= 0.0:
        return [1.0] + [0.0] * n
    lp, lq, lgn = math.log(p), math.log1p(-p), math.lgamma(n + 1)
    return [math.exp(lgn - math.lgamma(k + 1) - math.lgamma(n - k + 1) + k * lp + (n - k) * lq)
            for k in range(n + 1)]


def _convolve(a: list[float], b: list[float]) -> list[float]:
    out = [0.0] * (len(a) + len(b) - 1)
    for i, x in enumerate(a):
        if x:
            for j, y in enumerate(b):
                out[i + j] += x * y
    return out
