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

   The robot keeps listening while it speaks: a caller who really starts talking
   (not a backchannel) flushes the prompt, unless a must-hear prompt is still playing
   (barge-in). Speech is decoded during the caller's pauses, so at the end of the
   utterance the transcript is usually ready; the words decoded set how long a pause
   ends the turn. Each answered turn leaves a :class:`TurnTiming` (benchmarks).

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
from robot.dialogue.emotion import classify_emotion
from robot.dialogue.emotion import measure as measure_acoustics
from robot.errors import AriError, DunbotError, TelephonyError
from robot.logs import mask_phone
from robot.speech import endpoint
from robot.speech.audio import duration_s, read_wav, silence, turn_level
from robot.speech.tts.segments import TemplateIndex, fill, split_template, trim_silence
from robot.speech.vad import Endpointer
from robot.store.models import Account, Recording, Turn
from robot.telephony.agentleg import AgentLeg
from robot.telephony.ari import AriClient
from robot.telephony.classify import classify_attempt
from robot.telephony.media import MediaSession, Playback

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
#: Pause between the pieces of one templated prompt (fixed words, then a value).
PIECE_GAP_MS = 60
#: Caller speech over a prompt shorter than this is a backchannel, a cough or noise.
BARGE_START_MS = 300
#: Unvoiced gaps tolerated inside that speech (stop consonants: "I can pay").
BARGE_ONSET_GAP_MS = 80
#: Longest wait for the recogniser to tell a backchannel from a real barge-in; after
#: it the robot stops anyway (talking over a caller is the worse mistake).
BARGE_CHECK_S = 0.15
#: Voiced speech to wait for before looking again after a backchannel.
BARGE_RECHECK_MS = 500
#: Voiced audio that starts an utterance while the robot listens.
LISTEN_START_MS = 160
#: A pause this long inside an utterance starts decoding what was said so far.
PAUSE_DECODE_S = 0.12
#: While the caller talks on, decode the growing utterance after this much new speech
#: (only when the recogniser is idle, so partials never delay a final decode).
PARTIAL_EVERY_MS = 1000
#: How often the media loop looks at the clock when no audio arrives.
POLL_S = 0.01


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
    #: account -> limited-content message to leave on an answering machine (None: hang up)
    machine_message: Callable[[Account], str] | None = None
    #: Live events (robot.events.live.LiveHub): each turn and QA finding published as it
    #: happens; None = off.
    live: Any = None


@dataclass
class TurnTiming:
    """Where the time of one caller turn went; clock values are ``time.monotonic()``.

    ``t_last_voice``: end of the caller's last voiced frame as the robot heard it;
    ``t_endpoint``: end of utterance decided; ``t_asr``: transcript ready;
    ``t_dialogue``: next step chosen; ``t_tts``: first audio of the reply rendered;
    ``t_play``: that audio handed to Asterisk.
    """

    text: str
    t_last_voice: float
    t_endpoint: float
    t_asr: float = 0.0
    t_dialogue: float = 0.0
    t_tts: float = 0.0
    t_play: float = 0.0
    #: The decode made during the caller's pause was used as the final transcript.
    reused_partial: bool = False
    #: Silence that ended the utterance (adaptive endpointing).
    end_silence_ms: int = 0

    def breakdown_ms(self) -> dict[str, float]:
        return {
            "endpoint": round((self.t_endpoint - self.t_last_voice) * 1000, 1),
            "asr": round((self.t_asr - self.t_endpoint) * 1000, 1),
            "dialogue": round((self.t_dialogue - self.t_asr) * 1000, 1),
            "tts": round((self.t_tts - self.t_dialogue) * 1000, 1),
            "queue": round((self.t_play - self.t_tts) * 1000, 1),
        }


@dataclass
class BargeIn:
    """The caller talked over a prompt and the robot stopped."""

    #: Audio of the turn the caller heard before the flush (ms) and the audio queued.
    heard_ms: int
    queued_ms: int
    #: Clock times: caller speech long enough to count, and the flush sent.
    t_detected: float
    t_flushed: float


