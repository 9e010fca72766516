"""Rule-based intent and slot recognition for borrower replies.

Collection calls use a small, stable vocabulary, and every decision must be explainable
to a compliance reviewer, so recognition is phrase rules plus fuzzy matching rather than
a trained model. It runs in well under a millisecond per utterance, leaving the latency
budget to ASR and TTS.

Input is Whisper output: punctuation, capitals, digits or number words, traditional
characters. Mandarin is converted to simplified (OpenCC), known ASR slips are rewritten,
and plain-word phrases also match by pinyin (exactly for homophones, fuzzily as a last
resort) so "别在打了" or "海款" still land on the right intent.

``parse`` returns every matching intent in priority order (``candidates``); the
dialogue engine takes the first one the current state handles, so "Yes, speaking."
confirms identity in the greeting and "Yes" answers a read-back.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from rapidfuzz import fuzz, process

from robot.dialogue import nlu_rules
from robot.dialogue.dates import en_date, zh_date
from robot.dialogue.numbers import ZH_NUM_CHARS, en_amount, zh_amount

INTENTS = (*nlu_rules.PRIORITY, "unknown")
#: The collection-domain intents a transcript is labelled with outside any dialogue
#: state (``dunbot nlu parse``, the accuracy corpus). ``affirm``/``deny`` only mean
#: something as answers to the robot's last question, so they are script-level extras.
CANONICAL = tuple(i for i in INTENTS if i not in ("affirm", "deny"))
_EXACT, _PINYIN, _FUZZY, _SLOTS_ONLY = 1.0, 0.9, 0.75, 0.6
_FUZZY_MIN = 85.0
_BARE_ZH, _BARE_EN = 2, 12  # characters of non-slot text a bare slot answer may carry
_PLAIN = re.compile(r"^[\u4e00-\u9fff]{2,}$")


@dataclass(frozen=True)
class NluResult:
    """One utterance understood: best intent, slots, and the other plausible intents.

    ``slots`` holds ``amount`` (Decimal, or "full" for the whole balance) and ``date``
    (a ``datetime.date``) when heard.
    """

    intent: str
    slots: dict[str, Any] = field(default_factory=dict)
    confidence: float = 0.0
    candidates: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Phrase:
    intent: str
    regex: re.Pattern[str]
    pinyin: str | None  # space-separated syllables, for plain Mandarin words only


def _pinyin(text: str) -> list[str]:
    """Syllables of ``text``; without pypinyin (the zh extra), characters stand in, so
    matching degrades to exact characters instead of failing."""
    try:
        from pypinyin import lazy_pinyin
    except ImportError:  # pragma: no cover - the zh extra is not installed
        return list(text)
    return lazy_pinyin(text)


@functools.lru_cache(maxsize=None)
def _converter() -> Any:
    try:
        import opencc
    except ImportError:  # pragma: no cover - the zh extra is not installed
        return None
    return opencc.OpenCC("t2s")


@functools.lru_cache(maxsize=None)
def _table(lang: str, extra: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[_Phrase, ...]:
    rules = nlu_rules.ZH if lang == "zh" else nlu_rules.EN
    phrases: list[_Phrase] = []
    for intent, patterns in rules.items():
        for p in patterns:
            py = " ".join(_pinyin(p)) if lang == "zh" and _PLAIN.match(p) else None
            phrases.append(_Phrase(intent, re.compile(p), py))
    for intent, words in extra:
        for w in words:
            norm = normalise(w, lang)
            py = " ".join(_pinyin(norm)) if lang == "zh" and _PLAIN.match(norm) else None
            bound = r"\b" if lang == "en" else ""
            phrases.append(_Phrase(intent, re.compile(bound + re.escape(norm) + bound), py))
    return tuple(phrases)


def normalise(text: str, lang: str) -> str:
    """Lowercase, drop punctuation (keeping decimal points, $ and apostrophes), and for
    Mandarin convert to simplified characters and fix known ASR slips."""
    text = text.lower().replace("\u2019", "'").replace("\uff0c", ",")
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text)
    if lang == "zh":
        conv = _converter()
        if conv is not None:
            text = conv.convert(text)
        for wrong, right in nlu_rules.ZH_SLIPS.items():
            text = text.replace(wrong, right)
        for pattern, repl in nlu_rules.ZH_SLIP_PATTERNS:
            text = re.sub(pattern, repl, text)
        text = re.sub(r"[^\w.%$]", "", text)
    else:
        text = re.sub(r"[^\w\s'$./%-]", " ", text)
        text = re.sub(r"(?<!\w)'|'(?!\w)", " ", text)
        for pattern, repl in nlu_rules.EN_SLIPS:
            text = re.sub(pattern, repl, text)
    text = re.sub(r"(?<!\d)\.|\.(?!\d)", " " if lang == "en" else "", text)
    text = re.sub(r"(?<!\w)-|-(?!\w)", " ", text)
    return re.sub(r"\s+", " ", text).strip()


_ZH_FILLER = re.compile(rf"[{ZH_NUM_CHARS}.]+|块钱|块|元|钱|吧|啊|呀|嗯|的|还|好|行|那|就|大概|左右|\$")
_EN_FILLER = re.compile(r"\b(?:\d[\d.]*|dollars?|bucks?|and|the|on|by|uh|um|maybe|i guess|ok|okay|"
                        r"how about|about|around|say|actually|make it|let's|do|can|could|we|i|instead|well|so|rather|"
                        r"please|then|maybe|hundred|thousand|[a-z]+teen|[a-z]+ty|one|two|three|"
                        r"four|five|six|seven|eight|nine|ten|eleven|twelve)\b|\$")


def extract_slots(text: str, lang: str, today: date) -> tuple[dict[str, Any], str]:
    """Date first, then amount from what is left, so '15号' is never read as money.

    Also returns what remains once slots and filler are removed: a bare answer like
    "下周五" or "Two hundred, I guess." leaves nothing, while "今天天气不错" does, so only
    the former is taken as a promise.
    """
    day, rest = (zh_date if lang == "zh" else en_date)(text, today)
    amount = (zh_amount if lang == "zh" else en_amount)(rest)
    slots: dict[str, Any] = {}
    if amount is not None:
        slots["amount"] = amount
    if day is not None:
        slots["date"] = day
    filler = _ZH_FILLER if lang == "zh" else _EN_FILLER
    residue = re.sub(r"\s+", " ", filler.sub(" ", rest)).strip()
    return slots, residue


def _score(text: str, lang: str, phrases: Iterable[_Phrase]) -> dict[str, float]:
    scores: dict[str, float] = {}
    syllables: list[str] | None = None
    spaced = ""
    for ph in phrases:
        if ph.regex.search(text):
            scores[ph.intent] = _EXACT
        elif ph.pinyin and scores.get(ph.intent, 0) < _PINYIN:
            if syllables is None:
                syllables = _pinyin(text)
                spaced = f" {' '.join(syllables)} "
            if f" {ph.pinyin} " in spaced:
                scores[ph.intent] = _PINYIN
    if scores:
        return scores
    if lang != "zh":  # typos and slips: key phrases against word windows of equal length
        words = text.split()
        for phrase, intent in nlu_rules.EN_FUZZY.items():
            n = phrase.count(" ") + 1
            windows = [" ".join(words[i:i + n]) for i in range(max(len(words) - n + 1, 0))]
            if windows and process.extractOne(phrase, windows, scorer=fuzz.ratio, score_cutoff=_FUZZY_MIN + 5):
                scores[intent] = _FUZZY
        return scores
    syllables = syllables if syllables is not None else _pinyin(text)
    windows: dict[int, list[str]] = {}
    for ph in phrases:
        if not ph.pinyin or ph.pinyin.count(" ") < 2 or ph.intent in scores:  # 3+ syllables
            continue
        n = ph.pinyin.count(" ") + 1
        if n not in windows:
            windows[n] = [" ".join(syllables[i : i + n]) for i in range(max(len(syllables) - n + 1, 0))]
        if process.extractOne(ph.pinyin, windows[n], scorer=fuzz.ratio, score_cutoff=_FUZZY_MIN):
            scores[ph.intent] = _FUZZY
    return scores


def parse(text: str, lang: str, today: date,
          extra_phrases: Mapping[str, Iterable[str]] | None = None) -> NluResult:
    """Understand one borrower utterance.

    ``extra_phrases`` (intent -> phrases) extends the built-in vocabulary, e.g. from a
    dialogue script's ``phrases:`` section.
    """
    lang = "zh" if lang.startswith("zh") else "en"
    norm = normalise(text, lang)
    if not norm:
        return NluResult("unknown", {}, 0.0, ())
    extra = tuple(sorted((k, tuple(v)) for k, v in (extra_phrases or {}).items()))
    scores = _score(norm, lang, _table(lang, extra))
    slots, residue = extract_slots(norm, lang, today)
    order = {name: i for i, name in enumerate(nlu_rules.PRIORITY)}
    ranked = sorted(scores, key=lambda name: order.get(name, len(order)))
    weak = {"affirm", "deny", "identity_confirmed", "ask_details"}
    bare = bool(ranked) or len(residue) <= (_BARE_ZH if lang == "zh" else _BARE_EN)
    if slots and bare and "promise_to_pay" not in ranked and all(r in weak for r in ranked):
        ranked.insert(0, "promise_to_pay")
        scores["promise_to_pay"] = _SLOTS_ONLY
    if not ranked:
        return NluResult("unknown", slots, 0.0, ())
    if ranked[0] == "already_paid":  # "I paid on Monday": a past date, not a promise
        slots = {}
    return NluResult(ranked[0], slots, scores[ranked[0]], tuple(ranked))


def canonical(res: NluResult) -> tuple[str, float]:
    """The result as a canonical intent with its confidence: the best candidate that is
    canonical; a bare "yes" (affirm) to a cold call is the right party answering, so it
    reads as ``identity_confirmed``; a bare "no" says nothing by itself (``unknown``)."""
    for name in res.candidates:
        if name in CANONICAL:
            return name, (res.confidence if name == res.intent else min(res.confidence, _PINYIN))
    if res.intent == "affirm":
        return "identity_confirmed", min(res.confidence, _SLOTS_ONLY)
    return "unknown", 0.0


def slots_to_json(slots: Mapping[str, Any]) -> dict[str, Any]:
    """JSON-friendly slots: amount as a number (or "full"), date as ISO text."""
    out: dict[str, Any] = {}
    for key, value in slots.items():
        if isinstance(value, Decimal):
            out[key] = int(value) if value == value.to_integral_value() else float(value)
        elif isinstance(value, date):
            out[key] = value.isoformat()
        else:
            out[key] = value
    return out
