"""Benchmark: accuracy of transcript quality inspection on the labelled call set.

Runs the real scorer (shipped rule sets) over every call in ``bench/qa_data`` - the
development set and, in sub-folders, the held-out sets (see ``qa_data/README.md``) -
and compares the violation codes it finds with the codes a reviewer labelled, call by
call. Prints precision and recall per code for all calls, per set (``--by-set``) and
per language (``--by-lang``), the calls it got wrong with ``-v``, and, as the last line,
one JSON object: ``min_precision``/``min_recall`` over all calls, the newest held-out set's
figures under its own name (``"newest_holdout": "holdout6", "holdout6": {...}``), and
every set's table under ``sets``. ``--sets`` scores only some sets, so rules can be
revised on the older sets while the newest stays unread.

The development set is the one the rules were written against, so its figures are an
upper bound; the held-out set scored last is the estimate for new calls.

    .venv/bin/python bench/qa_accuracy.py [-v] [--by-set] [--by-lang]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from robot.qa.score import CODES, QaResult, score_transcript  # noqa: E402
from robot.qa.transcript import read_transcript  # noqa: E402

DATA = Path(__file__).resolve().parent / "qa_data"
Key = tuple[str, str, str]  # set, lang, code


def ratio(num: int, den: int) -> float:
    """A code never predicted has nothing wrong to report: precision 1.0 (likewise
    recall for a code never expected). The table shows the counts next to it."""
    return round(num / den, 3) if den else 1.0


def table(title: str, counts: dict[str, Counter[Key]], keep: Callable[[Key], bool],
          show: bool = True) -> dict[str, dict[str, float | int]]:
    if show:
        print(f"\n{title}")
        print(f"{'code':30s} {'TP':>4s} {'FP':>4s} {'FN':>4s} {'precision':>10s} {'recall':>8s}")
    rows: dict[str, dict[str, float | int]] = {}
    for code in CODES:
        t, p, n = (sum(v for k, v in counts[x].items() if k[2] == code and keep(k))
                   for x in ("tp", "fp", "fn"))
        if t + p + n == 0:
            continue
        rows[code] = {"tp": t, "fp": p, "fn": n, "precision": ratio(t, t + p), "recall": ratio(t, t + n)}
        if show:
            print(f"{code:30s} {t:4d} {p:4d} {n:4d} {rows[code]['precision']:10.3f} {rows[code]['recall']:8.3f}")
    return rows


def summary(rows: dict[str, dict[str, float | int]]) -> dict[str, object]:
    return {"min_precision": min(r["precision"] for r in rows.values()),
            "min_recall": min(r["recall"] for r in rows.values()),
            "per_code": {c: {"precision": r["precision"], "recall": r["recall"]} for c, r in rows.items()}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(DATA), help="folder of labelled calls (*.json, recursive)")
    ap.add_argument("-v", "--verbose", action="store_true", help="list every wrong call")
    ap.add_argument("--by-set", action="store_true", help="also print a table per set")
    ap.add_argument("--by-lang", action="store_true", help="also print a table per language")
    ap.add_argument("--sets", help="comma-separated sets to score (dev, holdout, holdout2...); "
                                    "default all. Leave out a held-out set while revising rules so "
                                    "its misses cannot steer the revision")
    args = ap.parse_args()
    files = sorted(Path(args.data).rglob("*.json"))
    if args.sets:
        keep = set(args.sets.split(","))
        files = [f for f in files if ("dev" if f.parent.name == "qa_data" else f.parent.name) in keep]
    counts: dict[str, Counter[Key]] = {"tp": Counter(), "fp": Counter(), "fn": Counter()}
    calls: Counter[tuple[str, str]] = Counter()
    exact: Counter[str] = Counter()
    wrong: list[tuple[str, list[str], list[str], QaResult]] = []
    t0 = time.perf_counter()
    for f in files:
        name = "dev" if f.parent.name == "qa_data" else f.parent.name
        expected = set(json.loads(f.read_text("utf-8")).get("expected", []))
        tr = read_transcript(f)
        calls[(name, tr.lang)] += 1
        result = score_transcript(tr)
        got = result.codes()
        for kind, codes in (("tp", got & expected), ("fp", got - expected), ("fn", expected - got)):
            for code in codes:
                counts[kind][(name, tr.lang, code)] += 1
        if got == expected:
            exact[name] += 1
        else:
            wrong.append((f"{name}/{f.stem}", sorted(expected - got), sorted(got - expected), result))
    elapsed = time.perf_counter() - t0

    sets = sorted({s for s, _ in calls}, key=lambda s: (s != "dev", s))
    langs = sorted({lang for _, lang in calls})
    print(f"{len(files)} calls, {elapsed * 1000 / max(1, len(files)):.1f} ms per call; "
          f"{len(files) - len(wrong)} scored exactly as labelled")
    per_set = {}
    for s in sets:
        rows = table(f"set {s}", counts, lambda k, s=s: k[0] == s, show=args.by_set)
        per_set[s] = {"calls": sum(n for (x, _), n in calls.items() if x == s), "exact": exact[s],
                      **summary(rows)}
        print(f"  set {s:9s} {per_set[s]['calls']:4d} calls ({', '.join(f'{calls[(s, g)]} {g}' for g in langs)}), "
              f"{exact[s]:4d} exact, min precision {per_set[s]['min_precision']:.3f}, "
              f"min recall {per_set[s]['min_recall']:.3f}")
    rows = table("all calls", counts, lambda k: True)
    if args.by_lang:
        for lang in langs:
            table(f"{lang} only", counts, lambda k, lang=lang: k[1] == lang)
    if args.verbose and wrong:
        print("\nwrong calls (missed / extra):")
        for name, missed, extra, result in wrong:
            print(f"  {name}: missed {missed} extra {extra}")
            for v in result.violations:
                if v.code in extra:
                    print(f"      {v.code} turn {v.turn_index}: {v.evidence}")
    held = [s for s in sets if s.startswith("holdout")]
    newest = max(held, key=lambda s: int(s[7:] or 1)) if held else None
    latest = ({"newest_holdout": newest, newest: {k: per_set[newest][k] for k in
                                                  ("calls", "exact", "min_precision", "min_recall")}}
              if newest else {})
    print(json.dumps({"calls": len(files), "exact_calls": len(files) - len(wrong), **summary(rows),
                      **latest, "sets": per_set}))


if __name__ == "__main__":
    main()
