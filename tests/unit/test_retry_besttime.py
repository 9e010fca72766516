"""Retry rules per outcome, and the best time to call (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from robot.dialer.besttime import HourStats, aim_at_hour, allowed_hours, best_time
from robot.dialer.profile import Window
from robot.dialer.retry import PastAttempt, next_due
from robot.dialer.settings import DialerSettings, parse_window
from robot.errors import InputError

T = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
S = DialerSettings(max_attempts=3)


def past(result: str, disposition: str | None = None, minutes: int = 0) -> PastAttempt:
    at = T + timedelta(minutes=minutes)
    return PastAttempt(at, at + timedelta(minutes=1), result, disposition)


@pytest.mark.parametrize("result, disposition, rule, wait", [
    ("busy", "busy", "retry.busy", 30),
    ("no_answer", "no_answer", "retry.no_answer", 120),
    ("machine", "machine", "retry.machine", 240),
    ("machine", "voicemail_left", "retry.machine", 240),
    ("failed", "failed", "retry.failed", 60),
    ("answered", "no_contact", "retry.no_contact", 120),
    ("answered", "third_party", "retry.third_party", 240),
    ("answered", "callback", "retry.callback", 120),
    ("interrupted", None, "retry.interrupted", 0),
])
def test_retry_rule_per_outcome(result: str, disposition: str | None, rule: str,
                                wait: int) -> None:
    due = next_due([past(result, disposition)], S)
    assert due.rule == rule and due.at == T + timedelta(minutes=1 + wait)


@pytest.mark.parametrize("disposition", ["ptp", "refused", "wrong_number", "stop_calling",
                                         "transfer", "dispute", "already_paid", "hardship"])
def test_final_outcomes_end_the_account(disposition: str) -> None:
    due = next_due([past("busy"), past("answered", disposition, 60)], S)
    assert due.at is None and due.rule == "retry.final"


def test_max_attempts_and_interrupted_ones_do_not_count() -> None:
    three = [past("busy", "busy", m) for m in (0, 40, 80)]
    assert next_due(three, S).rule == "retry.max_attempts"
    two = [past("busy", "busy", 0), past("interrupted", None, 40), past("busy", "busy", 80)]
    assert next_due(two, S).rule == "retry.busy"


def test_first_and_in_progress() -> None:
    assert next_due([], S).rule == "retry.first"
    running = PastAttempt(T, None, None)
    assert next_due([running], S).at is None


def test_callback_named_time_wins() -> None:
    named = T + timedelta(hours=5)
    due = next_due([past("answered", "callback")], S, named)
    assert due.at == named and due.rule == "retry.callback"


def test_settings_are_checked() -> None:
    with pytest.raises(InputError, match="unknown"):
        DialerSettings(retry_minutes={"sleepy": 3})
    with pytest.raises(InputError, match="max_attempts"):
        DialerSettings(max_attempts=0)
    with pytest.raises(InputError, match="window"):
        DialerSettings(window="9-5")
    with pytest.raises(InputError, match="no profile named"):
        DialerSettings(profile="xx")
    s = DialerSettings.from_json(DialerSettings(window="09:00-20:00").to_json())
    assert s.campaign_window == Window(*(parse_window("09:00-20:00").start,
                                         parse_window("09:00-20:00").end))
    with pytest.raises(InputError, match="unknown dialer setting"):
        DialerSettings.from_json('{"speed": 3}')


def test_allowed_hours_inside_every_window() -> None:
    assert allowed_hours(parse_window("08:00-21:00")) == list(range(8, 21))
    assert allowed_hours(parse_window("08:00-21:00"), parse_window("09:30-12:00")) == [10, 11]
    assert allowed_hours(parse_window("22:00-02:00")) == [22, 23, 0, 1][:0] + [0, 1, 22, 23]


def test_best_time_needs_evidence_and_explains() -> None:
    acc, seg = HourStats(), HourStats()
    assert best_time(acc, seg, list(range(8, 21))).hour is None
    for _ in range(30):
        seg.add(10, False)
        seg.add(19, True)
    seg.add(19, False)
    b = best_time(acc, seg, list(range(8, 21)), "bucket M1")
    assert b.hour == 19 and "bucket M1 30/31" in b.explanation
    # The account's own history counts more than the segment's where it has some:
    # this borrower answers at noon and never at 19:00.
    for _ in range(10):
        acc.add(12, True)
    assert best_time(acc, seg, list(range(8, 21))).hour == 19  # 19:00 untried: segment wins
    for _ in range(5):
        acc.add(19, False)
    b = best_time(acc, seg, list(range(8, 21)))
    assert b.hour == 12 and "account 10/10" in b.explanation
    assert best_time(acc, seg, [9, 10]).hour in (9, 10)  # only allowed hours


def test_aim_at_hour_across_dst() -> None:
    ny = ZoneInfo("America/New_York")
    t = datetime(2026, 3, 7, 20, 0, tzinfo=ny).astimezone(UTC)
    # 02:00 does not exist on 2026-03-08 in New York: the instant after the gap.
    aimed = aim_at_hour(t, "America/New_York", 2)
    assert aimed.astimezone(ny).hour == 3 and aimed.astimezone(ny).day == 8
    t = datetime(2026, 10, 31, 20, 0, tzinfo=ny).astimezone(UTC)
    assert aim_at_hour(t, "America/New_York", 18) == datetime(2026, 11, 1, 18, 0, tzinfo=ny)
