"""Adaptive endpointing: how long a pause ends the caller's turn, given what was said.

A fixed end-of-utterance silence is always wrong for someone: short enough for a crisp
"yes" it cuts a date in half ("next ... Friday"), long enough for the date it adds
dead air after every "yes". The call loop decodes the utterance while the caller pauses
(see ``robot/telephony/call.py``) and asks :func:`end_silence_ms` how long to wait:

* nothing decoded yet -> :data:`DEFAULT_MS`;
* the words look finished ("Yes, speaking.", "I won't pay.") -> :data:`COMPLETE_MS`;
* they stop on a number, a preposition, a conjunction, a filler or a comma ("I can
  pay two hundred on", "下个月5") -> :data:`INCOMPLETE_MS`;
* they are a finished sentence that opens a longer answer -> :data:`OPENING_MS`: a
  bare "No." or a stranger saying who they are ("I'm his wife.", "我是他老婆。").
  Someone who says no, or who is not the person asked for, nearly always goes on to
  say why ("... He is not at home.") after a breath of half a second or more; the
  robot answering into that breath talks over them. The collection NLU tells these
  (intents ``deny`` and ``third_party``) when they stand alone in a few words;
* one word that often starts a longer answer ("Yes," "Sorry," "Okay," "对，") ->
  :data:`PREFACE_MS`: the comma after it is a pause of 160-360 ms in the voices
  measured, longer than :data:`COMPLETE_MS`, and a bare "Yes." still ends well before
  a pause in the middle of a date.

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
#: After a finished sentence that usually opens a longer answer (see the module doc):
#: longer than the ~620 ms breath between two sentences, shorter than a hesitation.
OPENING_MS = 900
#: Intents that open a longer answer when said alone, and what "alone" means.
OPENING_INTENTS = frozenset({"deny", "third_party"})
OPENING_MAX_WORDS = 4
OPENING_MAX_CHARS_ZH = 6
#: After a lone word that often starts a longer answer (see the module doc).
PREFACE_MS = 450
_PREFACE_EN = {"yes", "yeah", "yep", "no", "okay", "ok", "sorry", "well", "hello", "hi",
               "right", "sure", "alright", "oh", "so", "actually", "look", "listen"}
_PREFACE_ZH = set("对好是嗯喂哦行啊")

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


def opens_longer_answer(text: str, lang: str) -> bool:
    """A short finished sentence after which the caller usually explains: "No.",
    "I'm his wife.", "不是。", "我是他老婆。" (but not "No, I won't pay.")."""
    if lang == "zh":
        if len(re.sub(r"[\W_]", "", text)) > OPENING_MAX_CHARS_ZH:
            return False
    elif len(re.findall(r"[A-Za-z0-9']+", text)) > OPENING_MAX_WORDS:
        return False
    from datetime import date

    from robot.dialogue import nlu  # pure; imported here to keep speech free of it otherwise

    # Only the intents matter, not the slots, so any date serves as "today".
    return nlu.parse(text, lang, date(2000, 1, 1)).intent in OPENING_INTENTS


def is_preface(text: str, lang: str) -> bool:
    """One word that may be all of the answer or only its start ("Yes." / "Yes, ...")."""
    if lang == "zh":
        core = re.sub(r"[\W_]", "", text)
        return 0 < len(core) <= 2 and all(ch in _PREFACE_ZH for ch in core)
    words = re.findall(r"[a-z']+", text.lower())
    return len(words) == 1 and words[0] in _PREFACE_EN


def end_silence_ms(partial: str | None, lang: str) -> int:
    """The pause (ms) that ends the turn after the caller said ``partial`` so far."""
    if partial is None:
        return DEFAULT_MS
    verdict = looks_complete(partial, lang)
    if verdict is None:
        return DEFAULT_MS
    if not verdict:
        return INCOMPLETE_MS
    if opens_longer_answer(partial, lang):
        return OPENING_MS
    return PREFACE_MS if is_preface(partial, lang) else COMPLETE_MS


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
