"""The compliance guard: may this number be dialled now, and if not, when?

:func:`evaluate` is consulted before every dial. It is a pure function of a
:class:`DialContext` (the instant, who is called, the attempt history, the flags) and a
jurisdiction :class:`~robot.dialer.profile.Profile`, so the same question always gets the
same answer and an auditor can replay any decision.

Rules come in two kinds. *Permanent* ones (do-not-call, stop request, cease, attorney,
third-party limits) do not lapse with time: the decision carries no
``next_callable_at``. *Timed* ones depend only on the called person's local calendar:
which local day it is (holidays, daily caps, counts over consecutive days, the quiet
period after a conversation) and where the local time lies relative to a few wall-clock
boundaries (calling hours, consent windows, the campaign window). Because of that, the
set of callable instants only changes at local midnights, at those boundaries and at DST
jumps; :func:`robot.dialer.tzcalendar.wall_crossings` lists exactly those instants, and
``next_callable_at`` is the first of them at which every rule holds. That is exact
(not a step search) and stays exact across spring-forward gaps and fall-back folds.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from robot.dialer.profile import Profile, Window, in_window
from robot.dialer.tzcalendar import DAY, OffsetTable, epoch_day, offset_table, wall_crossings
from robot.errors import InputError

BORROWER = "borrower"
THIRD_PARTY = "third_party"  # emergency contact or other third party
KINDS = (BORROWER, THIRD_PARTY)
#: How far ahead ``next_callable_at`` is searched; beyond it the answer is ``None``.
HORIZON_DAYS = 366

Failure = tuple[str, str]  # (rule id, reason)


@dataclass(frozen=True)
class Attempt:
    """One earlier outbound attempt on the account.

    ``connected``: the call was answered (by a person or a machine); ``conversation``: a
    person actually spoke with the robot about the debt; ``kind`` says whether the
    borrower or a third party was being called.
    """

    at: datetime
    phone: str
    result: str
    connected: bool
    conversation: bool = False
    kind: str = BORROWER


@dataclass(frozen=True)
class Flags:
    """What the person (or the bank) has told us that limits calling."""

    stop_requested: bool = False
    do_not_call: bool = False
    attorney_represented: bool = False
    cease_requested: bool = False
    #: Local-time windows the person agreed to be called in; they lift the profile's
    #: calling hours where the profile allows it.
    consent_windows: tuple[Window, ...] = ()


@dataclass(frozen=True)
class DialContext:
    """Everything the guard needs to decide one dial; ``now`` must be timezone-aware."""

    now: datetime
    timezone: str  # IANA zone of the person called
    phone: str
    kind: str = BORROWER
    history: tuple[Attempt, ...] = ()  # attempts on this account, all its numbers
    flags: Flags = field(default_factory=Flags)
    borrower_reachable: bool = True  # for third parties: is the borrower reachable?
    contact_refused: bool = False  # for third parties: did this contact refuse?
    campaign_window: Window | None = None  # local hours the campaign calls in
    holidays: frozenset[date] = frozenset()  # added to the profile's holidays
    state: str | None = None  # US state (or other sub-jurisdiction) code


@dataclass(frozen=True)
class Decision:
    """The guard's answer; ``rule`` is the stable id of the first rule that blocks."""

    callable: bool
    rule: str | None
    reason: str
    next_callable_at: datetime | None


# -- permanent rules -----------------------------------------------------------------


def permanent_failure(ctx: DialContext, p: Profile) -> Failure | None:
    """The first rule that blocks regardless of time, if any."""
    f = ctx.flags
    if f.do_not_call:
        return "any.dnc", "the number is on the do-not-call list"
    if f.stop_requested:
        return "any.stop_request", "the person asked not to be called"
    if p.cease and f.cease_requested:
        return p.cease, "the consumer asked us to cease communication"
    if p.attorney and f.attorney_represented:
        return p.attorney, "the consumer is represented by an attorney"
    tp = p.third_party
    if tp and ctx.kind == THIRD_PARTY:
        if tp.never_after_refusal and ctx.contact_refused:
            return tp.id, "this contact refused further calls"
        if tp.only_when_borrower_unreachable and ctx.borrower_reachable:
            return tp.id, "contacts are called only when the borrower cannot be reached"
    return None


