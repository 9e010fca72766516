"""The speech-to-text interface and its engine registry.

The call controller only ever sees :class:`STT`: one awaitable ``transcribe`` of a
finished utterance (we endpoint ourselves, see :mod:`robot.speech.vad`). Engines
register under a name with :func:`register_stt`; :func:`create_stt` picks one by
``settings.asr_engine`` and imports its module on demand, so a deployment that never
uses an engine never imports its (heavy, optional) runtime.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from robot.speech.registry import Registry

if TYPE_CHECKING:
    from robot.config import Settings


@dataclass(frozen=True)
class STTCapabilities:
    """What an engine can do, so callers adapt instead of probing."""

    #: Accepts audio incrementally and yields partial results (none of ours do yet).
    streaming: bool = False
    #: Language codes it transcribes ("en", "zh", ...).
    languages: tuple[str, ...] = ("en",)


@dataclass(frozen=True)
class Transcript:
    """One recognised utterance."""

    text: str
    lang: str
    #: 0..1, engine-specific but monotonic: low values deserve a re-prompt.
    confidence: float
    #: Length of the audio that was transcribed.
    duration_s: float
    #: Wall-clock time the engine took (for latency logs and benchmarks).
    elapsed_s: float
    extra: dict[str, object] = field(default_factory=dict)


class STT(ABC):
    """A speech recogniser for whole utterances of int16 mono PCM."""

    name: str = ""
    capabilities: STTCapabilities = STTCapabilities()

    @abstractmethod
    async def transcribe(self, pcm: bytes, sample_rate: int, lang: str) -> Transcript:
        """Transcribe one utterance; ``lang`` is forced, never auto-detected.

        A call's language is known from the case, and auto-detection on a two-word
        telephone answer is unreliable.
        """

    async def warm_up(self) -> None:
        """Load models now rather than on the first caller's utterance."""

    async def aclose(self) -> None:
        """Release engine resources (models stay shared per process where noted)."""


S = TypeVar("S", bound=type[STT])

#: Engines shipped with Dunbot, imported lazily by name.
ENGINES: Registry[type[STT]] = Registry("ASR", "robot.speech.asr", {
    "whisper": "robot.speech.asr.whisper",
    "vosk": "robot.speech.asr.optional",
    "sherpa": "robot.speech.asr.optional",
    "funasr": "robot.speech.asr.optional",
}, "asr_engine")


def register_stt(name: str) -> Callable[[S], S]:
    """Class decorator: make an engine available to :func:`create_stt` as ``name``."""
    return ENGINES.register(name)


def available_stt() -> list[str]:
    """Names an engine can be created under (registered or shipped)."""
    return ENGINES.available()


def create_stt(settings: "Settings") -> STT:
    """The ASR engine named by ``settings.asr_engine``."""
    return ENGINES.get(settings.asr_engine)(settings)
