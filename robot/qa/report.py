"""``dunbot qa report``: what QA found over a period, as HTML with charts and as CSV.

Supervisors read it for the shape (how scores spread, which violations dominate, which
agents and agencies need coaching, whether it is getting better); the CSV holds one row
per call for their own spreadsheets. Scores are the ones after reviewers' verdicts and
appeal decisions; the machine's own score is kept beside them.
"""

from __future__ import annotations

import csv
import html
import io
from collections import Counter
from dataclasses import dataclass
from typing import Any

from robot.cases.reportfmt import bar_chart
from robot.store.db import Store

CSV_COLUMNS = ("call_id", "kind", "call_at", "lang", "agent_id", "agency_id", "machine_score",
               "score", "fatal", "codes")  # fmt: skip


@dataclass(frozen=True)
class QaRow:
    call_id: str
    kind: str
    call_at: str
    lang: str
    agent_id: str
    agency_id: str
    machine_score: int
    score: int
    fatal: bool
    codes: tuple[str, ...]  # standing findings' codes
    #: whom each of those findings is about ('robot' for the robot's part of a call it
    #: handed to an agent)
    about: tuple[str, ...] = ()


async def rows(store: Store, since: str, until: str) -> list[QaRow]:
    res = await store.query(
        "SELECT call_id, kind, call_at, lang, agent_id, agency_id, machine_score, score, fatal"
        " FROM qa_results WHERE call_at >= ? AND call_at < ? ORDER BY call_at, call_id",
        (since, until))
    codes: dict[str, list[str]] = {}
    about: dict[str, list[str]] = {}
    for r in await store.query(
            "SELECT f.call_id, f.code, COALESCE(f.about, q.agent_id) FROM qa_findings f"
            " JOIN qa_results q USING (call_id)"
            " WHERE q.call_at >= ? AND q.call_at < ? AND f.status IN ('open', 'confirmed')"
            " ORDER BY f.call_id, f.n", (since, until)):  # fmt: skip
        codes.setdefault(r[0], []).append(r[1])
        about.setdefault(r[0], []).append(r[2])
    return [QaRow(r[0], r[1], r[2], r[3], r[4], r[5], int(r[6]), int(r[7]), bool(r[8]),
                  tuple(codes.get(r[0], ())), tuple(about.get(r[0], ()))) for r in res]  # fmt: skip


def to_csv(data: list[QaRow]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for r in data:
        w.writerow([r.call_id, r.kind, r.call_at, r.lang, r.agent_id, r.agency_id,
                    r.machine_score, r.score, int(r.fatal), " ".join(r.codes)])  # fmt: skip
    return buf.getvalue()


def _bands(data: list[QaRow]) -> list[tuple[str, float]]:
    bands = [("0 (fatal)", 0, 0), ("1-59", 1, 59), ("60-79", 60, 79), ("80-89", 80, 89),
             ("90-99", 90, 99), ("100", 100, 100)]  # fmt: skip
    return [(name, float(sum(lo <= r.score <= hi for r in data))) for name, lo, hi in bands]


def _mean_by(data: list[QaRow], key: Any) -> list[tuple[str, float]]:
    groups: dict[str, list[int]] = {}
    for r in data:
        groups.setdefault(key(r), []).append(r.score)
    return sorted(((k, sum(v) / len(v)) for k, v in groups.items()), key=lambda kv: kv[1])


def to_html(data: list[QaRow], since: str, until: str) -> str:
    """A self-contained page: summary, charts (inline SVG), the fatal calls."""
    codes = Counter(c for r in data for c in set(r.codes))
    days: dict[str, list[int]] = {}
    for r in data:
        days.setdefault(r.call_at[:10], []).append(r.score)
    mean = sum(r.score for r in data) / len(data) if data else 0.0
    fatal = [r for r in data if r.fatal]
    charts = [
        bar_chart("Calls by score", _bands(data)),
        bar_chart("Calls with each violation", sorted(codes.items(), key=lambda kv: -kv[1])),
        bar_chart("Mean score by agent", _mean_by(data, lambda r: r.agent_id), "{:.1f}"),
        bar_chart("Findings by the collector they are about",
                  sorted(Counter(a for r in data for a in r.about).items(), key=lambda kv: -kv[1])),
        bar_chart("Mean score by agency", _mean_by(data, lambda r: r.agency_id or "(bank staff)"),
                  "{:.1f}"),
        bar_chart("Mean score by day (trend)", [(d, sum(v) / len(v)) for d, v in sorted(days.items())],
                  "{:.1f}"),
    ]  # fmt: skip
    fatal_rows = "".join(
        f"<tr><td>{html.escape(r.call_at)}</td><td>{html.escape(r.call_id)}</td>"
        f"<td>{html.escape(r.agent_id)}</td><td>{html.escape(r.agency_id)}</td>"
        f"<td>{html.escape(' '.join(r.codes))}</td></tr>" for r in fatal)  # fmt: skip
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>QA report {html.escape(since)} to {html.escape(until)}</title>"
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:2px 8px}svg{display:block;margin:1em 0}</style>"
        f"</head><body><h1>Quality inspection {html.escape(since)} to {html.escape(until)}</h1>"
        f"<p>{len(data)} calls inspected, mean score {mean:.1f}, {len(fatal)} fatal,"
        f" {sum(1 for r in data if r.codes)} with violations.</p>"
        + "".join(charts)
        + "<h2>Fatal calls</h2><table><tr><th>when</th><th>call</th><th>agent</th>"
        f"<th>agency</th><th>violations</th></tr>{fatal_rows}</table></body></html>"
    )
