"""Positions (``file:line:column``) of YAML nodes by key path, for errors that point."""

from __future__ import annotations

import re
from typing import Any

import yaml

from robot.errors import InputError


class Loader(yaml.SafeLoader):
    """YAML 1.2 booleans (only true/false): region codes such as ON or NO stay text."""


Loader.yaml_implicit_resolvers = {
    first: [r for r in resolvers if r[0] != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


class Marks:
    """``file:line:column`` of every node, by its key path (list items by index)."""

    def __init__(self, source: str, root: yaml.Node | None) -> None:
        self.source, self.marks = source, {}  # type: ignore[var-annotated]
        if root is not None:
            self._walk(root, ())

    def _walk(self, node: yaml.Node, path: tuple[Any, ...]) -> None:
        self.marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                self.marks[path + (str(k.value), "key")] = (k.start_mark.line + 1,
                                                            k.start_mark.column + 1)
                self._walk(v, path + (str(k.value),))
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                self._walk(v, path + (i,))

    def at(self, *path: Any) -> str:
        for cut in range(len(path), -1, -1):
            if path[:cut] in self.marks:
                line, col = self.marks[path[:cut]]
                return f"{self.source}:{line}:{col}"
        return f"{self.source}:1:1"


def compose(text: str, source: str) -> tuple[Any, Marks]:
    """Parsed data and the marks of its nodes; a syntax error names its place."""
    try:
        root = yaml.compose(text, Loader=Loader)
        data = yaml.load(text, Loader=Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        raise InputError(f"YAML syntax: {exc.problem}", where=where) from None
    return data, Marks(source, root)


def check_keys(d: dict[str, Any], known: tuple[str, ...], m: Marks, path: tuple[Any, ...]) -> None:
    for k in d:
        if k not in known:
            raise InputError(f"unknown key {k!r} (known: {', '.join(known)})",
                             m.at(*path, str(k), "key"))  # fmt: skip
