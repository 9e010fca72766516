"""Optional recognisers behind the same :class:`STT` interface: Vosk, sherpa-onnx, FunASR.

None of them ships with Dunbot and none downloads anything: each needs its Python
package and a model folder the operator puts on disk and names in ``asr_model``
(``DUNBOT_ASR_MODEL``). Creating the engine checks both at once and raises
:class:`ModelMissing` naming the missing package (with its pip command) or the path,
so a misconfigured robot stops at start-up, not on the first caller. Select one with
``asr_engine = "vosk" | "sherpa" | "funasr"``.

* **vosk** — Kaldi models (``vosk-model-small-en-us``, ``vosk-model-cn``): a folder with
  ``am/`` and ``conf/``.
* **sherpa** — sherpa-onnx offline transducer/paraformer models: a folder with
  ``tokens.txt`` and ``*.onnx`` (``encoder``/``decoder``/``joiner`` for a transducer,
  ``model.onnx`` for a paraformer).
* **funasr** — FunASR Paraformer: a model folder (``model.pt`` or ``model.onnx`` and
  ``config.yaml``) as ModelScope lays it out.

Each decodes whole utterances on one worker thread, like Whisper.
"""

from __future__ import annotations

import asyncio
import importlib.util
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from robot.errors import ModelMissing, SpeechError
from robot.speech.asr.base import STT, STTCapabilities, Transcript, register_stt
from robot.speech.audio import duration_s, resample

if TYPE_CHECKING:
    from robot.config import Settings

RATE = 16000


class _LocalModelSTT(STT):
    """Shared plumbing: package + model-folder checks, one worker thread."""

    package = ""  # import name
    pip_name = ""
    #: Files (globs) that must exist in the model folder.
    required: tuple[str, ...] = ()

    def __init__(self, settings: "Settings") -> None:
        self.settings = settings
        if importlib.util.find_spec(self.package) is None:
            raise ModelMissing(f"ASR engine {self.name!r} needs the Python package {self.pip_name!r} "
                               f"(install with: pip install {self.pip_name})")
        if not settings.asr_model:
            raise ModelMissing(f"ASR engine {self.name!r} needs a model folder: set asr_model "
                               f"(DUNBOT_ASR_MODEL) to its path")
        self.model_dir = Path(settings.asr_model).expanduser()
        missing = [g for g in self.required if not any(self.model_dir.glob(g))]
        if not self.model_dir.is_dir() or missing:
            raise ModelMissing(f"ASR engine {self.name!r}: no model at {self.model_dir} "
                               f"(expected {', '.join(self.required) or 'a model folder'})")
        self._model: Any = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"asr-{self.name}")

    def _load(self) -> Any:  # pragma: no cover - needs the optional runtime
        raise NotImplementedError

    def _decode(self, model: Any, samples: np.ndarray, lang: str) -> str:  # pragma: no cover
        raise NotImplementedError

    def _run(self, pcm: bytes, rate: int, lang: str) -> Transcript:
        t0 = time.perf_counter()
        if self._model is None:
            try:
                self._model = self._load()
            except Exception as exc:
                raise SpeechError(f"ASR engine {self.name!r} could not load {self.model_dir}: {exc}") from exc
        samples = np.frombuffer(resample(pcm, rate, RATE), dtype="<i2").astype(np.float32) / 32768.0
        text = self._decode(self._model, samples, lang).strip()
        return Transcript(text, lang, 1.0 if text else 0.0, duration_s(pcm, rate),
                          time.perf_counter() - t0)

    async def warm_up(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self._executor, self._run, b"\0" * 3200, RATE, "en")

    async def transcribe(self, pcm: bytes, sample_rate: int, lang: str) -> Transcript:
        return await asyncio.get_running_loop().run_in_executor(
            self._executor, self._run, pcm, sample_rate, lang)

    async def aclose(self) -> None:
        self._executor.shutdown(wait=False)


@register_stt("vosk")
class VoskSTT(_LocalModelSTT):
    package, pip_name = "vosk", "vosk"
    required = ("am", "conf")
    capabilities = STTCapabilities(streaming=True, languages=("en", "zh"))

    def _load(self) -> Any:  # pragma: no cover - optional runtime
        import vosk

        vosk.SetLogLevel(-1)
        return vosk.Model(str(self.model_dir))

    def _decode(self, model: Any, samples: np.ndarray, lang: str) -> str:  # pragma: no cover
        import json

        import vosk

        rec = vosk.KaldiRecognizer(model, RATE)
        rec.AcceptWaveform((samples * 32768).astype("<i2").tobytes())
        text = json.loads(rec.FinalResult()).get("text", "")
        return text.replace(" ", "") if lang == "zh" else text


@register_stt("sherpa")
class SherpaSTT(_LocalModelSTT):
    package, pip_name = "sherpa_onnx", "sherpa-onnx"
    required = ("tokens.txt", "*.onnx")
    capabilities = STTCapabilities(streaming=True, languages=("en", "zh"))

    def _load(self) -> Any:  # pragma: no cover - optional runtime
        import sherpa_onnx

        d = self.model_dir
        tokens = str(d / "tokens.txt")
        threads = self.settings.asr_threads
        enc, dec, join = (sorted(d.glob(f"{k}*.onnx")) for k in ("encoder", "decoder", "joiner"))
        if enc and dec and join:
            return sherpa_onnx.OfflineRecognizer.from_transducer(
                encoder=str(enc[0]), decoder=str(dec[0]), joiner=str(join[0]), tokens=tokens,
                num_threads=threads)
        model = sorted(d.glob("model*.onnx"))
        return sherpa_onnx.OfflineRecognizer.from_paraformer(
            paraformer=str(model[0]), tokens=tokens, num_threads=threads)

    def _decode(self, model: Any, samples: np.ndarray, lang: str) -> str:  # pragma: no cover
        stream = model.create_stream()
        stream.accept_waveform(RATE, samples)
        model.decode_stream(stream)
        return str(stream.result.text)


@register_stt("funasr")
class FunAsrSTT(_LocalModelSTT):
    package, pip_name = "funasr", "funasr"
    required = ("config.yaml",)
    capabilities = STTCapabilities(streaming=True, languages=("zh", "en"))

    def _load(self) -> Any:  # pragma: no cover - optional runtime
        from funasr import AutoModel

        return AutoModel(model=str(self.model_dir), disable_update=True, device="cpu",
                         ncpu=self.settings.asr_threads)

    def _decode(self, model: Any, samples: np.ndarray, lang: str) -> str:  # pragma: no cover
        out = model.generate(input=samples)
        return str(out[0].get("text", "")) if out else ""
