"""espeak-ng (Debian package) as a subprocess: the always-available fallback voice.

Robotic but dependable, small, and it speaks both English and Mandarin (``cmn``), so
the robot can still call when a neural voice is missing. Each utterance is one short
``espeak-ng --stdout`` process; no state to share or leak.
"""

from __future__ import annotations

import asyncio
import shutil
from typing import TYPE_CHECKING

from robot.errors import ModelMissing, SpeechError
from robot.speech.audio import parse_wav
from robot.speech.tts.base import TTS, TTSCapabilities, register_tts

if TYPE_CHECKING:
    from robot.config import Settings

VOICES = {"en": "en-us", "zh": "cmn"}
#: Words per minute; espeak's default 175 is hurried on a phone line.
DEFAULT_RATE = 150


@register_tts("espeak")
class EspeakTTS(TTS):
    """espeak-ng, voice ``en-us`` or ``cmn``, 22,050 Hz."""

    capabilities = TTSCapabilities(streaming=False, languages=("en", "zh"))

    def __init__(self, settings: "Settings", lang: str, rate_wpm: int = DEFAULT_RATE,
                 binary: str = "espeak-ng") -> None:
        super().__init__(settings, lang)
        self.voice = VOICES.get(lang, lang)
        self.rate_wpm = rate_wpm
        self.binary = binary
        self.sample_rate = 22050

    def check(self) -> None:
        if shutil.which(self.binary) is None:
            raise ModelMissing(f"{self.binary} not found on PATH (install with: apt-get install espeak-ng)")

    async def synthesize(self, text: str) -> bytes:
        if not text.strip():
            return b""
        proc = await asyncio.create_subprocess_exec(
            self.binary, "-v", self.voice, "-s", str(self.rate_wpm), "--stdout", "--stdin",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        # Text goes on stdin: no argv parsing of a leading "-", any length, UTF-8.
        out, err = await proc.communicate(text.encode("utf-8"))
        if proc.returncode != 0:
            raise SpeechError(f"{self.binary} exited {proc.returncode}: {err.decode(errors='replace').strip()}")
        pcm, rate = parse_wav(out)
        self.sample_rate = rate
        return pcm