# -- timed rules: the local calendar -------------------------------------------------


class Calendar:
    """The time-only rules of one zone and window set, and the instants they may change.

    ``at_start`` is ``(local day, seconds after midnight, failure)`` at the start instant;
    ``opens`` lists the later candidate instants at which every time-only rule passes,
    as ``(ts, local day)``. It grows lazily, so a single evaluation looks only as far
    ahead as it needs, while :func:`robot.dialer.plan.plan` shares one calendar among
    all accounts with the same zone and windows.
    """

    def __init__(self, table: OffsetTable, start: float, p: Profile,
                 holidays: frozenset[date], consent: tuple[Window, ...],
                 campaign: Window | None) -> None:
        self.holidays = frozenset(epoch_day(d) for d in holidays | p.holidays)
        self.hours = p.hours
        self.hours_s = p.hours.window.seconds() if p.hours else (0, 0)
        self.consent = (tuple(w.seconds() for w in consent)
                        if p.hours and p.hours.consent_lifts else ())
        self.campaign = campaign
        self.campaign_s = campaign.seconds() if campaign else (0, 0)
        walls = {0, *self.hours_s, *self.campaign_s, *(s for w in self.consent for s in w)}
        self._gen = wall_crossings(table, start, start + HORIZON_DAYS * DAY,
                                   tuple(sorted(walls)))
        day, sod = table.local(start)
        self._table = table
        self.at_start: tuple[int, float, Failure | None] = (day, sod, self.failure(day, sod))
        self.opens: list[tuple[float, int]] = []
        self._done = False

    def failure(self, day: int, sod: float) -> Failure | None:
        if day in self.holidays:
            return "any.holiday", "it is a holiday at the called person's location"
        h = self.hours
        if h and not in_window(sod, *self.hours_s):
            if not any(in_window(sod, a, b) for a, b in self.consent):
                return h.id, f"{_hhmm(sod)} local is outside calling hours {h.window}"
        if self.campaign and not in_window(sod, *self.campaign_s):
            return ("any.campaign_window",
                    f"{_hhmm(sod)} local is outside the campaign window {self.campaign}")
        return None

    def open_at(self, i: int) -> tuple[float, int] | None:
        """The ``i``-th passing candidate after the start, or ``None`` past the horizon."""
        while len(self.opens) <= i and not self._done:
            ts = next(self._gen, None)
            if ts is None:
                self._done = True
                break
            day, sod = self._table.local(ts)
            if self.failure(day, sod) is None:
                self.opens.append((ts, day))
        return self.opens[i] if i < len(self.opens) else None


def _hhmm(sod: float) -> str:
    return f"{int(sod) // 3600:02d}:{int(sod) % 3600 // 60:02d}"


# -- timed rules: the history --------------------------------------------------------


