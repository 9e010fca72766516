"""A picture of a dialogue script's state machine (Graphviz DOT, rendered by ``dot``).

Reviewers and collection managers read the flow, not the YAML: one box per state
(final states as double octagons coloured by outcome, the start state bold), one arrow
per transition labelled with the intent and its ``when:`` guard, dashed arrows for
``next:``/``then:``, dotted ones for retry escalations, and a "(any state)" node for the
script-wide ``on:`` handlers.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from robot.dialogue.model import Condition, Script, Transition
from robot.errors import InputError

_OUTCOME_COLOUR = {"ptp": "palegreen", "already_paid": "palegreen", "callback": "lightyellow",
                   "transfer": "lightblue", "hardship": "lightyellow", "no_contact": "lightgrey",
                   "stop_calling": "lightpink", "refused": "lightpink", "dispute": "lightpink",
                   "wrong_number": "lightgrey", "third_party": "lightgrey"}


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _guard(cond: Condition | None) -> str:
    if cond is None:
        return ""
    parts = []
    if cond.emotion:
        parts.append("/".join(cond.emotion) + (f" x{cond.turns}" if cond.turns > 1 else ""))
    parts += [f"{k}={'/'.join(map(str, v))}" for k, v in cond.account.items()]
    return " [" + ", ".join(parts) + "]"


def _label(intent: str, t: Transition) -> str:
    extra = f"\\n→ {t.action.kind}" if t.action else ""
    return intent + _guard(t.when) + extra


def to_dot(script: Script) -> str:
    lines = [f"digraph {_q(script.name)} {{", "  rankdir=LR;",
             '  node [shape=box, style="rounded,filled", fillcolor=white, fontname="Noto Sans CJK SC,sans-serif"];',
             '  edge [fontname="sans-serif", fontsize=10];',
             f'  label={_q(f"{script.name} ({script.lang})")}; labelloc=t;']
    for name, st in script.states.items():
        attrs = []
        if st.final:
            label = _q(f"{name}\n[{st.outcome}]")
            attrs += ["shape=doubleoctagon", f"fillcolor={_OUTCOME_COLOUR.get(st.outcome or '', 'white')}",
                      f"label={label}"]
        if name == script.start:
            attrs += ["penwidth=2.5"]
        lines.append(f"  {_q(name)}" + (f" [{', '.join(attrs)}]" if attrs else "") + ";")
    for name, st in script.states.items():
        for intent, options in st.on.items():
            for t in options:
                lines.append(f"  {_q(name)} -> {_q(t.goto)} [label={_q(_label(intent, t))}];")
        for digit, intent in st.dtmf.items():
            lines.append(f"  {_q(name)} -> {_q(name)} [label={_q(f'DTMF {digit} = {intent}')}, style=dotted];")
        if st.next:
            lines.append(f"  {_q(name)} -> {_q(st.next)} [style=dashed];")
        if st.then:
            slots = ", ".join(s.name for s in st.slots)
            lines.append(f"  {_q(name)} -> {_q(st.then)} [style=dashed, label={_q(f'{slots} filled')}];")
        for kind, retry in st.retries.items():
            if retry.goto:
                lines.append(f"  {_q(name)} -> {_q(retry.goto)} [style=dotted, label={_q(f'{kind} > {retry.max}')}];")
    if script.on or any(r.goto for r in script.retries.values()):
        lines.append('  "(any state)" [shape=ellipse, style=dashed];')
        for intent, options in script.on.items():
            for t in options:
                lines.append(f'  "(any state)" -> {_q(t.goto)} [label={_q(_label(intent, t))}];')
        for kind, retry in script.retries.items():
            if retry.goto:
                lines.append(f'  "(any state)" -> {_q(retry.goto)} [style=dotted, label={_q(f"{kind} > {retry.max}")}];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(script: Script, out: str | Path) -> Path:
    """Write the picture; the format follows the suffix (.svg, .png, or .dot for the source)."""
    out = Path(out)
    fmt = out.suffix.lstrip(".").lower()
    dot_text = to_dot(script)
    if fmt in ("dot", "gv"):
        out.write_text(dot_text, "utf-8")
        return out
    if fmt not in ("svg", "png", "pdf"):
        raise InputError(f"{out}: unknown picture format '.{fmt}' (use .svg, .png, .pdf or .dot)")
    exe = shutil.which("dot")
    if exe is None:
        raise InputError("Graphviz 'dot' is not installed (apt-get install graphviz, "
                         "or write .dot and render it elsewhere)")
    proc = subprocess.run([exe, f"-T{fmt}", "-o", str(out)], input=dot_text.encode("utf-8"),
                          capture_output=True, timeout=60, check=False)
    if proc.returncode != 0:
        raise InputError(f"dot failed: {proc.stderr.decode('utf-8', 'replace').strip()}")
    return out
