"""Word error rate of the default ASR on telephone audio made by the project itself.

English sentences (collection-call answers) are synthesised by the simulated debtor with
the robot's English voice, cross the real Asterisk trunk (chan_websocket -> simphone ->
SIP/RTP, G.711 mu-law at 8 kHz -> simtrunk -> chan_websocket) and are captured on the
far side exactly as a live call hears them. Each capture is then transcribed by the
engine live calls use (``settings.asr_engine``), timed, and scored against the script:
lower case, punctuation dropped, digits spelled out for the few numbers the sentences
hold. WER = (substitutions + deletions + insertions) / reference words, over all.

Usage: .venv/bin/python bench/asr_accuracy.py. Needs a running Asterisk. Last line: JSON.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import re
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _calls import e2e_lock, pct, settings_for_bench  # noqa: E402

from robot.dialer.runner import Engines  # noqa: E402
from robot.sim.debtor import DebtorSimulator  # noqa: E402
from robot.sim.scenarios import Scenario, ScenarioBook  # noqa: E402
from robot.speech.audio import rms_dbfs, write_wav  # noqa: E402
from robot.telephony.ari import AriClient  # noqa: E402
from robot.telephony.media import MediaSession  # noqa: E402

SENTENCES = [
    "Yes, speaking.",
    "Sorry, you have the wrong number.",
    "I'm his wife. He is not at home.",
    "I can pay two hundred dollars next Friday.",
    "I won't pay.",
    "No. I will not pay anything.",
    "Yes, that's right.",
    "I lost my job last month and I cannot pay right now.",
    "Please call me back tomorrow morning.",
    "I already paid the whole amount last week.",
    "Can I talk to a real person please?",
    "Stop calling this number.",
    "I can pay fifty dollars on Monday and the rest next month.",
    "Who is this and what do you want?",
]

_NUM = {"50": "fifty", "200": "two hundred", "100": "one hundred"}


def words(text: str) -> list[str]:
    text = text.lower().replace("$", " $")
    text = re.sub(r"\$\s?(\d+)", lambda m: f"{_NUM.get(m.group(1), m.group(1))} dollars", text)
    text = re.sub(r"\d+", lambda m: _NUM.get(m.group(0), m.group(0)), text)
    return re.findall(r"[a-z']+", text)


def edit_distance(ref: list[str], hyp: list[str]) -> int:
    d = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, d[0] = d[0], i
        for j, h in enumerate(hyp, 1):
            prev, d[j] = d[j], min(d[j] + 1, d[j - 1] + 1, prev + (r != h))
    return d[-1]


async def capture(ari: AriClient, settings, number: str, timeout: float = 20.0) -> bytes:
    """Call ``number`` on the trunk and record what arrives until the far end falls silent."""
    chan = f"asr-{uuid.uuid4().hex[:12]}"
    events = ari.channel_events(chan)
    await ari.originate(f"PJSIP/{number}@{settings.trunk}", channel_id=chan,
                        app=settings.ari_app, app_args="asr", timeout=15)
    while (await asyncio.wait_for(events.get(), timeout)).get("type") != "StasisStart":
        pass
    bridge = f"{chan}-br"
    await ari.create_bridge("mixing", bridge_id=bridge)
    media = await MediaSession.create(ari, settings.ari_app)
    pcm = bytearray()
    try:
        await ari.add_channel(bridge, chan)
        await ari.add_channel(bridge, media.channel_id)
        media.keep_alive()
        deadline = time.monotonic() + timeout
        heard, last_voice = False, time.monotonic()
        while time.monotonic() < deadline:
            frame = await media.read(0.05)
            now = time.monotonic()
            if frame is not None:
                pcm += frame
                if rms_dbfs(frame) > -45:
                    heard, last_voice = True, now
            if heard and now - last_voice > 1.0:
                break
    finally:
        await media.close()
        try:
            await ari.hangup(chan)
        except Exception:  # noqa: BLE001 - the far end may have gone
            pass
        await ari.destroy_bridge(bridge)
        ari.release(chan)
    return bytes(pcm)


async def run() -> dict:
    settings = settings_for_bench("asr")
    engines = Engines(settings)
    book = ScenarioBook({f"1555030{i:04d}": Scenario(number=f"1555030{i:04d}", name=f"s{i}",
                                                       greeting=s, answer_delay_s=0.2)
                         for i, s in enumerate(SENTENCES)})
    sim = DebtorSimulator(settings, book, engines.tts, engines.prompts)
    await sim.warm_up()
    await engines.asr.warm_up()
    await sim.start()
    ari = AriClient(settings.ari_base, settings.ari_user, settings.ensure_ari_password(),
                    [settings.ari_app])
    await ari.start()
    out_dir = settings.home / "captures"
    out_dir.mkdir(parents=True, exist_ok=True)
    errors = ref_words = 0
    lat = []
    try:
        for i, sentence in enumerate(SENTENCES):
            pcm = await capture(ari, settings, f"+1555030{i:04d}")
            write_wav(out_dir / f"{i:02d}.wav", pcm, 16000)
            tr = await engines.asr.transcribe(pcm, 16000, "en")
            ref, hyp = words(sentence), words(tr.text)
            e = edit_distance(ref, hyp)
            errors += e
            ref_words += len(ref)
            lat.append(tr.elapsed_s * 1000)
            print(f"{e:>2}/{len(ref):<2} {tr.elapsed_s * 1000:6.0f} ms  {sentence!r} -> {tr.text!r}",
                  flush=True)
    finally:
        await ari.close()
        await sim.stop()
        await engines.aclose()
    wer = errors / max(ref_words, 1)
    print(f"WER {wer:.3f} ({errors} errors / {ref_words} words, {len(SENTENCES)} utterances, "
          f"8 kHz mu-law through Asterisk); decode p50 {pct(lat, 50):.0f} ms, "
          f"p95 {pct(lat, 95):.0f} ms (whole utterance, after the call)")
    print(f"captures: {out_dir}")
    return {"wer": round(wer, 4), "words": ref_words, "utterances": len(SENTENCES),
            "engine": settings.asr_engine, "decode_p50_ms": round(pct(lat, 50), 1),
            "decode_p95_ms": round(pct(lat, 95), 1)}


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    with e2e_lock():  # the debtors' ARI app is shared with e2e sessions
        print(json.dumps(asyncio.run(run())))


if __name__ == "__main__":
    main()
