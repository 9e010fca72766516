"""Optional engines: chosen by settings, failing clearly, falling back to local speech."""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

import pytest

from robot.config import Settings
from robot.errors import ModelMissing
from robot.speech.asr.base import available_stt, create_stt
from robot.speech.tts.base import create_tts
from robot.speech.tts.cache import PromptCache
from robot.speech.tts.edge import EdgeTTS


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", cache=tmp_path / "cache")


def _pretend_installed(monkeypatch: pytest.MonkeyPatch, *names: str) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: object() if name in names else real(name, *a))


def test_optional_asr_engines_are_selectable() -> None:
    assert {"whisper", "vosk", "sherpa", "funasr"} <= set(available_stt())


@pytest.mark.parametrize("engine,package", [("vosk", "vosk"), ("sherpa", "sherpa-onnx"),
                                            ("funasr", "funasr")])
def test_missing_package_is_named(settings: Settings, engine: str, package: str,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name in ("vosk", "sherpa_onnx", "funasr") else real(name, *a))
    settings.asr_engine = engine
    with pytest.raises(ModelMissing, match=f"pip install {package}"):
        create_stt(settings)


@pytest.mark.parametrize("engine,module", [("vosk", "vosk"), ("sherpa", "sherpa_onnx"),
                                           ("funasr", "funasr")])
def test_missing_model_names_the_path(settings: Settings, engine: str, module: str,
                                      tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _pretend_installed(monkeypatch, module)
    settings.asr_engine = engine
    with pytest.raises(ModelMissing, match="asr_model"):
        create_stt(settings)  # no path configured
    settings.asr_model = str(tmp_path / "no-such-model")
    with pytest.raises(ModelMissing, match="no-such-model"):
        create_stt(settings)


def test_edge_without_package_falls_back_at_selection(settings: Settings,
                                                      caplog: pytest.LogCaptureFixture,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "edge_tts" else real(name, *a))
    settings.tts_engine_en = "edge"
    with caplog.at_level(logging.WARNING, logger="robot.speech.tts.base"):
        tts = create_tts(settings, "en")
    assert tts.name == "espeak"
    assert any("pip install edge-tts" in r.getMessage() for r in caplog.records)
    settings.tts_fallback = ""
    with pytest.raises(ModelMissing, match="edge-tts"):
        create_tts(settings, "en")


async def test_edge_offline_speaks_locally_and_is_not_cached(
        settings: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    async def offline(self: EdgeTTS, text: str) -> bytes:
        raise OSError("network unreachable")

    monkeypatch.setattr(EdgeTTS, "_fetch", offline)
    settings.extra = {"edge_fallback": "espeak"}
    tts = EdgeTTS(settings, "en")
    cache = PromptCache(settings, settings.home / "prompts")
    with caplog.at_level(logging.WARNING, logger="robot.speech.tts.edge"):
        pcm = await cache.render(tts, "Hello there.")
    assert len(pcm) > 16000  # speech, from espeak-ng
    assert "network unreachable" in caplog.text
    assert not cache.path_for(tts, "Hello there.").exists()
