"""Report rows, CSV and an HTML page with inline SVG charts: pure, no store.

Rates (docs/reports.md): contact = contacts / attempts; right-party contact = rpc /
attempts; PTP = promises / right-party contacts; PTP kept = kept / promises judged;
recovery = recovered / the dimension's base balance.
"""

from __future__ import annotations

import csv
import html
import io
from dataclasses import dataclass
from datetime import date

from robot.cases.money import minor_text
from robot.cases.report import Bases, Counts, Key

COLUMNS = ("period", "dimension", "name", "attempts", "contacts", "contact_rate", "rpc",
           "rpc_rate", "ptp", "ptp_rate", "ptp_judged", "ptp_kept", "ptp_kept_rate",
           "recovered", "recovery_rate")  # fmt: skip


def period_of(day: str, weekly: bool) -> str:
    if not weekly:
        return day
    y, w, _ = date.fromisoformat(day).isocalendar()
    return f"{y}-W{w:02d}"


def rate(n: int, d: int) -> float | None:
    return n / d if d else None


@dataclass(frozen=True)
class Row:
    period: str
    dimension: str
    name: str
    c: Counts
    base_minor: int

    def cells(self) -> dict[str, str]:
        c = self.c
        return {
            "period": self.period, "dimension": self.dimension, "name": self.name,
            "attempts": str(c.attempts), "contacts": str(c.contacts),
            "contact_rate": _pct(rate(c.contacts, c.attempts)), "rpc": str(c.rpc),
            "rpc_rate": _pct(rate(c.rpc, c.attempts)), "ptp": str(c.ptp),
            "ptp_rate": _pct(rate(c.ptp, c.rpc)), "ptp_judged": str(c.ptp_judged),
            "ptp_kept": str(c.ptp_kept), "ptp_kept_rate": _pct(rate(c.ptp_kept, c.ptp_judged)),
            "recovered": minor_text(c.recovered_minor),
            "recovery_rate": _pct(rate(c.recovered_minor, self.base_minor)),
        }  # fmt: skip


def _pct(x: float | None) -> str:
    return "" if x is None else f"{x:.4f}"


def rollup(days: dict[Key, Counts], bases: Bases, weekly: bool) -> list[Row]:
    """Per-day counts summed into days or ISO weeks, sorted by period, dimension, name."""
    acc: dict[Key, Counts] = {}
    for (day, dim, name), c in days.items():
        acc.setdefault((period_of(day, weekly), dim, name), Counts()).add(c)
    return [Row(p, d, n, c, bases.get((d, n), 0)) for (p, d, n), c in sorted(acc.items())]


def to_csv(rows: list[Row]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(r.cells() for r in rows)
    return buf.getvalue()


def rolls_csv(rolls: list[tuple[str, str, int, int]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["day", "bucket", "accounts", "rolled", "roll_rate"])
    for day, bucket, n, rolled in rolls:
        w.writerow([day, bucket, n, rolled, _pct(rate(rolled, n))])
    return buf.getvalue()


# -- HTML -----------------------------------------------------------------------------


def bar_chart(title: str, bars: list[tuple[str, float]], fmt: str = "{:.0f}",
              width: int = 640, bar_h: int = 18) -> str:  # fmt: skip
    """Horizontal bars as an inline SVG; values scaled to the largest."""
    top = max((v for _, v in bars), default=0) or 1
    h = 28 + bar_h * len(bars) + 6 * len(bars)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{h}"'
             f' role="img" aria-label="{html.escape(title)}">',
             f'<text x="0" y="16" font-size="14" font-weight="bold">{html.escape(title)}</text>']
    for i, (label, v) in enumerate(bars):
        y = 28 + i * (bar_h + 6)
        w = int((width - 260) * v / top)
        parts.append(f'<text x="0" y="{y + 13}" font-size="12">{html.escape(label)}</text>'
                     f'<rect x="180" y="{y}" width="{w}" height="{bar_h}" fill="#3b73b9"/>'
                     f'<text x="{186 + w}" y="{y + 13}" font-size="12">'
                     f'{html.escape(fmt.format(v))}</text>')  # fmt: skip
    parts.append("</svg>")
    return "".join(parts)


def to_html(title: str, rows: list[Row], rolls: list[tuple[str, str, int, int]]) -> str:
    by_name: dict[str, Counts] = {}
    for r in rows:
        by_name.setdefault(f"{r.dimension} {r.name}", Counts()).add(r.c)
    charts = [
        bar_chart("Amount recovered", [(k, c.recovered_minor / 100) for k, c in by_name.items()],
                  "{:,.2f}"),
        bar_chart("Right-party contact rate", [(k, rate(c.rpc, c.attempts) or 0.0)
                                               for k, c in by_name.items()], "{:.1%}"),
        bar_chart("PTP kept rate", [(k, rate(c.ptp_kept, c.ptp_judged) or 0.0)
                                    for k, c in by_name.items()], "{:.1%}"),
    ]  # fmt: skip
    latest = max((d for d, *_ in rolls), default=None)
    if latest:
        charts.append(bar_chart(f"Roll rate by bucket on {latest}",
                                [(b, rate(r, n) or 0.0) for d, b, n, r in rolls if d == latest],
                                "{:.1%}"))  # fmt: skip
    head = "".join(f"<th>{c}</th>" for c in COLUMNS)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in r.cells().values())
                   + "</tr>" for r in rows)  # fmt: skip
    roll_body = "".join(f"<tr><td>{d}</td><td>{html.escape(b)}</td><td>{n}</td><td>{r}</td>"
                        f"<td>{_pct(rate(r, n))}</td></tr>" for d, b, n, r in rolls)  # fmt: skip
    return (
        "<!doctype html><html><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(title)}</title><style>body{{font-family:sans-serif}}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;"
        "font-size:12px}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>{''.join(f'<div>{c}</div>' for c in charts)}"
        f"<h2>Figures</h2><table><tr>{head}</tr>{body}</table>"
        "<h2>Roll rates</h2><table><tr><th>day</th><th>bucket</th><th>accounts</th>"
        f"<th>rolled</th><th>roll_rate</th></tr>{roll_body}</table></body></html>\n"
    )
