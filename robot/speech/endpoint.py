"""Adaptive endpointing: how long a pause ends the caller's turn, given what was said.

A fixed end-of-utterance silence is always wrong for someone: short enough for a crisp
"yes" it cuts a date in half ("next ... Friday"), long enough for the date it adds
dead air after every "yes". The call loop decodes the utterance while the caller pauses
(see ``robot/telephony/call.py``) and asks :func:`end_silence_ms` how long to wait:

* nothing decoded yet -> :data:`DEFAULT_MS`;
* the words look finished ("Yes, speaking.", "I won't pay.") -> :data:`COMPLETE_MS`;
* they stop on a number, a preposition, a conjunction, a filler or a comma ("I can
  pay two hundred on", "下个月5") -> :data:`INCOMPLETE_MS`.

Pure: no I/O, no clock.
"""

from __future__ import annotations

import re

#: Before any partial result: a middle ground.
DEFAULT_MS = 600
#: After an utterance that reads as complete.
COMPLETE_MS = 300
#: After an utterance that stops where more obviously follows.
INCOMPLETE_MS = 1000

_EN_OPEN = {
    # prepositions, conjunctions, articles, auxiliaries and fillers that rarely end a turn
    "a", "an", "and", "at", "about", "around", "before", "but", "by", "for", "from", "in",
    "is", "of", "on", "or", "so", "than", "the", "to", "until", "with", "next", "this",
    "my", "your", "can", "could", "will", "would", "i", "i'm", "it's", "uh", "um", "er",
    "erm", "hmm", "like", "maybe", "pay", "paying", "be", "then", "only", "just",
    "want", "need", "going", "have",
    # number words: "two hundred" may go on ("... and fifty")
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
    "eighteen", "nineteen", "twenty", "thirty", "forty", "fifty", "sixty", "seventy",
    "eighty", "ninety", "hundred", "thousand", "million",
    # months are followed by the day
    "january", "february", "march", "april", "may", "june", "july", "august",
    "september", "october", "november", "december",
}
#: Characters after which a Mandarin utterance usually continues.
_ZH_OPEN = set("零一二两三四五六七八九十百千万亿0123456789在到和跟给于月周星期礼拜个那这就再等嗯呃啊")
_TRAIL_PUNCT = ".!?。！？"
#: "... pay" goes on ("I can pay ... on Friday") unless it was a refusal ("I won't pay").
_NEGATIONS = {"not", "won't", "can't", "cannot", "don't", "never", "wont", "cant", "dont"}


def looks_complete(text: str, lang: str) -> bool | None:
    """True when ``text`` reads as a finished turn, False when it stops mid-phrase,
    None when there is nothing to judge."""
    text = text.strip()
    if not text:
        return None
    if text[-1] in ",，、;；:：-—…":
        return False
    core = text.rstrip(_TRAIL_PUNCT + " \"'")
    if not core:
        return None
    if lang == "zh":
        return core[-1] not in _ZH_OPEN
    if core[-1].isdigit():
        return False
    last = re.findall(r"[A-Za-z']+", core.lower())
    if not last:
        return None
    if last[-1] in ("pay", "paying") and any(w in _NEGATIONS for w in last[-4:-1]):
        return True
    return last[-1] not in _EN_OPEN


def end_silence_ms(partial: str | None, lang: str) -> int:
    """The pause (ms) that ends the turn after the caller said ``partial`` so far."""
    if partial is None:
        return DEFAULT_MS
    verdict = looks_complete(partial, lang)
    if verdict is None:
        return DEFAULT_MS
    return COMPLETE_MS if verdict else INCOMPLETE_MS


_BACKCHANNEL_EN = {"uh", "huh", "uh-huh", "uhhuh", "mhm", "mm", "mmm", "hmm", "mm-hmm", "um",
                   "yeah", "yes", "yep", "ok", "okay", "right", "sure", "ah", "oh", "i", "see",
                   "alright", "got", "it", "aha"}
_BACKCHANNEL_ZH = set("嗯哦噢对好是啊呃唔恩行")


def is_backchannel(text: str, lang: str) -> bool:
    """Did the caller only acknowledge ("uh-huh", "okay", "嗯", "对对") or make a noise
    the recogniser could not put words to? Then talking over the robot is no barge-in."""
    if lang == "zh":
        core = re.sub(r"[\W_]", "", text)
        return len(core) <= 3 and all(ch in _BACKCHANNEL_ZH for ch in core)
    words = re.findall(r"[a-z'-]+", text.lower())
    return len(words) <= 2 and all(w in _BACKCHANNEL_EN for w in words)
