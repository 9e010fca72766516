"""ARI and chan_websocket media through the real Asterisk, over real SIP and RTP.

One call crosses the loop trunk: the robot side enters Stasis ``dunbot`` through the
outbound dialplan, the callee side enters ``dunbot-debtor``. Each side gets its own
MediaSession in a bridge, so a tone the robot plays is heard by the debtor exactly as a
caller would hear it (through u-law on the SIP leg).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from robot.config import Settings
from robot.telephony.ari import AriClient
from robot.telephony.classify import classify_attempt
from robot.telephony.media import MediaSession

pytestmark = pytest.mark.e2e

TONE_HZ = 440.0


def tone(seconds: float, hz: float = TONE_HZ, rate: int = 16000) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    return (np.sin(2 * np.pi * hz * t) * 12000).astype("<i2").tobytes()


def is_tone(frame: bytes) -> bool:
    """True when a 20 ms frame is loud and its strongest frequency is near 440 Hz."""
    x = np.frombuffer(frame, dtype="<i2").astype(np.float64)
    if np.sqrt(np.mean(x**2)) < 1000:
        return False
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    peak_hz = np.argmax(spectrum) * 16000 / len(x)
    return abs(peak_hz - TONE_HZ) <= 50


@dataclass
class Listener:
    """Counts, on the debtor side, the 20 ms frames that carry the robot's tone."""

    media: MediaSession
    tone_frames: int = 0
    frames: int = 0

    async def run(self) -> None:
        while True:
            frame = await self.media.read(0.1)
            if frame is not None:
                self.frames += 1
                self.tone_frames += is_tone(frame)

    @property
    def tone_ms(self) -> int:
        return self.tone_frames * 20

    async def wait_tone(self, ms: int, timeout: float = 5.0) -> None:
        async with asyncio.timeout(timeout):
            while self.tone_ms < ms:
                await asyncio.sleep(0.01)

    async def settle(self, quiet_s: float = 0.6) -> None:
        """Wait until no more tone arrives for ``quiet_s``."""
        last = -1
        while last != self.tone_frames:
            last = self.tone_frames
            await asyncio.sleep(quiet_s)


@dataclass
class Leg:
    channel_id: str
    events: asyncio.Queue[dict[str, Any]]
    media: MediaSession | None = None
    bridge_id: str | None = None


async def next_event(q: asyncio.Queue[dict[str, Any]], *types: str, timeout: float = 15) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            event = await q.get()
            if event.get("type") in types:
                return event


@pytest.fixture
async def ari(asterisk: Settings) -> AsyncIterator[AriClient]:
    s = asterisk
    client = AriClient(s.ari_base, s.ari_user, s.ensure_ari_password(), [s.ari_app, s.sim_app])
    await client.start()
    yield client
    await client.close()


async def debtor_leg(ari: AriClient, settings: Settings, incoming: asyncio.Queue[dict[str, Any]]) -> Leg:
    start = await asyncio.wait_for(incoming.get(), 15)
    cid = start["channel"]["id"]
    return Leg(cid, ari.channel_events(cid))


async def attach_media(ari: AriClient, leg: Leg, app: str) -> MediaSession:
    leg.bridge_id = f"{leg.channel_id}-br"
    await ari.create_bridge("mixing", bridge_id=leg.bridge_id)
    leg.media = await MediaSession.create(ari, app)
    await ari.add_channel(leg.bridge_id, leg.channel_id)
    await ari.add_channel(leg.bridge_id, leg.media.channel_id)
    await leg.media.connect()
    return leg.media


async def cleanup(ari: AriClient, *legs: Leg) -> None:
    for leg in legs:
        if leg.media is not None:
            await leg.media.close()
        await ari.hangup(leg.channel_id)
        if leg.bridge_id:
            await ari.destroy_bridge(leg.bridge_id)
        ari.release(leg.channel_id)


def debtor_inbox(ari: AriClient, settings: Settings) -> asyncio.Queue[dict[str, Any]]:
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    def on_start(event: dict[str, Any]) -> None:
        if event.get("application") == settings.sim_app and event["channel"]["name"].startswith("PJSIP/"):
            ari.channel_events(event["channel"]["id"])  # receives this StasisStart too
            inbox.put_nowait(event)

    ari.on("StasisStart", on_start)
    return inbox


