"""Build the labelled QA transcript set (``bench/qa_data/*.json``) from ``src/*.txt``.

The calls are written by hand in a compact text form (see the header of ``src/zh.txt``)
because a reviewer reads and labels a transcript, not a JSON document; this script only
adds what a transcriber would get from the audio: start/end times. Turn length follows a
typical speaking rate (4.5 Mandarin characters or 2.6 English words per second) with a
0.6 s pause between turns unless a timing mark says otherwise, so the timing rules are
exercised by the marks written next to the turns that need them.

    .venv/bin/python bench/qa_data/make_corpus.py
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
SPEAKERS = {"R": "robot", "A": "agent", "D": "debtor", "T": "third_party"}
GAP_S, FIRST_S = 0.6, 0.3
_TURN = re.compile(r"^(?:(?P<mark>[~^@])(?P<sec>\d+(?:\.\d+)?)\s+)?(?P<spk>[RADT]):\s*(?P<text>.+)$")


@dataclass
class Call:
    """One hand-written call with its expected violation codes."""

    id: str
    about: str
    lang: str
    expected: list[str] = field(default_factory=list)
    turns: list[dict[str, object]] = field(default_factory=list)
    _end: float = 0.0

    def add(self, mark: str | None, sec: float, speaker: str, text: str) -> None:
        if mark == "@":
            start = sec
        elif mark == "~":
            start = self._end + sec
        elif mark == "^":
            start = self._end - sec
        else:
            start = self._end + GAP_S if self.turns else FIRST_S
        end = start + duration(text, self.lang)
        self.turns.append({"speaker": SPEAKERS[speaker], "start": round(start, 2),
                           "end": round(end, 2), "text": text})
        self._end = end

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, "about": self.about, "lang": self.lang,
                "expected": self.expected, "turns": self.turns}


def duration(text: str, lang: str) -> float:
    """Seconds a turn takes at a typical speaking rate."""
    if lang == "zh":
        return max(0.8, len(re.findall(r"\w", text)) / 4.5)
    return max(0.8, len(text.split()) / 2.6)


def parse(text: str, lang: str, source: str) -> list[Call]:
    calls: list[Call] = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or (line.startswith("#") and not line.startswith("## ")):
            continue
        if line.startswith("## "):
            ident, _, about = line[3:].partition(" ")
            calls.append(Call(ident, about.strip(), lang))
        elif line.startswith("expect:"):
            codes = [c.strip() for c in line[7:].split(",") if c.strip() not in ("", "-")]
            calls[-1].expected = sorted(codes)
        elif m := _TURN.match(line):
            calls[-1].add(m["mark"], float(m["sec"] or 0), m["spk"], m["text"].strip())
        else:
            raise SystemExit(f"{source}:{n}: cannot read {line!r}")
    return calls


def main() -> None:
    """``src/{lang}.txt`` -> ``*.json``; ``src/holdout_{lang}.txt`` -> ``holdout/*.json``
    and so on for every ``holdoutN_`` pair (calls written after the rules were frozen,
    kept apart so their first score stays an honest estimate; see README.md)."""
    names = sorted(p.name[:-len("zh.txt")] for p in (HERE / "src").glob("holdout*_zh.txt"))
    sets = [("", HERE)] + [(prefix, HERE / prefix.rstrip("_")) for prefix in names]
    for prefix, folder in sets:
        folder.mkdir(exist_ok=True)
        for old in folder.glob("*.json"):
            old.unlink()
        total = 0
        for lang in ("zh", "en"):
            src = HERE / "src" / f"{prefix}{lang}.txt"
            for call in parse(src.read_text("utf-8"), lang, str(src)):
                out = folder / f"{call.id}.json"
                out.write_text(json.dumps(call.to_json(), ensure_ascii=False, indent=1) + "\n", "utf-8")
                total += 1
        print(f"wrote {total} calls to {folder}")


if __name__ == "__main__":
    main()
