"""The records the case store keeps, as plain dataclasses.

They carry exact types (``Decimal`` money, ``date`` due dates) so nothing between the
bank's call list and the outcome file ever rounds an amount through a float.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

#: How an attempt ended on the telephone side (``attempts.result``).
RESULTS = ("answered", "busy", "no_answer", "failed", "machine", "interrupted")
#: Who spoke a turn.
SPEAKERS = ("robot", "debtor")
#: Recording legs: both sides mixed, what the robot heard (rx), what it said (tx).
RECORDING_KINDS = ("mix", "rx", "tx")

#: Upper bounds (inclusive, in days past due) of the collection buckets, in order.
#: A debt ``d`` days past due falls in the first bucket whose bound is >= ``d``; past
#: the last bound it is in ``overflow``. ``d <= 0`` is always "current".
DEFAULT_BUCKET_BOUNDS: tuple[tuple[int, str], ...] = (
    (30, "M0"),
    (60, "M1"),
    (90, "M2"),
    (120, "M3"),
    (180, "M4-M6"),
)
OVERFLOW_BUCKET = "M6+"


def bucket_for(
    days_past_due: int,
    bounds: tuple[tuple[int, str], ...] = DEFAULT_BUCKET_BOUNDS,
    overflow: str = OVERFLOW_BUCKET,
) -> str:
    """Collection bucket of a debt, so dialogue scripts can vary tone by delinquency.

    ``bounds`` is a tuple of ``(max_days_inclusive, label)`` pairs in increasing order;
    a bank with other cut-offs passes its own, e.g. ``((29, "B1"), (59, "B2"))``.
    With the defaults: <=0 current, 1-30 M0, 31-60 M1, 61-90 M2, 91-120 M3,
    121-180 M4-M6, 181+ M6+.
    """
    if days_past_due <= 0:
        return "current"
    for upper, label in bounds:
        if days_past_due <= upper:
            return label
    return overflow


@dataclass(frozen=True)
class Account:
    """One borrower to call, as the bank identifies it (``id`` is the bank's id)."""

    id: str
    name: str
    phone: str
    timezone: str
    currency: str
    amount_due: Decimal
    due_date: date
    days_past_due: int
    bucket: str
    lang: str
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Turn:
    """One utterance of a call; times are seconds from the answer."""

    speaker: str
    text: str
    start_s: float
    end_s: float
    intent: str | None = None
    emotion: str | None = None
    state: str | None = None
    #: A robot prompt the borrower talked over: how much of it they heard (ms) and how
    #: long it was (ms). None for prompts heard to the end and for other speakers.
    heard_ms: int | None = None
    prompt_ms: int | None = None
    #: Loudness of a caller or agent utterance (RMS dBFS; the shouting rule compares a
    #: speaker's turns); None for robot prompts.
    level_dbfs: float | None = None


@dataclass(frozen=True)
class Recording:
    """A recording file of one call leg; the sha256 lets an auditor prove it unaltered."""

    kind: str
    path: str
    duration_s: float | None
    sha256: str | None
