"""Simulated human agents: real queue members answered by a program.

Each agent is a member ``Local/<name>@dunbot-sim-agent-app/n`` of the agent queue,
added and paused through AMI exactly as a real agent desktop would (``QueueAdd``,
``QueuePause``). When app_queue rings an agent, the Local channel's far half enters
this simulator's ARI application with the agent's name and the attempt id; the
simulator lets it ring ``answer_delay_s``, answers, "talks" for ``talk_s`` (silence;
or says ``lines`` aloud through TTS, a pause after each, when given; a line given as
``(text, gain_db)`` is said that much louder or quieter, so a test can make an agent
raise their voice) and hangs up. So
app_queue sees a genuine member ring, answer, talk and complete, and tests can make
every agent busy (long talks) or away (paused), and check which attempt reached which
agent (:attr:`AgentSimulator.calls`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from robot.config import Settings
from robot.errors import TelephonyError
from robot.sim.channel import watch_hangup
from robot.speech.audio import gain
from robot.telephony.ami import AmiClient
from robot.telephony.ari import AriClient
from robot.telephony.media import MediaSession

log = logging.getLogger(__name__)

#: The ARI application of the simulated agents (the dialplan global DUNBOT_SIM_AGENT_APP).
APP = "dunbot-agent-sim"
CONTEXT = "dunbot-sim-agent-app"


@dataclass
class AgentCall:
    """One call an agent took (``time.time()`` instants)."""

    agent: str
    attempt_id: str
    channel_id: str
    rang_at: float = field(default_factory=time.time)
    answered_at: float | None = None
    ended_at: float | None = None
    said: list[str] = field(default_factory=list)  # lines it finished saying


class AgentSimulator:
    """A team of simulated agents in one queue."""

    def __init__(self, settings: Settings, names: list[str], *, queue: str = "collectors",
                 answer_delay_s: float = 0.3, talk_s: float = 3.0,
                 lines: Sequence[str | tuple[str, float]] = (),
                 tts: Callable[[str], Any] | None = None,
                 prompts: Any = None, lang: str = "en", pause_s: float = 2.5) -> None:
        if lines and (tts is None or prompts is None):
            raise ValueError("spoken lines need a TTS engine and a prompt cache")
        self.settings = settings
        self.lines = [(line, 0.0) if isinstance(line, str) else line for line in lines]
        self.tts, self.prompts, self.lang, self.pause_s = tts, prompts, lang, pause_s
        self.names = list(names)
        self.queue = queue
        self.answer_delay_s = answer_delay_s
        self.talk_s = talk_s
        self.ari = AriClient(settings.ari_base, settings.ari_user,
                             settings.ensure_ari_password(), [APP])
        self.ami = AmiClient.from_settings(settings)
        self.calls: list[AgentCall] = []
        self._tasks: set[asyncio.Task[None]] = set()

    @staticmethod
    def interface(name: str) -> str:
        return f"Local/{name}@{CONTEXT}/n"

    async def start(self, paused: bool = False) -> None:
        """Connect, and put every agent in the queue (fresh: no earlier state kept)."""
        self.ari.on("StasisStart", self._on_stasis_start)
        await self.ari.start()
        await self.ami.start()
        for name in self.names:
            with contextlib.suppress(TelephonyError):  # not a member: fine
                await self.ami.action("QueueRemove", Queue=self.queue,
                                      Interface=self.interface(name))
            await self.ami.action("QueueAdd", Queue=self.queue, Interface=self.interface(name),
                                  MemberName=name, Penalty=0, Paused="true" if paused else "false")

    async def pause(self, paused: bool = True, names: list[str] | None = None) -> None:
        """Pause (or unpause) some or all agents, as an agent's "break" button does."""
        for name in names or self.names:
            await self.ami.action("QueuePause", Queue=self.queue, Interface=self.interface(name),
                                  Paused="true" if paused else "false", Reason="simulated break")

    async def stop(self) -> None:
        """Remove the agents from the queue, end their calls, disconnect."""
        for name in self.names:
            with contextlib.suppress(TelephonyError):
                await self.ami.action("QueueRemove", Queue=self.queue,
                                      Interface=self.interface(name))
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.ami.close()
        await self.ari.close()

    def calls_of(self, name: str) -> list[AgentCall]:
        return [c for c in self.calls if c.agent == name]

    async def _on_stasis_start(self, ev: dict) -> None:
        args = ev.get("args") or []
        channel = ev.get("channel") or {}
        if not args or not channel.get("id"):
            return
        call = AgentCall(args[0], args[1] if len(args) > 1 else "", channel["id"])
        self.calls.append(call)
        task = asyncio.create_task(self._handle(call))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _handle(self, call: AgentCall) -> None:
        gone, watcher = watch_hangup(self.ari, call.channel_id)
        try:
            await self.ari.ring(call.channel_id)
            await asyncio.sleep(self.answer_delay_s)
            if gone.is_set():
                return
            await self.ari.answer(call.channel_id)
            call.answered_at = time.time()
            log.info("sim agent %s took attempt %s", call.agent, call.attempt_id)
            if self.lines:
                await self._say_lines(call, gone)
            else:
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(gone.wait(), self.talk_s)
            if not gone.is_set():
                await self.ari.hangup(call.channel_id)
        except TelephonyError as exc:
            log.info("sim agent %s: call ended: %s", call.agent, exc)
        finally:
            call.ended_at = time.time()
            watcher.cancel()
            self.ari.release(call.channel_id)

    async def _say_lines(self, call: AgentCall, gone: asyncio.Event) -> None:
        """Say each line to the borrower, then keep quiet ``pause_s`` (their turn)."""
        bridge_id = f"{call.channel_id}-agentbr"
        await self.ari.create_bridge("mixing", bridge_id=bridge_id)
        media = await MediaSession.create(self.ari, APP)
        try:
            await self.ari.add_channel(bridge_id, call.channel_id)
            await self.ari.add_channel(bridge_id, media.channel_id)
            media.keep_alive()
            for line, db in self.lines:
                assert self.tts is not None
                pcm = await self.prompts.render(self.tts(self.lang), line)
                playback = await media.play(gain(pcm, db) if db else pcm)
                waiter = asyncio.create_task(gone.wait())
                try:
                    await asyncio.wait({playback.done, waiter}, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    waiter.cancel()
                if gone.is_set():
                    return
                call.said.append(line)
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(gone.wait(), self.pause_s)
                if gone.is_set():
                    return
        finally:
            await media.close()
            with contextlib.suppress(TelephonyError):
                await self.ari.destroy_bridge(bridge_id)