@dataclass
class _Heard:
    """What :meth:`Call._listen` found besides the audio: for reuse and timings."""

    t_last_voice: float
    t_endpoint: float
    partial: "asyncio.Task[Any] | None"
    end_silence_ms: int


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
    agent: str | None = None  # the human agent who took a transferred call
    recordings: list[Recording] = field(default_factory=list)
    #: One per caller turn that got a reply (latency instrumentation).
    timings: list[TurnTiming] = field(default_factory=list)
    #: Prompts the caller interrupted.
    barge_ins: list[BargeIn] = field(default_factory=list)


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
        #: One endpointer for the whole call: speech that starts over a prompt (barge-in)
        #: carries on into the next listen.
        self._ep = Endpointer(end_silence_ms=endpoint.DEFAULT_MS)
        self._heard: _Heard | None = None
        self._timing: TurnTiming | None = None  # the turn whose reply is being rendered
        self._speech_at = 0.0
        self.transferred = False  # the channel went on to the agents' queue: not ours now
        self.leg: AgentLeg | None = None  # transcribes the call after a transfer
        from robot.events.live import NoLive

        self.live = deps.live.call(attempt_id, account) if deps.live else NoLive()

    @property
    def id(self) -> str:
        return self.res.attempt_id

    # -- phases ----------------------------------------------------------------------
    async def run(self) -> CallResult:
        answered = False
        try:
            await prepare_prompts(self.deps, self.account.lang)
            answered = await self._dial()
            if answered:
                await self._screen()
                if not self.hungup.is_set() and self.res.amd_status != "MACHINE":
                    await asyncio.wait_for(self._converse(), MAX_CALL_S)
                elif not self.hungup.is_set() and self.deps.machine_message is not None:
                    await asyncio.wait_for(self._leave_message(), MAX_CALL_S)
            if self.leg is not None:
                await self._follow_leg(self.leg)
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
            self.live.end(self.res.result, self.res.disposition)
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
        prerender = asyncio.create_task(self._prerender(session))
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
            heard = self._heard
            assert heard is not None
            t_end = heard.t_endpoint - self._t0
            timing = TurnTiming("", heard.t_last_voice, heard.t_endpoint,
                                end_silence_ms=heard.end_silence_ms)
            # Acoustic emotion cues (energy, pitch, rate) are measured while ASR runs.
            acoustics = asyncio.create_task(asyncio.to_thread(measure_acoustics, pcm))
            tr = None
            if heard.partial is not None:  # decoded during the pause, nothing said since
                try:
                    tr = await heard.partial
                    timing.reused_partial = True
                except Exception:  # noqa: BLE001 - decode again below
                    tr = None
                if tr is not None and not tr.text.strip():
                    # The caller spoke (the VAD said so) but the early decode heard
                    # nothing: decode the whole utterance rather than lose the turn.
                    tr, timing.reused_partial = None, False
            if tr is None:
                tr = await self.deps.asr.transcribe(pcm, 16000, account.lang)
            timing.t_asr = time.monotonic()
            text = tr.text.strip()
            timing.text = text
            emotion = (classify_emotion(text, account.lang, acoustics=await acoustics).label
                       if text else None)
            if not text:
                acoustics.cancel()
            step = session.handle(text, emotion=emotion) if text else session.no_input()
            timing.t_dialogue = time.monotonic()
            self._timing = timing
            self.res.turns.append(Turn(
                speaker="debtor", text=text, start_s=round(heard_at, 3),
                end_s=round(t_end, 3), intent=step.intent, emotion=emotion, state=step.state,
                level_dbfs=turn_level(pcm),
            ))
            self.live.turn(self.res.turns[-1])
        prerender.cancel()
        out = session.outcome
        self.res.disposition = out.disposition
        self.res.ptp_amount = out.ptp_amount
        self.res.ptp_date = out.ptp_date
        self.res.stop_calling = bool(out.stop_calling)
        if out.transfer_queue and not self.hungup.is_set():
            await self._transfer(out.transfer_queue)

    async def _say(self, step: Any) -> None:
        """Speak a step's prompts, listening all the while for the caller to barge in.

        Prompts go out piece by piece (see :meth:`_pieces`): the first piece plays as
        soon as it is rendered while the rest render behind it. Caller speech of at
        least :data:`BARGE_START_MS` that the recogniser does not read as a backchannel
        ("uh-huh", "okay", "嗯"; :func:`robot.speech.endpoint.is_backchannel`, given at
        most :data:`BARGE_CHECK_S` to say so) flushes the queued audio, unless a must-hear prompt
        of this step has not been heard to its end yet (then the flush waits for it),
        or the step ends the call. What the caller said carries on into :meth:`_listen`.
        """
        if not step.prompts or self.media is None:
            return
        media = self.media
        tts = self.deps.tts(self.account.lang)
        ep = self._ep
        interruptible = not getattr(step, "ended", False)
        text = " ".join(p.text for p in step.prompts)
        timing, self._timing = self._timing, None
        playbacks: list[Playback] = []
        must_pending = {i for i, p in enumerate(step.prompts) if getattr(p, "must_hear", False)}
        stop = False

        async def produce() -> None:
            for i, prompt in enumerate(step.prompts):
                pieces = self._pieces(prompt.text)
                for j, piece in enumerate(pieces):
                    pcm = await self.deps.prompts.render(tts, piece)
                    if len(pieces) > 1:
                        pcm = trim_silence(pcm) + (silence(PIECE_GAP_MS, 16000) if j < len(pieces) - 1 else b"")
                    if i and not j:
                        pcm = silence(PROMPT_GAP_MS, 16000) + pcm
                    if stop:
                        return
                    if timing is not None and not timing.t_tts:
                        timing.t_tts = time.monotonic()
                    pb = await media.play(pcm)
                    if timing is not None and not timing.t_play:
                        timing.t_play = time.monotonic()
                    playbacks.append(pb)
                    if j == len(pieces) - 1 and i in must_pending:
                        pb.done.add_done_callback(lambda _f, i=i: must_pending.discard(i))

        start = time.monotonic() - self._t0
        producer = asyncio.create_task(produce())
        ep.start_ms, ep.onset_gap_ms = BARGE_START_MS, BARGE_ONSET_GAP_MS
        barge: BargeIn | None = None
        detected_at: float | None = None
        asr = self.deps.asr
        lang = self.account.lang
        check: asyncio.Task[Any] | None = None  # is it a backchannel?
        check_at = 0.0
        recheck_after = 0  # voiced ms of the utterance before looking again
        try:
            while not self.hungup.is_set():
                if producer.done() and all(pb.done.done() for pb in playbacks):
                    producer.result()  # a rendering error surfaces here
                    break
                frame = await media.read(POLL_S)
                now = time.monotonic()
                for ev in (ep.push(frame, now) if frame else ep.tick(now)):
                    if ev.kind == "speech_start":
                        detected_at, check, recheck_after = now, None, 0
                    elif ev.kind == "speech_end":
                        # A backchannel, or talk over a prompt that had to be heard: dropped.
                        detected_at, check = None, None
                if not (interruptible and ep.in_speech and detected_at is not None and not must_pending):
                    continue
                if ep.voiced_ms < recheck_after:
                    continue
                if getattr(asr, "partials", False):
                    if check is None:
                        check, check_at = asyncio.create_task(
                            asr.transcribe(ep.snapshot(), 16000, lang)), now
                        continue
                    if not check.done() and now - check_at < BARGE_CHECK_S:
                        continue
                    if check.done() and not check.cancelled() and check.exception() is None \
                            and endpoint.is_backchannel(check.result().text, lang):
                        check, recheck_after = None, ep.voiced_ms + BARGE_RECHECK_MS
                        continue
                stop = True
                producer.cancel()
                await media.flush()
                flushed = time.monotonic()
                barge = BargeIn(sum(pb.played_ms or 0 for pb in playbacks),
                                sum(pb.duration_ms for pb in playbacks), detected_at, flushed)
                self._speech_at = detected_at - BARGE_START_MS / 1000 - self._t0
                break
        finally:
            producer.cancel()
            ep.start_ms, ep.onset_gap_ms = LISTEN_START_MS, 0
        if barge is not None:
            self.res.barge_ins.append(barge)
        self.res.turns.append(Turn(
            speaker="robot", text=text, start_s=round(start, 3),
            end_s=round(time.monotonic() - self._t0, 3), state=getattr(step, "state", None),
            heard_ms=barge.heard_ms if barge else None, prompt_ms=barge.queued_ms if barge else None,
        ))
        self.live.turn(self.res.turns[-1])
        if timing is not None and timing.t_play:
            self.res.timings.append(timing)

    # -- prompt pieces -------------------------------------------------------------------
    def _templates(self) -> TemplateIndex | None:
        try:
            script = self.deps.script_for(self.account.lang)
        except Exception:  # noqa: BLE001 - no script, no pieces: whole prompts then
            return None
        key = id(script)
        index = _TEMPLATE_INDEX.get(key)
        if index is None:
            index = _TEMPLATE_INDEX[key] = TemplateIndex(script_templates(script))
        return index

    def _pieces(self, text: str) -> list[str]:
        """A templated prompt in pieces (fixed words, values) so each piece is rendered
        once and cached; anything else whole."""
        index = self._templates()
        pieces = index.pieces_for(text) if index is not None else None
        return pieces or [text]

    async def _prerender(self, session: Any) -> None:
        """Render this call's pieces (fixed words and the account's values) ahead of use."""
        try:
            tts = self.deps.tts(self.account.lang)
            script = self.deps.script_for(self.account.lang)
            values = session.variables()
            for tpl in script_templates(script):
                for piece in fill(split_template(tpl), values):
                    await self.deps.prompts.render(tts, piece)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - rendering on demand still works
            log.debug("call %s: pre-rendering prompts: %s", self.id, exc)

    async def _listen(self) -> tuple[bytes | None, float]:
        """Wait for one caller utterance; ``(None, t)`` when the caller stays silent.

        Streaming recognition on a whole-utterance recogniser: when the caller pauses
        (:data:`PAUSE_DECODE_S`) the utterance so far is decoded on the ASR thread; if
        the pause turns out to be the end, that transcript is the final one (no decode
        after the end of speech), and what it says sets the end-of-utterance silence
        (:mod:`robot.speech.endpoint`: "yes." ends sooner than "next ..."). Details
        for the caller of this method are left in ``self._heard``.
        """
        assert self.media is not None
        ep = self._ep
        ep.start_ms = LISTEN_START_MS
        lang = self.account.lang
        asr = self.deps.asr
        streaming = bool(getattr(asr, "partials", False))
        started = time.monotonic()
        speech_at: float | None = self._speech_at if ep.in_speech else None
        partial: asyncio.Task[Any] | None = None
        partial_voiced = -1  # voiced ms of the utterance the partial decoded
        judged: asyncio.Task[Any] | None = None
        ep.set_end_silence(endpoint.DEFAULT_MS)
        self._heard = None
        while not self.hungup.is_set():
            frame = await self.media.read(POLL_S)
            now = time.monotonic()
            voiced = ep.voiced_ms
            for ev in (ep.push(frame, now) if frame else ep.tick(now)):
                if ev.kind == "speech_start":
                    speech_at = ev.t - self._t0
                    partial, partial_voiced, judged = None, -1, None
                    ep.set_end_silence(endpoint.DEFAULT_MS)
                elif ev.kind == "speech_end":
                    reuse = partial if partial is not None and partial_voiced == voiced else None
                    self._heard = _Heard(ev.t, now, reuse, int(ep.end_silence_s * 1000))
                    return ev.pcm, speech_at if speech_at is not None else now - self._t0
            if streaming and ep.in_speech:
                voiced = ep.voiced_ms
                last = ep.last_voice_end or now
                if partial is not None and partial.done() and judged is not partial:
                    judged = partial
                    if partial_voiced == voiced and not partial.cancelled() and partial.exception() is None:
                        ep.set_end_silence(endpoint.end_silence_ms(partial.result().text, lang))
                paused = now - last >= PAUSE_DECODE_S
                if partial is not None and not partial.done() and paused and voiced != partial_voiced:
                    # The caller spoke on since that decode was asked for: under load it
                    # is still queued, and the decode of this pause is the one that counts.
                    partial.cancel()
                if (partial is None or partial.done()) and voiced != partial_voiced and (
                        paused or (voiced - max(partial_voiced, 0) >= PARTIAL_EVERY_MS
                                   and getattr(asr, "idle", lambda: False)())):
                    partial_voiced = voiced
                    partial = asyncio.create_task(asr.transcribe(ep.snapshot(), 16000, lang))
            if speech_at is None and now - started > NO_INPUT_S:
                return None, now - self._t0
        return None, time.monotonic() - self._t0

    async def _leave_message(self) -> None:
        """Answering machine: let its greeting end, leave the message, then hang up."""
        assert self.deps.machine_message is not None
        text = self.deps.machine_message(self.account)
        self.bridge_id = f"{self.id}-br"
        await self.ari.create_bridge("mixing", bridge_id=self.bridge_id)
        self.media = await MediaSession.create(self.ari, self.deps.settings.ari_app)
        await self.ari.add_channel(self.bridge_id, self.id)
        await self.ari.add_channel(self.bridge_id, self.media.channel_id)
        self.media.keep_alive()
        watcher = asyncio.create_task(self._watch())
        try:
            await self._listen()  # the rest of the greeting (or silence) up to the beep
            if not self.hungup.is_set():
                await self._say(_Spoken(text))
                self.res.disposition = "voicemail_left"
        finally:
            watcher.cancel()

    async def _transfer(self, queue: str) -> None:
        """Hand the caller to a human queue: the channel leaves our app for the dialplan.

        With ``agent_leg_asr`` on, the call stays transcribed (borrower and agent apart,
        see :mod:`robot.telephony.agentleg`): the snoops go on before the channel leaves,
        so nothing said while queued is lost."""
        if self.media is not None:
            await self.media.close()
            self.media = None
        leg = None
        if self.deps.settings.agent_leg_asr:
            asr, lang = self.deps.asr, self.account.lang
            leg = AgentLeg(self.ari, self.deps.settings.ari_app, self.id, t0=self._t0,
                           transcribe=lambda pcm, lg: asr.transcribe(pcm, 16000, lg),
                           lang=lang, on_turn=self.live.turn)
            try:
                await leg.attach()
            except TelephonyError as exc:
                log.warning("call %s: the agent leg will not be transcribed: %s", self.id, exc)
                await leg.close()
                leg = None
        try:
            await self.ari.request(
                "POST", f"/channels/{self.id}/continue",
                params={"context": "dunbot-agent-transfer", "extension": queue, "priority": 1},
            )
            self.res.notes = f"transferred to queue {queue}"
            self.transferred = True
            self.leg, leg = leg, None
        except AriError as exc:
            self.res.notes = f"transfer failed: {exc}"
        finally:
            if leg is not None:
                await leg.close()

    async def _follow_leg(self, leg: AgentLeg) -> None:
        """Transcribe the transferred call until the borrower hangs up; its turns join
        the robot's, in the order they were spoken."""
        try:
            end = await leg.follow(self.events, self.deps.settings.agent_leg_max_s)
        finally:
            self.res.turns.extend(sorted(leg.turns, key=lambda t: t.start_s))
        if end is not None:
            self._is_end(end)
        if leg.agent:
            self.res.agent = leg.agent
            self.res.notes = f"{self.res.notes}; agent {leg.agent}"

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
        if not self.hungup.is_set() and not self.transferred:
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
        if res.disposition != "voicemail_left" and (
                res.result != "answered" or res.disposition == "failed"):
            res.disposition = _disposition_for(res.result, answered)
        if answered:
            res.recordings = await collect_recordings(self.deps, self.id)


