"""Benchmark: intent accuracy, slot exact-match and speed of the collection NLU.

Runs every labelled utterance of ``bench/nlu_corpus/*.yaml`` through the same function
``dunbot nlu parse`` uses (``parse`` then ``canonical``), each against its own reference
day, and prints:

- intent accuracy, overall, per language and per tag (``asr``, ``trad``);
- slot exact-match over the items where slots were labelled or recognised (the whole
  slot set must equal the label: amount and date, nothing missing, nothing extra);
- milliseconds per utterance (median of ``--repeat`` passes over the corpus);
- the confusion pairs (expected -> got) and each miss.

The last line is one JSON object with ``intent_accuracy``, ``slot_exact_match`` and
``ms_per_utterance``; the goal is >= 0.95, >= 0.95 and < 5 ms.

    .venv/bin/python bench/nlu_accuracy.py [--corpus DIR] [--repeat 5] [--quiet]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from robot.dialogue.nlu import CANONICAL, canonical, parse, slots_to_json  # noqa: E402

CORPUS = Path(__file__).resolve().parent / "nlu_corpus"


def load(folder: Path) -> list[dict[str, Any]]:
    """Every item of every corpus file, with its language and source position."""
    items: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text("utf-8"))
        for i, item in enumerate(doc["items"]):
            if item["intent"] not in CANONICAL:
                raise SystemExit(f"{path.name} item {i + 1}: unknown intent {item['intent']!r}")
            items.append({**item, "lang": doc["lang"], "where": f"{path.name}#{i + 1}",
                          "slots": expected_slots(item.get("slots") or {})})
    return items


def expected_slots(slots: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in slots.items():
        if isinstance(value, date):
            out[key] = value.isoformat()
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            out[key] = slots_to_json({key: Decimal(str(value))})[key]
        else:
            out[key] = value
    return out


def run(items: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for it in items:
        res = parse(it["text"], it["lang"], it["today"])
        out.append((canonical(res)[0], slots_to_json(res.slots)))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--quiet", action="store_true", help="no per-item misses")
    args = ap.parse_args()

    items = load(args.corpus)
    run(items)  # warm-up: phrase tables, OpenCC and pypinyin load once per process
    timings, results = [], []
    for _ in range(max(args.repeat, 1)):
        t0 = time.perf_counter()
        results = run(items)
        timings.append((time.perf_counter() - t0) * 1000 / len(items))
    ms = statistics.median(timings)

    groups: dict[str, list[bool]] = defaultdict(list)
    slot_hits: list[bool] = []
    confusion: Counter[tuple[str, str]] = Counter()
    misses: list[str] = []
    for it, (intent, slots) in zip(items, results):
        ok = intent == it["intent"]
        for g in ["all", it["lang"], *(it.get("tags") or [])]:
            groups[g].append(ok)
        if not ok:
            confusion[(it["intent"], intent)] += 1
        slot_ok = slots == it["slots"]
        if it["slots"] or slots:
            slot_hits.append(slot_ok)
        if not ok or not slot_ok:
            misses.append(f"  {it['where']} [{it['lang']}] {it['text']!r}: expected {it['intent']} "
                          f"{json.dumps(it['slots'], ensure_ascii=False)}, got {intent} "
                          f"{json.dumps(slots, ensure_ascii=False)}")

    print(f"NLU corpus: {len(items)} utterances from {args.corpus}")
    print(f"{'subset':<8} {'items':>6} {'intent acc':>11}")
    for g in ("all", "zh", "en", "asr", "trad", "whisper", "heldout"):
        if groups.get(g):
            print(f"{g:<8} {len(groups[g]):>6} {sum(groups[g]) / len(groups[g]):>11.3f}")
    slot_acc = sum(slot_hits) / len(slot_hits) if slot_hits else 1.0
    print(f"slot exact-match: {sum(slot_hits)}/{len(slot_hits)} = {slot_acc:.3f} "
          "(items with labelled or recognised slots)")
    print(f"speed: {ms:.3f} ms per utterance (median of {len(timings)} passes)")
    print("confusion pairs (expected -> got):" + ("" if confusion else " none"))
    for (exp, got), n in confusion.most_common():
        print(f"  {exp} -> {got}: {n}")
    if misses and not args.quiet:
        print("misses:")
        print("\n".join(misses))
    intent_acc = sum(groups["all"]) / len(groups["all"])
    print(json.dumps({"intent_accuracy": round(intent_acc, 4), "slot_exact_match": round(slot_acc, 4),
                      "ms_per_utterance": round(ms, 3), "items": len(items)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
