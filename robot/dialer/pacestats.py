"""What the predictive pacer measures from the store: answer rate, delays, abandonment.

The pacer's inputs must come from the campaign's real calls, not from hopes: the share
of dials a person answers, how long after the dial they answer, how long agents talk,
and - the legal limit - the abandonment rate: abandoned calls over live answers of the
campaign in the last 30 days (47 CFR 64.1200(a)(7)). A young campaign has few calls, so
the rates are pulled toward a prior by a few pseudo-calls (:func:`blend`) instead of
swinging on the first three dials.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from robot.store import convert as cv
from robot.store.db import Store

#: Pseudo-calls that pull young measurements toward the priors.
PRIOR_WEIGHT = 10
PRIOR_ANSWER_RATE = 0.3
PRIOR_ANSWER_S = 8.0
PRIOR_TALK_S = 90.0
#: Recent dials the answer rate and delays are measured over.
RECENT = 500


@dataclass(frozen=True)
class PaceStats:
    """Measured inputs of the predictive pacer for one campaign."""

    dials: int  # finished dials measured (recent ones)
    answer_rate: float  # blended share answered by a person
    mean_answer_s: float
    mean_talk_s: float
    window_answered: int  # live answers in the window
    window_abandoned: int

    @property
    def abandon_rate(self) -> float:
        return self.window_abandoned / self.window_answered if self.window_answered else 0.0

    def describe(self) -> str:
        return (f"answer rate {self.answer_rate:.2f} ({self.dials} dials), abandoned "
                f"{self.window_abandoned}/{self.window_answered} live answers in 30 days "
                f"({self.abandon_rate:.1%})")


def blend(hits: float, n: int, prior: float, weight: int = PRIOR_WEIGHT) -> float:
    """``(hits + prior * weight) / (n + weight)``: a measured mean with a prior."""
    return (hits + prior * weight) / (n + weight)


async def measure(store: Store, campaign_id: int, now: datetime,
                  window_days: int = 30) -> PaceStats:
    """:class:`PaceStats` of ``campaign_id`` as of ``now`` (two small queries)."""
    since = cv.iso_utc(now - timedelta(days=window_days))
    [w] = await store.query(
        "SELECT SUM(result = 'answered') AS live,"
        " SUM(result = 'answered' AND disposition = 'abandoned') AS abandoned"
        " FROM attempts WHERE campaign_id = ? AND started_at >= ? AND ended_at IS NOT NULL",
        (campaign_id, since))
    rows = await store.query(
        "SELECT result, disposition, duration_s,"
        " (julianday(answered_at) - julianday(started_at)) * 86400.0 AS answer_s"
        " FROM attempts WHERE campaign_id = ? AND ended_at IS NOT NULL"
        " AND result IS NOT NULL AND result != 'interrupted'"
        " ORDER BY started_at DESC LIMIT ?", (campaign_id, RECENT))
    answered = [r for r in rows if r["result"] == "answered"]
    delays = [float(r["answer_s"]) for r in answered if r["answer_s"] is not None]
    talks = [float(r["duration_s"]) for r in answered
             if r["disposition"] == "agent" and r["duration_s"] is not None]
    return PaceStats(
        dials=len(rows),
        answer_rate=blend(len(answered), len(rows), PRIOR_ANSWER_RATE),
        mean_answer_s=blend(sum(delays), len(delays), PRIOR_ANSWER_S),
        mean_talk_s=blend(sum(talks), len(talks), PRIOR_TALK_S),
        window_answered=int(w["live"] or 0),
        window_abandoned=int(w["abandoned"] or 0),
    )
