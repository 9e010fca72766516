"""One robot call, from the dial to the stored result.

The call runs in phases, each a short coroutine:

1. **dial** — originate with a channel id we chose (the attempt id, committed to the
   store before this runs) into our Stasis app, so every event of the channel reaches
   us from its creation: ``Dial`` (dial status), ``ChannelDestroyed`` (hang-up cause).
2. **screen** — on answer the channel continues into the ``dunbot-outbound`` dialplan
   context, which starts the two-leg MixMonitor recording and runs AMD, then comes
   back into Stasis with ``amd,STATUS,CAUSE`` (or ``direct`` without AMD).
3. **converse** — the media loop, one turn at a time::

       caller audio -> VAD (end of utterance) -> ASR -> NLU + dialogue -> TTS -> caller

   A watcher task consumes the channel's events meanwhile: a hang-up or a lost
   channel (Asterisk restarted) ends the conversation at once.
4. **wrap up** — hang up if still up, classify the attempt, collect the recordings.

Nothing here writes to the store: the runner commits :class:`CallResult` in one
transaction when the call has ended.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import shutil
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

from robot.config import Settings
from robot.errors import AriError, DunbotError, TelephonyError
from robot.logs import mask_phone
from robot.speech.audio import duration_s, read_wav, silence
from robot.speech.vad import Endpointer
from robot.store.models import Account, Recording, Turn
from robot.telephony.ari import AriClient
from robot.telephony.classify import classify_attempt
from robot.telephony.media import MediaSession

log = logging.getLogger(__name__)

#: Seconds of caller silence before the dialogue's no-input handling runs.
NO_INPUT_S = 7.0
#: Hard cap on one conversation, whatever the dialogue does.
MAX_CALL_S = 240.0
#: Asterisk's soft hang-up reason flags (channel.h) that mean "Asterisk is going away".
SOFTHANGUP_SHUTDOWN = 1 << 2
SOFTHANGUP_APPUNLOAD = 1 << 4
#: Pause inserted between two prompts spoken in one turn.
PROMPT_GAP_MS = 250


@dataclass
class CallDeps:
    """What every call of a campaign run shares: connections, engines, the script."""

    settings: Settings
    ari: AriClient
    asr: Any  # robot.speech.asr.base.STT
    tts: Callable[[str], Any]  # lang -> robot.speech.tts.base.TTS
    prompts: Any  # robot.speech.tts.cache.PromptCache
    script_for: Callable[[str], Any]  # lang -> robot.dialogue.loader.Script
    session_factory: Callable[..., Any]  # (script, account, today) -> DialogSession
    today_for: Callable[[Account], date]  # the borrower's local date
    amd: bool = True
    spool_dir: Path | None = None


@dataclass
class CallResult:
    attempt_id: str
    result: str = "failed"
    disposition: str = "failed"
    hangup_cause: int | None = None
    dialstatus: str | None = None
    amd_status: str | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    duration_s: float | None = None
    turns: list[Turn] = field(default_factory=list)
    ptp_amount: Decimal | None = None
    ptp_date: date | None = None
    stop_calling: bool = False
    notes: str | None = None
    recordings: list[Recording] = field(default_factory=list)


def _now() -> datetime:
    return datetime.now(timezone.utc)


class Call:
    """Drives one outbound call; :meth:`run` never raises for telephony trouble."""

    def __init__(self, deps: CallDeps, attempt_id: str, account: Account) -> None:
        self.deps = deps
        self.ari = deps.ari
        self.account = account
        self.res = CallResult(attempt_id)
        self.events = self.ari.channel_events(attempt_id)
        self.hungup = asyncio.Event()
        self.lost = False
        self.media: MediaSession | None = None
        self.bridge_id: str | None = None
        self._t0 = 0.0  # monotonic time of the answer: turn times are relative to it

    @property
    def id(self) -> str:
        return self.res.attempt_id

    # -- phases ----------------------------------------------------------------------
    async def run(self) -> CallResult:
        answered = False
        try:
            answered = await self._dial()
            if answered:
                await self._screen()
                if not self.hungup.is_set() and self.res.amd_status != "MACHINE":
                    await asyncio.wait_for(self._converse(), MAX_CALL_S)
        except asyncio.TimeoutError:
            self.res.notes = "call exceeded the maximum length"
        except DunbotError as exc:
            log.warning("call %s: %s", self.id, exc)
            self.res.notes = str(exc)[:300]
        except Exception as exc:  # noqa: BLE001 - one broken call must not stop the campaign
            log.exception("call %s: internal error", self.id)
            self.res.notes = f"internal error: {exc!r}"[:300]
        finally:
            await self._wrap_up(answered)
        return self.res

    async def _dial(self) -> bool:
        s = self.deps.settings
        phone = self.account.phone
        log.info("call %s: dialling %s", self.id, mask_phone(phone))
        await self.ari.originate(
            f"PJSIP/{phone}@{s.trunk}",
            channel_id=self.id,
            app=s.ari_app,
            app_args="dial",
            # DUNBOT_APP overrides the dialplan global, so the call comes back into this
            # process's app even when several robots share one Asterisk.
            variables={"DUNBOT_ATTEMPT": self.id, "DUNBOT_AMD": "1" if self.deps.amd else "0",
                       "DUNBOT_APP": s.ari_app},
            timeout=s.ring_timeout,
        )
        deadline = time.monotonic() + s.ring_timeout + 15
        while True:
            ev = await self._next_event(deadline - time.monotonic())
            if ev is None:
                raise TelephonyError("no answer and no hang-up reported by Asterisk")
            kind = ev.get("type")
            if kind == "StasisStart":
                self.res.answered_at = _now()
                self._t0 = time.monotonic()
                return True
            if self._is_end(ev):
                return False

    async def _screen(self) -> None:
        """Send the answered channel through the recording + AMD dialplan and back."""
        s = self.deps.settings
        await self.ari.request(
            "POST", f"/applications/{s.ari_app}/subscription",
            params={"eventSource": f"channel:{self.id}"},
        )
        await self.ari.request(
            "POST", f"/channels/{self.id}/continue",
            params={"context": s.outbound_context, "extension": "s", "priority": 1},
        )
        deadline = time.monotonic() + 15
        while True:
            ev = await self._next_event(deadline - time.monotonic())
            if ev is None:
                raise TelephonyError("the call did not come back from the AMD dialplan")
            if ev.get("type") == "StasisStart":
                args = ev.get("args") or []
                if args and args[0] == "amd":
                    self.res.amd_status = args[1] if len(args) > 1 else None
                return
            if self._is_end(ev):
                return

    async def _converse(self) -> None:
        deps = self.deps
        self.bridge_id = f"{self.id}-br"
        await self.ari.create_bridge("mixing", bridge_id=self.bridge_id)
        self.media = await MediaSession.create(self.ari, deps.settings.ari_app)
        await self.ari.add_channel(self.bridge_id, self.id)
        await self.ari.add_channel(self.bridge_id, self.media.channel_id)
        self.media.keep_alive()
        watcher = asyncio.create_task(self._watch())
        try:
            await self._dialogue()
        finally:
            watcher.cancel()

    async def _dialogue(self) -> None:
        account = self.account
        session = self.deps.session_factory(
            self.deps.script_for(account.lang), account_fields(account), self.deps.today_for(account)
        )
        step = session.start()
        while not self.hungup.is_set():
            await self._say(step)
            if step.ended or self.hungup.is_set():
                break
            pcm, heard_at = await self._listen()
            if self.hungup.is_set():
                break
            if pcm is None:
                step = session.no_input()
                continue
            t_end = time.monotonic() - self._t0
            tr = await self.deps.asr.transcribe(pcm, 16000, account.lang)
            text = tr.text.strip()
            step = session.handle(text) if text else session.no_input()
            self.res.turns.append(Turn(
                speaker="debtor", text=text, start_s=round(heard_at, 3),
                end_s=round(t_end, 3), intent=step.intent, state=step.state,
            ))
        out = session.outcome
        self.res.disposition = out.disposition
        self.res.ptp_amount = out.ptp_amount
        self.res.ptp_date = out.ptp_date
        self.res.stop_calling = bool(out.stop_calling)
        if out.transfer_queue and not self.hungup.is_set():
            await self._transfer(out.transfer_queue)

    async def _say(self, step: Any) -> None:
        if not step.prompts or self.media is None:
            return
        tts = self.deps.tts(self.account.lang)
        chunks: list[bytes] = []
        for i, prompt in enumerate(step.prompts):
            if i:
                chunks.append(silence(PROMPT_GAP_MS, 16000))
            chunks.append(await self.deps.prompts.render(tts, prompt.text))
        text = " ".join(p.text for p in step.prompts)
        start = time.monotonic() - self._t0
        playback = await self.media.play(b"".join(chunks))
        hang = asyncio.create_task(self.hungup.wait())
        try:
            await asyncio.wait({playback.done, hang}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            hang.cancel()
        self.res.turns.append(Turn(
            speaker="robot", text=text, start_s=round(start, 3),
            end_s=round(time.monotonic() - self._t0, 3), state=step.state,
        ))

    async def _listen(self) -> tuple[bytes | None, float]:
        """Wait for one caller utterance; ``(None, t)`` when the caller stays silent."""
        assert self.media is not None
        while await self.media.read(0) is not None:  # what arrived while we spoke
            pass
        ep = Endpointer()
        started = time.monotonic()
        speech_at: float | None = None
        while not self.hungup.is_set():
            frame = await self.media.read(0.05)
            now = time.monotonic()
            events = ep.push(frame, now) if frame else ep.tick(now)
            for ev in events:
                if ev.kind == "speech_start":
                    speech_at = now - self._t0
                elif ev.kind == "speech_end":
                    return ev.pcm, speech_at if speech_at is not None else now - self._t0
            if speech_at is None and now - started > NO_INPUT_S:
                return None, now - self._t0
        return None, time.monotonic() - self._t0

    async def _transfer(self, queue: str) -> None:
        """Hand the caller to a human queue: the channel leaves our app for the dialplan."""
        if self.media is not None:
            await self.media.close()
            self.media = None
        try:
            await self.ari.request(
                "POST", f"/channels/{self.id}/continue",
                params={"context": "dunbot-agent-transfer", "extension": queue, "priority": 1},
            )
            self.res.notes = f"transferred to queue {queue}"
        except AriError as exc:
            self.res.notes = f"transfer failed: {exc}"

    # -- events ------------------------------------------------------------------------
    async def _next_event(self, timeout: float) -> dict | None:
        if timeout <= 0:
            return None
        try:
            return await asyncio.wait_for(self.events.get(), timeout)
        except asyncio.TimeoutError:
            return None

    def _is_end(self, ev: dict) -> bool:
        """Note what an event says about the dial; True when the channel is gone."""
        kind = ev.get("type")
        log.debug("call %s: event %s cause=%s soft=%s", self.id, kind, ev.get("cause"), ev.get("soft"))
        if kind == "Dial" and (ev.get("peer") or {}).get("id") == self.id:
            status = ev.get("dialstatus") or None
            if status:
                self.res.dialstatus = status
        elif kind == "ChannelDestroyed":
            self.res.hangup_cause = ev.get("cause")
            self.hungup.set()
            return True
        elif kind == "ChannelLost":
            self.lost = True
            self.hungup.set()
            return True
        elif kind == "ChannelHangupRequest":
            cause = ev.get("cause")
            if not isinstance(cause, int):
                pass
            elif ev.get("soft"):
                # For a soft hang-up Asterisk reports its reason flags, not a Q.850 cause.
                if cause & (SOFTHANGUP_SHUTDOWN | SOFTHANGUP_APPUNLOAD):
                    self.lost = True  # Asterisk is stopping under the call
            else:
                self.res.hangup_cause = self.res.hangup_cause or cause
        return False

    async def _watch(self) -> None:
        while not self.hungup.is_set():
            ev = await self.events.get()
            self._is_end(ev)
            if ev.get("type") == "StasisEnd":
                self.hungup.set()

    # -- wrap up -----------------------------------------------------------------------
    async def _wrap_up(self, answered: bool) -> None:
        res = self.res
        if self.media is not None:
            try:
                await asyncio.wait_for(self.media.close(), 3)
            except Exception:  # noqa: BLE001 - Asterisk may be gone; the call is over anyway
                pass
        if not self.hungup.is_set():
            try:
                await self.ari.hangup(self.id)
            except TelephonyError:
                pass
            # ChannelDestroyed carries the hang-up cause; give it a moment to arrive.
            deadline = time.monotonic() + 3
            while not self.hungup.is_set():
                ev = await self._next_event(deadline - time.monotonic())
                if ev is None or self._is_end(ev):
                    break
            if not self.hungup.is_set():
                # Asterisk never said how the channel ended: it restarted, or our link
                # to it broke. Either way the attempt did not finish normally.
                self.lost = True
        if self.bridge_id:
            try:
                await self.ari.destroy_bridge(self.bridge_id)
            except TelephonyError:
                pass
        self.ari.release(self.id)
        res.ended_at = _now()
        if res.answered_at:
            res.duration_s = round((res.ended_at - res.answered_at).total_seconds(), 3)
        res.result = classify_attempt(
            answered=answered, dialstatus=res.dialstatus, hangup_cause=res.hangup_cause,
            amd_status=res.amd_status, lost=self.lost,
        )
        if res.result != "answered" or res.disposition == "failed":
            res.disposition = _disposition_for(res.result, answered)
        if answered:
            res.recordings = await collect_recordings(self.deps, self.id)


def _disposition_for(result: str, answered: bool) -> str:
    if result == "answered":
        return "no_contact"
    return result


def account_fields(account: Account) -> dict[str, Any]:
    """The account as the dialogue's templates and conditions see it."""
    return {
        "id": account.id, "name": account.name, "amount_due": account.amount_due,
        "currency": account.currency, "due_date": account.due_date,
        "days_past_due": account.days_past_due, "bucket": account.bucket,
        "lang": account.lang, **(account.extra or {}),
    }


