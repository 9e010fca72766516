"""Who may be dialled now: retries, best time and the compliance guard over the store.

:class:`Dialing` is what the runner asks. :meth:`Dialing.select` reads the campaign in
bulk once and sorts its accounts into finished ones, ones whose retry is not due yet,
ones the guard blocks now (that decision is stored) and ones to dial. Right before each
dial :meth:`Dialing.decide` reads the account again — so a ``stop_calling`` captured a
moment ago by another call, a fresh DNC entry or an attempt made by another run counts —
asks the guard and stores the decision with its explanation. Only a callable decision
is followed by a dial, and it carries the attempt id the dial will use.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from robot.dialer.besttime import BestTime, HourStats, allowed_hours, best_time
from robot.dialer.context import dial_context, hour_records, parse_utc, past_attempts
from robot.dialer.guard import Decision, DialContext, evaluate
from robot.dialer.profile import Profile
from robot.dialer.retry import Due, Scheduled, next_due, schedule
from robot.dialer.settings import DialerSettings, Profiles
from robot.dialer.tzcalendar import zone
from robot.store import dialer as ds
from robot.store.db import Store
from robot.store.models import Account

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def simulated_daytime(tz: str = "America/New_York", hour: int = 10) -> Clock:
    """A clock for calls to *simulated* debtors (demo, tests): ``hour``:00 in ``tz``
    when first asked, then running with real time.

    It is never ahead of the real clock (attempts are stamped with real time), so retry
    times computed from stored attempts keep their meaning; it only lets the calling
    rules see daytime whatever the hour the demo or the tests run at. Never use it for
    real borrowers.
    """
    now = datetime.now(UTC)
    local = now.astimezone(zone(tz))
    start = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if start > local:
        start -= timedelta(days=1)
    start_utc = start.astimezone(UTC)
    t0 = time.monotonic()
    return lambda: start_utc + timedelta(seconds=time.monotonic() - t0)


@dataclass
class Selection:
    """The accounts of one pass, sorted by what happens to them now."""

    to_dial: list[Account] = field(default_factory=list)
    finished: int = 0
    waiting: list[tuple[Account, Due]] = field(default_factory=list)
    blocked: list[tuple[Account, Decision]] = field(default_factory=list)


class Dialing:
    """The dial decisions of one campaign run (see the module docstring)."""

    def __init__(self, store: Store, campaign_id: int, settings: DialerSettings,
                 clock: Clock = utc_now) -> None:
        self.store = store
        self.campaign_id = campaign_id
        self.settings = settings
        self.profiles = Profiles(settings)
        self.clock = clock
        self.window = settings.campaign_window

    @classmethod
    async def open(cls, store: Store, campaign_id: int, clock: Clock = utc_now) -> Dialing:
        return cls(store, campaign_id, await ds.get_settings(store, campaign_id), clock)

    def since(self, now: datetime, profiles: list[Profile]) -> datetime:
        days = max([p.lookback_days for p in profiles] or [1])
        return now - timedelta(days=days + 2)

    def context(self, account: Account, facts: ds.AccountFacts, on_dnc: bool,
                now: datetime, since: datetime) -> DialContext:
        return dial_context(
            now=now, phone=account.phone, timezone=account.timezone, extra=account.extra,
            attempt_rows=facts.attempts, stop_requested=facts.stop_requested, on_dnc=on_dnc,
            consents=facts.consents, campaign_window=self.window, since=since,
            compliance=facts.compliance)

    def due(self, facts: ds.AccountFacts) -> Due:
        return next_due(past_attempts(facts.attempts, self.campaign_id), self.settings,
                        parse_utc(facts.callback_at))

    def profile_label(self, account: Account, ctx: DialContext) -> str:
        name = self.profiles.name_for(account)
        return f"{name}.{ctx.state}" if ctx.state else name

    async def select(self, accounts: list[Account]) -> Selection:
        """Sort ``accounts`` for a pass at ``clock()``; blocked decisions are stored."""
        now = self.clock()
        profiles = [self.profiles.for_account(a) for a in accounts]
        since = self.since(now, profiles)
        facts = await ds.account_facts(self.store, self.campaign_id, since)
        dnc = await ds.dnc_numbers(self.store, [a.phone for a in accounts])
        stats = await self._stats() if self.settings.best_time else None
        sel = Selection()
        blocked: list[tuple] = []
        for account, profile in zip(accounts, profiles):
            f = facts.get(account.id) or ds.AccountFacts()
            due = self.due(f)
            if due.at is None:
                sel.finished += 1
                continue
            ctx = self.context(account, f, ds.dnc_key(account.phone) in dnc, now, since)
            if stats is not None and due.rule not in ("retry.first", "retry.callback"):
                sched = schedule(due.at, now, ctx, profile, self._best(account, profile, stats))
                if sched.at is None or sched.at > now:
                    sel.waiting.append((account, Due(sched.at, due.rule,
                                                     f"{due.reason}; {sched.reason}")))
                    continue
            elif due.at > now:
                sel.waiting.append((account, due))
                continue
            decision = evaluate(ctx, profile)
            if decision.callable:
                sel.to_dial.append(account)
            else:
                sel.blocked.append((account, decision))
                blocked.append(ds.decision_params(self.campaign_id, account.id, account.phone,
                                                  now, self.profile_label(account, ctx),
                                                  decision))
        await ds.record_decisions(self.store, blocked)
        return sel

    async def decide(self, account: Account, attempt_id: str) -> Decision:
        """Fresh guard decision right before a dial, stored with ``attempt_id`` if callable."""
        now = self.clock()
        profile = self.profiles.for_account(account)
        since = self.since(now, [profile])
        facts = (await ds.account_facts(self.store, self.campaign_id, since, [account.id])
                 ).get(account.id) or ds.AccountFacts()
        on_dnc = bool(await ds.dnc_numbers(self.store, [account.phone]))
        ctx = self.context(account, facts, on_dnc, now, since)
        due = self.due(facts)
        if due.at is None or due.at > now:
            decision = Decision(False, due.rule, due.reason, None if due.at is None else due.at)
        else:
            decision = evaluate(ctx, profile)
        await ds.record_decision(self.store, self.campaign_id, account.id, account.phone, now,
                                 self.profile_label(account, ctx), decision,
                                 attempt_id if decision.callable else None)
        return decision

    async def next_attempt(self, account: Account) -> Scheduled | None:
        """When the account's next attempt is scheduled (None: finished)."""
        now = self.clock()
        profile = self.profiles.for_account(account)
        since = self.since(now, [profile])
        facts = (await ds.account_facts(self.store, self.campaign_id, since, [account.id])
                 ).get(account.id) or ds.AccountFacts()
        due = self.due(facts)
        if due.at is None:
            return None
        on_dnc = bool(await ds.dnc_numbers(self.store, [account.phone]))
        ctx = self.context(account, facts, on_dnc, now, since)
        best = await self.best_time(account) if self.settings.best_time else None
        return schedule(due.at, now, ctx, profile, best, fixed=due.rule == "retry.callback")

    async def _stats(self) -> tuple[dict[str, HourStats], dict[str, HourStats]]:
        """Contact history by local hour: per bucket (segment) and per account."""
        seg: dict[str, HourStats] = defaultdict(HourStats)
        acc: dict[str, HourStats] = defaultdict(HourStats)
        groups: dict[tuple[str, str, str], list] = defaultdict(list)
        for r in await ds.segment_attempts(self.store, self.campaign_id):
            groups[(r["bucket"], r["timezone"], r["account_id"])].append(r)
        for (bucket, tz, account_id), rows in groups.items():
            st = hour_records(rows, tz)
            seg[bucket].merge(st)
            acc[account_id].merge(st)
        return seg, acc

    def _best(self, account: Account, profile: Profile,
              stats: tuple[dict[str, HourStats], dict[str, HourStats]]) -> BestTime:
        seg, acc = stats
        p = profile.for_state(str((account.extra or {}).get("state") or "") or None)
        hours = allowed_hours(p.hours.window if p.hours else None, self.window)
        return best_time(acc.get(account.id, HourStats()), seg.get(account.bucket, HourStats()),
                         hours, f"bucket {account.bucket}")

    async def best_time(self, account: Account) -> BestTime:
        """The account's best hour from its own and its bucket's contact history."""
        return self._best(account, self.profiles.for_account(account), await self._stats())
