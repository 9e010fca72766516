"""Authoring rules beyond validity: what ``dunbot dialog lint`` adds to the loader.

The loader rejects scripts the engine cannot run. These rules reject scripts a
collections manager should not run:

- an intent the recogniser produces that no state (and no global ``on:``) handles, so
  the borrower saying it always ends in "sorry, I didn't catch that";
- a prompt longer than the limit (borrowers hang up on monologues; TTS latency grows);
- a word a collector must never say: threats, insults, impersonating a court or the
  police (the list is ``forbidden.yaml``, both languages, one regex per entry).

Findings come back as ``file:line:column: message`` strings, like the loader's.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from robot.dialogue.loader import Locator, ScriptLoader, load_script_text
from robot.dialogue.nlu import CANONICAL

#: Characters per prompt (template fields counted as written). Mandarin carries about
#: three times the meaning per character, so its limit is lower.
MAX_PROMPT = {"zh": 60, "en": 180}
_NEVER_HANDLED_OK = {"unknown"}


@functools.lru_cache(maxsize=4)
def forbidden(path: str | None = None) -> dict[str, dict[str, re.Pattern[str]]]:
    """category -> lang -> one compiled pattern, from ``forbidden.yaml`` (or ``path``)."""
    text = (Path(path).read_text("utf-8") if path else
            resources.files("robot.dialogue").joinpath("forbidden.yaml").read_text("utf-8"))
    data = yaml.safe_load(text)
    out: dict[str, dict[str, re.Pattern[str]]] = {}
    for category, langs in data.items():
        out[category] = {}
        for lang, words in langs.items():
            bound = r"\b" if lang == "en" else ""
            out[category][lang] = re.compile("|".join(f"{bound}(?:{w}){bound}" for w in words))
    return out


def _prompts(data: dict[str, Any]) -> Iterator[tuple[tuple[Any, ...], str]]:
    """(path, text) of every prompt the robot can say."""
    def items(value: Any, base: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], str]]:
        if value is None:
            return
        if isinstance(value, list):
            for i, p in enumerate(value):
                yield (*base, i), p if isinstance(p, str) else p["text"]
        else:
            yield base, value if isinstance(value, str) else value["text"]

    for kind, retry in (data.get("retries") or {}).items():
        yield from items(retry.get("say"), ("retries", kind, "say"))
    for name, st in data["states"].items():
        st = st or {}
        yield from items(st.get("say"), ("states", name, "say"))
        for kind, retry in (st.get("retries") or {}).items():
            yield from items(retry.get("say"), ("states", name, "retries", kind, "say"))
        for slot, spec in (st.get("slots") or {}).items():
            yield from items((spec or {}).get("ask"), ("states", name, "slots", slot, "ask"))


def lint_text(text: str, filename: str = "<script>", max_prompt: int | None = None,
              forbidden_file: str | None = None) -> list[str]:
    """All authoring findings; raises DialogError first if the script does not load."""
    script = load_script_text(text, filename)
    data = yaml.load(text, Loader=ScriptLoader)  # noqa: S506 - a SafeLoader subclass
    loc = Locator(yaml.compose(text, Loader=ScriptLoader), filename)
    lang = "zh" if script.lang.startswith("zh") else "en"
    limit = max_prompt or MAX_PROMPT[lang]
    problems: list[str] = []

    handled = set(script.on) | {i for st in script.states.values() for i in st.on}
    handled |= {i for st in script.states.values() for i in st.dtmf.values()}
    slot_states = any(st.slots for st in script.states.values())
    for intent in CANONICAL:
        if intent in handled or intent in _NEVER_HANDLED_OK:
            continue
        if intent == "promise_to_pay" and slot_states:
            continue  # a state collecting amount/date takes promises as slot answers
        problems.append(loc.at(("states",), f"intent '{intent}' is never handled: no state and no "
                                            "global on: reacts to it", key=True))
    for intent in script.phrases:
        if intent not in handled:
            problems.append(loc.at(("phrases", intent), f"phrases for '{intent}', which no state handles",
                                   key=True))

    rules = forbidden(forbidden_file)
    for path, prompt in _prompts(data):
        if len(prompt) > limit:
            problems.append(loc.at(path, f"prompt is {len(prompt)} characters, over the limit of "
                                         f"{limit}; split it or say less"))
        low = prompt.lower()
        for category, langs in rules.items():
            m = langs.get(lang) and langs[lang].search(low)
            if m:
                problems.append(loc.at(path, f"forbidden wording ({category}): '{m.group(0)}' "
                                             "must never be said to a borrower"))
    return sorted(set(problems), key=_position)


def lint_file(path: str | Path, **kwargs: Any) -> list[str]:
    p = Path(path)
    from robot.errors import DialogError
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise DialogError(f"cannot read dialogue script: {exc.strerror}", where=str(p)) from exc
    return lint_text(text, str(p), **kwargs)


def _position(problem: str) -> tuple[int, int, str]:
    from robot.dialogue.graph import position
    return position(problem)
