"""Property tests: the guard against an independent brute-force reading of the rules.

The checker below converts every instant with ``zoneinfo`` and re-reads each rule from
its definition (local dates via ``astimezone``, counts by scanning the whole history),
sharing no code with the guard but the profile's numbers. For random histories, zones
(with DST, without, half- and quarter-hour offsets, DST at midnight) and instants:
the guard calls a number callable exactly when no rule is broken, the rule it reports is
broken, ``next_callable_at`` is callable, the instant just before it is not, and no
quarter-hour in between is.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from robot.dialer.guard import Attempt, DialContext, Flags, evaluate
from robot.dialer.plan import plan
from robot.dialer.profile import Profile, Window, load_profile

PROFILES = {"cn": load_profile("cn"), "us": load_profile("us")}
ZONES = ["America/New_York", "Asia/Shanghai", "Asia/Kolkata", "Asia/Kathmandu",
         "Australia/Lord_Howe", "Europe/London", "America/Havana", "Pacific/Chatham",
         "America/Phoenix", "UTC", "America/Santiago"]
# Instants near DST changes (UTC) so the edges are exercised, not just hoped for.
EDGES = [datetime(2026, 3, 8, 7, tzinfo=UTC), datetime(2026, 11, 1, 6, tzinfo=UTC),
         datetime(2026, 3, 29, 1, tzinfo=UTC), datetime(2026, 10, 25, 1, tzinfo=UTC),
         datetime(2026, 3, 8, 5, tzinfo=UTC), datetime(2026, 4, 4, 15, tzinfo=UTC),
         datetime(2026, 10, 3, 15, tzinfo=UTC), datetime(2026, 9, 6, 4, tzinfo=UTC),
         datetime(2026, 9, 26, 14, tzinfo=UTC), datetime(2026, 4, 5, 2, tzinfo=UTC),
         datetime(2026, 9, 30, 12, tzinfo=UTC), datetime(2026, 2, 15, 0, tzinfo=UTC),
         datetime(2026, 3, 8, 5, tzinfo=UTC), datetime(2026, 11, 1, 5, tzinfo=UTC),
         datetime(2026, 4, 5, 3, tzinfo=UTC), datetime(2026, 9, 6, 4, tzinfo=UTC),
         datetime(2026, 4, 4, 14, tzinfo=UTC), datetime(2026, 9, 26, 14, tzinfo=UTC)]
QUARTER = timedelta(minutes=15)


# -- the independent checker ------------------------------------------------------------


def _inside(w: Window, t: time) -> bool:
    if w.start < w.end:
        return w.start <= t < w.end
    if w.start > w.end:
        return t >= w.start or t < w.end
    return True


def broken(c: DialContext, profile: Profile, t: datetime) -> set[str]:
    """Every rule of the profile that a call at ``t`` would break."""
    p = profile
    for code, variant in profile.states:
        if c.state and code == c.state.upper():
            p = variant
    tz = ZoneInfo(c.timezone)
    local = t.astimezone(tz)
    today, clock = local.date(), local.time()
    out: set[str] = set()
    f = c.flags
    if f.do_not_call:
        out.add("any.dnc")
    if f.stop_requested:
        out.add("any.stop_request")
    if p.cease and f.cease_requested:
        out.add(p.cease)
    if p.attorney and f.attorney_represented:
        out.add(p.attorney)
    if p.third_party and c.kind == "third_party":
        if (c.contact_refused and p.third_party.never_after_refusal) or (
                c.borrower_reachable and p.third_party.only_when_borrower_unreachable):
            out.add(p.third_party.id)
    if today in p.holidays or today in c.holidays:
        out.add("any.holiday")
    if p.hours and not _inside(p.hours.window, clock):
        lifted = p.hours.consent_lifts and any(_inside(w, clock) for w in f.consent_windows)
        if not lifted:
            out.add(p.hours.id)
    if c.campaign_window and not _inside(c.campaign_window, clock):
        out.add("any.campaign_window")

    def day(a: Attempt) -> date:
        return a.at.astimezone(tz).date()

    if c.kind == "borrower":
        person = [a for a in c.history if a.kind == "borrower"]
    else:
        person = [a for a in c.history if a.phone == c.phone]
    if p.daily_connected_cap:
        if sum(1 for a in person if a.connected and day(a) == today) >= p.daily_connected_cap.max:
            out.add(p.daily_connected_cap.id)
    if p.daily_unanswered_cap:
        n = sum(1 for a in c.history if a.phone == c.phone and not a.connected and day(a) == today)
        if n >= p.daily_unanswered_cap.max:
            out.add(p.daily_unanswered_cap.id)
    if p.calls_in_window:
        w = p.calls_in_window
        first = today - timedelta(days=w.days - 1)
        n = sum(1 for a in person if first <= day(a) <= today
                and not (not a.connected and a.result in w.excluded_unconnected))
        if n >= w.max:
            out.add(w.id)
    if p.after_conversation:
        span = timedelta(days=p.after_conversation.days)
        if any(a.conversation and day(a) <= today < day(a) + span for a in person):
            out.add(p.after_conversation.id)
    return out


# -- strategies ---------------------------------------------------------------------------

RESULTS = ["answered", "busy", "no_answer", "failed", "machine", "voicemail"]
# Half the windows start or end in the small hours, where DST gaps and folds are.
quarter_time = st.builds(time, st.integers(0, 3) | st.integers(0, 23),
                         st.sampled_from([0, 15, 30, 45]))
windows = st.builds(Window, quarter_time, quarter_time)
instants = st.one_of(
    st.datetimes(datetime(2025, 6, 1), datetime(2027, 6, 1), timezones=st.just(UTC)),
    st.builds(lambda e, m: e + timedelta(minutes=m), st.sampled_from(EDGES),
              st.integers(-36 * 60, 36 * 60)),
)


@st.composite
def contexts(draw: st.DrawFn) -> tuple[DialContext, str]:
    name = draw(st.sampled_from(sorted(PROFILES)))
    now = draw(instants)
    phones = ["p1", "p2", "c1"]
    history = []
    for _ in range(draw(st.integers(0, 16))):
        result = draw(st.sampled_from(RESULTS))
        connected = result in ("answered", "machine", "voicemail")
        history.append(Attempt(
            # bursts within a day, so the daily and weekly caps are reached too
            at=now - timedelta(seconds=draw(st.integers(1, 9 * 86400) | st.integers(1, 86400))),
            phone=draw(st.sampled_from(["p1", "p1", *phones])), result=result,
            connected=connected,
            conversation=result == "answered" and draw(st.booleans()),
            kind=draw(st.sampled_from(["borrower", "borrower", "third_party"]))))

    def rare() -> bool:
        return draw(st.integers(0, 9)) == 0

    flags = Flags(stop_requested=rare(), do_not_call=rare(),
                  attorney_represented=rare(), cease_requested=rare(),
                  consent_windows=tuple(draw(st.lists(windows, max_size=2))))
    local_day = now.astimezone(ZoneInfo("Asia/Shanghai")).date()
    holidays = frozenset(local_day + timedelta(days=k)
                         for k in draw(st.lists(st.integers(-1, 3), max_size=3)))
    return DialContext(
        now=now, timezone=draw(st.sampled_from(ZONES)), phone=draw(st.sampled_from(phones)),
        kind=draw(st.sampled_from(["borrower", "borrower", "third_party"])),
        history=tuple(history), flags=flags, borrower_reachable=draw(st.booleans()),
        contact_refused=rare(), campaign_window=draw(st.none() | windows),
        holidays=holidays, state=draw(st.sampled_from([None, None, "MA"])),
    ), name


# -- properties ---------------------------------------------------------------------------


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(contexts())
def test_callable_exactly_when_no_rule_is_broken(case: tuple[DialContext, str]) -> None:
    c, name = case
    profile = PROFILES[name]
    d = evaluate(c, profile)
    rules = broken(c, profile, c.now)
    assert d.callable == (not rules), (d, rules)
    if d.callable:
        assert d.rule is None and d.next_callable_at == c.now
    else:
        assert d.rule in rules, (d, rules)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(contexts())
def test_next_callable_at_is_the_first_callable_instant(case: tuple[DialContext, str]) -> None:
    c, name = case
    assert_next_is_first(c, PROFILES[name])


# 2026 DST changes (UTC): NY 02:00, London 01:00, Lord Howe half an hour, Havana at
# midnight, Santiago at midnight, Chatham 02:45 local.
DST_CHANGES = [(z, datetime(*t, tzinfo=UTC)) for z, t in [
    ("America/New_York", (2026, 3, 8, 7)), ("America/New_York", (2026, 11, 1, 6)),
    ("Europe/London", (2026, 3, 29, 1)), ("Europe/London", (2026, 10, 25, 1)),
    ("Australia/Lord_Howe", (2026, 4, 4, 15)), ("Australia/Lord_Howe", (2026, 10, 3, 15, 30)),
    ("America/Havana", (2026, 3, 8, 5)), ("America/Havana", (2026, 11, 1, 5)),
    ("America/Santiago", (2026, 4, 5, 3)), ("America/Santiago", (2026, 9, 6, 4)),
    ("Pacific/Chatham", (2026, 4, 4, 14)), ("Pacific/Chatham", (2026, 9, 26, 14)),
]]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(DST_CHANGES), st.integers(-8 * 60, 8 * 60), windows)
def test_windows_at_dst_changes(change: tuple[str, datetime], minutes: int, w: Window) -> None:
    """A bare profile and a campaign window in the small hours, next to a DST change."""
    tz, edge = change
    now = edge + timedelta(minutes=minutes, seconds=7)
    assert_next_is_first(DialContext(now=now, timezone=tz, phone="p1", campaign_window=w),
                         Profile(name="bare"))


def assert_next_is_first(c: DialContext, profile: Profile) -> None:
    d = evaluate(c, profile)
    nxt = d.next_callable_at
    if nxt is None:
        p = profile.for_state(c.state)
        tp = p.third_party.id if p.third_party else None
        if d.rule in ("any.dnc", "any.stop_request", p.cease, p.attorney, tp):
            return  # permanent block
        # a time-based block with nothing in the horizon: nothing on a two-week grid either
        t = c.now
        for _ in range(14 * 96):
            t += QUARTER
            assert broken(c, profile, t), t
        return
    assert nxt >= c.now
    assert not broken(c, profile, nxt), (nxt, broken(c, profile, nxt))
    if nxt > c.now:
        assert broken(c, profile, nxt - timedelta(microseconds=1))
        grid = c.now.replace(second=0, microsecond=0, minute=c.now.minute - c.now.minute % 15)
        t = grid + QUARTER
        for _ in range(2000):
            if t >= nxt:
                break
            assert broken(c, profile, t), t
            t += QUARTER


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(contexts(), min_size=1, max_size=12), instants)
def test_plan_gives_the_guards_decision_for_every_row(
        cases: list[tuple[DialContext, str]], at: datetime) -> None:
    profile = PROFILES[cases[0][1]]
    rows = [(f"A{i}", c) for i, (c, _) in enumerate(cases)]
    planned = plan(rows, at, profile)
    assert [a for a, _ in planned] == [a for a, _ in rows]
    for (_, c), (_, d) in zip(rows, planned):
        alone = evaluate(DialContext(**{**c.__dict__, "now": at}), profile)
        assert d == alone
