"""Emotion cues for one caller turn: ``neutral``, ``negative`` or ``angry``.

A collector changes course when the borrower gets upset (soothe, or hand over to a
person), so every caller turn gets a label the dialogue script can test in ``when:``.
The label comes from two kinds of cues, each listed in the result so a reviewer can see
why a call was escalated:

- text cues: insults, swearing, threats, "stop harassing me" (angry); distress, sighs,
  apologies, money trouble (negative), Mandarin and English, on the normalised text;
- acoustic cues, from the utterance's 16 kHz signed 16-bit PCM (pure numpy): loudness
  (RMS in dBFS over voiced frames), pitch (autocorrelation F0 median; its spread is
  reported but not scored, since Mandarin tones spread calm speech too) and speech rate
  (energy peaks per voiced second, a syllable-rate proxy).

Acoustic cues only strengthen or weaken what the words say: a loud, fast, high-pitched
turn is angry only with some hostile wording or when all three cues agree, because a
loud line or a high voice alone is not anger. Thresholds are absolute (no per-speaker
baseline yet) and deliberately conservative.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

LABELS = ("neutral", "negative", "angry")
RATE = 16000

_ANGRY = {
    "zh": ["滚", "妈的", "他妈", "操你", "卧槽", "我靠", "烦死", "有病", "神经病", "去死", "闭嘴", "找死",
           "骚扰", "报警", "投诉", "起诉你", "告你", "骗子", "混蛋", "王八蛋", "傻逼", "傻b", "你们烦不烦",
           "烦不烦", "别烦我", "再打我就", "没完没了", "够了", "要死", "不要脸", "流氓"],
    "en": [r"\bfuck", r"\bshit", r"\bdamn", r"\bhell\b", r"\bidiot", r"\bstupid\b", r"\bshut up\b",
           r"\bscrew you\b", r"\bharass", r"\bsue you\b", r"\blawyer\b", r"\bleave me alone\b",
           r"\bhow dare you\b", r"\bsick of\b", r"\bfed up\b", r"\bridiculous\b", r"\bpiss",
           r"\bget lost\b", r"\bstop calling\b", r"\bbastard", r"\bjerk\b"],
}
_NEGATIVE = {
    "zh": ["唉", "哎", "没办法", "困难", "失业", "难受", "压力", "没钱", "哭", "生病", "住院", "走投无路",
           "真的没", "实在", "还不起", "还不上", "拿不出", "太难", "好难", "很难", "心烦", "担心", "着急",
           "急死"],
    "en": [r"\bsad\b", r"\bhard\b", r"\bdifficult\b", r"\bstruggl", r"\blost my job\b",
           r"\bcan't afford\b", r"\bstress", r"\bworried\b", r"\bsigh\b", r"\bbroke\b", r"\bhospital\b",
           r"\bsick\b", r"\bdesperate\b", r"\bupset\b", r"\bannoy", r"\bfrustrat", r"\bugh\b", r"\bunemployed\b",
           r"\bno money\b"],
}
_ANGRY_RE = {k: re.compile("|".join(v)) for k, v in _ANGRY.items()}
_NEGATIVE_RE = {k: re.compile("|".join(v)) for k, v in _NEGATIVE.items()}

# Acoustic thresholds (16 kHz telephone speech after the media bridge).
LOUD_DBFS = -14.0      # voiced-frame RMS above this is shouting
HIGH_PITCH_HZ = 290.0  # median F0 above this (raised voice; calm female voices sit near 250)
PITCH_SPREAD = 0.25    # F0 interquartile range / median: reported, but not scored, because
                       # Mandarin tones (and octave slips) spread calm speech as much
FAST_RATE = 6.5        # energy peaks per voiced second above this: rapid speech
_FRAME, _HOP = 640, 320  # 40 ms frames, 20 ms hop
_VOICED_DBFS = -45.0


@dataclass(frozen=True)
class Acoustics:
    """Measurements of one utterance; ``None`` where nothing was voiced enough to tell."""

    energy_dbfs: float | None
    pitch_hz: float | None
    pitch_spread: float | None
    speech_rate: float | None
    voiced_s: float


@dataclass(frozen=True)
class EmotionResult:
    """The label, a 0..1 strength of the winning label, and the cues that produced it."""

    label: str
    score: float
    cues: tuple[str, ...] = ()


def _samples(pcm: bytes | np.ndarray) -> np.ndarray:
    if isinstance(pcm, np.ndarray):
        x = pcm.astype(np.float64)
    else:
        x = np.frombuffer(bytes(pcm[: len(pcm) // 2 * 2]), dtype="<i2").astype(np.float64)
    return x / 32768.0


def _frames(x: np.ndarray) -> np.ndarray:
    if len(x) < _FRAME:
        return np.empty((0, _FRAME))
    n = 1 + (len(x) - _FRAME) // _HOP
    idx = np.arange(_FRAME)[None, :] + _HOP * np.arange(n)[:, None]
    return x[idx]


def _pitch(frames: np.ndarray, rate: int) -> np.ndarray:
    """F0 per frame by normalised autocorrelation in 70-450 Hz; NaN when unvoiced."""
    lo, hi = int(rate / 450), int(rate / 70)
    f = frames - frames.mean(axis=1, keepdims=True)
    f = f * np.hanning(f.shape[1])[None, :]
    spec = np.fft.rfft(f, n=2 * f.shape[1], axis=1)
    ac = np.fft.irfft(np.abs(spec) ** 2, axis=1)[:, : f.shape[1]]
    zero = ac[:, :1]
    ac = np.where(zero > 0, ac / np.maximum(zero, 1e-12), 0.0)
    window = ac[:, lo:hi]
    lag = np.argmax(window, axis=1) + lo
    peak = window[np.arange(len(lag)), lag - lo]
    return np.where(peak > 0.45, rate / lag, np.nan)


def measure(pcm: bytes | np.ndarray, rate: int = RATE) -> Acoustics:
    """Loudness, pitch and speech rate of one utterance (16 kHz int16 PCM)."""
    x = _samples(pcm)
    frames = _frames(x)
    if not len(frames):
        return Acoustics(None, None, None, None, 0.0)
    rms = np.sqrt(np.mean(frames**2, axis=1))
    db = 20 * np.log10(np.maximum(rms, 1e-9))
    voiced = db > max(_VOICED_DBFS, float(db.max()) - 30.0)
    voiced_s = float(voiced.sum()) * _HOP / rate
    if voiced.sum() < 3:
        return Acoustics(None, None, None, None, voiced_s)
    energy = float(20 * np.log10(np.sqrt(np.mean(rms[voiced] ** 2))))
    f0 = _pitch(frames[voiced], rate)
    f0 = f0[~np.isnan(f0)]
    pitch = spread = None
    if len(f0) >= 3:
        pitch = float(np.median(f0))
        q1, q3 = np.percentile(f0, [25, 75])
        spread = float((q3 - q1) / pitch)
    # Syllable-rate proxy: peaks of the smoothed envelope, at least 100 ms apart, that
    # stand out from the dips around them.
    env = np.convolve(rms, np.ones(3) / 3, mode="same")
    floor = float(env[voiced].max()) * 0.25
    peaks, last = 0, -10
    for i in range(1, len(env) - 1):
        if env[i] >= env[i - 1] and env[i] > env[i + 1] and env[i] > floor and voiced[i] and i - last >= 5:
            left = env[max(0, i - 8): i].min()
            right = env[i + 1: i + 9].min()
            if env[i] > 1.3 * max(left, right):
                peaks, last = peaks + 1, i
    speech_rate = peaks / voiced_s if voiced_s >= 0.5 else None
    return Acoustics(round(energy, 1), pitch and round(pitch, 1), spread and round(spread, 3),
                     speech_rate and round(speech_rate, 2), round(voiced_s, 2))


def text_cues(text: str, lang: str) -> tuple[list[str], list[str]]:
    """(angry cues, negative cues) found in the words."""
    lang = "zh" if lang.startswith("zh") else "en"
    low = text.lower().replace("\u2019", "'")
    if lang == "zh":
        from robot.dialogue.nlu import normalise  # simplified characters, ASR slips fixed
        low = normalise(text, "zh") or low
    angry = [f"text:{m.group(0)}" for m in _ANGRY_RE[lang].finditer(low)]
    negative = [f"text:{m.group(0)}" for m in _NEGATIVE_RE[lang].finditer(low)]
    if re.search(r"[!！]{2,}", text) or (lang == "en" and len(re.findall(r"\b[A-Z]{3,}\b", text)) >= 2):
        angry.append("text:shouting")
    return angry, negative


def acoustic_cues(ac: Acoustics) -> list[str]:
    cues = []
    if ac.energy_dbfs is not None and ac.energy_dbfs > LOUD_DBFS:
        cues.append(f"loud:{ac.energy_dbfs}dBFS")
    if ac.pitch_hz is not None and ac.pitch_hz > HIGH_PITCH_HZ:
        cues.append(f"high_pitch:{ac.pitch_hz}Hz")
    if ac.pitch_spread is not None and ac.pitch_spread > PITCH_SPREAD:
        cues.append(f"pitch_spread:{ac.pitch_spread}")
    if ac.speech_rate is not None and ac.speech_rate > FAST_RATE:
        cues.append(f"fast:{ac.speech_rate}/s")
    return cues


def classify_emotion(text: str, lang: str, pcm: bytes | np.ndarray | None = None,
                     rate: int = RATE, acoustics: Acoustics | None = None) -> EmotionResult:
    """Label one caller turn from its transcript and, when given, its audio.

    ``acoustics`` (from :func:`measure`) may be passed instead of ``pcm``, so a caller
    can measure the audio while ASR is still decoding."""
    angry, negative = text_cues(text or "", lang)
    if acoustics is None and pcm is not None and len(pcm):
        acoustics = measure(pcm, rate)
    acoustic = acoustic_cues(acoustics) if acoustics is not None else []
    a_text = min(1.0, 0.6 * len(angry))
    n_text = min(1.0, 0.5 * len(negative))
    arousal = 0.0
    for cue in acoustic:
        arousal += {"loud": 0.35, "high_pitch": 0.25, "pitch_spread": 0.0, "fast": 0.25}[cue.split(":")[0]]
    arousal = min(arousal, 0.85)
    angry_score = a_text + arousal * (1.0 if angry or negative else 0.6)
    if angry_score >= 0.5:
        return EmotionResult("angry", round(min(angry_score, 1.0), 2), tuple(angry + negative + acoustic))
    negative_score = n_text + 0.5 * a_text + 0.5 * arousal
    if negative_score >= 0.4:
        return EmotionResult("negative", round(min(negative_score, 1.0), 2), tuple(negative + angry + acoustic))
    return EmotionResult("neutral", round(1.0 - max(angry_score, negative_score), 2), tuple(acoustic))