class History:
    """Per-local-day counts of the attempts the day-based rules look at."""

    __slots__ = ("connected", "unanswered", "counted", "conversations", "p")

    def __init__(self, p: Profile) -> None:
        self.p = p
        self.connected: Counter[int] = Counter()
        self.unanswered: Counter[int] = Counter()
        self.counted: Counter[int] = Counter()
        self.conversations: set[int] = set()

    @classmethod
    def of(cls, ctx: DialContext, p: Profile, table: OffsetTable, now_ts: float) -> History | None:
        """Counts for ``ctx``, or ``None`` when no attempt can matter (the common case).

        Caps "per borrower" count the person called: for the borrower every attempt on
        the borrower, for a third party the attempts on that contact's number.
        """
        if not ctx.history:
            return None
        cutoff = now_ts - (p.lookback_days + 2) * DAY
        cc, uc, cw, ac = (p.daily_connected_cap, p.daily_unanswered_cap, p.calls_in_window,
                          p.after_conversation)
        h = cls(p)
        borrower = ctx.kind == BORROWER
        for a in ctx.history:
            ts = a.at.timestamp()
            if ts < cutoff:
                continue
            same_phone = a.phone == ctx.phone
            person = (a.kind == BORROWER) if borrower else same_phone
            if not (person or same_phone):
                continue
            day = table.local(ts)[0]
            if cc and person and a.connected:
                h.connected[day] += 1
            if uc and same_phone and not a.connected:
                h.unanswered[day] += 1
            if cw and person and (a.connected or a.result not in cw.excluded_unconnected):
                h.counted[day] += 1
            if ac and person and a.conversation:
                h.conversations.add(day)
        if not (h.connected or h.unanswered or h.counted or h.conversations):
            return None
        return h

    def failure(self, day: int) -> Failure | None:
        p = self.p
        if p.daily_connected_cap and self.connected[day] >= p.daily_connected_cap.max:
            return (p.daily_connected_cap.id, f"{self.connected[day]} connected calls today "
                    f"(limit {p.daily_connected_cap.max})")
        if p.daily_unanswered_cap and self.unanswered[day] >= p.daily_unanswered_cap.max:
            return (p.daily_unanswered_cap.id, f"{self.unanswered[day]} unanswered attempts "
                    f"on this number today (limit {p.daily_unanswered_cap.max})")
        cw = p.calls_in_window
        if cw:
            n = sum(self.counted[d] for d in range(day - cw.days + 1, day + 1))
            if n >= cw.max:
                return cw.id, f"{n} calls in the last {cw.days} days (limit {cw.max})"
        ac = p.after_conversation
        if ac:
            for c in self.conversations:
                if c <= day < c + ac.days:
                    return ac.id, (f"a conversation took place {day - c} day(s) ago; no call "
                                   f"for {ac.days} days")
        return None


# -- deciding ------------------------------------------------------------------------


def check_context(ctx: DialContext) -> None:
    """Reject contexts the rules cannot be applied to (input errors, not bugs)."""
    if ctx.now.tzinfo is None or ctx.now.utcoffset() is None:
        raise InputError("DialContext.now must be timezone-aware")
    if ctx.kind not in KINDS:
        raise InputError(f"contact kind must be one of {KINDS}, not {ctx.kind!r}")


def decide(ctx: DialContext, p: Profile, table: OffsetTable, now: datetime,
           now_ts: float, cal: Calendar) -> Decision:
    """The decision at ``now`` with ``p`` already narrowed to the context's state.

    ``cal`` must start at ``now_ts`` and belong to the context's zone and windows.
    """
    perm = permanent_failure(ctx, p)
    if perm:
        return Decision(False, perm[0], perm[1], None)
    hist = History.of(ctx, p, table, now_ts)
    day, _, fail = cal.at_start
    if fail is None and hist is not None:
        fail = hist.failure(day)
    if fail is None:
        return Decision(True, None, "callable", now)
    i = 0
    blocked_day = None
    while (c := cal.open_at(i)) is not None:
        ts, cday = c
        if hist is None:
            return Decision(False, fail[0], fail[1], datetime.fromtimestamp(ts, UTC))
        if cday != blocked_day:
            if hist.failure(cday) is None:
                return Decision(False, fail[0], fail[1], datetime.fromtimestamp(ts, UTC))
            blocked_day = cday
        i += 1
    return Decision(False, fail[0], fail[1] + f" (and no callable time within {HORIZON_DAYS} days)",
                    None)


def evaluate(ctx: DialContext, profile: Profile) -> Decision:
    """May ``ctx.phone`` be dialled at ``ctx.now`` under ``profile``? (pure)

    ``next_callable_at`` is ``ctx.now`` when callable, the earliest instant at which
    every rule holds (assuming no further attempts) when blocked by time, and ``None``
    when blocked permanently or for the whole search horizon.
    """
    check_context(ctx)
    p = profile.for_state(ctx.state)
    now_ts = ctx.now.timestamp()
    perm = permanent_failure(ctx, p)
    if perm:
        return Decision(False, perm[0], perm[1], None)
    table = offset_table(ctx.timezone, now_ts)
    cal = Calendar(table, now_ts, p, ctx.holidays, ctx.flags.consent_windows,
                   ctx.campaign_window)
    return decide(ctx, p, table, ctx.now, now_ts, cal)
