"""Property tests: no dial time the dialer schedules ever breaks a rule of the profile.

A campaign is simulated attempt by attempt, as the runner does it: the stored attempts
become the guard's context (robot.dialer.context), the retry rules give the earliest
due time (robot.dialer.retry.next_due), the best hour and the guard turn it into a
dial time (robot.dialer.retry.schedule); the "call" is made at that time with a random
result and the loop goes on. Every dial time is checked against the independent
brute-force reading of the rules in test_guard_properties (zoneinfo per instant, full
history scans), across zones with and without DST, half-hour zones and DST changes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from test_guard_properties import EDGES, PROFILES, ZONES, broken, windows

from robot.dialer.besttime import BestTime, aim_at_hour
from robot.dialer.context import dial_context, past_attempts
from robot.dialer.retry import next_due, schedule
from robot.dialer.settings import DEFAULT_RETRY_MIN, DialerSettings

CAMPAIGN = 1
OUTCOMES = [("answered", "no_contact"), ("answered", "callback"), ("answered", "ptp"),
            ("answered", "third_party"), ("busy", "busy"), ("no_answer", "no_answer"),
            ("failed", "failed"), ("machine", "machine"), ("machine", "voicemail_left"),
            ("interrupted", "interrupted")]


def iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


def row(at: datetime, result: str, disposition: str, phone: str = "p1",
        campaign: int = CAMPAIGN, length_s: int = 60) -> dict[str, Any]:
    return {"campaign_id": campaign, "phone": phone, "started_at": iso(at),
            "ended_at": iso(at + timedelta(seconds=length_s)), "result": result,
            "disposition": disposition}


instants = st.one_of(
    st.datetimes(datetime(2025, 6, 1), datetime(2027, 6, 1), timezones=st.just(UTC)),
    st.builds(lambda e, m: e + timedelta(minutes=m), st.sampled_from(EDGES),
              st.integers(-36 * 60, 36 * 60)),
)
retry_minutes = st.fixed_dictionaries(
    {k: st.sampled_from([0, 1, 15, 30, 120, 240, 1440]) for k in DEFAULT_RETRY_MIN})


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(sorted(PROFILES)),
    tz=st.sampled_from(ZONES),
    start=instants,
    retry=retry_minutes,
    campaign_window=st.none() | windows,
    consents=st.lists(windows, max_size=1),
    best_hour=st.none() | st.integers(0, 23),
    state=st.sampled_from([None, None, "MA"]),
    prior=st.lists(st.tuples(st.integers(1, 8 * 86400), st.sampled_from(OUTCOMES),
                             st.sampled_from(["p1", "p2"]), st.booleans()), max_size=8),
    outcomes=st.lists(st.sampled_from(OUTCOMES), min_size=1, max_size=14),
    callback_after_min=st.none() | st.integers(0, 3 * 1440),
)
def test_every_scheduled_dial_passes_every_rule(
        name: str, tz: str, start: datetime, retry: dict[str, int], campaign_window: Any,
        consents: list[Any], best_hour: int | None, state: str | None,
        prior: list[tuple[int, tuple[str, str], str, bool]],
        outcomes: list[tuple[str, str]], callback_after_min: int | None) -> None:
    profile = PROFILES[name]
    s = DialerSettings(max_attempts=len(outcomes) + 1, retry_minutes=retry)
    # Earlier attempts: some in other campaigns (they count for the rules, not retries).
    rows = [row(start - timedelta(seconds=ago), res, disp, phone,
                CAMPAIGN if this else CAMPAIGN + 1)
            for ago, (res, disp), phone, this in prior if res != "interrupted"]
    rows = [r for r in rows if not (r["campaign_id"] == CAMPAIGN and r["disposition"] == "ptp")]
    rows.sort(key=lambda r: r["started_at"])
    consent_pairs = [(f"{w.start:%H:%M}", f"{w.end:%H:%M}") for w in consents]
    extra = {"state": state} if state else {}
    best = BestTime(best_hour, "best hour") if best_hour is not None else None
    callback_at = (start + timedelta(minutes=callback_after_min)
                   if callback_after_min is not None else None)
    now = start
    dials = 0
    for result, disposition in outcomes:
        ctx = dial_context(now=now, phone="p1", timezone=tz, extra=extra, attempt_rows=rows,
                           stop_requested=False, on_dnc=False, consents=consent_pairs,
                           campaign_window=campaign_window,
                           since=now - timedelta(days=profile.lookback_days + 2))
        due = next_due(past_attempts(rows, CAMPAIGN), s, callback_at)
        if due.at is None:
            break
        fixed = due.rule == "retry.callback"
        sched = schedule(due.at, now, ctx, profile, best, fixed=fixed)
        if sched.at is None:
            break
        assert sched.at >= now and sched.at >= min(due.at, sched.at)
        assert sched.at >= due.at or due.at < now
        rules = broken(ctx, profile, sched.at)
        assert not rules, (sched, rules, ctx)
        # The call happens at the scheduled time and lasts a minute.
        rows.append(row(sched.at, result, disposition))
        now = sched.at + timedelta(seconds=60)
        dials += 1
    event("dials: " + (str(dials) if dials < 5 else "5+"))
    assert dials <= s.max_attempts


@settings(max_examples=300, deadline=None)
@given(tz=st.sampled_from(ZONES), t=instants, hour=st.integers(0, 23))
def test_aim_at_hour_is_the_next_such_local_hour(tz: str, t: datetime, hour: int) -> None:
    from zoneinfo import ZoneInfo

    aimed = aim_at_hour(t, tz, hour)
    assert aimed >= t
    assert aimed - t <= timedelta(hours=50)
    local = aimed.astimezone(ZoneInfo(tz))
    # On the wall clock the hour is reached, or the hour does not exist that day
    # (spring forward) and the first instant after the gap is taken.
    assert (local.hour, local.minute) == (hour, 0) or local.hour == (hour + 1) % 24
