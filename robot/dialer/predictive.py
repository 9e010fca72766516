"""Predictive campaign runner: dial ahead of human agents, answered calls to their queue.

``dunbot campaign run NAME`` lands here when the campaign's mode is ``predictive``
(``dunbot campaign set NAME --mode predictive ...``). The robot takes no part: each call
is originated through AMI into the ``dunbot-predictive`` dialplan (recording, AMD, then
``Queue`` with a short wait, else the no-agent message). The loop, several times a
second and at every AMI event:

1. reads the agents' states (:class:`~robot.dialer.agents.AgentTracker`, fed by AMI
   events and re-synced with ``QueueStatus`` after every reconnect);
2. asks :func:`~robot.dialer.pacedecision.decide` how many to dial, from those states,
   the calls in flight and the store's measurements (answer rate, delays, abandonment
   over 30 days, refreshed after every finished call);
3. for each dial, asks the compliance guard again (stored, as in robot mode), commits
   the attempt, and originates it - the pacing explanation goes with the attempt;
4. commits every finished call (result, disposition ``agent``/``abandoned``/..., the
   message played, the recordings) in one transaction.

Crash safety is the robot runner's: the attempt is committed before the dial, and an
attempt left open is marked ``interrupted`` by the next run.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from robot.config import Settings
from robot.dialer.agents import AgentTracker, queue_wrapup_s
from robot.dialer.dialing import Clock, Dialing, utc_now
from robot.dialer.noagent import SOUNDS_SUBDIR, install_sounds
from robot.dialer.pacedecision import decide
from robot.dialer.pacestats import measure
from robot.dialer.pacing import PredictivePacer
from robot.dialer.predictive_call import ABANDONED, PredictiveCall
from robot.logs import mask_phone
from robot.store.db import Store
from robot.store.models import Account, Turn
from robot.telephony.ami import AmiClient, AmiError
from robot.telephony.asterisk_config import CONFIG_SRC

log = logging.getLogger(__name__)
#: Longest pause between two pacing decisions when no AMI event arrives.
TICK_S = 0.25


@dataclass
class _RecDeps:
    """What :func:`robot.telephony.call.collect_recordings` reads."""

    settings: Settings
    spool_dir: Path


def _at(epoch: float | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC)


class PredictiveRun:
    """One pass of a predictive campaign (see the module docstring)."""

    def __init__(self, settings: Settings, store: Store, campaign: dict[str, Any],
                 dialing: Dialing, ami: AmiClient, *, amd: bool, sounds: dict[str, tuple[str, str]],
                 spool: Path, summary: Any, observer: Any) -> None:
        self.settings, self.store, self.campaign = settings, store, campaign
        self.dialing, self.ami, self.amd = dialing, ami, amd
        self.s = dialing.settings
        self.sounds, self.spool = sounds, spool
        self.summary, self.observer = summary, observer
        self.wrap_s = queue_wrapup_s((CONFIG_SRC / "queues.conf").read_text(), self.s.agent_queue)
        self.tracker = AgentTracker(self.s.agent_queue, self.wrap_s)
        self.calls: dict[str, PredictiveCall] = {}
        self.accounts: dict[str, Account] = {}
        self.pacer = PredictivePacer(abandon_cap=self.s.abandon_cap,
                                     max_channels=self.s.trunk_channels,
                                     cps_limit=self.s.trunk_cps)
        self.wake = asyncio.Event()
        self.dials: deque[float] = deque()
        self.decisions: list[str] = []
        self._stores: set[asyncio.Task[None]] = set()

    # -- AMI ---------------------------------------------------------------------------
    def on_event(self, ev: dict[str, str]) -> None:
        now = time.time()
        self.tracker.apply(ev, now)
        kind = ev.get("Event")
        if kind == "UserEvent":
            key = ev.get("Attempt")
        elif kind == "OriginateResponse":  # Uniqueid is "<null>" when no channel was made
            key = ev.get("ActionID", "").removeprefix("orig-")
        else:
            key = ev.get("Uniqueid")
        call = self.calls.get(key or "")
        if call is not None and not call.done:
            call.apply(ev, now)
        self.wake.set()

    async def resync(self) -> None:
        """After (re)login: a fresh agent snapshot, and calls in flight that Asterisk no
        longer has (their end was missed while AMI was away) are closed as lost."""
        snapshot = await self.ami.action_list("QueueStatus", Queue=self.s.agent_queue)
        self.tracker.reset(snapshot, time.time())
        if not self.calls:
            return
        channels = {ev.get("Uniqueid") for ev in await self.ami.action_list("Status")}
        for call in list(self.calls.values()):
            if not call.done and call.attempt_id not in channels and call.failed_at is None:
                call.mark_lost(time.time())
        self.wake.set()

    # -- the loop ------------------------------------------------------------------------
    async def run(self, pending: deque[Account], stop: asyncio.Event) -> None:
        stats = await measure(self.store, self.campaign["id"], self.dialing.clock())
        while True:
            if not self.calls and (not pending or stop.is_set()):
                break
            now = time.time()
            while self.dials and now - self.dials[0] >= 1.0:
                self.dials.popleft()
            if pending and not stop.is_set() and self.ami.connected.is_set():
                d = decide(self.tracker.counts(now), self.calls.values(), stats, self.pacer,
                           dials_last_second=len(self.dials), pending=len(pending),
                           wrap_s=self.wrap_s)
                if d.n:
                    self.decisions.append(d.reason)
                for _ in range(d.n):
                    await self.dial(pending.popleft(), d.reason)
            for call in list(self.calls.values()):
                if call.ringing and now - call.dialled_at > self.settings.ring_timeout + 30:
                    call.failed_at = now - 10  # Asterisk never reported on it
                call.expire(now)
            for call in [c for c in self.calls.values() if c.done]:
                del self.calls[call.attempt_id]
                await self.finish(call)
                stats = await measure(self.store, self.campaign["id"], self.dialing.clock())
            self.wake.clear()
            try:
                await asyncio.wait_for(self.wake.wait(), TICK_S)
            except asyncio.TimeoutError:
                pass
        log.debug("predictive loop done; open calls: %s", list(self.calls))
        await asyncio.gather(*self._stores, return_exceptions=True)

    async def dial(self, account: Account, reason: str) -> None:
        attempt_id = uuid.uuid4().hex
        decision = await self.dialing.decide(account, attempt_id)
        if not decision.callable:
            self.summary.block(decision)
            self.observer.blocked(account, decision)
            return
        await self.store.begin_attempt(attempt_id, self.campaign["id"], account)
        call = PredictiveCall(attempt_id, account.id, account.lang, time.time(), pacing=reason)
        self.calls[attempt_id] = call
        self.accounts[attempt_id] = account
        self.dials.append(time.time())
        self.observer.dialing(account, attempt_id)
        sound = self.sounds.get(account.lang) or next(iter(self.sounds.values()))
        log.info("predictive %s: dialling %s", attempt_id, mask_phone(account.phone))
        try:
            await self.ami.action(
                "Originate", Channel=f"PJSIP/{account.phone}@{self.settings.trunk}",
                Context="dunbot-predictive", Exten="s", Priority=1,
                Timeout=self.settings.ring_timeout * 1000, ChannelId=attempt_id, Async="true",
                ActionID=f"orig-{attempt_id}",
                Variable=[f"DUNBOT_ATTEMPT={attempt_id}", f"DUNBOT_AMD={1 if self.amd else 0}",
                          f"DUNBOT_AGENT_QUEUE={self.s.agent_queue}",
                          f"DUNBOT_AGENT_WAIT={max(1, int(self.s.agent_wait_s))}",
                          f"DUNBOT_NOAGENT={SOUNDS_SUBDIR}/{sound[0]}"])
        except AmiError as exc:
            log.warning("predictive %s: originate failed: %s", attempt_id, exc)
            call.originate_reason, call.failed_at = "0", time.time() - 10

    async def finish(self, call: PredictiveCall) -> None:
        """Commit one ended call now (the pacer measures from it at once); its recordings
        are added when MixMonitor has closed the files."""
        result, disposition, notes = call.outcome()
        turns = []
        if call.noagent_at is not None and call.answered_at is not None:
            start = call.noagent_at - call.answered_at
            end = (call.ended_at or call.noagent_at) - call.answered_at
            turns.append(Turn("robot", self.sounds.get(call.lang, ("", ""))[1], round(start, 3),
                              round(max(end, start), 3), state="noagent"))
        account = self.accounts.pop(call.attempt_id)
        duration = (round(call.ended_at - call.answered_at, 3)
                    if call.answered_at and call.ended_at else 0.0)
        await self.store.finish_attempt(
            call.attempt_id, result=result, disposition=disposition,
            hangup_cause=call.hangup_cause, amd_status=call.amd_status,
            answered_at=_at(call.answered_at), ended_at=_at(call.ended_at),
            duration_s=duration, turns=turns, notes=notes, agent_id=call.agent)
        self.summary.called += 1
        counts = self.summary.by_disposition
        counts[disposition] = counts.get(disposition, 0) + 1
        log.info("predictive %s (%s): %s / %s", call.attempt_id, mask_phone(account.phone),
                 result, disposition)
        self.observer.done(account, Finished(call.attempt_id, result, disposition, duration))
        if call.answered_at is not None:
            task = asyncio.create_task(self._recordings(call.attempt_id))
            self._stores.add(task)
            task.add_done_callback(self._stores.discard)

    async def _recordings(self, attempt_id: str) -> None:
        from robot.telephony.call import collect_recordings

        deps = _RecDeps(self.settings, self.spool)
        recs = await collect_recordings(deps, attempt_id)  # type: ignore[arg-type]
        async with self.store.transaction(f"recordings of {attempt_id}") as db:
            await db.executemany(
                "INSERT INTO recordings (attempt_id, kind, path, duration_s, sha256)"
                " VALUES (?, ?, ?, ?, ?)",
                [(attempt_id, r.kind, str(r.path), r.duration_s, r.sha256) for r in recs])


@dataclass(frozen=True)
class Finished:
    """What an observer is told about a finished predictive call."""

    attempt_id: str
    result: str
    disposition: str
    duration_s: float


async def run_predictive(settings: Settings, name: str, *, amd: bool = True,
                         limit: int | None = None, engines: Any = None,
                         observer: Any = None, stop: asyncio.Event | None = None,
                         clock: Clock = utc_now) -> Any:
    """Run one pass of predictive campaign ``name``; returns a runner ``RunSummary``.

    ``engines`` supplies ``tts(lang)`` and ``prompts`` for the no-agent message (the
    robot's :class:`~robot.dialer.runner.Engines`, or a lighter object with those two).
    """
    from robot.dialer.runner import Observer, RunSummary, select_pending
    from robot.telephony.asterisk import spool_dir

    stop = stop or asyncio.Event()
    observer = observer or Observer()
    summary = RunSummary(name)
    store = await Store.open(settings.db_path)
    ami: AmiClient | None = None
    try:
        campaign = await store.require_campaign(name)
        dialing = await Dialing.open(store, campaign["id"], clock)
        pending = await select_pending(store, campaign, dialing, summary, observer, limit)
        observer.planned(len(pending))
        if not pending:
            return summary
        engines = engines or SpeechForMessages(settings)
        spool = spool_dir(settings)
        sounds = await install_sounds(dialing.settings, campaign["id"], {a.lang for a in pending},
                                      spool / SOUNDS_SUBDIR, engines.tts, engines.prompts)
        ami = AmiClient.from_settings(settings)
        run = PredictiveRun(settings, store, campaign, dialing, ami, amd=amd, sounds=sounds,
                            spool=spool, summary=summary, observer=observer)
        ami.on("*", run.on_event)
        ami.on_connect(run.resync)
        await ami.start()
        await run.run(deque(pending), stop)
        summary.stopped_early = stop.is_set()
        summary.pacing = run.decisions
        return summary
    finally:
        if ami is not None:
            await ami.close()
        await store.close()


class SpeechForMessages:
    """TTS engines and the prompt cache only: a predictive run needs no ASR."""

    def __init__(self, settings: Settings) -> None:
        from robot.speech.tts.cache import PromptCache

        self.settings = settings
        self.prompts = PromptCache(settings)
        self._tts: dict[str, Any] = {}

    def tts(self, lang: str) -> Any:
        from robot.speech.tts.base import create_tts

        if lang not in self._tts:
            self._tts[lang] = create_tts(self.settings, lang)
        return self._tts[lang]
