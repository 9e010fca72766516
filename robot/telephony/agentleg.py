"""After a transfer: keep transcribing the call, the borrower and the human agent apart.

Why: QA must hear what human collectors say while they say it (a threat is worth an
alert within seconds, not next month), and the robot's pipeline is the one already
listening. When the robot hands the borrower's channel to the agents' queue, the channel
leaves our Stasis application, so we can no longer bridge it. Asterisk's *snoop* channels
still reach it: an audiohook on the borrower's channel, one per direction, each entering
our application as a channel of its own:

* ``spy=in``  - what Asterisk receives from the borrower  -> speaker ``debtor``;
* ``spy=out`` - what the borrower hears: ringing while queued, then the agent
  -> speaker ``agent``, listened to only once the queue reports the agent answered.

Each snoop is bridged with a :class:`~robot.telephony.media.MediaSession`, and its audio
goes through the same VAD endpointer and ASR as the robot's calls. Nothing here touches
the borrower's audio path: the agent and the borrower hear each other exactly as before.

Facts relied on (checked against Asterisk 22): a channel subscribed with
``/applications/{app}/subscription?eventSource=channel:ID`` keeps sending its events to
the application after it leaves Stasis; when an agent picks up, app_queue reports a
``Dial`` event with ``caller`` = the borrower's channel and ``dialstatus`` ``ANSWER``,
then sets ``MEMBERNAME`` on it (``ChannelVarset``); snoop channels end (``StasisEnd``)
when the snooped channel goes away. No ``ChannelEnteredBridge`` arrives for the queue's
bridge, so the ``Dial`` event is the signal.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from robot.errors import TelephonyError
from robot.speech.audio import turn_level
from robot.speech.vad import Endpointer
from robot.store.models import Turn
from robot.telephony.ari import AriClient
from robot.telephony.media import MediaSession

log = logging.getLogger(__name__)

#: Snoop direction -> transcript speaker.
LEGS = (("in", "debtor"), ("out", "agent"))
#: A leg's pause that ends an utterance: people talking to people pause longer than
#: the robot's endpointing expects of a one-line answer.
END_SILENCE_MS = 800
#: The endpointer's clock ticks this often while no audio arrives.
TICK_S = 0.05

Transcribe = Callable[[bytes, str], Any]  # (pcm 16 kHz, lang) -> awaitable with .text


@dataclass
class _Leg:
    speaker: str
    snoop_id: str
    bridge_id: str
    media: MediaSession | None = None
    listening: bool = False
    speech_at: float | None = None  # clock time the utterance in progress started
    task: asyncio.Task[None] | None = None
    ep: Endpointer = field(default_factory=lambda: Endpointer(end_silence_ms=END_SILENCE_MS))


class AgentLeg:
    """Transcribes one transferred call until the borrower hangs up.

    Create with :meth:`attach` *before* the channel leaves for the queue (so nothing the
    borrower says meanwhile is lost), then :meth:`follow` after. ``on_turn`` gets every
    turn as it is recognised; ``t0`` is the monotonic time of the answer (turn times are
    relative to it, like the robot's turns).
    """

    def __init__(self, ari: AriClient, app: str, channel_id: str, *, t0: float,
                 transcribe: Transcribe, lang: str, on_turn: Callable[[Turn], None]) -> None:
        self.ari = ari
        self.app = app
        self.channel_id = channel_id
        self.t0 = t0
        self.transcribe = transcribe
        self.lang = lang
        self.on_turn = on_turn
        self.turns: list[Turn] = []
        #: The agent's queue member name (``MEMBERNAME``) once one answered.
        self.agent: str | None = None
        self.agent_answered_at: float | None = None
        self.legs = [_Leg(speaker, f"{channel_id}-snoop-{spy}", f"{channel_id}-snoop-{spy}-br")
                     for spy, speaker in LEGS]
        self._decodes: set[asyncio.Task[None]] = set()
        self._lock = asyncio.Lock()  # turns are appended in the order they ended

    async def attach(self) -> None:
        """Snoop both directions and start listening to the borrower at once."""
        for (spy, _), leg in zip(LEGS, self.legs):
            events = self.ari.channel_events(leg.snoop_id)
            try:
                await self.ari.request("POST", f"/channels/{self.channel_id}/snoop", params={
                    "spy": spy, "whisper": "none", "app": self.app, "appArgs": "snoop",
                    "snoopId": leg.snoop_id})  # fmt: skip
                async with asyncio.timeout(5):
                    while (await events.get()).get("type") != "StasisStart":
                        pass
            except TimeoutError:
                raise TelephonyError(f"snoop channel {leg.snoop_id} never entered Stasis") from None
            finally:
                self.ari.release(leg.snoop_id)
            await self.ari.create_bridge("mixing", bridge_id=leg.bridge_id)
            leg.media = await MediaSession.create(self.ari, self.app)
            await self.ari.add_channel(leg.bridge_id, leg.snoop_id)
            await self.ari.add_channel(leg.bridge_id, leg.media.channel_id)
            leg.task = asyncio.create_task(self._listen(leg), name=f"leg-{leg.snoop_id}")
        self.legs[0].listening = True

    async def follow(self, events: asyncio.Queue[dict[str, Any]],
                     max_s: float) -> dict[str, Any] | None:
        """Read the borrower channel's events until it is gone (or ``max_s`` passed);
        returns the event that ended it (the caller reads the hang-up cause from it)."""
        deadline = time.monotonic() + max_s
        try:
            while (left := deadline - time.monotonic()) > 0:
                try:
                    ev = await asyncio.wait_for(events.get(), min(left, 0.5))
                except TimeoutError:
                    if all(leg.task is None or leg.task.done() for leg in self.legs):
                        return None  # both snoops ended: the channel is gone already
                    continue
                kind = ev.get("type")
                if (kind == "Dial" and (ev.get("caller") or {}).get("id") == self.channel_id
                        and ev.get("dialstatus") == "ANSWER"):
                    self.agent_answered_at = time.monotonic()
                    self.legs[1].listening = True
                elif kind == "ChannelVarset" and ev.get("variable") == "MEMBERNAME":
                    self.agent = ev.get("value") or self.agent
                elif kind in ("ChannelDestroyed", "ChannelLost"):
                    return ev
            log.info("call %s: agent leg longer than %.0f s; no longer transcribed",
                     self.channel_id, max_s)
            return None
        finally:
            await self.close()

    async def close(self) -> None:
        """End every utterance in progress, wait for its text, hang up the snoops."""
        for leg in self.legs:
            if leg.task is not None:
                leg.task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await leg.task
                leg.task = None
            if leg.listening:
                for ev in leg.ep.flush():
                    self._decode(leg, ev.pcm, ev.t)
        if self._decodes:
            await asyncio.gather(*self._decodes, return_exceptions=True)
        for leg in self.legs:
            if leg.media is not None:
                await leg.media.close()
                leg.media = None
            with contextlib.suppress(TelephonyError):
                await self.ari.hangup(leg.snoop_id)
            with contextlib.suppress(TelephonyError):
                await self.ari.destroy_bridge(leg.bridge_id)

    async def _listen(self, leg: _Leg) -> None:
        assert leg.media is not None
        media, ep = leg.media, leg.ep
        while True:
            try:
                frame = await media.read(TICK_S)
            except TelephonyError:
                return  # the snoop ended: the borrower hung up
            now = time.monotonic()
            if not leg.listening:  # the agent's side before an agent answered: ringing
                continue
            events = ep.push(frame, now) if frame is not None else ep.tick(now)
            for ev in events:
                if ev.kind == "speech_start":
                    leg.speech_at = ev.t
                elif ev.kind == "speech_end" and ev.pcm:
                    self._decode(leg, ev.pcm, ev.t)

    def _decode(self, leg: _Leg, pcm: bytes, t_end: float) -> None:
        start, leg.speech_at = leg.speech_at or t_end - len(pcm) / 32000, None

        async def run() -> None:
            try:
                result = await self.transcribe(pcm, self.lang)
            except Exception as exc:  # noqa: BLE001 - one bad decode must not end the leg
                log.warning("call %s: %s turn not transcribed: %s", self.channel_id, leg.speaker, exc)
                return
            text = (result.text or "").strip()
            if not text:
                return
            turn = Turn(speaker=leg.speaker, text=text, start_s=round(start - self.t0, 3),
                        end_s=round(t_end - self.t0, 3), level_dbfs=turn_level(pcm))
            async with self._lock:
                self.turns.append(turn)
                self.on_turn(turn)

        task = asyncio.create_task(run())
        self._decodes.add(task)
        task.add_done_callback(self._decodes.discard)
