"""Amounts and dates as Whisper writes them, resolved against a fixed today."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from robot.dialogue.dates import en_date, zh_date
from robot.dialogue.numbers import en_amount, en_words_value, zh_amount, zh_value

WED = date(2026, 11, 25)


@pytest.mark.parametrize("text,value", [
    ("一万二", "12000"), ("1.5万", "15000"), ("八百", "800"), ("两千五", "2500"), ("两千五百", "2500"),
    ("三千零五十", "3050"), ("三千零五", "3005"), ("十五", "15"), ("二十一", "21"), ("一万五千五", "15500"),
    ("两万五千", "25000"), ("三百五", "350"), ("二五零零", "2500"), ("2500", "2500"), ("2500.5", "2500.5"),
    ("一百零一", "101"), ("3千", "3000"),
])
def test_zh_value(text: str, value: str) -> None:
    assert zh_value(text) == Decimal(value)


@pytest.mark.parametrize("text,amount", [
    ("还两千五", Decimal(2500)), ("八百块", Decimal(800)), ("还500", Decimal(500)), ("五十块钱", Decimal(50)),
    ("一次性还清", "full"), ("全部还了", "full"),
    ("我有一点困难", None), ("十分抱歉", None), ("等一下", None), ("3个月", None), ("5", None),
])
def test_zh_amount(text: str, amount: object) -> None:
    assert zh_amount(text) == amount


@pytest.mark.parametrize("words,value", [
    ("two hundred", 200), ("two thousand five hundred", 2500), ("twenty five hundred", 2500),
    ("a hundred", 100), ("one hundred and fifty", 150), ("twenty-one", 21), ("three grand", 3000),
])
def test_en_words(words: str, value: int) -> None:
    assert en_words_value(words) == value


@pytest.mark.parametrize("text,amount", [
    ("i can pay $200", Decimal(200)), ("$ 75.25", Decimal("75.25")), ("2500.50 dollars", Decimal("2500.50")),
    ("two hundred dollars", Decimal(200)), ("i can pay fifty", Decimal(50)), ("a hundred bucks", Decimal(100)),
    ("2.5k", Decimal(2500)), ("i'll pay 300", Decimal(300)), ("the full amount", "full"), ("pay it off", "full"),
    ("in 3 days", None), ("at 5 pm", None), ("i have 2 kids", None), ("one moment", None),
])
def test_en_amount(text: str, amount: object) -> None:
    assert en_amount(text) == amount


@pytest.mark.parametrize("text,expected", [
    ("today", WED), ("tomorrow", date(2026, 11, 26)), ("the day after tomorrow", date(2026, 11, 27)),
    ("on friday", date(2026, 11, 27)), ("next friday", date(2026, 12, 4)), ("wednesday", date(2026, 12, 2)),
    ("the 15th", date(2026, 12, 15)), ("on the 28th", date(2026, 11, 28)), ("on the fifteenth", date(2026, 12, 15)),
    ("twenty-first", date(2026, 12, 21)), ("december 10th", date(2026, 12, 10)), ("dec 10", date(2026, 12, 10)),
    ("the 3rd of january", date(2027, 1, 3)), ("march 5th", date(2027, 3, 5)),
    ("end of the month", date(2026, 11, 30)), ("end of next month", date(2026, 12, 31)),
    ("next month", date(2026, 12, 1)), ("next week", date(2026, 11, 30)), ("in two weeks", date(2026, 12, 9)),
    ("in 3 days", date(2026, 11, 28)), ("12/10", date(2026, 12, 10)), ("two hundred dollars", None),
])
def test_en_dates(text: str, expected: date | None) -> None:
    assert en_date(text, WED)[0] == expected


@pytest.mark.parametrize("text,expected", [
    ("今天", WED), ("明天", date(2026, 11, 26)), ("后天", date(2026, 11, 27)), ("大后天", date(2026, 11, 28)),
    ("下周五", date(2026, 12, 4)), ("下星期一", date(2026, 11, 30)), ("周五", date(2026, 11, 27)),
    ("这周一", date(2026, 11, 30)), ("下下周一", date(2026, 12, 7)), ("月底", date(2026, 11, 30)),
    ("下个月底", date(2026, 12, 31)), ("下个月5号", date(2026, 12, 5)), ("下月十号", date(2026, 12, 10)),
    ("15号", date(2026, 12, 15)), ("二十八号", date(2026, 11, 28)), ("12月10日", date(2026, 12, 10)),
    ("1月3号", date(2027, 1, 3)), ("三天后", date(2026, 11, 28)), ("两个星期后", date(2026, 12, 9)),
    ("还两千五", None),
])
def test_zh_dates(text: str, expected: date | None) -> None:
    assert zh_date(text, WED)[0] == expected


def test_date_phrase_is_blanked_for_the_amount_parser() -> None:
    day, rest = zh_date("15号还两千", WED)
    assert day == date(2026, 12, 15) and "15" not in rest and zh_amount(rest) == Decimal(2000)
    day, rest = en_date("on the 15th i can pay 200", WED)
    assert "15" not in rest and en_amount(rest) == Decimal(200)


def test_month_end_and_short_months() -> None:
    assert en_date("the 31st", date(2027, 2, 10))[0] == date(2027, 3, 31)
    assert zh_date("月底", date(2028, 2, 3))[0] == date(2028, 2, 29)
