"""The compliance guard, rule by rule, for the shipped CN and US profiles, and DST edges."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from robot.dialer.guard import (
    THIRD_PARTY,
    Attempt,
    DialContext,
    Flags,
    evaluate,
)
from robot.dialer.plan import plan
from robot.dialer.profile import Profile, Window, load_profile
from robot.errors import InputError

CN = load_profile("cn")
US = load_profile("us")
SH = "Asia/Shanghai"  # UTC+8, no DST
NY = "America/New_York"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def ctx(now: datetime, tz: str = SH, **kw: object) -> DialContext:
    kw.setdefault("phone", "p1")
    return DialContext(now=now, timezone=tz, **kw)  # type: ignore[arg-type]


def att(at: datetime, result: str = "answered", phone: str = "p1", *, conversation: bool = False,
        kind: str = "borrower") -> Attempt:
    connected = result in ("answered", "machine", "voicemail")
    return Attempt(at, phone, result, connected, conversation, kind)


def check(c: DialContext, profile: Profile, rule: str | None,
          nxt: datetime | None | str = "same") -> None:
    d = evaluate(c, profile)
    assert d.rule == rule, d
    assert d.callable is (rule is None)
    if nxt == "same":
        assert d.next_callable_at == c.now
    else:
        assert d.next_callable_at == nxt, d


# -- CN ------------------------------------------------------------------------------

# Shanghai local = UTC+8: 08:00 local = 00:00 UTC, 22:00 local = 14:00 UTC.
@pytest.mark.parametrize(("now", "rule", "nxt"), [
    (utc(2026, 11, 24, 0, 0), None, "same"),                       # 08:00 opens
    (utc(2026, 11, 24, 13, 59, 59), None, "same"),                 # 21:59:59
    (utc(2026, 11, 24, 14, 0), "cn.quiet_hours", utc(2026, 11, 25, 0, 0)),  # 22:00
    (utc(2026, 11, 23, 23, 59), "cn.quiet_hours", utc(2026, 11, 24, 0, 0)),  # 07:59
    (utc(2026, 11, 23, 16, 0), "cn.quiet_hours", utc(2026, 11, 24, 0, 0)),  # midnight
])
def test_cn_quiet_hours(now: datetime, rule: str | None, nxt: datetime | str) -> None:
    check(ctx(now), CN, rule, nxt)


def test_cn_consent_lifts_quiet_hours_inside_its_window_only() -> None:
    consent = Flags(consent_windows=(Window(time(22, 0), time(22, 30)),))
    check(ctx(utc(2026, 11, 24, 14, 10), flags=consent), CN, None)            # 22:10
    check(ctx(utc(2026, 11, 24, 14, 30), flags=consent), CN, "cn.quiet_hours",
          utc(2026, 11, 25, 0, 0))                                            # 22:30
    check(ctx(utc(2026, 11, 24, 13, 0), flags=consent), CN, None)              # 21:00 anyway


def test_cn_daily_connected_cap_counts_the_borrowers_numbers_per_local_day() -> None:
    now = utc(2026, 11, 24, 6, 0)  # 14:00 local
    two = (att(utc(2026, 11, 24, 1, 0)), att(utc(2026, 11, 24, 2, 0), "machine", "p2"))
    check(ctx(now, history=two), CN, None)
    three = two + (att(utc(2026, 11, 24, 3, 0), "voicemail"),)
    # the next local day starts at 16:00 UTC, inside quiet hours: 08:00 local next day
    check(ctx(now, history=three), CN, "cn.daily_connected_cap", utc(2026, 11, 25, 0, 0))
    # yesterday's calls (local) do not count: 23:30 UTC on the 23rd is 07:30 local 24th,
    # 15:30 UTC on the 23rd is 23:30 local 23rd
    mixed = two + (att(utc(2026, 11, 23, 15, 30)),)
    check(ctx(now, history=mixed), CN, None)
    mixed = two + (att(utc(2026, 11, 23, 23, 30)),)
    check(ctx(now, history=mixed), CN, "cn.daily_connected_cap", utc(2026, 11, 25, 0, 0))


def test_cn_daily_unanswered_cap_is_per_number() -> None:
    now = utc(2026, 11, 24, 6, 0)
    six = tuple(att(utc(2026, 11, 24, 1, i), r) for i, r in
                enumerate(["no_answer", "busy", "failed", "no_answer", "no_answer", "busy"]))
    check(ctx(now, history=six[:5]), CN, None)
    check(ctx(now, history=six), CN, "cn.daily_unanswered_cap", utc(2026, 11, 25, 0, 0))
    check(ctx(now, history=six, phone="p2"), CN, None)


def test_cn_third_party_only_when_borrower_unreachable_and_never_after_refusal() -> None:
    now = utc(2026, 11, 24, 6, 0)
    check(ctx(now, kind=THIRD_PARTY), CN, "cn.third_party", None)
    check(ctx(now, kind=THIRD_PARTY, borrower_reachable=False), CN, None)
    check(ctx(now, kind=THIRD_PARTY, borrower_reachable=False, contact_refused=True), CN,
          "cn.third_party", None)


def test_cn_holiday_from_profile_and_context() -> None:
    # National Day 2026-10-01..07 is in the profile: next is 08:00 on the 8th
    check(ctx(utc(2026, 10, 3, 2, 0)), CN, "any.holiday", utc(2026, 10, 8, 0, 0))
    extra = frozenset({date(2026, 11, 24), date(2026, 11, 25)})
    check(ctx(utc(2026, 11, 24, 2, 0), holidays=extra), CN, "any.holiday",
          utc(2026, 11, 26, 0, 0))


def test_campaign_window_inside_calling_hours() -> None:
    window = Window(time(10, 0), time(12, 0))
    check(ctx(utc(2026, 11, 24, 2, 0), campaign_window=window), CN, None)      # 10:00
    check(ctx(utc(2026, 11, 24, 4, 0), campaign_window=window), CN, "any.campaign_window",
          utc(2026, 11, 25, 2, 0))                                              # 12:00
    # consent lifts calling hours, never the bank's own campaign window
    late = Flags(consent_windows=(Window(time(22, 0), time(23, 0)),))
    check(ctx(utc(2026, 11, 24, 14, 30), campaign_window=window, flags=late), CN,
          "any.campaign_window", utc(2026, 11, 25, 2, 0))


@pytest.mark.parametrize("profile", [CN, US])
@pytest.mark.parametrize(("flags", "rule"), [
    (Flags(do_not_call=True), "any.dnc"),
    (Flags(stop_requested=True), "any.stop_request"),
])
def test_any_permanent_blocks(profile: Profile, flags: Flags, rule: str) -> None:
    check(ctx(utc(2026, 11, 24, 15, 0), NY, flags=flags), profile, rule, None)


def test_cease_and_attorney_are_us_rules() -> None:
    now = utc(2026, 11, 24, 15, 0)  # 10:00 New York, 23:00 Shanghai
    check(ctx(now, NY, flags=Flags(cease_requested=True)), US, "us.cease", None)
    check(ctx(now, NY, flags=Flags(attorney_represented=True)), US, "us.attorney", None)
    check(ctx(now - timedelta(hours=8), SH, flags=Flags(cease_requested=True)), CN, None)


# -- US ------------------------------------------------------------------------------

# New York in late November is UTC-5: 08:00 local = 13:00 UTC, 21:00 local = 02:00 UTC.
@pytest.mark.parametrize(("now", "rule", "nxt"), [
    (utc(2026, 11, 24, 13, 0), None, "same"),
    (utc(2026, 11, 25, 1, 59), None, "same"),                       # 20:59
    (utc(2026, 11, 25, 2, 0), "us.hours", utc(2026, 11, 25, 13, 0)),  # 21:00
    (utc(2026, 11, 24, 12, 59), "us.hours", utc(2026, 11, 24, 13, 0)),  # 07:59
])
def test_us_hours(now: datetime, rule: str | None, nxt: datetime | str) -> None:
    check(ctx(now, NY), US, rule, nxt)


def test_us_7_in_7_counts_rung_out_and_voicemail_not_busy_or_failed() -> None:
    now = utc(2026, 11, 24, 15, 0)  # Tuesday 10:00 local
    # one call a day at 14:00 UTC (09:00 local), 18th..24th: seven local days
    seven = tuple(att(utc(2026, 11, 18 + i, 14, 0), r) for i, r in
                  enumerate(["no_answer", "voicemail", "machine", "no_answer",
                             "no_answer", "voicemail", "no_answer"]))
    check(ctx(now, NY, history=seven[:6]), US, None)
    # the 18th's call leaves the window on the 25th, 08:00 local
    check(ctx(now, NY, history=seven), US, "us.7_in_7", utc(2026, 11, 25, 13, 0))
    not_connected = tuple(att(a.at, "busy") for a in seven[:3]) + seven[3:]
    check(ctx(now, NY, history=not_connected), US, None)
    failed = seven[:6] + (att(utc(2026, 11, 24, 14, 30), "failed"),)
    check(ctx(now, NY, history=failed), US, None)


def test_us_7_in_7_counts_every_number_of_the_person() -> None:
    now = utc(2026, 11, 24, 15, 0)
    calls = tuple(att(utc(2026, 11, 24, 13, i), "no_answer", f"p{i % 3}") for i in range(7))
    check(ctx(now, NY, history=calls), US, "us.7_in_7", utc(2026, 12, 1, 13, 0))


def test_us_7_days_after_conversation_starts_on_the_conversation_day() -> None:
    # conversation 2026-11-20 at 20:30 local (01:30 UTC on the 21st)
    talk = (att(utc(2026, 11, 21, 1, 30), conversation=True),)
    for day in range(21, 27):  # the 20th (local) is day 1 ... the 26th day 7
        check(ctx(utc(2026, 11, day, 15, 0), NY, history=talk), US,
              "us.7_days_after_conversation", utc(2026, 11, 27, 13, 0))
    check(ctx(utc(2026, 11, 27, 13, 0), NY, history=talk), US, None)
    answered_no_talk = (att(utc(2026, 11, 21, 1, 30), conversation=False),)
    check(ctx(utc(2026, 11, 24, 15, 0), NY, history=answered_no_talk), US, None)


def test_us_massachusetts_two_in_seven() -> None:
    now = utc(2026, 11, 24, 15, 0)
    two = (att(utc(2026, 11, 20, 15, 0), "no_answer"), att(utc(2026, 11, 22, 15, 0), "voicemail"))
    check(ctx(now, NY, history=two), US, None)
    check(ctx(now, NY, history=two, state="MA"), US, "us.ma.2_in_7", utc(2026, 11, 27, 13, 0))
    check(ctx(now, NY, history=two, state="ma"), US, "us.ma.2_in_7", utc(2026, 11, 27, 13, 0))


def test_us_third_parties_follow_their_own_count() -> None:
    now = utc(2026, 11, 24, 15, 0)
    borrower_calls = tuple(att(utc(2026, 11, 24, 13, i), "no_answer") for i in range(7))
    check(ctx(now, NY, history=borrower_calls, phone="c1", kind=THIRD_PARTY), US, None)


# -- DST and zones without DST ----------------------------------------------------------

BARE = Profile(name="bare")  # no rules but the campaign window


def test_ny_spring_forward_opening_hour_is_eight_edt() -> None:
    # 2026-03-08: 02:00 EST -> 03:00 EDT. 23:00 EST on the 7th is 04:00 UTC on the 8th.
    check(ctx(utc(2026, 3, 8, 4, 0), NY), US, "us.hours", utc(2026, 3, 8, 12, 0))
    check(ctx(utc(2026, 3, 8, 12, 0), NY), US, None)
    check(ctx(utc(2026, 3, 8, 11, 59), NY), US, "us.hours", utc(2026, 3, 8, 12, 0))


def test_ny_fall_back_opening_hour_is_eight_est() -> None:
    # 2026-11-01: 02:00 EDT -> 01:00 EST. 21:30 EDT on Oct 31 is 01:30 UTC Nov 1.
    check(ctx(utc(2026, 11, 1, 1, 30), NY), US, "us.hours", utc(2026, 11, 1, 13, 0))
    check(ctx(utc(2026, 11, 1, 12, 0), NY), US, "us.hours", utc(2026, 11, 1, 13, 0))


def test_window_skipped_by_the_gap_opens_next_day() -> None:
    w = Window(time(2, 15), time(2, 45))  # never happens on 2026-03-08 in New York
    check(ctx(utc(2026, 3, 8, 5, 0), NY, campaign_window=w), BARE, "any.campaign_window",
          utc(2026, 3, 9, 6, 15))


def test_window_starting_inside_the_gap_opens_at_the_jump() -> None:
    w = Window(time(2, 30), time(4, 0))
    check(ctx(utc(2026, 3, 8, 6, 59, 59), NY, campaign_window=w), BARE, "any.campaign_window",
          utc(2026, 3, 8, 7, 0))


def test_window_in_the_fold_happens_twice() -> None:
    w = Window(time(1, 15), time(1, 45))
    check(ctx(utc(2026, 11, 1, 4, 0), NY, campaign_window=w), BARE, "any.campaign_window",
          utc(2026, 11, 1, 5, 15))                                       # 01:15 EDT
    check(ctx(utc(2026, 11, 1, 5, 50), NY, campaign_window=w), BARE, "any.campaign_window",
          utc(2026, 11, 1, 6, 15))                                       # 01:15 EST
    check(ctx(utc(2026, 11, 1, 6, 20), NY, campaign_window=w), BARE, None)


def test_seven_day_count_across_fall_back_uses_local_days() -> None:
    # 25-hour local day: calls at 00:30 EDT and 23:30 EST on Nov 1 are the same day
    calls = (att(utc(2026, 11, 1, 4, 30), "no_answer"), att(utc(2026, 11, 2, 4, 30), "no_answer"))
    check(ctx(utc(2026, 11, 2, 4, 45), NY, history=calls, state="MA"), US, "us.hours",
          utc(2026, 11, 8, 13, 0))


@pytest.mark.parametrize(("tz", "now", "nxt"), [
    ("Asia/Kolkata", utc(2026, 3, 8, 16, 0), utc(2026, 3, 9, 2, 30)),       # UTC+5:30
    ("America/Phoenix", utc(2026, 3, 8, 4, 0), utc(2026, 3, 8, 15, 0)),     # MST all year
    ("Asia/Kathmandu", utc(2026, 11, 1, 17, 0), utc(2026, 11, 2, 2, 15)),   # UTC+5:45
])
def test_zones_without_dst(tz: str, now: datetime, nxt: datetime) -> None:
    check(ctx(now, tz), US, "us.hours", nxt)


def test_bad_contexts_are_input_errors() -> None:
    with pytest.raises(InputError, match="timezone-aware"):
        evaluate(ctx(datetime(2026, 1, 1, 12, 0)), CN)
    with pytest.raises(InputError, match="unknown time zone"):
        evaluate(ctx(utc(2026, 1, 5, 2, 0), "Mars/Olympus"), CN)
    with pytest.raises(InputError, match="contact kind"):
        evaluate(ctx(utc(2026, 1, 5, 2, 0), kind="neighbour"), CN)


def test_plan_names_the_account_with_a_bad_zone() -> None:
    rows = [("A1", ctx(utc(2026, 1, 5, 2, 0))), ("A2", ctx(utc(2026, 1, 5, 2, 0), "Nowhere/X"))]
    with pytest.raises(InputError, match="account A2: unknown time zone"):
        plan(rows, utc(2026, 1, 5, 2, 0), CN)
    with pytest.raises(InputError, match="timezone-aware"):
        plan(rows, datetime(2026, 1, 5, 2, 0), CN)
