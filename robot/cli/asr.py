"""``dunbot asr``: transcribe WAV files with the configured recogniser.

The model loads once for all files, so a batch shows realistic per-utterance times
(printed to stderr; stdout stays ``FILE<TAB>TRANSCRIPT`` for scripts).
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from robot.config import load_settings


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser("asr", help="speech recognition tools")
    sub = p.add_subparsers(dest="asr_command", metavar="ACTION", required=True)
    tr = sub.add_parser("transcribe", help="print FILE<TAB>TRANSCRIPT for each WAV file")
    tr.add_argument("files", nargs="+", metavar="FILE.wav")
    tr.add_argument("--lang", choices=["en", "zh"], default="en")
    tr.add_argument("-v", "--verbose", action="store_true",
                    help="also print confidence and timings to stderr")
    tr.set_defaults(func=cmd_transcribe)


def cmd_transcribe(args: argparse.Namespace) -> int:
    return asyncio.run(_transcribe(args))


async def _transcribe(args: argparse.Namespace) -> int:
    import time

    from robot.speech.asr.base import create_stt
    from robot.speech.audio import read_wav

    stt = create_stt(load_settings())
    try:
        t0 = time.perf_counter()
        await stt.warm_up()
        if args.verbose:
            print(f"model loaded in {time.perf_counter() - t0:.2f} s", file=sys.stderr)
        for path in args.files:
            pcm, rate = read_wav(path)
            result = await stt.transcribe(pcm, rate, args.lang)
            print(f"{path}\t{result.text}", flush=True)
            if args.verbose:
                print(f"  {result.duration_s:.2f} s audio, {result.elapsed_s:.2f} s, "
                      f"confidence {result.confidence:.2f}", file=sys.stderr)
    finally:
        await stt.aclose()
    return 0
