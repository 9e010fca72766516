"""Templated prompts rendered in pieces: the fixed words once, the variable words alone.

"Thank you. This is a reminder that your payment of {amount_due} was due on
{due_date}." is said to every borrower with different values. Synthesising the whole
sentence per call puts the TTS on the turn's critical path; instead the template is cut
at its fields, the fixed pieces are rendered once at campaign start (the prompt cache
keeps them on disk), and only the values are synthesised, ahead of time where they are
known (name, amount due, due date are known when the call is dialled).

:class:`TemplateIndex` finds, for a prompt text, the template it came from and the
values that filled it, so the call loop can ask for pieces without the dialogue
having to hand over its templates. Pieces are trimmed of the synthesiser's lead-in and
trailing silence and joined with a short natural gap.

Pure apart from :func:`trim_silence` working on PCM bytes.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

import numpy as np

#: A piece with no word in it is spoken with its neighbour.
_WORDLESS = re.compile(r"^[\W_]*$", re.UNICODE)
#: Punctuation that belongs to the end of the piece before it.
_LEADING = ".,!?;:。，！？；：、"


@dataclass(frozen=True)
class Piece:
    text: str
    variable: bool


def split_template(template: str) -> list[Piece]:
    """Cut a ``str.format`` template into fixed and variable pieces, in order.

    A fixed piece with no word in it ("?", ". ") is glued onto the piece before it, so
    no piece is only punctuation (a synthesiser says nothing, or a click, for "?").
    """
    pieces: list[Piece] = []
    for literal, field, _spec, _conv in string.Formatter().parse(template):
        if literal and pieces:  # ". Is that right?": the full stop ends the value
            lead = len(literal) - len(literal.lstrip(_LEADING))
            if lead:
                prev = pieces.pop()
                pieces.append(Piece(prev.text + literal[:lead], prev.variable))
                literal = literal[lead:]
        if literal:
            if _WORDLESS.match(literal) and pieces:
                prev = pieces.pop()
                pieces.append(Piece(prev.text + literal, prev.variable))
            elif literal.strip():
                pieces.append(Piece(literal, False))
        if field is not None:
            pieces.append(Piece("{" + field + "}", True))
    return pieces


def fill(pieces: list[Piece], values: dict[str, str]) -> list[str]:
    """The texts to synthesise for ``pieces`` with ``values``, stripped, empty ones dropped."""
    out = []
    for p in pieces:
        text = p.text.format_map(values) if p.variable or "{" in p.text else p.text
        text = text.strip()
        if text and not _WORDLESS.match(text):
            out.append(text)
    return out


class TemplateIndex:
    """Templates of a dialogue script, matched back from the prompts they produced."""

    def __init__(self, templates: list[str]) -> None:
        self._entries: list[tuple[re.Pattern[str], list[Piece], list[str]]] = []
        for tpl in sorted(set(templates), key=len, reverse=True):
            pieces = split_template(tpl)
            if not any(p.variable for p in pieces):
                continue
            regex, fields = "", []
            for literal, field, _s, _c in string.Formatter().parse(tpl):
                regex += re.escape(literal)
                if field is not None:
                    regex += f"(?P<f{len(fields)}>.+?)"
                    fields.append(field)
            self._entries.append((re.compile(f"^{regex}$", re.S), pieces, fields))

    def pieces_for(self, text: str) -> list[str] | None:
        """The synthesis pieces of a prompt made from one of the templates, else None."""
        for regex, pieces, fields in self._entries:
            m = regex.match(text)
            if m:
                values = {f: m.group(f"f{i}") for i, f in enumerate(fields)}
                return fill(pieces, values)
        return None


def trim_silence(pcm: bytes, rate: int = 16000, keep_ms: int = 30, floor: int = 200) -> bytes:
    """Drop lead-in and trailing near-silence of a rendered piece, keeping ``keep_ms``."""
    a = np.frombuffer(pcm, dtype="<i2")
    loud = np.flatnonzero(np.abs(a.astype(np.int32)) > floor)
    if loud.size == 0:
        return pcm
    keep = rate * keep_ms // 1000
    lo, hi = max(0, loud[0] - keep), min(len(a), loud[-1] + keep)
    return a[lo:hi].tobytes()
