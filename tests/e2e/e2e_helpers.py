"""Checks the end-to-end call tests share: what a stored call's recording must be."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from robot.speech.audio import read_wav, rms_dbfs


def assert_recording(call: dict[str, Any]) -> None:
    """The mixed recording exists, is not silent, lasts as long as the call (MixMonitor
    starts after the answer and stops at the hang-up; the dialplan takes a moment) and
    matches its stored sha256."""
    recs = {r.kind: r for r in call["recordings"]}
    assert "mix" in recs, f"no mixed recording stored: {call['recordings']}"
    rec = recs["mix"]
    path = Path(rec.path)
    assert path.exists() and path.stat().st_size > 8000
    pcm, _rate = read_wav(path)
    assert rms_dbfs(pcm) > -50, "recording is silent"
    call_len = float(call["attempt"]["duration_s"])
    assert rec.duration_s == pytest.approx(call_len, abs=max(3.0, 0.25 * call_len)), (
        rec.duration_s, call_len)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == rec.sha256
