"""Scripted debtors: the callee side of test and demo calls, over real SIP.

The robot's call leaves Asterisk on the ``simtrunk`` PJSIP endpoint, crosses real SIP
and RTP on loopback and comes back in on ``simphone``, whose dialplan context hands
the still-ringing channel to this simulator's Stasis app with the dialled number.
The number selects a :class:`~robot.sim.scenarios.Scenario`: reject as busy, ring
until the robot gives up, or answer and hold a conversation — wait until the robot
has spoken and then fallen silent (timed by the clock: Asterisk sends no frames while
the far end is silent), then speak the next scripted reply, synthesised with the
same TTS engines the robot uses.

Telephony engineers use it to try their own dialogue scripts: ``dunbot sim debtor``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from robot.config import Settings
from robot.errors import TelephonyError
from robot.logs import mask_phone
from robot.sim.channel import watch_hangup
from robot.sim.scenarios import Scenario, ScenarioBook
from robot.speech.audio import rms_dbfs, voiced_span
from robot.telephony.ari import AriClient
from robot.telephony.media import MediaSession

log = logging.getLogger(__name__)

#: A frame louder than this (dBFS) counts as the robot speaking.
SPEECH_DBFS = -45.0
#: The robot must speak this long before its silence counts as "your turn".
MIN_ROBOT_SPEECH_S = 0.3
#: Give up waiting for the robot after this long.
TURN_TIMEOUT_S = 40.0


@dataclass
class SimTurn:
    """One scripted reply and what the debtor heard around it (``time.monotonic()``).

    ``speech_start``/``speech_end``: the reply's first and last audible sample as sent
    (the playback's completion minus the synthesised trailing silence);
    ``robot_audio_at``: the first audible robot frame after the reply ended, i.e. the
    robot's answer arriving (None if none came); for a reply said over the robot,
    ``robot_stopped_at`` is the last audible robot frame after we started talking.
    """

    text: str
    speech_start: float = 0.0
    speech_end: float = 0.0
    robot_audio_at: float | None = None
    barged: bool = False
    robot_stopped_at: float | None = None
    #: Seconds of audible robot audio heard while this (barged) reply was spoken.
    robot_during_s: float = 0.0
    #: End of the reply's audible speech by the clock: when the audio was handed to
    #: Asterisk plus the offset of its last voiced sample (no notification involved).
    sent_end: float = 0.0

    @property
    def latency_s(self) -> float | None:
        return None if self.robot_audio_at is None else self.robot_audio_at - self.speech_end


@dataclass
class SimCall:
    """What one simulated callee did: the record tests check against the store."""

    channel_id: str
    number: str
    scenario: str
    action: str
    started: float = field(default_factory=time.time)
    said: list[str] = field(default_factory=list)
    turns: list[SimTurn] = field(default_factory=list)
    ended: asyncio.Event = field(default_factory=asyncio.Event)


class DebtorSimulator:
    """Answers the robot's calls according to a scenario book."""

    def __init__(self, settings: Settings, book: ScenarioBook,
                 tts: Callable[[str], Any], prompts: Any) -> None:
        self.settings = settings
        self.book = book
        self.tts = tts
        self.prompts = prompts
        self.ari = AriClient(settings.ari_base, settings.ari_user,
                             settings.ensure_ari_password(), [settings.sim_app])
        self.calls: list[SimCall] = []
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self.ari.on("StasisStart", self._on_stasis_start)
        await self.ari.start()

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.ari.close()

    async def warm_up(self) -> None:
        """Render every scripted reply once, so no call waits for synthesis."""
        for sc in self.book.scenarios.values():
            for text in ([sc.greeting] if sc.greeting else []) + sc.replies:
                await self.prompts.render(self.tts(sc.lang), text)

    def calls_to(self, number: str) -> list[SimCall]:
        key = "".join(ch for ch in number if ch.isdigit())
        return [c for c in self.calls if c.number == key]

    async def _on_stasis_start(self, ev: dict) -> None:
        channel = ev.get("channel") or {}
        args = ev.get("args") or []
        if not args:
            return
        scenario = self.book.for_number(args[0])
        call = SimCall(channel["id"], scenario.number, scenario.name, scenario.answer)
        self.calls.append(call)
        task = asyncio.create_task(self._handle(call, scenario))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _handle(self, call: SimCall, sc: Scenario) -> None:
        log.info("sim: call to %s -> scenario %s (%s)", mask_phone(sc.number), sc.name, sc.answer)
        gone, watcher = watch_hangup(self.ari, call.channel_id)
        try:
            if sc.answer == "busy":
                await self.ari.hangup(call.channel_id, reason="busy")
            elif sc.answer == "reject":
                await self.ari.hangup(call.channel_id, reason="congestion")
            elif sc.answer == "no_answer":
                await self.ari.ring(call.channel_id)
                await gone.wait()
            else:
                await self.ari.ring(call.channel_id)
                await asyncio.sleep(sc.answer_delay_s)
                await self.ari.answer(call.channel_id)
                await self._converse(call, sc, gone)
        except TelephonyError as exc:
            log.info("sim: call %s ended: %s", call.channel_id, exc)
        finally:
            watcher.cancel()
            self.ari.release(call.channel_id)
            call.ended.set()

    async def _converse(self, call: SimCall, sc: Scenario, gone: asyncio.Event) -> None:
        bridge_id = f"{call.channel_id}-simbr"
        await self.ari.create_bridge("mixing", bridge_id=bridge_id)
        media = await MediaSession.create(self.ari, self.settings.sim_app)
        try:
            await self.ari.add_channel(bridge_id, call.channel_id)
            await self.ari.add_channel(bridge_id, media.channel_id)
            media.keep_alive()
            if sc.greeting:
                await self._speak(media, call, sc, sc.greeting, gone)
            for n, reply in enumerate(sc.replies):
                if sc.barge_in_after_ms is not None and n == sc.barge_in_reply:
                    if not await self._barge_in(media, call, sc, reply, gone):
                        return
                    continue
                if not await self._wait_turn(media, sc, gone, call):
                    return
                await self._speak(media, call, sc, reply, gone)
            if sc.then == "hangup":
                await self._wait_turn(media, sc, gone, call)
                await self.ari.hangup(call.channel_id)
            else:
                # Still listening: the robot's answer to the last reply is timed too.
                await self._wait_turn(media, sc, gone, call)
                await asyncio.wait_for(gone.wait(), TURN_TIMEOUT_S)
        except asyncio.TimeoutError:
            await self.ari.hangup(call.channel_id)
        finally:
            await media.close()
            await self.ari.destroy_bridge(bridge_id)

    async def _speak(self, media: MediaSession, call: SimCall, sc: Scenario,
                     text: str, gone: asyncio.Event, turn: SimTurn | None = None) -> None:
        pcm = await self.prompts.render(self.tts(sc.lang), text)
        first, last = voiced_span(pcm, 16000)
        turn = turn or SimTurn(text)
        playback = await media.play(pcm)
        turn.speech_start = playback.started_at + first
        turn.sent_end = playback.started_at + last
        waiter = asyncio.create_task(gone.wait())
        try:
            await asyncio.wait({playback.done, waiter}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()
        # Asterisk reports the end when the last frame has gone out: the audible end of
        # the reply lies the synthesised trailing silence before that.
        turn.speech_end = time.monotonic() - (len(pcm) / 32000 - last)
        call.said.append(text)
        call.turns.append(turn)

    async def _barge_in(self, media: MediaSession, call: SimCall, sc: Scenario,
                        text: str, gone: asyncio.Event) -> bool:
        """Say ``text`` over the robot's next prompt, ``barge_in_after_ms`` into it, and
        note until when the robot's audio kept coming."""
        while await media.read(0) is not None:
            pass
        deadline = time.monotonic() + TURN_TIMEOUT_S
        while not gone.is_set():  # the robot's turn starts
            if time.monotonic() > deadline:
                return False
            frame = await media.read(0.05)
            if frame is not None and rms_dbfs(frame) > SPEECH_DBFS:
                break
        await asyncio.sleep((sc.barge_in_after_ms or 0) / 1000)
        turn = SimTurn(text, barged=True)
        last_robot: list[float] = []

        async def listen() -> None:
            with contextlib.suppress(TelephonyError):  # the call may end meanwhile
                while True:
                    frame = await media.read(0.02)
                    if frame is not None and rms_dbfs(frame) > SPEECH_DBFS:
                        last_robot.append(time.monotonic())

        listener = asyncio.create_task(listen())
        try:
            await self._speak(media, call, sc, text, gone, turn)
        finally:
            listener.cancel()
        during = [t for t in last_robot if turn.speech_start <= t <= turn.speech_end]
        turn.robot_stopped_at = during[-1] if during else turn.speech_start
        turn.robot_during_s = round(len(during) * 0.02, 3)
        return not gone.is_set()

    async def _wait_turn(self, media: MediaSession, sc: Scenario, gone: asyncio.Event,
                         call: SimCall | None = None) -> bool:
        """Wait until the robot has spoken and then kept silent: True when it is our turn.

        The first audible robot frame is noted on the last reply's :class:`SimTurn`
        (turn latency as the debtor hears it)."""
        turn = call.turns[-1] if call is not None and call.turns else None
        if turn is not None and turn.robot_audio_at is not None:
            turn = None
        while await media.read(0) is not None:  # our own echo-free past: drop it
            pass
        spoke = 0.0
        last_voice = None
        deadline = time.monotonic() + TURN_TIMEOUT_S
        quiet = sc.turn_silence_ms / 1000
        while not gone.is_set() and time.monotonic() < deadline:
            frame = await media.read(0.05)
            now = time.monotonic()
            if frame is not None and rms_dbfs(frame) > SPEECH_DBFS:
                if turn is not None and turn.robot_audio_at is None:
                    turn.robot_audio_at = now
                spoke += len(frame) / 32000
                last_voice = now
            elif last_voice is not None and spoke >= MIN_ROBOT_SPEECH_S and now - last_voice >= quiet:
                return True
        return False
