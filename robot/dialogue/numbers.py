"""Numbers and money amounts in ASR text, English and Mandarin.

Whisper writes amounts as digits ("$200", "2,500") or words ("two hundred"), and
Mandarin speakers abbreviate ("两千五" is 2500, "一万二" is 12000), so amounts are parsed
from every form. A bare number is only an amount when it looks like one (currency word,
a magnitude, or at least two digits): "一点" (a little) or "in 3 days" are not money.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

FULL = "full"

EN_SMALL = {w: i for i, w in enumerate(
    ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
     "fifteen sixteen seventeen eighteen nineteen").split())}
EN_TENS = {w: 10 * i for i, w in enumerate(
    "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()) if w != "_"}
EN_SCALE = {"hundred": 100, "thousand": 1000, "grand": 1000, "million": 10**6, "k": 1000}
EN_CURRENCY = r"(?:dollars?|bucks?|usd|yuan|rmb|euros?|pounds?)"
EN_NOT_MONEY = r"(?:days?|weeks?|months?|years?|hours?|minutes?|o'?clock|am|pm|a\.m\.|p\.m\.|st|nd|rd|th|times?|percent)"

_EN_NUM_WORD = "|".join(sorted([*EN_SMALL, *EN_TENS, *EN_SCALE], key=len, reverse=True))
_EN_WORDS_RE = re.compile(
    rf"\b(?:a\s+)?(?:(?:{_EN_NUM_WORD})(?:[\s-]+(?:and\s+)?(?=(?:{_EN_NUM_WORD})\b))?)+\b")
_EN_DIGITS_RE = re.compile(r"(\$\s?)?(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s?(k\b)?")
_EN_FULL_RE = re.compile(
    r"\b(?:full (?:amount|balance|payment)|in full|the whole (?:thing|amount|balance|lot)|"
    r"everything|all of it|the entire (?:amount|balance)|pay (?:it|that|this) off|"
    r"the total|the balance)\b")

ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "幺": 1, "二": 2, "两": 2, "三": 3, "四": 4,
             "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
ZH_UNITS = {"十": 10, "百": 100, "千": 1000}
ZH_BIG = {"万": 10**4, "亿": 10**8}
ZH_NUM_CHARS = "0-9零〇一幺二两三四五六七八九十百千万亿"
ZH_NUM_RE = re.compile(rf"[0-9{ZH_NUM_CHARS[3:]}][{ZH_NUM_CHARS}.]*")
_ZH_CURRENCY = r"(?:块钱|块|元|人民币|美元|美金|刀|rmb)"
_ZH_NOT_MONEY = ("号", "日", "月", "天", "周", "个", "点", "年", "岁", "次", "分钟", "小时",
                 "星期", "礼拜", "期", "位", "%")
_ZH_FULL_RE = re.compile(r"全部|全额|全款|一次性|还清(?!了)|结清(?!了)|都还|一起还|所有的钱")


def to_decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None


def en_words_value(words: str) -> int | None:
    """'two thousand five hundred' -> 2500; 'twenty five hundred' -> 2500."""
    total, current, seen = 0, 0, False
    for tok in re.split(r"[\s-]+", words.strip()):
        if tok in ("and", ""):
            continue
        if tok == "a":
            current, seen = 1, True
        elif tok in EN_SMALL:
            current += EN_SMALL[tok]
            seen = True
        elif tok in EN_TENS:
            current += EN_TENS[tok]
            seen = True
        elif tok == "hundred":
            current = max(current, 1) * 100
            seen = True
        elif tok in EN_SCALE:
            total += max(current, 1) * EN_SCALE[tok]
            current, seen = 0, True
        else:
            return None
    return total + current if seen else None


def zh_value(text: str) -> Decimal | None:
    """Mandarin or mixed numerals to a number, with spoken abbreviations: '两千五' ->
    2500, '一万二' -> 12000, '1.5万' -> 15000, '三千零五' -> 3005."""
    total, section = Decimal(0), Decimal(0)
    current: Decimal | None = None
    last_unit, zero_after_unit = 0, False
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isdigit() or ch == ".":
            j = i
            while j < len(text) and (text[j].isdigit() or text[j] in ".,"):
                j += 1
            current = to_decimal(text[i:j].rstrip(".,"))
            if current is None:
                return None
            i = j
            continue
        if ch in ZH_DIGITS:
            if current is not None and last_unit == 0:
                current = current * 10 + ZH_DIGITS[ch]   # digit by digit: 二五零零
            elif ZH_DIGITS[ch] == 0:
                zero_after_unit = True
            else:
                current = Decimal(ZH_DIGITS[ch])
        elif ch in ZH_UNITS:
            section += (current if current is not None else 1) * ZH_UNITS[ch]
            current, last_unit, zero_after_unit = None, ZH_UNITS[ch], False
        elif ch in ZH_BIG:
            total += (section + (current or 0)) * ZH_BIG[ch]
            section, current, last_unit, zero_after_unit = Decimal(0), None, ZH_BIG[ch], False
        else:
            return None
        i += 1
    if current is not None:
        if last_unit >= 10 and not zero_after_unit and current < 10:
            section += current * last_unit / 10
        else:
            section += current
    if not (total or section or current is not None):
        return None
    return tidy(total + section)


def tidy(value: Decimal) -> Decimal:
    """15000.0 -> 15000 and 2500.50 stays 2500.50: amounts print the way people say them."""
    return Decimal(int(value)) if value == value.to_integral_value() else value


def en_amount(text: str) -> Decimal | str | None:
    """The money amount in lowercase English text, or 'full', or None."""
    if _EN_FULL_RE.search(text):
        return FULL
    for m in _EN_DIGITS_RE.finditer(text):
        value = to_decimal(m.group(2) + (m.group(3) or ""))
        if value is None:
            continue
        if m.group(4):
            value *= 1000
        value = tidy(value)
        after = text[m.end():].lstrip()
        if m.group(1) or m.group(4) or re.match(EN_CURRENCY, after):
            return value
        if re.match(EN_NOT_MONEY + r"\b", after) or re.match(r"[:/]\d", text[m.end():]):
            continue
        if len(m.group(2).replace(",", "")) >= 2:
            return value
    for m in _EN_WORDS_RE.finditer(text):
        value = en_words_value(m.group(0))
        if value is None:
            continue
        after = text[m.end():].lstrip()
        if re.match(EN_CURRENCY, after):
            return Decimal(value)
        if re.match(EN_NOT_MONEY + r"\b", after):
            continue
        if value >= 100 or (value >= 10 and re.search(r"\bpay\b", text)):
            return Decimal(value)
    return None


def zh_amount(text: str) -> Decimal | str | None:
    """The money amount in Mandarin text (dates already removed), or 'full', or None."""
    for m in ZH_NUM_RE.finditer(text):
        raw = m.group(0).rstrip(".")
        after = text[m.end():]
        if after.startswith(_ZH_NOT_MONEY):
            continue
        value = zh_value(raw)
        if value is None or value == 0:
            continue
        if re.match(_ZH_CURRENCY, after, re.I) or re.search("[百千万亿]", raw):
            return value
        if sum(c.isdigit() for c in raw) >= 2:
            return value
    if _ZH_FULL_RE.search(text):
        return FULL
    return None
