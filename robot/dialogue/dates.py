"""Spoken dates resolved against today, English and Mandarin.

A promise to pay is only useful with a calendar date, so relative phrases ("next
Friday", "月底", "下个月5号") are resolved here against the call's ``today`` (never
the wall clock, so tests and replays are deterministic). Conventions, also in
docs/dialogue.md: a weekday alone means its next occurrence after today; "next
<weekday>" / 下周X means that weekday in the following Monday-based week; a day of month
alone ("the 15th", 15号) is this month if not yet past, else next month.

Each parser returns the date and the text with the date phrase blanked out, so the
amount parser does not read "15号" or "the 15th" as money.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from robot.dialogue.numbers import EN_SMALL, EN_TENS, zh_value

_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december"]
_MONTH_RE = "|".join(m for m in _MONTHS) + "|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec"
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_ORD_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
              "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11,
              "twelfth": 12, "thirteenth": 13, "fourteenth": 14, "fifteenth": 15,
              "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
              "twentieth": 20, "thirtieth": 30}
_ORD_RE = (r"(?:(?:twenty|thirty)[\s-])?(?:" + "|".join(_ORD_WORDS) + r")|\d{1,2}(?:st|nd|rd|th)")
_DAY_RE = rf"(?:{_ORD_RE}|\d{{1,2}}\b)"


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: date, months: int, dom: int = 1) -> date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return date(year, month, min(dom, calendar.monthrange(year, month)[1]))


def day_of_month(today: date, dom: int) -> date | None:
    """The next date with this day of month: this month if not past, else next."""
    if not 1 <= dom <= 31:
        return None
    if dom >= today.day and dom <= calendar.monthrange(today.year, today.month)[1]:
        return today.replace(day=dom)
    return add_months(today, 1, dom)


def month_day(today: date, month: int, dom: int) -> date | None:
    """This year's date, or next year's if already past."""
    for year in (today.year, today.year + 1):
        try:
            d = date(year, month, dom)
        except ValueError:
            return None
        if d >= today:
            return d
    return None


def weekday(today: date, wd: int, next_week: bool) -> date:
    if next_week:
        monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
        return monday + timedelta(days=wd)
    ahead = (wd - today.weekday()) % 7 or 7
    return today + timedelta(days=ahead)


def _ord_value(text: str) -> int | None:
    text = text.strip()
    m = re.match(r"(\d{1,2})", text)
    if m:
        return int(m.group(1))
    parts = re.split(r"[\s-]+", text)
    value = 0
    for p in parts:
        if p in _ORD_WORDS:
            value += _ORD_WORDS[p]
        elif p in EN_TENS:
            value += EN_TENS[p]
        elif p in EN_SMALL:
            value += EN_SMALL[p]
        else:
            return None
    return value or None


def _blank(text: str, m: re.Match[str]) -> str:
    return text[: m.start()] + " " + text[m.end():]


def en_date(text: str, today: date) -> tuple[date | None, str]:
    """Find one date phrase in lowercase English text."""
    rules: list[tuple[str, object]] = [
        (r"\bday after tomorrow\b", lambda m: today + timedelta(days=2)),
        (r"\b(?:today|tonight|this (?:evening|afternoon|morning))\b", lambda m: today),
        (r"\btomorrow\b", lambda m: today + timedelta(days=1)),
        (r"\bend of (?:the |this )?week\b", lambda m: weekday(today, 4, False) if today.weekday() >= 4 else today + timedelta(days=4 - today.weekday())),
        (r"\bend of next month\b", lambda m: month_end(add_months(today, 1))),
        (r"\b(?:the )?end of (?:the |this )?month\b", lambda m: month_end(today)),
        (r"\b(?:beginning|start|first) of next month\b|\bnext month\b", lambda m: add_months(today, 1)),
        (r"\bnext week\b", lambda m: weekday(today, 0, True)),
        (r"\bin (a|one|two|three|four|five|six|seven|ten|\d+) (day|week)s?\b|\b(a|one|two|\d+) (day|week)s? from (?:now|today)\b",
         lambda m: today + timedelta(days=_count(m.group(1) or m.group(3)) * (7 if (m.group(2) or m.group(4)) == "week" else 1))),
        (rf"\b(?:(next)|this|coming|on)?\s*({'|'.join(_WEEKDAYS)})\b",
         lambda m: weekday(today, _WEEKDAYS.index(m.group(2)), bool(m.group(1)))),
        (rf"\b({_MONTH_RE})\.?\s+(?:the\s+)?({_DAY_RE})",
         lambda m: month_day(today, _month(m.group(1)), _ord_value(m.group(2)) or 0)),
        (rf"\b(?:the\s+)?({_ORD_RE})\s+of\s+({_MONTH_RE})\b",
         lambda m: month_day(today, _month(m.group(2)), _ord_value(m.group(1)) or 0)),
        (r"\b(\d{1,2})/(\d{1,2})\b", lambda m: month_day(today, int(m.group(1)), int(m.group(2)))),
        (rf"\b(?:on\s+)?the\s+({_DAY_RE})|\b({_ORD_RE})\b",
         lambda m: day_of_month(today, _ord_value(m.group(1) or m.group(2)) or 0)),
    ]
    for pattern, resolve in rules:
        m = re.search(pattern, text)
        if m:
            found = resolve(m)  # type: ignore[operator]
            if found is not None:
                return found, _blank(text, m)
    return None, text


def _count(word: str) -> int:
    return int(word) if word.isdigit() else {"a": 1, **EN_SMALL}.get(word, 1)


def _month(word: str) -> int:
    word = word[:3]
    return [m[:3] for m in _MONTHS].index(word) + 1


_ZN = r"[0-9零〇一二两三四五六七八九十]{1,3}"
_ZH_WD = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5,
          "1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6}


def _zint(text: str) -> int:
    value = zh_value(text)
    return int(value) if value is not None else 0


def zh_date(text: str, today: date) -> tuple[date | None, str]:
    """Find one date phrase in Mandarin text (simplified characters)."""
    rules: list[tuple[str, object]] = [
        (rf"下个?月({_ZN})[号日]", lambda m: add_months(today, 1, _zint(m.group(1)))),
        (rf"({_ZN})月({_ZN})[号日]?", lambda m: month_day(today, _zint(m.group(1)), _zint(m.group(2)))),
        (r"下个?月底", lambda m: month_end(add_months(today, 1))),
        (r"(?:这个|本)?月底", lambda m: month_end(today)),
        (r"下个?月初|下个?月", lambda m: add_months(today, 1)),
        (r"月中", lambda m: day_of_month(today, 15)),
        (r"大后天", lambda m: today + timedelta(days=3)),
        (r"后天", lambda m: today + timedelta(days=2)),
        (r"明天|明日|明儿", lambda m: today + timedelta(days=1)),
        (r"今天|今日|今晚|马上|现在就", lambda m: today),
        (r"(下+)个?(?:周|星期|礼拜)([一二三四五六日天末1-7])",
         lambda m: weekday(today, _ZH_WD[m.group(2)], True) + timedelta(days=7 * (len(m.group(1)) - 1))),
        (r"(?:这|本|这个)?(?:周|星期|礼拜)([一二三四五六日天末1-7])",
         lambda m: _this_week(today, _ZH_WD[m.group(1)])),
        (r"下个?(?:周|星期|礼拜)", lambda m: weekday(today, 0, True)),
        (rf"({_ZN}|几)天(?:后|以后|之后|内|之内|以内)|过({_ZN}|几)天",
         lambda m: today + timedelta(days=_zint(m.group(1) or m.group(2)) or 3)),
        (rf"({_ZN})个?(?:周|星期|礼拜)(?:后|以后|之后|内|之内)",
         lambda m: today + timedelta(days=7 * _zint(m.group(1)))),
        (rf"({_ZN})[号日]", lambda m: day_of_month(today, _zint(m.group(1)))),
    ]
    for pattern, resolve in rules:
        m = re.search(pattern, text)
        if m:
            found = resolve(m)  # type: ignore[operator]
            if found is not None:
                return found, _blank(text, m)
    return None, text


def _this_week(today: date, wd: int) -> date:
    """周五 / 这周五: this week's day, or next week's if it has passed."""
    d = today - timedelta(days=today.weekday()) + timedelta(days=wd)
    return d if d >= today else d + timedelta(days=7)
