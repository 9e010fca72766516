"""Best time to call: the local hour at which a borrower is most likely to answer.

Simple and explainable on purpose. Each attempt is counted under the borrower's local
hour it was made in, as an *attempt* and, when a person spoke with the robot, as a
*contact*. An account's own rate at an hour is pulled toward its segment's rate
(same bucket of the campaign) by ``PRIOR`` pseudo-attempts, and the segment's toward the
overall rate the same way, so three lucky calls do not outvote a thousand:

    rate(h) = (contacts_acc(h) + PRIOR * rate_seg(h)) / (attempts_acc(h) + PRIOR)

The best hour is the allowed hour (inside the profile's calling hours and the campaign
window) with the highest rate; with too little history there is none and retries are
simply timed by their rules. The explanation names the numbers behind the choice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from robot.dialer.profile import Window, in_window
from robot.dialer.tzcalendar import zone

PRIOR = 5.0
#: Attempts (account + segment) needed before an hour is preferred at all.
MIN_EVIDENCE = 20


@dataclass
class HourStats:
    """Attempts and contacts per local hour (0-23)."""

    attempts: list[int] = field(default_factory=lambda: [0] * 24)
    contacts: list[int] = field(default_factory=lambda: [0] * 24)

    def add(self, hour: int, contact: bool) -> None:
        self.attempts[hour] += 1
        self.contacts[hour] += int(contact)

    def merge(self, other: HourStats) -> None:
        for h in range(24):
            self.attempts[h] += other.attempts[h]
            self.contacts[h] += other.contacts[h]

    @property
    def total(self) -> int:
        return sum(self.attempts)


def hour_stats(records: Iterable[tuple[datetime, bool]], tz: str) -> HourStats:
    """Count ``(instant, contact)`` records by the local hour in zone ``tz``."""
    z = zone(tz)
    s = HourStats()
    for at, contact in records:
        s.add(at.astimezone(z).hour, contact)
    return s


@dataclass(frozen=True)
class BestTime:
    hour: int | None
    explanation: str


def allowed_hours(*windows: Window | None) -> list[int]:
    """Hours whose whole hour lies inside every given window."""
    out = []
    for h in range(24):
        ok = True
        for w in windows:
            if w is None:
                continue
            a, b = w.seconds()
            if not (in_window(h * 3600, a, b) and in_window(h * 3600 + 3599, a, b)):
                ok = False
        if ok:
            out.append(h)
    return out


def best_time(account: HourStats, segment: HourStats, hours: list[int],
              segment_name: str = "segment") -> BestTime:
    """The best allowed hour for an account, or none with too little history."""
    evidence = account.total + segment.total
    if not hours or evidence < MIN_EVIDENCE:
        return BestTime(None, f"no best hour yet ({evidence} attempts of history, "
                              f"{MIN_EVIDENCE} needed)")
    seg_total_c = sum(segment.contacts)
    overall = (seg_total_c + 1) / (segment.total + 2)

    def seg_rate(h: int) -> float:
        return (segment.contacts[h] + PRIOR * overall) / (segment.attempts[h] + PRIOR)

    def rate(h: int) -> float:
        return (account.contacts[h] + PRIOR * seg_rate(h)) / (account.attempts[h] + PRIOR)

    best = max(hours, key=lambda h: (rate(h), -h))
    return BestTime(best, (
        f"best hour {best:02d}:00 local ({rate(best):.0%} estimated answer rate: account "
        f"{account.contacts[best]}/{account.attempts[best]} contacts at that hour, "
        f"{segment_name} {segment.contacts[best]}/{segment.attempts[best]})"))


def aim_at_hour(t: datetime, tz: str, hour: int) -> datetime:
    """The first instant at or after ``t`` when the local clock in ``tz`` reads ``hour``:00.

    Walks whole local days through zoneinfo, so a DST change on the way is handled by
    ``fold``/normalisation: a wall time that does not exist (spring forward) resolves to
    the instant just after the gap.
    """
    z = zone(tz)
    local = t.astimezone(z)
    for add in range(0, 3):
        day = (local + timedelta(days=add)).date()
        cand = datetime(day.year, day.month, day.day, hour, tzinfo=z)
        # Round-trip through UTC: non-existent wall times move past the gap.
        cand_utc = cand.astimezone(t.tzinfo)
        if cand_utc >= t:
            return cand_utc
    return t
