"""Amounts and dates as words a TTS voice reads correctly.

TTS engines read "2500.50" or "12/5" inconsistently (digit by digit, as a year, as a
fraction), and a borrower must hear the exact amount owed, so prompts never contain raw
numbers: templates get these spoken forms instead.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
         "fourteen fifteen sixteen seventeen eighteen nineteen").split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_SCALES = ((10**9, "billion"), (10**6, "million"), (1000, "thousand"))
_MONTHS = ("January February March April May June July August September October "
           "November December").split()

#: currency -> (major singular, major plural, minor singular, minor plural), English.
_EN_UNITS = {
    "USD": ("dollar", "dollars", "cent", "cents"),
    "CNY": ("yuan", "yuan", "fen", "fen"),
    "RMB": ("yuan", "yuan", "fen", "fen"),
    "EUR": ("euro", "euros", "cent", "cents"),
    "GBP": ("pound", "pounds", "penny", "pence"),
}
#: currency -> (major, minor tenth, minor hundredth), Mandarin.
_ZH_UNITS = {"CNY": ("元", "角", "分"), "RMB": ("元", "角", "分"), "USD": ("美元", "", "美分")}
_ZH_DIGITS = "零一二三四五六七八九"


def en_int(n: int) -> str:
    """English words for a non-negative integer: 2500 -> 'two thousand five hundred'."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, rest = divmod(n, 10)
        return _TENS[tens] + (f"-{_ONES[rest]}" if rest else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"{_ONES[hundreds]} hundred" + (f" {en_int(rest)}" if rest else "")
    for value, word in _SCALES:
        if n >= value:
            high, rest = divmod(n, value)
            return f"{en_int(high)} {word}" + (f" {en_int(rest)}" if rest else "")
    raise AssertionError("unreachable")


def _zh_group(g: int, leading: bool, unit: str) -> str:
    """Words for 0 < g < 10000, one four-digit group before 万/亿."""
    out, zero = "", False
    for value, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = g // value % 10
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        if d == 2 and (name in ("千", "百") or (name == "" and not out and unit)):
            digit = "两"
        elif d == 1 and name == "十" and not out and leading:
            digit = ""
        else:
            digit = _ZH_DIGITS[d]
        out += digit + name
    return out


def zh_int(n: int) -> str:
    """Mandarin words for a non-negative integer: 2500 -> '两千五百', 12000 -> '一万二千'."""
    if n == 0:
        return "零"
    if n == 2:
        return "两"
    groups = [(n // 10**8, "亿"), (n // 10**4 % 10**4, "万"), (n % 10**4, "")]
    out = ""
    for g, unit in groups:
        if g == 0:
            continue
        if out and g < 1000:
            out += "零"
        out += _zh_group(g, leading=not out, unit=unit) + unit
    return out


def _split(amount: Decimal) -> tuple[int, int]:
    cents = int(amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) * 100)
    return divmod(abs(cents), 100)


def say_amount(amount: Decimal, currency: str = "USD", lang: str = "en") -> str:
    """Speakable amount: 2500.50 USD en -> 'two thousand five hundred dollars and fifty
    cents'; 2500.50 CNY zh -> '两千五百元五角'."""
    major, minor = _split(Decimal(amount))
    cur = currency.upper()
    if lang == "zh":
        unit, tenth, hundredth = _ZH_UNITS.get(cur, ("元", "角", "分"))
        text = zh_int(major) + unit if major or not minor else ""
        if minor and tenth:
            jiao, fen = divmod(minor, 10)
            if jiao:
                text += _ZH_DIGITS[jiao] + tenth
            if fen:
                text += ("零" if major and not jiao else "") + _ZH_DIGITS[fen] + hundredth
        elif minor:
            text += zh_int(minor) + hundredth
        return text
    one, many, minor_one, minor_many = _EN_UNITS.get(cur, (cur, cur, "cent", "cents"))
    text = f"{en_int(major)} {one if major == 1 else many}"
    if minor:
        cents = f"{en_int(minor)} {minor_one if minor == 1 else minor_many}"
        text = cents if not major else f"{text} and {cents}"
    return text


def ordinal_suffix(day: int) -> str:
    if 11 <= day % 100 <= 13:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def say_date(day: date, lang: str = "en") -> str:
    """Speakable date without the year (calls are about the near future): 'March 5th',
    '3月5日'."""
    if lang == "zh":
        return f"{day.month}月{day.day}日"
    return f"{_MONTHS[day.month - 1]} {day.day}{ordinal_suffix(day.day)}"
