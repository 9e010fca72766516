"""``dunbot tts``: speak a sentence with the configured voice, to a WAV file.

For checking how a prompt sounds on the line (``--rate 8000`` is what the debtor's
phone gets) and that the voices are installed.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from robot.config import load_settings


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser("tts", help="text-to-speech tools")
    sub = p.add_subparsers(dest="tts_command", metavar="ACTION", required=True)
    say = sub.add_parser("say", help="synthesise TEXT into a WAV file")
    say.add_argument("text", metavar="TEXT")
    say.add_argument("--lang", choices=["en", "zh"], default="en")
    say.add_argument("-o", "--output", required=True, metavar="FILE.wav")
    say.add_argument("--rate", type=int, choices=[8000, 16000, 22050, 24000], default=16000,
                     help="output sample rate (default 16000; 8000 = telephone line)")
    say.add_argument("--engine", help="TTS engine instead of the configured one")
    say.set_defaults(func=cmd_say)


def cmd_say(args: argparse.Namespace) -> int:
    return asyncio.run(_say(args))


async def _say(args: argparse.Namespace) -> int:
    import time

    from robot.speech.audio import duration_s, resample, write_wav
    from robot.speech.tts.base import create_engine, create_tts

    settings = load_settings()
    tts = create_engine(args.engine, settings, args.lang) if args.engine else create_tts(settings, args.lang)
    try:
        t0 = time.perf_counter()
        pcm = await tts.synthesize(args.text)
        elapsed = time.perf_counter() - t0
        out = resample(pcm, tts.sample_rate, args.rate)
        write_wav(args.output, out, args.rate)
    finally:
        await tts.aclose()
    print(f"{args.output}: {duration_s(out, args.rate):.2f} s at {args.rate} Hz, "
          f"{tts.name}/{tts.voice}, synthesised in {elapsed:.2f} s", file=sys.stderr)
    return 0
