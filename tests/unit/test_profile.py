"""Loading jurisdiction profiles: the shipped ones, state overrides, errors with a place."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest

from robot.dialer.profile import PROFILES_DIR, load_profile
from robot.errors import InputError


def test_shipped_cn_profile() -> None:
    cn = load_profile("cn")
    assert cn.hours and cn.hours.id == "cn.quiet_hours"
    assert (cn.hours.window.start, cn.hours.window.end) == (time(8), time(22))
    assert cn.hours.consent_lifts
    assert cn.daily_connected_cap and cn.daily_connected_cap.max == 3
    assert cn.daily_unanswered_cap and cn.daily_unanswered_cap.max == 6
    assert cn.third_party and cn.third_party.only_when_borrower_unreachable
    assert cn.calls_in_window is None and cn.cease is None
    assert date(2026, 10, 1) in cn.holidays


def test_shipped_us_profile_and_massachusetts() -> None:
    us = load_profile(PROFILES_DIR / "us.yaml")
    assert us.hours and (us.hours.window.start, us.hours.window.end) == (time(8), time(21))
    assert us.calls_in_window and (us.calls_in_window.max, us.calls_in_window.days) == (7, 7)
    assert us.calls_in_window.excluded_unconnected == {"busy", "failed"}
    assert us.after_conversation and us.after_conversation.days == 7
    assert (us.cease, us.attorney, us.third_party) == ("us.cease", "us.attorney", None)
    ma = us.for_state("MA")
    assert ma.calls_in_window and ma.calls_in_window.max == 2
    assert ma.calls_in_window.id == "us.ma.2_in_7"
    assert ma.calls_in_window.excluded_unconnected == {"busy", "failed"}  # merged by key
    assert ma.hours == us.hours
    assert us.for_state("NY") is us and us.for_state(None) is us


def test_every_shipped_value_is_commented() -> None:
    for path in PROFILES_DIR.glob("*.yaml"):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if ":" in line and not line.lstrip().startswith("#"):
                assert "#" in line, f"{path.name}:{n} has no comment"


@pytest.mark.parametrize(("text", "where", "message"), [
    ("name: x\nhours:\n  id: x.h\n  start: 08:00\n  end: 22:00\n  consent_lifts: true\n",
     ":5:8", "quoted"),                                     # 22:00 unquoted is the int 1320
    ("name: x\nhours: {id: x.h, start: '08:00', end: '22:00'}\n", ":2:8", "consent_lifts"),
    ("name: x\ndaily_connected_cap:\n  id: x.c\n  max: -1\n", ":4:8", ">= 0"),
    ("name: x\ndaily_connected_cap:\n  id: x.c\n  mx: 3\n", ":4:7", "unknown key 'mx'"),
    ("name: x\nquiet: 1\n", ":2:8", "unknown section 'quiet'"),
    ("name: x\ncalls_in_window: {id: w, max: 7, days: 0}\n", ":2:40", "days must be >= 1"),
    ("name: x\ncalls_in_window: {id: w, max: 7, days: 7, excluded_unconnected: [late]}\n",
     ":2:65", "excluded_unconnected"),
    ("name: x\nholidays: [2026-13-01]\n", ":2:12", "not a valid date"),
    ("name: x\nholidays: [1st May]\n", ":2:11", "YYYY-MM-DD"),
    ("name: x\nstates:\n  MA:\n    daily_connected_cap: {id: c, max: two}\n", ":4:39",
     "whole number"),
    ("name: x\nstates:\n  MA:\n    name: y\n", ":4:11", "cannot override 'name'"),
    ("name: [x\n", ":2:1", "YAML syntax"),
    ("- a\n- b\n", ":1:1", "mapping"),
])
def test_errors_name_file_line_column(tmp_path: Path, text: str, where: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message) as err:
        load_profile(path)
    assert err.value.where == f"{path}{where}"


def test_unknown_profile_name_lists_the_shipped_ones() -> None:
    with pytest.raises(InputError, match="shipped: cn, us"):
        load_profile("mars")
