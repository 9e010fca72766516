"""Build small transcripts for the QA tests: compliant openings plus the turns under test."""

from __future__ import annotations

from typing import Any

ZH_OPEN = [("agent", "您好，这里是华信银行信用卡中心，工号2256，本次通话将被录音。请问是张伟先生本人吗？"),
           ("debtor", "是我。")]
EN_OPEN = [("agent", "Hi, this is Kevin from First River Bank, agent ID 2231. This call is recorded. "
                     "Is this Robert Hill?"),
           ("debtor", "Yes, this is Robert."),
           ("agent", "This is an attempt to collect a debt and any information obtained will be "
                     "used for that purpose.")]
OPEN = {"zh": ZH_OPEN, "en": EN_OPEN}


def call(lang: str, *turns: tuple[Any, ...], opening: bool = True) -> dict[str, Any]:
    """Turns are ``(speaker, text)`` (3 s each, 0.5 s apart) or ``(speaker, text, start,
    end)``; the compliant opening of ``lang`` goes first unless ``opening=False``."""
    out: list[dict[str, Any]] = []
    t = 0.0
    for turn in [*(OPEN[lang] if opening else []), *turns]:
        speaker, text, *times = turn
        start, end = (times[0], times[1]) if times else (t + 0.5, t + 3.5)
        out.append({"speaker": speaker, "start": start, "end": end, "text": text})
        t = end
    return {"lang": lang, "turns": out}
