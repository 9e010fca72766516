"""Read and check a call transcript for quality inspection.

Transcripts come from other systems (the robot's own call log, a vendor's ASR with
diarisation, a reviewer's spreadsheet export), so the shape is checked strictly and a
mistake is reported with the JSON path (``$.turns[3].start``) or, for broken JSON, the
line and column - a score computed from a half-understood file would be worse than none.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from robot.errors import InputError
from robot.qa.match import clauses, lead, pauses
from robot.store.models import Turn as StoredTurn

SPEAKERS = ("agent", "robot", "debtor", "third_party")
#: Speakers whose words the institution answers for.
AGENT_SIDE = frozenset({"agent", "robot"})


@dataclass(frozen=True)
class Turn:
    """One speaker turn; ``clauses`` is the normalised text split into clauses."""

    index: int
    speaker: str
    start: float
    end: float
    text: str
    clauses: tuple[str, ...]
    #: Optional: the utterance's loudness (RMS dBFS of its voiced audio), given by
    #: transcripts made from recordings; the shouting rule needs it.
    level_dbfs: float | None = None
    #: Optional: an emotion label (neutral, negative, angry) from the source system.
    emotion: str | None = None
    #: Optional: the speaker was cut off (a robot prompt the borrower talked over); the
    #: text is all they were to say, so it says nothing about how fast they spoke.
    interrupted: bool = False
    #: Mandarin: the pieces between spoken pauses (``match.pauses``); English: none.
    #: Party tracking reads them too, as unpunctuated recogniser output has few clauses.
    pauses: tuple[str, ...] = ()
    #: The reply's first word after fillers (``match.lead``): a bare "yes" at its head.
    lead: str = ""


EMOTIONS = ("neutral", "negative", "angry")


@dataclass(frozen=True)
class Transcript:
    lang: str
    turns: tuple[Turn, ...]


def read_transcript(path: str | Path) -> Transcript:
    """Load a transcript file; errors name the file and the line or JSON path."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read transcript: {exc.strerror}", where=str(p)) from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"transcript is not UTF-8 text (byte {exc.start})", where=str(p)) from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", where=f"{p}:{exc.lineno}:{exc.colno}") from exc
    return parse_transcript(data, str(p))


def parse_transcript(data: Any, source: str = "<transcript>") -> Transcript:
    """Check the shape ``{"lang", "turns": [{"speaker", "start", "end", "text"}]}``.

    Optional per turn: ``level_dbfs`` (loudness, for the shouting rule), ``emotion``
    (neutral/negative/angry) and ``interrupted`` (cut off mid-turn). Keys other than these are allowed (ids, labels, vendor
    metadata) and ignored.
    """
    def fail(path: str, message: str) -> InputError:
        return InputError(f"{path}: {message}", where=source)

    if not isinstance(data, dict):
        raise fail("$", f"expected an object with lang and turns, not {_kind(data)}")
    lang = data.get("lang")
    if lang not in ("zh", "en"):
        raise fail("$.lang", f"expected \"zh\" or \"en\", not {json.dumps(lang, ensure_ascii=False)}")
    raw = data.get("turns")
    if not isinstance(raw, list) or not raw:
        raise fail("$.turns", f"expected a non-empty array of turns, not {_kind(raw)}")
    turns: list[Turn] = []
    for i, t in enumerate(raw):
        at = f"$.turns[{i}]"
        if not isinstance(t, dict):
            raise fail(at, f"expected an object, not {_kind(t)}")
        for key in ("speaker", "start", "end", "text"):
            if key not in t:
                raise fail(at, f"missing \"{key}\"")
        if t["speaker"] not in SPEAKERS:
            raise fail(f"{at}.speaker", f"expected one of {', '.join(SPEAKERS)}, not "
                                        f"{json.dumps(t['speaker'], ensure_ascii=False)}")
        for key in ("start", "end"):
            v = t[key]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0 or v != v:
                raise fail(f"{at}.{key}", f"expected seconds as a number >= 0, not {json.dumps(v)}")
        if t["end"] < t["start"]:
            raise fail(f"{at}.end", f"ends ({t['end']}) before it starts ({t['start']})")
        if turns and t["start"] < turns[-1].start:
            raise fail(f"{at}.start", f"turns must be in order of start time ({t['start']} < "
                                      f"{turns[-1].start} of the previous turn)")
        if not isinstance(t["text"], str):
            raise fail(f"{at}.text", f"expected a string, not {_kind(t['text'])}")
        level = t.get("level_dbfs")
        if level is not None and (isinstance(level, bool) or not isinstance(level, (int, float))
                                  or not -200 <= level <= 0):
            raise fail(f"{at}.level_dbfs", f"expected dBFS as a number from -200 to 0, not {json.dumps(level)}")
        emotion = t.get("emotion")
        if emotion is not None and emotion not in EMOTIONS:
            raise fail(f"{at}.emotion", f"expected one of {', '.join(EMOTIONS)}, not "
                                        f"{json.dumps(emotion, ensure_ascii=False)}")
        cut = t.get("interrupted", False)
        if not isinstance(cut, bool):
            raise fail(f"{at}.interrupted", f"expected true or false, not {json.dumps(cut)}")
        turns.append(Turn(i, t["speaker"], float(t["start"]), float(t["end"]), t["text"],
                          tuple(clauses(t["text"], lang)),
                          None if level is None else float(level), emotion, cut,
                          tuple(pauses(t["text"], lang)), lead(t["text"], lang)))
    return Transcript(lang, tuple(turns))


def stored_turns(turns: Iterable[StoredTurn]) -> list[dict[str, Any]]:
    """The store's turns of a call (robot/store/models.py) in this format, for the live
    scorer and ``qa run`` alike: empty no-input turns left out, a talked-over prompt
    marked ``interrupted``, the caller's emotion label and the live turn levels kept."""
    return [{"speaker": t.speaker, "start": t.start_s, "end": max(t.end_s, t.start_s),
             "text": t.text, **({"emotion": t.emotion} if t.emotion in EMOTIONS else {}),
             **({"interrupted": True} if t.heard_ms is not None else {}),
             **({"level_dbfs": t.level_dbfs} if t.level_dbfs is not None else {})}
            for t in turns if t.text.strip()]  # fmt: skip


def _kind(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean",
            type(None): "null"}.get(type(value), "a number")
