"""Speakable amounts and dates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from robot.dialogue.speak import en_int, say_amount, say_date, zh_int


@pytest.mark.parametrize("amount,currency,lang,spoken", [
    ("2500.50", "USD", "en", "two thousand five hundred dollars and fifty cents"),
    ("1", "USD", "en", "one dollar"),
    ("0.01", "USD", "en", "one cent"),
    ("200", "USD", "en", "two hundred dollars"),
    ("1021.99", "USD", "en", "one thousand twenty-one dollars and ninety-nine cents"),
    ("2500.50", "CNY", "en", "two thousand five hundred yuan and fifty fen"),
    ("2500.50", "CNY", "zh", "两千五百元五角"),
    ("2500.55", "CNY", "zh", "两千五百元五角五分"),
    ("10015.05", "CNY", "zh", "一万零一十五元零五分"),
    ("12000", "CNY", "zh", "一万两千元"),
    ("2", "CNY", "zh", "两元"),
    ("0.5", "CNY", "zh", "五角"),
    ("300", "USD", "zh", "三百美元"),
])
def test_say_amount(amount: str, currency: str, lang: str, spoken: str) -> None:
    assert say_amount(Decimal(amount), currency, lang) == spoken


@pytest.mark.parametrize("n,en,zh", [
    (0, "zero", "零"), (15, "fifteen", "十五"), (20, "twenty", "二十"), (101, "one hundred one", "一百零一"),
    (110000, "one hundred ten thousand", "十一万"), (1_000_000, "one million", "一百万"),
    (200_000_000, "two hundred million", "两亿"), (1010, "one thousand ten", "一千零一十"),
])
def test_integers(n: int, en: str, zh: str) -> None:
    assert (en_int(n), zh_int(n)) == (en, zh)


@pytest.mark.parametrize("day,en,zh", [
    (date(2026, 3, 5), "March 5th", "3月5日"), (date(2026, 12, 1), "December 1st", "12月1日"),
    (date(2026, 1, 2), "January 2nd", "1月2日"), (date(2026, 1, 3), "January 3rd", "1月3日"),
    (date(2026, 1, 11), "January 11th", "1月11日"), (date(2026, 1, 22), "January 22nd", "1月22日"),
])
def test_say_date(day: date, en: str, zh: str) -> None:
    assert (say_date(day, "en"), say_date(day, "zh")) == (en, zh)
