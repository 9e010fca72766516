"""Benchmark: progressive vs predictive pacing in a discrete-event campaign simulation.

The simulation drives the real pacer classes of ``robot.dialer.pacing``: after every
event (a dial resolving, a call ending, a wrap-up ending, a one-second tick) it builds a
:class:`PacingState` from what it has *measured* so far (answer rate, answer delay,
talk and wrap-up means, the abandonment tally) and places as many calls as the pacer
says. A dial is answered by a person with probability ``--answer``, after a uniform
3-12 s; otherwise it rings out after 15-30 s (or is busy after 2-5 s). Talk times are
log-normal, wrap-up exponential. A person who answers when no agent is free waits the
two-second safe harbour of 47 CFR 64.1200(a)(7); if no agent frees up, the call is
abandoned. Prints talk time per agent-hour and abandonment for both pacers, and for
``predictive+cap``: the predictive pacer with the hard 30-day cap rule the live dialer
applies on top of it (``robot.dialer.pacedecision.capped``). The last line is one JSON
object.

    .venv/bin/python bench/pacing.py --agents 20 --hours 8 --answer 0.2 --seed 1
"""

from __future__ import annotations

import argparse
import heapq
import json
import math
import random
import sys
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from robot.dialer.pacedecision import capped  # noqa: E402
from robot.dialer.pacing import PacingState, PredictivePacer, ProgressivePacer  # noqa: E402

SAFE_HARBOUR_S = 2.0


class Pacer(Protocol):
    def how_many_to_dial(self, state: PacingState) -> int: ...


@dataclass(frozen=True)
class CappedPacer:
    """The live dialer's decision: the predictive pacer, then the hard cap rule."""

    inner: PredictivePacer

    def how_many_to_dial(self, state: PacingState) -> int:
        p = self.inner
        floor = max(0, min(state.agents_free - state.ringing,
                           p.max_channels - state.ringing - state.agents_busy,
                           p.cps_limit - state.dials_last_second))
        return capped(p, state, p.how_many_to_dial(state), floor)[0]


@dataclass(frozen=True)
class Scenario:
    agents: int = 20
    hours: float = 8.0
    answer: float = 0.20
    busy: float = 0.10
    talk_mean_s: float = 90.0
    talk_sigma: float = 0.6
    wrap_mean_s: float = 15.0
    seed: int = 1


@dataclass
class Result:
    dials: int = 0
    answered: int = 0
    abandoned: int = 0
    talk_s: float = 0.0

    def per_agent_hour(self, sc: Scenario) -> float:
        return self.talk_s / (sc.agents * sc.hours)  # talk seconds per agent-hour

    def abandon_rate(self) -> float:
        return self.abandoned / self.answered if self.answered else 0.0


class Measured:
    """Running estimates, started from weak priors, as a real campaign would keep them."""

    def __init__(self) -> None:
        self.resolved, self.live = 10.0, 3.0  # prior: 30 % answer rate
        self.answer_s, self.talk_s, self.wrap_s = [8.0, 1], [90.0, 1], [15.0, 1]

    @staticmethod
    def add(acc: list[float], x: float) -> None:
        acc[0] += (x - acc[0]) / (acc[1] + 1)
        acc[1] += 1


