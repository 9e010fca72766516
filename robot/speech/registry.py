"""Engines by name: the one lookup both ASR and TTS engines go through.

An engine module registers its class with a decorator when imported; engines shipped
with Dunbot are imported lazily by name, so selecting ``whisper`` never imports Piper
(and an optional engine's missing package only matters when it is chosen).
"""

from __future__ import annotations

import importlib
from typing import Callable, Generic, TypeVar

from robot.errors import ConfigError

C = TypeVar("C", bound=type)


class Registry(Generic[C]):
    """Name -> engine class, with lazily imported built-ins."""

    def __init__(self, kind: str, package: str, builtin: dict[str, str], setting: str) -> None:
        self.kind, self.package, self.builtin, self.setting = kind, package, builtin, setting
        self.classes: dict[str, C] = {}

    def register(self, name: str) -> Callable[[C], C]:
        """Class decorator: make an engine available under ``name``."""

        def deco(cls: C) -> C:
            cls.name = name  # type: ignore[attr-defined]
            self.classes[name] = cls
            return cls

        return deco

    def available(self) -> list[str]:
        """Names an engine can be created under (registered or shipped)."""
        return sorted(set(self.classes) | set(self.builtin))

    def get(self, name: str) -> C:
        """The class registered as ``name``, importing its module first if needed."""
        if name not in self.classes:
            module = self.builtin.get(name, f"{self.package}.{name}")
            try:
                importlib.import_module(module)
            except ModuleNotFoundError as exc:
                if exc.name != module:
                    raise
            if name not in self.classes:
                raise ConfigError(
                    f"unknown {self.kind} engine {name!r} ({self.setting}); "
                    f"known: {', '.join(self.available())}"
                )
        return self.classes[name]
