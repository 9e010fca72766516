"""Allocation (分案): which agent or agency gets each case; pure, tested without a store.

Eligible collectors for a case are those of the treatment's kind, active, serving the
case's region (no regions = any) and below capacity. Among them:

* ``round_robin`` takes the next in a fixed rotation;
* ``performance`` gives each collector a share in proportion to its recovery rate: the
  case goes to the one with the lowest ``(load + 1) / rate``.

Cases are taken largest balance first, so when capacity runs out it is the small ones
that wait for tomorrow.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

METHODS = ("round_robin", "performance")
MIN_RATE = 0.001  # a collector with no recoveries still gets an occasional case


@dataclass(frozen=True)
class Collector:
    id: str
    kind: str  # agent | agency
    name: str
    regions: frozenset[str]
    capacity: int
    performance: float | None = None  # prior recovery rate
    active: bool = True

    def serves(self, region: str) -> bool:
        return not self.regions or region in self.regions


@dataclass(frozen=True)
class CaseRef:
    account_id: str
    kind: str  # the treatment: agent | agency
    region: str
    balance_minor: int


@dataclass(frozen=True)
class Allocation:
    assigned: list[tuple[str, str]]  # (account_id, collector_id)
    unassigned: list[tuple[str, str]]  # (account_id, reason)


def allocate(
    cases: Iterable[CaseRef],
    collectors: list[Collector],
    load: dict[str, int],
    rates: dict[str, float],
    method: str = "performance",
) -> Allocation:
    """Assign ``cases``; ``load`` (active placements per collector) is not modified."""
    if method not in METHODS:
        raise ValueError(f"method {method!r} is not one of {METHODS}")
    live = dict(load)
    pool = sorted((c for c in collectors if c.active), key=lambda c: c.id)
    turn = 0
    assigned: list[tuple[str, str]] = []
    unassigned: list[tuple[str, str]] = []
    by_kind_region: dict[tuple[str, str], list[Collector]] = {}
    for case in sorted(cases, key=lambda c: (-c.balance_minor, c.account_id)):
        key = (case.kind, case.region)
        if key not in by_kind_region:
            by_kind_region[key] = [c for c in pool if c.kind == case.kind and c.serves(case.region)]
        eligible = [c for c in by_kind_region[key] if live.get(c.id, 0) < c.capacity]
        if not eligible:
            why = "no collector serves this region" if not by_kind_region[key] else "all full"
            unassigned.append((case.account_id, f"{case.kind} in region "
                               f"{case.region or '-'}: {why}"))  # fmt: skip
            continue
        if method == "round_robin":
            chosen = eligible[turn % len(eligible)]
            turn += 1
        else:
            chosen = min(eligible, key=lambda c: ((live.get(c.id, 0) + 1)
                                                  / max(rates.get(c.id, MIN_RATE), MIN_RATE),
                                                  c.id))  # fmt: skip
        live[chosen.id] = live.get(chosen.id, 0) + 1
        assigned.append((case.account_id, chosen.id))
    return Allocation(assigned, unassigned)


def blended_rate(prior: float | None, recovered: int, placed: int, n: int,
                 trust_after: int = 20) -> float:  # fmt: skip
    """Recovery rate to allocate by: the prior until ``trust_after`` placements came back,
    then the collector's own record (recovered / placed balance)."""
    own = recovered / placed if placed else 0.0
    if n >= trust_after or prior is None:
        return own if n else (prior or 0.0)
    w = n / trust_after
    return w * own + (1 - w) * prior