async def test_call_media_round_trip_flush_and_classification(ari: AriClient, asterisk: Settings) -> None:
    s = asterisk
    inbox = debtor_inbox(ari, s)
    attempt = f"t-{uuid.uuid4().hex[:12]}"
    robot = Leg(attempt, ari.channel_events(attempt))
    await ari.originate(
        f"PJSIP/100@{s.trunk}", channel_id=attempt, context=s.outbound_context,
        extension="s", priority=1, variables={"DUNBOT_ATTEMPT": attempt, "DUNBOT_AMD": "0"},
        timeout=15,
    )
    debtor = await debtor_leg(ari, s, inbox)
    try:
        start = await next_event(debtor.events, "StasisStart")
        assert start["args"] == ["100"] and start["channel"]["state"] != "Up"
        await ari.answer(debtor.channel_id)
        heard = await attach_media(ari, debtor, s.sim_app)

        start = await next_event(robot.events, "StasisStart")
        assert start["args"] == ["direct"]
        assert await ari.get_var(attempt, "DUNBOT_ATTEMPT") == attempt
        robot_media = await attach_media(ari, robot, s.ari_app)
        assert robot_media.frame_size == 640 and robot_media.started.get("format") == "slin16"

        listener = Listener(heard)
        listening = asyncio.create_task(listener.run())
        try:
            # 1 s of tone arrives whole; done fires once it has been heard, not before.
            playback = await robot_media.play(tone(1.0))
            assert await asyncio.wait_for(playback.done, 10) is True
            heard_at_done = listener.tone_ms
            await listener.settle()
            assert 800 <= listener.tone_ms <= 1200, listener.tone_ms
            assert heard_at_done >= 600, (heard_at_done, listener.tone_ms)
            assert playback.played_ms == 1000

            # Barge-in: 4 s queued, flushed after about half a second is heard.
            before = listener.tone_ms
            playback = await robot_media.play(tone(4.0))
            await listener.wait_tone(before + 400)
            played = await robot_media.flush()
            assert await asyncio.wait_for(playback.done, 1) is False
            assert 300 <= played < 2500 and playback.played_ms == played
            await listener.settle()
            cut = listener.tone_ms - before
            assert 300 <= cut <= 2000, cut  # far less than the 4 s queued
        finally:
            listening.cancel()

        # The debtor hangs up: the robot leg learns it, and it counts as answered. It came
        # into Stasis from the dialplan, so StasisEnd (not ChannelDestroyed) is its last
        # event and the cause comes with ChannelHangupRequest.
        await ari.hangup(debtor.channel_id)
        end = await next_event(robot.events, "ChannelHangupRequest")
        await next_event(robot.events, "StasisEnd")
        result = classify_attempt(answered=True, dialstatus=None, hangup_cause=end.get("cause"),
                                  amd_status=None, lost=False)
        assert end.get("cause") == 16 and result == "answered"
    finally:
        await cleanup(ari, robot, debtor)


async def test_busy_callee_is_classified_busy(ari: AriClient, asterisk: Settings) -> None:
    s = asterisk
    inbox = debtor_inbox(ari, s)
    attempt = f"t-{uuid.uuid4().hex[:12]}"
    robot = Leg(attempt, ari.channel_events(attempt))
    await ari.originate(f"PJSIP/101@{s.trunk}", channel_id=attempt, app=s.ari_app,
                        app_args=["dial"], timeout=15)
    debtor = await debtor_leg(ari, s, inbox)
    try:
        await ari.hangup(debtor.channel_id, reason="busy")
        dialstatus: str | None = None
        while True:
            event = await next_event(robot.events, "Dial", "ChannelDestroyed", "StasisStart")
            assert event["type"] != "StasisStart", "a busy callee must not answer"
            if event["type"] == "Dial" and event.get("dialstatus"):
                dialstatus = event["dialstatus"]
            if event["type"] == "ChannelDestroyed":
                break
        result = classify_attempt(answered=False, dialstatus=dialstatus,
                                  hangup_cause=event.get("cause"), amd_status=None, lost=False)
        assert event.get("cause") == 17 and result == "busy", (dialstatus, event.get("cause"))
    finally:
        await cleanup(ari, robot, debtor)
