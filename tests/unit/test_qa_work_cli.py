"""`dunbot qa import|run|report|queue` from the command line, on an empty data folder."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest

from robot.cli import main
from robot.speech.audio import silence


def test_mono_import_is_refused_and_nothing_is_stored(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DUNBOT_HOME", str(tmp_path / "home"))
    mono = tmp_path / "mono.wav"
    with wave.open(str(mono), "wb") as wf:
        wf.setnchannels(1), wf.setsampwidth(2), wf.setframerate(8000)
        wf.writeframes(silence(300, 8000))
    assert main(["qa", "import", str(mono), "--agent", "A1", "--lang", "en"]) == 1
    assert "mono.wav: 1 channel(s); a call recording needs 2" in capsys.readouterr().err
    assert main(["qa", "run", "--since", "2026-01-01"]) == 0
    assert "scored 0 call(s)" in capsys.readouterr().out
    out = tmp_path / "r" / "qa.html"
    assert main(["qa", "report", "--since", "2026-01-01", "--out", str(out)]) == 0
    assert "0 calls inspected" in out.read_text()
    assert main(["qa", "queue", "--json"]) == 0
    assert capsys.readouterr().out.strip().endswith('{"samples": [], "appeals": []}')
    assert main(["qa", "decide", "7", "--uphold", "--reviewer", "x"]) == 1
    assert "no appeal 7" in capsys.readouterr().err


def test_bad_dates_are_named(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["qa", "run", "--since", "yesterday"])
    assert "'yesterday' is not a date (YYYY-MM-DD)" in capsys.readouterr().err