async def collect_recordings(deps: CallDeps, attempt_id: str) -> list[Recording]:
    """Move the MixMonitor files of an attempt into the recordings folder.

    MixMonitor closes its files a moment after the hang-up, so wait until each file
    exists and its size has stopped changing.
    """
    if deps.spool_dir is None:
        return []
    src_dir = deps.spool_dir / "monitor" / "dunbot"
    dst_dir = deps.settings.recordings_dir
    dst_dir.mkdir(parents=True, exist_ok=True)
    found: list[Recording] = []
    for kind, suffix in (("mix", ""), ("rx", "-rx"), ("tx", "-tx")):
        src = src_dir / f"{attempt_id}{suffix}.wav"
        if not await _settled(src):
            continue
        dst = dst_dir / src.name
        await asyncio.to_thread(shutil.move, str(src), str(dst))
        data = dst.read_bytes()
        try:
            pcm, rate = read_wav(dst)
            dur = round(duration_s(pcm, rate), 3)
        except Exception:  # noqa: BLE001 - a broken file is still evidence; keep it
            dur = 0.0
        found.append(Recording(kind=kind, path=str(dst), duration_s=dur,
                               sha256=hashlib.sha256(data).hexdigest()))
    return found


async def _settled(path: Path, timeout: float = 6.0) -> bool:
    deadline = time.monotonic() + timeout
    last = -1
    while time.monotonic() < deadline:
        size = path.stat().st_size if path.exists() else -1
        if size > 44 and size == last:
            return True
        last = size
        await asyncio.sleep(0.3)
    return path.exists()
