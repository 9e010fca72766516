"""Retries: when an account is due again, and the instant its next attempt may happen.

Pure logic in two steps. :func:`next_due` reads the account's attempts in this
campaign and the campaign's retry rules: a final outcome (a promise, a refusal, a
stop request ...) or the attempt limit ends the account; otherwise the last attempt's
result names the rule (busy -> 30 min, machine -> 4 h ...), or the time the borrower
asked to be called back at. :func:`schedule` then turns that earliest instant into a
dial time: moved to the account's best hour when one is known and close, and never to
an instant the compliance guard would refuse — if the guard blocks it, the guard's own
exact ``next_callable_at`` is taken. So every time the dialer schedules passes the guard.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from robot.dialer.besttime import BestTime, aim_at_hour
from robot.dialer.guard import DialContext, evaluate
from robot.dialer.profile import Profile
from robot.dialer.settings import DialerSettings

#: Dispositions after which the campaign does not call the account again.
FINAL = frozenset({"ptp", "wrong_number", "refused", "already_paid", "dispute", "hardship",
                   "transfer", "stop_calling",
                   "agent"})  # a predictive call an agent took: the agent's desk decides
#: How far the best hour may push a retry beyond its earliest time.
BEST_TIME_SLACK = timedelta(hours=24)


@dataclass(frozen=True)
class PastAttempt:
    """One earlier attempt of this campaign on the account."""

    at: datetime
    ended_at: datetime | None
    result: str | None
    disposition: str | None = None


@dataclass(frozen=True)
class Due:
    """When the account may be tried again: ``at`` None means never (``rule`` says why)."""

    at: datetime | None
    rule: str
    reason: str


def retry_key(a: PastAttempt) -> str | None:
    """The retry rule an attempt falls under, or ``None`` when its outcome is final."""
    if a.result == "answered":
        d = a.disposition or "no_contact"
        if d in FINAL:
            return None
        return d if d in ("callback", "third_party") else "no_contact"
    if a.result == "machine":
        return "machine"
    if a.result in ("busy", "no_answer", "failed", "interrupted"):
        return a.result
    return "failed"


def next_due(attempts: list[PastAttempt], s: DialerSettings,
             callback_at: datetime | None = None) -> Due:
    """The earliest instant the account is due again under the campaign's rules."""
    done = [a for a in attempts if a.ended_at is not None]
    if not done:
        if attempts:  # an attempt in progress (another run): not now
            return Due(None, "retry.in_progress", "an attempt is in progress")
        return Due(datetime.min.replace(tzinfo=UTC), "retry.first", "not called yet")
    last = max(done, key=lambda a: a.at)
    key = retry_key(last)
    if key is None:
        return Due(None, "retry.final", f"finished: {last.disposition}")
    counted = sum(1 for a in done if a.result != "interrupted")
    if counted >= s.max_attempts:
        return Due(None, "retry.max_attempts",
                   f"{counted} attempts made (campaign limit {s.max_attempts})")
    assert last.ended_at is not None
    if key == "callback" and callback_at is not None:
        return Due(callback_at, "retry.callback",
                   f"the borrower asked to be called back at {callback_at:%Y-%m-%d %H:%M}Z")
    minutes = s.retry_delay_min(key)
    return Due(last.ended_at + timedelta(minutes=minutes), f"retry.{key}",
               f"last attempt {key.replace('_', ' ')} at {last.ended_at:%H:%M}Z; "
               f"retry after {minutes} min")


@dataclass(frozen=True)
class Scheduled:
    """A dial time that passes the guard (``at`` None: the guard never allows one)."""

    at: datetime | None
    reason: str


def schedule(due: datetime, now: datetime, ctx: DialContext, profile: Profile,
             best: BestTime | None = None, *, fixed: bool = False) -> Scheduled:
    """The instant to dial an account due at ``due``, never before ``now``, as the guard allows.

    With a best hour the due time is first moved to that hour (when it is at most a day
    later); aiming from ``due``, not from ``now``, keeps the target still between
    passes. ``fixed`` (a callback at a named time) keeps the named time.
    """
    t = due
    why = []
    if best is not None and best.hour is not None and not fixed:
        base = max(due, now - BEST_TIME_SLACK)  # long overdue: the hour has passed
        aimed = aim_at_hour(base, ctx.timezone, best.hour)
        if aimed - base <= BEST_TIME_SLACK:
            t = aimed
            why.append(best.explanation)
    t = max(t, now)
    d = evaluate(replace(ctx, now=t), profile)
    if d.callable:
        return Scheduled(t, "; ".join(why) or "callable")
    if d.next_callable_at is None:
        return Scheduled(None, f"{d.rule}: {d.reason}")
    why.append(f"moved by {d.rule}: {d.reason}")
    return Scheduled(d.next_callable_at, "; ".join(why))
