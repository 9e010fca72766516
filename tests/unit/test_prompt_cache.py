"""PromptCache: synthesise once, address by content, store 16 kHz, atomic files."""

from __future__ import annotations

from pathlib import Path

import pytest

from robot.config import Settings
from robot.speech.audio import duration_s, read_wav, tone
from robot.speech.tts.base import TTS
from robot.speech.tts.cache import PromptCache, prompt_key


class FakeTTS(TTS):
    """Deterministic engine: a tone whose length depends on the text; counts calls."""

    name = "fake"

    def __init__(self, settings: Settings, voice: str = "v1", rate: int = 24000) -> None:
        super().__init__(settings, "en")
        self.voice, self.sample_rate, self.calls = voice, rate, 0

    async def synthesize(self, text: str) -> bytes:
        self.calls += 1
        return tone(440, 100 * len(text), self.sample_rate)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", cache=tmp_path / "cache")


async def test_miss_then_hit(settings: Settings) -> None:
    cache, tts = PromptCache(settings), FakeTTS(settings)
    first = await cache.render(tts, "hello")
    second = await cache.render(tts, "hello")
    assert first == second
    assert tts.calls == 1
    assert cache.stats() == {"hits": 1, "misses": 1}
    assert abs(duration_s(first, 16000) - 0.5) < 0.01


async def test_files_are_16k_wav_under_prompt_cache_dir(settings: Settings) -> None:
    cache, tts = PromptCache(settings), FakeTTS(settings)
    await cache.render(tts, "hello", rate=8000)
    path = cache.path_for(tts, "hello")
    assert path.is_relative_to(settings.prompt_cache_dir)
    assert path.stem == prompt_key("fake", "v1", 24000, "hello")
    assert read_wav(path)[1] == 16000
    assert path.stat().st_mode & 0o777 == 0o644  # readable by every robot process
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".tmp")]


async def test_rate_conversion_on_hit(settings: Settings) -> None:
    cache, tts = PromptCache(settings), FakeTTS(settings)
    at16 = await cache.render(tts, "abc")
    at8 = await cache.render(tts, "abc", rate=8000)
    assert len(at8) * 2 == len(at16)
    assert tts.calls == 1


async def test_content_addressing_separates_text_voice_engine_rate(settings: Settings) -> None:
    cache = PromptCache(settings)
    a, b, c = FakeTTS(settings, "v1"), FakeTTS(settings, "v2"), FakeTTS(settings, "v1", 22050)
    await cache.render(a, "one")
    await cache.render(a, "two")
    await cache.render(b, "one")
    await cache.render(c, "one")
    assert (a.calls, b.calls, c.calls) == (2, 1, 1)
    assert cache.misses == 4 and cache.hits == 0
    keys = {prompt_key(*k) for k in [("fake", "v1", 24000, "one"), ("espeak", "v1", 24000, "one"),
                                       ("fake", "v1", 24000, "one ")]}
    assert len(keys) == 3


async def test_cache_survives_a_new_instance_and_heals_corrupt_files(settings: Settings) -> None:
    tts = FakeTTS(settings)
    await PromptCache(settings).render(tts, "again")
    fresh = PromptCache(settings)
    await fresh.render(tts, "again")
    assert tts.calls == 1 and fresh.hits == 1
    fresh.path_for(tts, "again").write_bytes(b"garbage")
    pcm = await fresh.render(tts, "again")
    assert tts.calls == 2 and abs(duration_s(pcm, 16000) - 0.5) < 0.01
