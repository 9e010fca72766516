"""``dunbot campaign plan``: every account of a stored campaign at one instant.

Reads the campaign in chunks of ``CHUNK`` accounts in load order (so a million accounts
never sit in memory as objects at once), gives each the status the runner would give it
at ``at`` — finished, retry not due yet, blocked by the guard, or callable — and, for
the guard's part, runs :func:`robot.dialer.plan.plan`, which shares the per-zone work
among all accounts. Accounts without history or flags (the bulk of a fresh campaign)
get a context built without touching JSON or the history code.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import NamedTuple

from robot.dialer.context import dial_context, parse_utc, past_attempts
from robot.dialer.guard import BORROWER, DialContext, Flags
from robot.dialer.plan import plan
from robot.dialer.profile import Profile, load_profile
from robot.dialer.retry import next_due
from robot.dialer.settings import DialerSettings, default_profile_name, truthy
from robot.store import dialer as ds
from robot.store.db import Store

CHUNK = 50_000
_NO_FLAGS = Flags()


class PlanRow(NamedTuple):
    """One account's line of the plan."""

    account_id: str
    phone: str
    timezone: str
    status: str  # callable | blocked | waiting | finished
    rule: str | None
    reason: str
    next_at: datetime | None  # next callable / due instant (UTC), None if never or now


async def plan_campaign(store: Store, name: str, at: datetime) -> AsyncIterator[PlanRow]:
    """The plan of campaign ``name`` at ``at`` (timezone-aware), account by account."""
    camp = await store.require_campaign(name)
    cid = camp["id"]
    settings: DialerSettings = await ds.get_settings(store, cid)
    window = settings.campaign_window
    profiles: dict[str, Profile] = {}

    def profile(pname: str) -> Profile:
        if pname not in profiles:
            profiles[pname] = load_profile(pname)
        return profiles[pname]

    lookback = max(load_profile(n).lookback_days for n in ("cn", "us"))
    if settings.profile:
        lookback = max(lookback, profile(settings.profile).lookback_days)
    since = at - timedelta(days=lookback + 2)
    facts = await ds.account_facts(store, cid, since)
    dnc = await ds.dnc_numbers(store)
    last = 0
    while True:
        # json_extract in SQLite: the few call-list columns the rules read, without
        # decoding every account's JSON in Python.
        rows = await store.query(
            "SELECT ca.position, acc.id, acc.phone, acc.timezone, acc.currency, acc.lang,"
            " json_extract(acc.extra, '$.state'),"
            " json_extract(acc.extra, '$.attorney_represented'),"
            " json_extract(acc.extra, '$.cease_requested')"
            " FROM campaign_accounts ca JOIN accounts acc ON acc.id = ca.account_id"
            " WHERE ca.campaign_id = ? AND ca.position > ? ORDER BY ca.position LIMIT ?",
            (cid, last, CHUNK))
        if not rows:
            return
        last = rows[-1][0]
        out: list[PlanRow | None] = [None] * len(rows)
        groups: dict[str, list[tuple[int, DialContext]]] = {}
        for i, (_, aid, phone, tz, currency, lang, state, atty, cease) in enumerate(rows):
            pname = settings.profile or default_profile_name(currency, lang)
            f = facts.get(aid)
            on_dnc = bool(dnc) and ds.dnc_key(phone) in dnc
            state = (str(state).strip().upper() or None) if state else None
            if f is None and not on_dnc:  # never called, no facts: the common case
                flags = _NO_FLAGS
                if atty or cease:
                    flags = Flags(attorney_represented=truthy(atty),
                                  cease_requested=truthy(cease))
                ctx = DialContext(now=at, timezone=tz, phone=phone, kind=BORROWER,
                                  flags=flags, campaign_window=window, state=state)
            else:
                f = f or ds.AccountFacts()
                due = next_due(past_attempts(f.attempts, cid), settings,
                               parse_utc(f.callback_at))
                if due.at is None:
                    out[i] = PlanRow(aid, phone, tz, "finished", due.rule, due.reason, None)
                    continue
                if due.at > at:
                    out[i] = PlanRow(aid, phone, tz, "waiting", due.rule, due.reason, due.at)
                    continue
                extra = {"state": state, "attorney_represented": atty, "cease_requested": cease}
                ctx = dial_context(now=at, phone=phone, timezone=tz, extra=extra,
                                   attempt_rows=f.attempts, stop_requested=f.stop_requested,
                                   on_dnc=on_dnc, consents=f.consents,
                                   campaign_window=window, since=since,
                                   compliance=f.compliance)
            groups.setdefault(pname, []).append((i, ctx))  # type: ignore[arg-type]
        for pname, ctxs in groups.items():
            for i, d in plan(ctxs, at, profile(pname)):  # type: ignore[arg-type]
                _, aid, phone, tz = rows[i][:4]
                if d.callable:
                    out[i] = PlanRow(aid, phone, tz, "callable", None, d.reason, None)
                else:
                    out[i] = PlanRow(aid, phone, tz, "blocked", d.rule, d.reason,
                                     d.next_callable_at)
        for prow in out:
            assert prow is not None
            yield prow