@dataclass
class _Prompt:
    text: str


class _Spoken:
    """A one-prompt step for :meth:`Call._say` (the voicemail message)."""

    def __init__(self, text: str) -> None:
        self.prompts = [_Prompt(text)]
        self.state = "voicemail"
        self.ended = True  # the message ends the call: a mailbox cannot barge in


_TEMPLATE_INDEX: dict[int, TemplateIndex] = {}
_PREPARED: dict[tuple[int, str], asyncio.Future[None]] = {}


async def prepare_prompts(deps: CallDeps, lang: str) -> None:
    """Render every fixed prompt and fixed piece of a script once per process.

    The first call of a campaign waits for it (a few seconds on an empty cache, file
    reads afterwards); later calls find it done. Values (names, amounts, dates) are
    rendered per call, see :meth:`Call._prerender`.
    """
    script = deps.script_for(lang)
    key = (id(script), lang)
    fut = _PREPARED.get(key)
    if fut is None:
        fut = _PREPARED[key] = asyncio.get_running_loop().create_future()
        try:
            tts = deps.tts(lang)
            for tpl in script_templates(script):
                fixed = [p for p in split_template(tpl) if not p.variable and "{" not in p.text]
                texts = fill(fixed, {}) if "{" in tpl else [tpl]
                for text in texts:
                    await deps.prompts.render(tts, text)
        except Exception as exc:  # noqa: BLE001 - prompts then render on demand
            log.warning("pre-rendering the %s prompts failed: %s", lang, exc)
        finally:
            fut.set_result(None)
    elif not fut.done():
        await asyncio.shield(fut)


def script_templates(script: Any) -> list[str]:
    """Every prompt template of a dialogue script, with the script's constants (the
    collector's name and id) already filled in, so only per-call values stay open."""
    from dataclasses import fields, is_dataclass

    found: list[str] = []

    def walk(node: Any) -> None:
        if is_dataclass(node) and not isinstance(node, type):
            if hasattr(node, "must_hear") and isinstance(getattr(node, "text", None), str):
                found.append(node.text)
                return
            for f in fields(node):
                walk(getattr(node, f.name))
        elif isinstance(node, dict) or hasattr(node, "items") and hasattr(node, "values"):
            for v in node.values():
                walk(v)
        elif isinstance(node, (list, tuple)):
            for v in node:
                walk(v)

    walk(script)
    collector = getattr(script, "collector", None)
    constants = {k: str(v) for k, v in vars(collector).items()} if collector is not None else {}
    out = []
    for tpl in found:
        try:
            out.append(tpl.format_map(_Open(constants)))
        except (ValueError, IndexError, KeyError):
            out.append(tpl)
    return sorted(set(out))


class _Open(dict):
    """format_map values that leave unknown fields as they were."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


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
