"""Plan a campaign: the guard's decision for every account at one instant.

A campaign of a million accounts is planned before it starts and again whenever the
runner wants to know who is callable now and when the others will be. Every row gets
exactly the decision :func:`robot.dialer.guard.evaluate` would give (the same
:func:`~robot.dialer.guard.decide` runs), but the work that depends only on the time zone
and windows is done once per distinct combination instead of once per row: the zone's
offset table, the local date and time at ``at``, the time-only rules, and the list of
instants at which they change. A row then costs its flags, one pass over its recent
history, and a short walk along the shared list; rows without history share one
decision object.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from robot.dialer.guard import (
    KINDS,
    Calendar,
    DialContext,
    Decision,
    decide,
    permanent_failure,
)
from robot.dialer.profile import Profile, Window
from robot.dialer.tzcalendar import OffsetTable, offset_table
from robot.errors import InputError

_Key = tuple[str, int, frozenset[date], Window | None, tuple[Window, ...]]


def plan(
    accounts: Iterable[tuple[str, DialContext]], at: datetime, profile: Profile
) -> list[tuple[str, Decision]]:
    """``(account_id, decision)`` for each account at instant ``at``, in input order.

    Each context's own ``now`` is ignored: the whole plan is for ``at``.
    """
    if at.tzinfo is None or at.utcoffset() is None:
        raise InputError("plan: 'at' must be timezone-aware")
    at_ts = at.timestamp()
    tables: dict[str, OffsetTable] = {}
    calendars: dict[_Key, Calendar] = {}
    shared: dict[_Key, Decision] = {}  # decision of history-less rows, per calendar
    variants: dict[str | None, Profile] = {}
    out: list[tuple[str, Decision]] = []
    append = out.append
    for account_id, ctx in accounts:
        p = variants.get(ctx.state)
        if p is None:
            p = variants[ctx.state] = profile.for_state(ctx.state)
        perm = permanent_failure(ctx, p)
        if perm:
            append((account_id, Decision(False, perm[0], perm[1], None)))
            continue
        if ctx.kind not in KINDS:
            raise InputError(f"account {account_id}: contact kind must be one of {KINDS}")
        tz = ctx.timezone
        table = tables.get(tz)
        if table is None:
            try:
                table = tables[tz] = offset_table(tz, at_ts)
            except InputError as exc:
                raise InputError(f"account {account_id}: {exc}") from None
        key = (tz, id(p), ctx.holidays, ctx.campaign_window, ctx.flags.consent_windows)
        cal = calendars.get(key)
        if cal is None:
            cal = calendars[key] = Calendar(table, at_ts, p, ctx.holidays,
                                            ctx.flags.consent_windows, ctx.campaign_window)
        if not ctx.history:
            d = shared.get(key)
            if d is None:
                d = shared[key] = decide(ctx, p, table, at, at_ts, cal)
            append((account_id, d))
            continue
        append((account_id, decide(ctx, p, table, at, at_ts, cal)))
    return out