def simulate(pacer: Pacer, sc: Scenario) -> Result:
    rnd = random.Random(sc.seed)
    end = sc.hours * 3600
    mu = sc.talk_mean_s
    log_mu = math.log(mu) - sc.talk_sigma ** 2 / 2
    events: list[tuple[float, int, str, object]] = []
    seq = 0

    def push(t: float, kind: str, data: object = None) -> None:
        nonlocal seq
        seq += 1
        heapq.heappush(events, (t, seq, kind, data))

    free, busy, wrap, ringing = sc.agents, 0, 0, 0
    waiting: deque[tuple[int, float]] = deque()  # answered calls waiting for an agent
    recent_dials: deque[float] = deque()
    ringing_since: dict[int, float] = {}  # dial id -> dial time
    delays: deque[float] = deque(maxlen=200)  # recent live-answer delays
    m, res = Measured(), Result()
    call_id = 0

    def connect(now: float, answered_at: float) -> None:
        nonlocal free, busy
        free -= 1
        busy += 1
        talk = rnd.lognormvariate(log_mu, sc.talk_sigma)
        res.talk_s += max(0.0, min(now + talk, end) - now)
        m.add(m.answer_s, answered_at)
        push(now + talk, "talk_end", talk)

    t = 0.0
    push(0.0, "tick")
    while events:
        t, _, kind, data = heapq.heappop(events)
        if t > end + 600:
            break
        if kind == "tick":
            if t < end:
                push(t + 1.0, "tick")
        elif kind == "resolve":
            ringing -= 1
            dial_id, answered, delay = data  # type: ignore[misc]
            del ringing_since[dial_id]
            m.resolved += 1
            if answered:
                m.live += 1
                delays.append(delay)
                res.answered += 1
                if free > 0:
                    connect(t, delay)
                else:
                    call_id += 1
                    waiting.append((call_id, delay))
                    push(t + SAFE_HARBOUR_S, "give_up", call_id)
        elif kind == "give_up":
            for i, (cid, _) in enumerate(waiting):
                if cid == data:
                    del waiting[i]
                    res.abandoned += 1
                    break
        elif kind == "talk_end":
            busy -= 1
            wrap += 1
            m.add(m.talk_s, float(data))  # type: ignore[arg-type]
            w = rnd.expovariate(1 / sc.wrap_mean_s)
            push(t + w, "wrap_end", w)
        elif kind == "wrap_end":
            wrap -= 1
            free += 1
            m.add(m.wrap_s, float(data))  # type: ignore[arg-type]
            if waiting:
                _, delay = waiting.popleft()
                connect(t, delay)
        if t >= end:
            continue
        while recent_dials and recent_dials[0] <= t - 1.0:
            recent_dials.popleft()
        horizon = sorted(delays)[int(len(delays) * 0.95)] if len(delays) >= 20 else 1e9
        answerable = sum(1 for d in ringing_since.values() if t - d < horizon)
        state = PacingState(
            agents_free=free, agents_busy=busy, agents_wrap=wrap, ringing=ringing,
            dials_last_second=len(recent_dials), answer_rate=m.live / m.resolved,
            mean_answer_s=m.answer_s[0], mean_talk_s=m.talk_s[0], mean_wrap_s=m.wrap_s[0],
            window_answered=res.answered, window_abandoned=res.abandoned,
            answerable=answerable)
        for _ in range(pacer.how_many_to_dial(state)):
            res.dials += 1
            ringing += 1
            ringing_since[res.dials] = t
            recent_dials.append(t)
            u = rnd.random()
            if u < sc.answer:
                delay = rnd.uniform(3, 12)
                push(t + delay, "resolve", (res.dials, True, delay))
            elif u < sc.answer + sc.busy:
                push(t + rnd.uniform(2, 5), "resolve", (res.dials, False, 0.0))
            else:
                push(t + rnd.uniform(15, 30), "resolve", (res.dials, False, 0.0))
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--agents", type=int, default=20)
    ap.add_argument("--hours", type=float, default=8.0)
    ap.add_argument("--answer", type=float, default=0.20,
                    help="live (right-party) answer probability per dial")
    ap.add_argument("--talk", type=float, default=90.0, help="mean talk seconds")
    ap.add_argument("--wrap", type=float, default=15.0, help="mean wrap-up seconds")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    sc = Scenario(agents=args.agents, hours=args.hours, answer=args.answer,
                  talk_mean_s=args.talk, wrap_mean_s=args.wrap, seed=args.seed)
    channels = max(4 * sc.agents, 10)
    pacers: dict[str, Pacer] = {
        "progressive": ProgressivePacer(max_channels=channels, robot_capacity=sc.agents,
                                        cps_limit=20),
        "predictive": PredictivePacer(abandon_cap=0.03, max_channels=channels, cps_limit=20),
        "predictive+cap": CappedPacer(PredictivePacer(abandon_cap=0.03, max_channels=channels,
                                                      cps_limit=20)),
    }
    print(f"{sc.agents} agents, {sc.hours:g} h, answer {sc.answer:.0%}, talk {sc.talk_mean_s:g} s, "
          f"wrap {sc.wrap_mean_s:g} s, seed {sc.seed}")
    print(f"{'pacer':14s} {'dials':>7s} {'answered':>8s} {'abandoned':>9s} {'abandon':>8s} "
          f"{'talk min/agent-h':>17s} {'occupancy':>9s}")
    results = {}
    for name, pacer in pacers.items():
        r = simulate(pacer, sc)
        results[name] = r
        per = r.per_agent_hour(sc)
        print(f"{name:14s} {r.dials:7d} {r.answered:8d} {r.abandoned:9d} "
              f"{r.abandon_rate():8.2%} {per / 60:17.1f} {per / 3600:9.1%}")
    ratio = (results["predictive"].per_agent_hour(sc)
             / max(results["progressive"].per_agent_hour(sc), 1e-9))
    print(f"predictive / progressive talk time per agent-hour: {ratio:.2f}x "
          f"(goal >= 1.5x with abandonment <= 3%)")
    capped_ratio = (results["predictive+cap"].per_agent_hour(sc)
                    / max(results["progressive"].per_agent_hour(sc), 1e-9))
    print(f"predictive+cap / progressive: {capped_ratio:.2f}x, abandonment "
          f"{results['predictive+cap'].abandon_rate():.2%}")
    print(json.dumps({
        "talk_ratio_predictive_vs_progressive": round(ratio, 3),
        "abandon_rate": round(results["predictive"].abandon_rate(), 4),
        "talk_ratio_capped_vs_progressive": round(capped_ratio, 3),
        "abandon_rate_capped": round(results["predictive+cap"].abandon_rate(), 4),
        "talk_s_per_agent_hour": {k: round(v.per_agent_hour(sc), 1) for k, v in results.items()},
        "agents": sc.agents, "hours": sc.hours, "answer": sc.answer, "seed": sc.seed,
    }))


if __name__ == "__main__":
    main()
