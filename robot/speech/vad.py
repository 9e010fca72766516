"""End-of-utterance detection on the caller's audio: when did they start and stop?

Frames are 20 ms of 16 kHz int16 mono (640 bytes, chan_websocket's ``slin16``). A
frame counts as voiced when webrtcvad (aggressiveness 2) says speech *and* it is
louder than an energy floor; the floor stops webrtcvad firing on line hiss.

Two timing rules shape the behaviour:

* ``speech_start`` only after ``start_ms`` of consecutive voiced audio, so a click,
  a cough or a line pop does not interrupt the robot (barge-in).
* ``speech_end`` after ``end_silence_ms`` without voice, measured on the *clock*.
  Asterisk's chan_websocket sends no frames at all while the far end is silent, so
  counting silent frames would wait forever: the caller drives :meth:`Endpointer.tick`
  from a timer and the deadline fires even when nothing arrives. A gap between frames
  longer than the jitter allowance (100 ms) is filled with silence in the utterance
  audio so its timing stays true; frames merely arriving late or in bursts are
  joined as they are, so jitter never inserts clicks of silence into the words.

Pure: no I/O, no asyncio, time is whatever clock the caller passes (seconds).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Literal

import webrtcvad

from robot.speech.audio import rms_dbfs

EventKind = Literal["speech_start", "speech_end", "timeout"]


@dataclass(frozen=True)
class VadEvent:
    kind: EventKind
    #: Clock time of the boundary: first voiced audio (start), end of the last voiced
    #: frame (end), or the deadline (timeout).
    t: float
    #: The utterance (speech_end only): pre-roll + speech + a short tail, 16 kHz int16.
    pcm: bytes = b""
    #: Why it ended: "silence", "max_length" or "flush" (speech_end only).
    reason: str = ""

    @property
    def duration_s(self) -> float:
        return len(self.pcm) / 32000.0


class Endpointer:
    """Streaming speech start/end detector; feed :meth:`push`, call :meth:`tick` on a timer."""

    RATE = 16000
    FRAME_MS = 20
    FRAME_BYTES = RATE * FRAME_MS // 1000 * 2  # 640

    def __init__(self, *, aggressiveness: int = 2, start_ms: int = 160, end_silence_ms: int = 600,
                 preroll_ms: int = 200, tail_ms: int = 200, energy_floor_dbfs: float = -45.0,
                 max_utterance_s: float = 20.0, max_gap_fill_ms: int = 2000,
                 jitter_ms: int = 100, onset_gap_ms: int = 0) -> None:
        self._vad = webrtcvad.Vad(aggressiveness)
        self.start_ms = start_ms
        #: Unvoiced audio tolerated inside an onset (the closure of "can", "pay"): the
        #: start then needs ``start_ms`` of voiced frames, not of consecutive ones.
        self.onset_gap_ms = onset_gap_ms
        self.end_silence_s = end_silence_ms / 1000.0
        self.tail_bytes = self._ms_bytes(tail_ms)
        self.energy_floor_dbfs = energy_floor_dbfs
        self.max_utterance_bytes = self._ms_bytes(max_utterance_s * 1000)
        self.max_gap_fill_bytes = self._ms_bytes(max_gap_fill_ms)
        #: Lateness that is still network jitter, not a pause: no silence inserted.
        self.jitter_s = jitter_ms / 1000.0
        self._preroll: deque[bytes] = deque(maxlen=max(1, preroll_ms // self.FRAME_MS))
        self._pending = b""
        self._timeout_at: float | None = None
        self.reset()

    @classmethod
    def _ms_bytes(cls, ms: float) -> int:
        return int(ms * cls.RATE / 1000) * 2

    # -- state ---------------------------------------------------------------------
    def reset(self) -> None:
        """Forget any utterance in progress (e.g. when the robot starts a new turn)."""
        self._preroll.clear()
        self._pending = b""
        self._onset: list[bytes] = []
        self._onset_t = 0.0
        self._onset_voiced = 0  # voiced frames in the onset
        self._onset_gap = 0  # unvoiced frames since the onset's last voiced one
        self._in_speech = False
        self._utt = bytearray()
        self._voiced_len = 0  # bytes of _utt up to the end of the last voiced frame
        self._last_voice_end = 0.0
        self._next_t: float | None = None  # expected start time of the next frame
        self._chunk_t = 0.0

    @property
    def in_speech(self) -> bool:
        return self._in_speech

    @property
    def last_voice_end(self) -> float | None:
        """Clock time the last voiced frame of the utterance in progress ended."""
        return self._last_voice_end if self._in_speech else None

    @property
    def voiced_ms(self) -> int:
        """Length of the utterance in progress up to its last voiced frame (ms)."""
        return self._voiced_len * 1000 // (self.RATE * 2) if self._in_speech else 0

    def set_end_silence(self, ms: int) -> None:
        """Adaptive endpointing: the silence that ends the utterance from now on."""
        self.end_silence_s = ms / 1000.0

    def snapshot(self) -> bytes:
        """The utterance so far (pre-roll + speech + tail), as :meth:`flush` would give it;
        decoding it while the caller may still go on is how partial results are made."""
        if not self._in_speech:
            return b""
        return bytes(self._utt[: min(len(self._utt), self._voiced_len + self.tail_bytes)])

    def expect_speech(self, t: float, timeout_s: float) -> None:
        """Arm a no-input timer: a ``timeout`` event if speech does not start by ``t+timeout_s``."""
        self._timeout_at = t + timeout_s

    def cancel_timeout(self) -> None:
        self._timeout_at = None

    # -- input ---------------------------------------------------------------------
    def is_voiced(self, frame: bytes) -> bool:
        """One 20 ms frame: speech by webrtcvad and above the energy floor."""
        return self._vad.is_speech(frame, self.RATE) and rms_dbfs(frame) > self.energy_floor_dbfs

    def push(self, frame: bytes, t: float) -> list[VadEvent]:
        """Add audio that started at clock time ``t``; any length, re-cut to 20 ms frames."""
        events = self.tick(t)
        frame_s = self.FRAME_MS / 1000.0
        if self._next_t is not None and not self._pending and t - self._next_t > self.jitter_s:
            self._fill_gap(t - self._next_t)
        if not self._pending:
            self._chunk_t = t
        self._pending += frame
        while len(self._pending) >= self.FRAME_BYTES:
            chunk, self._pending = self._pending[: self.FRAME_BYTES], self._pending[self.FRAME_BYTES :]
            events += self._frame(chunk, self._chunk_t)
            self._chunk_t += frame_s
        self._next_t = self._chunk_t
        return events

    def tick(self, t: float) -> list[VadEvent]:
        """Let the clock run: emits ``speech_end``/``timeout`` whose deadline has passed."""
        events: list[VadEvent] = []
        if self._in_speech and t - self._last_voice_end >= self.end_silence_s:
            events.append(self._end("silence"))
        if not self._in_speech and self._timeout_at is not None and t >= self._timeout_at:
            events.append(VadEvent("timeout", self._timeout_at))
            self._timeout_at = None
        return events

    def flush(self) -> list[VadEvent]:
        """End an utterance in progress now (hang-up, barge-in policy)."""
        return [self._end("flush")] if self._in_speech else []

    # -- internals -----------------------------------------------------------------
    def _fill_gap(self, gap_s: float) -> None:
        """Frames stopped and resumed: the far end was silent in between."""
        if self._in_speech:
            n = min(self._ms_bytes(gap_s * 1000), self.max_gap_fill_bytes)
            self._utt += bytes(n)
        else:
            self._preroll.clear()
            self._onset = []

    def _frame(self, frame: bytes, t: float) -> list[VadEvent]:
        voiced = self.is_voiced(frame)
        frame_end = t + self.FRAME_MS / 1000.0
        if self._in_speech:
            self._utt += frame
            if voiced:
                self._voiced_len = len(self._utt)
                self._last_voice_end = frame_end
            if len(self._utt) >= self.max_utterance_bytes:
                return [self._end("max_length")]
            if not voiced and frame_end - self._last_voice_end >= self.end_silence_s:
                return [self._end("silence")]
            return []
        if not voiced:
            if self._onset and (self._onset_gap + 1) * self.FRAME_MS <= self.onset_gap_ms:
                self._onset.append(frame)  # a stop consonant inside the word: keep going
                self._onset_gap += 1
                return []
            if self._onset:  # an onset that did not last: it becomes pre-roll
                self._preroll.extend(self._onset)
                self._onset = []
                self._onset_voiced = 0
            self._preroll.append(frame)
            return []
        if not self._onset:
            self._onset_t = t
            self._onset_voiced = 0
        self._onset.append(frame)
        self._onset_gap = 0
        self._onset_voiced += 1
        if self._onset_voiced * self.FRAME_MS < self.start_ms:
            return []
        self._in_speech = True
        self._timeout_at = None
        self._utt = bytearray(b"".join(self._preroll) + b"".join(self._onset))
        self._voiced_len = len(self._utt)
        self._last_voice_end = frame_end
        self._preroll.clear()
        self._onset = []
        return [VadEvent("speech_start", self._onset_t)]

    def _end(self, reason: str) -> VadEvent:
        keep = min(len(self._utt), self._voiced_len + self.tail_bytes)
        event = VadEvent("speech_end", self._last_voice_end, bytes(self._utt[:keep]), reason)
        self._in_speech = False
        self._utt = bytearray()
        self._voiced_len = 0
        return event
