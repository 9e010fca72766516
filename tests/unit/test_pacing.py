"""Pacers: progressive limits, the predictive model, its abandonment controller."""

from __future__ import annotations

import random
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from robot.dialer.pacing import PacingState, PredictivePacer, ProgressivePacer


def state(**kw: object) -> PacingState:
    base: dict[str, object] = dict(agents_free=0, agents_busy=0, agents_wrap=0, ringing=0)
    base.update(kw)
    return PacingState(**base)  # type: ignore[arg-type]


# -- progressive ----------------------------------------------------------------------

@pytest.mark.parametrize(("kw", "expected"), [
    (dict(agents_free=3), 3),                                  # one call per free agent
    (dict(agents_free=5, ringing=2), 3),                       # ringing calls cover agents
    (dict(agents_free=5, ringing=7), 0),
    (dict(agents_free=5, dials_last_second=3), 1),             # cps_limit 4
    (dict(agents_free=8, agents_busy=6), 4),                   # robot capacity 10
    (dict(agents_free=3, agents_busy=6, ringing=2), 1),
    (dict(agents_free=30), 4),                                 # cps again
])
def test_progressive(kw: dict[str, int], expected: int) -> None:
    pacer = ProgressivePacer(max_channels=12, robot_capacity=10, cps_limit=4)
    assert pacer.how_many_to_dial(state(**kw)) == expected


def test_progressive_respects_channels() -> None:
    pacer = ProgressivePacer(max_channels=6, robot_capacity=100, cps_limit=100)
    assert pacer.how_many_to_dial(state(agents_free=10, agents_busy=4)) == 2


# -- predictive -----------------------------------------------------------------------

def test_predictive_dials_ahead_of_free_agents() -> None:
    s = state(agents_free=2, agents_busy=18, answer_rate=0.2, window_answered=1000,
              window_abandoned=10)
    n = PredictivePacer().how_many_to_dial(s)
    assert n > ProgressivePacer(200, 200, 50).how_many_to_dial(s) == 2


def test_predictive_never_below_progressive() -> None:
    # the window is far over the cap: the target is 0, yet free agents still get a call
    s = state(agents_free=4, agents_busy=10, window_answered=1000, window_abandoned=200)
    assert PredictivePacer().target(s) == 0.0
    assert PredictivePacer().how_many_to_dial(s) == 4


def test_predictive_dials_nothing_without_agents_or_room() -> None:
    assert PredictivePacer().how_many_to_dial(state()) == 0
    s = state(agents_free=5, dials_last_second=50)
    assert PredictivePacer().how_many_to_dial(s) == 0
    assert PredictivePacer(max_channels=10).how_many_to_dial(  # talking calls hold lines
        state(agents_free=1, agents_busy=10, answer_rate=0.1)) == 0


def test_target_follows_the_measured_window() -> None:
    p = PredictivePacer(abandon_cap=0.03, margin=0.7, gain=2.0, min_sample=100)
    budget = 0.021
    assert p.target(state(window_answered=10)) == pytest.approx(budget / 2)
    assert p.target(state(window_answered=1000, window_abandoned=21)) == pytest.approx(budget)
    assert p.target(state(window_answered=1000)) == pytest.approx(0.03)  # clamped to cap
    low = p.target(state(window_answered=1000, window_abandoned=25))
    assert 0 < low < budget


def test_more_calls_never_lower_the_expected_abandon_share() -> None:
    p = PredictivePacer()
    s = state(agents_free=3, agents_busy=12, agents_wrap=2, ringing=4, answer_rate=0.25)
    shares = [p.expected_abandon_share(s, n) for n in range(40)]
    assert shares == sorted(shares)
    assert shares[0] == 0.0 or shares[0] < 0.01


def test_expected_abandon_share_matches_monte_carlo() -> None:
    import math

    p = PredictivePacer()
    s = state(agents_free=2, agents_busy=6, agents_wrap=3, ringing=3, answer_rate=0.35,
              mean_answer_s=8.0, mean_talk_s=60.0, mean_wrap_s=10.0)
    extra = 6
    rnd = random.Random(5)
    q_w, q_b = 1 - math.exp(-8 / 10), 1 - math.exp(-8 / 70)
    lost = answered = 0
    for _ in range(40_000):
        x = sum(rnd.random() < 0.35 for _ in range(3 + extra))
        k = 2 + sum(rnd.random() < q_w for _ in range(3)) + sum(rnd.random() < q_b for _ in range(6))
        answered += x
        lost += max(0, x - k)
    assert p.expected_abandon_share(s, extra) == pytest.approx(lost / answered, rel=0.05)


def test_answerable_counts_only_young_ringing_calls() -> None:
    p = PredictivePacer()
    old = state(agents_free=3, agents_busy=10, ringing=12, answer_rate=0.3,
                window_answered=500, window_abandoned=5)
    fresh = PacingState(**{**old.__dict__, "answerable": 0})
    assert p.how_many_to_dial(old) == 0
    assert p.how_many_to_dial(fresh) > p.how_many_to_dial(old)


def test_window_totals_cover_the_last_window_days() -> None:
    p = PredictivePacer(window_days=30)
    daily = {date(2026, 10, 1): (100, 9), date(2026, 10, 2): (50, 1), date(2026, 10, 31): (10, 0),
             date(2026, 11, 1): (7, 7)}
    # 30 days ending 2026-10-31 start on 2026-10-02
    assert p.window_totals(daily, date(2026, 10, 31)) == (60, 1)
    assert p.window_totals(daily, date(2026, 11, 1)) == (17, 7)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 30), st.integers(0, 30), st.integers(0, 10), st.integers(0, 40),
       st.floats(0.0, 1.0), st.integers(0, 60), st.integers(0, 5000), st.integers(0, 200))
def test_predictive_stays_within_limits(free: int, busy: int, wrap: int, ringing: int,
                                        rate: float, dialled: int, answered: int,
                                        abandoned: int) -> None:
    s = state(agents_free=free, agents_busy=busy, agents_wrap=wrap, ringing=ringing,
              answer_rate=rate, dials_last_second=dialled, window_answered=answered,
              window_abandoned=min(abandoned, answered))
    pacer = PredictivePacer(max_channels=60, cps_limit=50)
    n = pacer.how_many_to_dial(s)
    room = max(0, min(60 - ringing - busy, 50 - dialled))
    assert 0 <= n <= room
    progressive = ProgressivePacer(60, 1_000_000, 50).how_many_to_dial(s)
    assert n >= progressive
    if n > progressive:
        assert pacer.expected_abandon_share(s, n) <= pacer.target(s) + 1e-12
