"""``dunbot tts say`` and ``dunbot asr transcribe`` glue: files, rates, output format."""

from __future__ import annotations

from pathlib import Path

import pytest

from robot.cli import main
from robot.speech.audio import duration_s, read_wav


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DUNBOT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DUNBOT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("DUNBOT_CONFIG", str(tmp_path / "none.toml"))
    return tmp_path


def test_say_then_transcribe(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = env / "line.wav"
    assert main(["tts", "say", "--lang", "en", "--engine", "espeak", "--rate", "8000",
                 "Please call me back tomorrow.", "-o", str(out)]) == 0
    pcm, rate = read_wav(out)
    assert rate == 8000 and duration_s(pcm, rate) > 1.0
    capsys.readouterr()
    assert main(["asr", "transcribe", "--lang", "en", str(out), str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    name, text = lines[0].split("\t")
    assert name == str(out) and "tomorrow" in text.lower()


def test_transcribe_missing_file_is_a_clean_error(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["asr", "transcribe", str(env / "nope.wav")]) == 1
    assert "nope.wav" in capsys.readouterr().err
