"""Load a dialogue script from YAML with errors that point at file:line:column.

Scripts are written by collection-operations staff, not programmers, so every mistake
must name the place and say what was expected. Three stages, each reporting all of its
errors at once (one per line) before the next stage runs:

1. YAML syntax (the parser's own position);
2. the JSON Schema ``dialog.schema.json`` (positions come from ``yaml.compose`` nodes);
3. graph rules: the start state exists, every state is reachable, every non-final
   state has a way out, every target exists, final states carry an outcome, intents and
   template fields are known.
"""

from __future__ import annotations

import functools
import json
import re
import string
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from robot.dialogue import graph
from robot.errors import DialogError
from robot.dialogue.model import Script

Path_ = tuple[Any, ...]


class ScriptLoader(yaml.SafeLoader):
    """YAML 1.2 booleans: only true/false. Under YAML 1.1 the key ``on:`` (used for
    every transition table) and answers like ``yes``/``no`` in phrase lists would
    silently become booleans."""


ScriptLoader.yaml_implicit_resolvers = {
    first: [r for r in resolvers if r[0] != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
ScriptLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


@functools.lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    """The published JSON Schema of dialogue scripts."""
    text = resources.files("robot.dialogue").joinpath("dialog.schema.json").read_text("utf-8")
    return json.loads(text)


def load_script(path: str | Path) -> Script:
    """Read, validate and build a script; raise DialogError naming file:line:column."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise DialogError(f"cannot read dialogue script: {exc.strerror}", where=str(p)) from exc
    return load_script_text(text, str(p))


def shipped_script(name: str) -> Script:
    """Load a script shipped in ``robot/dialogs`` by name, e.g. ``m0_reminder_en``."""
    ref = resources.files("robot.dialogs").joinpath(f"{name.removesuffix('.yaml')}.yaml")
    if not ref.is_file():
        known = sorted(p.name.removesuffix(".yaml") for p in resources.files("robot.dialogs").iterdir()
                       if p.name.endswith(".yaml"))
        raise DialogError(f"no shipped dialogue script '{name}' (shipped: {', '.join(known)})")
    return load_script_text(ref.read_text("utf-8"), f"robot/dialogs/{ref.name}")


def load_script_text(text: str, filename: str = "<script>") -> Script:
    """Validate ``text`` as a dialogue script named ``filename`` in messages."""
    try:
        root = yaml.compose(text, Loader=ScriptLoader)
        data = yaml.load(text, Loader=ScriptLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        context = getattr(exc, "context", None)
        msg = f"YAML syntax error: {problem}" + (f" ({context})" if context else "")
        where = f"{filename}:{mark.line + 1}:{mark.column + 1}" if mark else filename
        raise DialogError(msg, where=where) from exc
    if root is None:
        raise DialogError("the file is empty; a dialogue script is a mapping with "
                          "name, lang, start, collector and states", where=f"{filename}:1:1")
    locator = Locator(root, filename)
    problems = list(locator.duplicate_keys()) + list(_schema_problems(data, locator))
    _raise(sorted(dict.fromkeys(problems), key=graph.position))
    _raise(graph.check(data, locator))
    return graph.build(data, filename)


def _raise(problems: list[str]) -> None:
    if problems:
        first, *rest = problems
        where, _, message = first.partition(": ")
        error = DialogError("\n".join([message, *rest]), where=where)
        error.problems = problems  # type: ignore[attr-defined]
        raise error


class Locator:
    """Maps a data path (keys and indexes) to the YAML node's file:line:column."""

    def __init__(self, root: yaml.Node, filename: str) -> None:
        self.root, self.filename = root, filename

    def node(self, path: Path_, key: bool = False) -> yaml.Node:
        node = self.root
        for i, step in enumerate(path):
            if isinstance(node, yaml.MappingNode):
                for k, v in node.value:
                    if k.value == str(step) or (k.value == step):
                        node = k if key and i == len(path) - 1 else v
                        break
                else:
                    return node
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
                node = node.value[step]
            else:
                return node
        return node

    def where(self, path: Path_, key: bool = False) -> str:
        mark = self.node(path, key).start_mark
        return f"{self.filename}:{mark.line + 1}:{mark.column + 1}"

    def at(self, path: Path_, message: str, key: bool = False) -> str:
        return f"{self.where(path, key)}: {describe(path)}{message}"

    def duplicate_keys(self) -> Iterator[str]:
        """PyYAML silently keeps the last duplicate key; a script author never means that."""
        stack = [self.root]
        while stack:
            node = stack.pop()
            if isinstance(node, yaml.MappingNode):
                seen: dict[str, int] = {}
                for k, v in node.value:
                    if k.value in seen:
                        m = k.start_mark
                        yield (f"{self.filename}:{m.line + 1}:{m.column + 1}: duplicate key "
                               f"'{k.value}' (first at line {seen[k.value]})")
                    else:
                        seen[k.value] = k.start_mark.line + 1
                    stack.append(v)
            elif isinstance(node, yaml.SequenceNode):
                stack.extend(node.value)


def describe(path: Path_) -> str:
    """Human prefix for a data path: "state 'confirm': on.affirm: "."""
    parts = list(path)
    prefix = ""
    if len(parts) >= 2 and parts[0] == "states":
        prefix = f"state '{parts[1]}': "
        parts = parts[2:]
    rest = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in parts)
    return prefix + (f"{rest}: " if rest else "")


def _schema_problems(data: Any, locator: Locator) -> Iterator[str]:
    validator = jsonschema.Draft202012Validator(schema())
    for err in _expand(validator.iter_errors(data)):
        path = tuple(err.absolute_path)
        if err.validator == "additionalProperties" and isinstance(err.instance, dict):
            allowed = sorted(err.schema.get("properties", {}))
            for extra in sorted(set(err.instance) - set(allowed)):
                expected = f"expected one of: {', '.join(allowed)}" if allowed else "no extra keys"
                yield locator.at((*path, extra), f"unknown key '{extra}' ({expected})", key=True)
        elif err.validator == "propertyNames":
            name = err.instance if not isinstance(err.instance, dict) else "?"
            yield locator.at(path, f"bad name {name!r}: {err.message}", key=True)
        elif err.validator in ("anyOf", "oneOf") and "description" in err.schema:
            yield locator.at(path, f"{_short(err.instance)} is not valid; expected "
                                   f"{err.schema['description']}")
        elif err.validator == "enum" and "description" in err.schema:
            yield locator.at(path, f"{_short(err.instance)} is not valid; expected "
                                   f"{err.schema['description']}")
        elif err.validator == "required":
            yield locator.at(path, err.message.replace("is a required property",
                                                       "is required but missing"))
        else:
            yield locator.at(path, err.message)


def _expand(errors: Any) -> Iterator[jsonschema.ValidationError]:
    """Replace an anyOf failure by the errors of the one alternative whose type fits.

    ``{goto: x, sett: {}}`` fails "string or mapping"; the useful message is the one
    from the mapping branch: unknown key 'sett'.
    """
    for err in errors:
        if err.validator not in ("anyOf", "oneOf") or not err.context:
            yield err
            continue
        branches: dict[Any, list[jsonschema.ValidationError]] = {}
        for sub in err.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        fitting = [subs for subs in branches.values()
                   if not any(e.validator == "type" and not e.relative_path for e in subs)]
        if len(fitting) == 1:
            yield from _expand(fitting[0])
        else:
            yield err


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def template_fields(text: str) -> list[str]:
    """Placeholder names used in a prompt template ('{name}' -> 'name')."""
    try:
        return [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
    except ValueError:
        return ["{"]
