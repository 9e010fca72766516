"""Build small transcripts for the QA tests: compliant openings plus the turns under test."""

from __future__ import annotations

from typing import Any

# Openings with their own times, spoken at an ordinary pace, over by 8.5 s (zh) / 10 s (en).
ZH_OPEN = [("agent", "您好，这里是华信银行信用卡中心，工号2256，本次通话将被录音。请问是张伟先生本人吗？", 0.5, 7.5),
           ("debtor", "是我。", 7.8, 8.5)]
EN_OPEN = [("agent", "Hi, this is Kevin from First River Bank, agent ID 2231. This call is recorded. "
                     "Is this Robert Hill?", 0.5, 5.5),
           ("debtor", "Yes, this is Robert.", 5.8, 6.5),
           ("agent", "This is an attempt to collect a debt and any information obtained will be "
                     "used for that purpose.", 6.5, 10.5)]
OPEN = {"zh": ZH_OPEN, "en": EN_OPEN}


def said_in(text: str, lang: str) -> float:
    """How long a turn takes at an ordinary pace (4.5 characters or 2.5 words a second),
    at least 3 s, so no test call trips the fast-speech rule by accident."""
    units = len(text) if lang == "zh" else len(text.split())
    return max(3.0, units / (4.5 if lang == "zh" else 2.5))


def call(lang: str, *turns: tuple[Any, ...], opening: bool = True) -> dict[str, Any]:
    """Turns are ``(speaker, text)`` (at an ordinary pace, 0.5 s apart) or ``(speaker,
    text, start, end)``; the compliant opening of ``lang`` goes first unless ``opening=False``."""
    out: list[dict[str, Any]] = []
    t = 0.0
    for turn in [*(OPEN[lang] if opening else []), *turns]:
        speaker, text, *times = turn
        start, end = (times[0], times[1]) if times else (t + 0.5, t + 0.5 + said_in(text, lang))
        out.append({"speaker": speaker, "start": start, "end": end, "text": text})
        t = end
    return {"lang": lang, "turns": out}
