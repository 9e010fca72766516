"""Rendered prompts on disk, keyed by what was said and how.

A collection robot says the same sentences thousands of times a day ("This call is
from ...", the mini-Miranda). Synthesising them once and reading WAV files afterwards
takes TTS off the latency path. Files are content-addressed by
sha256(engine, voice, sample_rate, text), so changing the voice or the wording can
never serve stale audio, and they are stored at 16 kHz (the media rate) so a hit costs
no resampling on the usual path.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from robot.errors import InputError
from robot.speech.audio import read_wav, resample, write_wav

if TYPE_CHECKING:
    from robot.config import Settings
    from robot.speech.tts.base import TTS

STORE_RATE = 16000


def prompt_key(engine: str, voice: str, sample_rate: int, text: str) -> str:
    """The content address of one rendering (hex sha256)."""
    blob = json.dumps([engine, voice, sample_rate, text], ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class PromptCache:
    """Synthesise-once cache of prompts under ``settings.prompt_cache_dir``."""

    def __init__(self, settings: "Settings", directory: Path | None = None) -> None:
        self.dir = directory or settings.prompt_cache_dir
        self.hits = 0
        self.misses = 0

    def path_for(self, tts: "TTS", text: str) -> Path:
        key = prompt_key(tts.name, tts.voice, tts.sample_rate, text)
        return self.dir / key[:2] / f"{key}.wav"

    async def render(self, tts: "TTS", text: str, rate: int = STORE_RATE) -> bytes:
        """``text`` spoken by ``tts`` as int16 mono PCM at ``rate``.

        Reads the cached file on a hit; on a miss synthesises, resamples to 16 kHz,
        stores atomically (temp file + rename, so concurrent calls or a crash never
        leave a truncated prompt), then converts to ``rate`` if that differs.
        """
        path = self.path_for(tts, text)
        cached = self._load(path)
        if cached is not None:
            self.hits += 1
            pcm, stored_rate = cached
        else:
            self.misses += 1
            raw = await tts.synthesize(text)
            pcm, stored_rate = resample(raw, tts.sample_rate, STORE_RATE), STORE_RATE
            # An online engine that had to speak with a local voice says so: that audio
            # must not be kept under the online voice's key.
            if text not in getattr(tts, "fallback_texts", ()):
                self._store(path, pcm, stored_rate)
        return resample(pcm, stored_rate, rate)

    @staticmethod
    def _load(path: Path) -> tuple[bytes, int] | None:
        if not path.is_file():
            return None
        try:
            return read_wav(path)
        except InputError:  # corrupt entry (disk trouble): drop it and re-render
            path.unlink(missing_ok=True)
            return None

    def _store(self, path: Path, pcm: bytes, rate: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".wav", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                write_wav(fh, pcm, rate)
            os.chmod(tmp, 0o644)  # mkstemp makes it private; other robot processes read it
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def stats(self) -> dict[str, int]:
        return {"hits": self.hits, "misses": self.misses}
