"""Campaign runner: call every pending account of a campaign, N calls at a time.

Crash safety is the runner's job. Before each dial it commits the attempt (whose id is
also the Asterisk channel id, so a retried originate can never place a second call);
when the call ends it commits the whole result — attempt, turns, outcome, recordings —
in one transaction. Killing the process between calls loses nothing; killing it
during a call leaves an attempt that the next run marks ``interrupted`` (and retries
at once); a finished attempt is retried only when the campaign's retry rules say so.

The dialer is progressive: keep up to ``max_concurrent`` calls up. Which accounts are
called is decided by :class:`~robot.dialer.dialing.Dialing`: finished accounts and
retries not yet due are left alone, and right before every dial the compliance guard
is asked again and its decision (with the explanation, and the attempt id when it
allows the call) is stored. One run is one pass: what is not callable now is reported
with the reason, and a later run picks it up when it is due.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo

from robot.config import REPO_ROOT, Settings
from robot.dialer.dialing import Clock, Dialing, utc_now
from robot.dialer.guard import Decision
from robot.dialer.settings import DialerSettings
from robot.errors import DunbotError
from robot.events.live import LiveHub, start_hub
from robot.logs import mask_phone
from robot.store import dialer as ds
from robot.store.db import Store
from robot.store.models import Account
from robot.telephony.ari import AriClient
from robot.telephony.call import Call, CallDeps, CallResult

log = logging.getLogger(__name__)

DIALOGS_DIR = REPO_ROOT / "robot" / "dialogs"

class Observer:
    """Receives a run's progress; the CLI draws it, tests record it. Methods are no-ops."""

    def planned(self, count: int) -> None: ...
    def dialing(self, account: Account, attempt_id: str) -> None: ...
    def blocked(self, account: Account, decision: Decision) -> None: ...
    def done(self, account: Account, result: CallResult) -> None: ...


@dataclass
class RunSummary:
    campaign: str
    called: int = 0
    by_disposition: dict[str, int] = field(default_factory=dict)
    stopped_early: bool = False
    finished: int = 0  # accounts done (final outcome or attempt limit)
    waiting: int = 0  # accounts whose retry is not due yet
    blocked: dict[str, int] = field(default_factory=dict)  # blocked by the guard, by rule
    pacing: list[str] = field(default_factory=list)  # predictive: each dial decision, explained

    def block(self, decision: Decision) -> None:
        rule = decision.rule or "?"
        self.blocked[rule] = self.blocked.get(rule, 0) + 1


def default_script_path(lang: str) -> Path:
    return DIALOGS_DIR / f"m0_reminder_{lang}.yaml"


class Engines:
    """Speech engines and dialogue scripts, created once per run and shared by calls."""

    def __init__(self, settings: Settings, script: str | None = None) -> None:
        from robot.speech.asr.base import create_stt
        from robot.speech.tts.cache import PromptCache

        self.settings = settings
        self.script_override = script
        self.asr = create_stt(settings)
        self.prompts = PromptCache(settings)
        self._tts: dict[str, Any] = {}
        self._scripts: dict[str, Any] = {}

    def tts(self, lang: str) -> Any:
        from robot.speech.tts.base import create_tts

        if lang not in self._tts:
            self._tts[lang] = create_tts(self.settings, lang)
        return self._tts[lang]

    def script_for(self, lang: str) -> Any:
        from robot.dialogue.loader import load_script

        if lang not in self._scripts:
            path = Path(self.script_override) if self.script_override else default_script_path(lang)
            self._scripts[lang] = load_script(path)
        return self._scripts[lang]

    async def aclose(self) -> None:
        await self.asr.aclose()


def local_today(account: Account) -> date:
    try:
        return datetime.now(ZoneInfo(account.timezone)).date()
    except Exception:  # noqa: BLE001 - validated at load; fall back rather than fail a call
        return date.today()


async def run_campaign(
    settings: Settings,
    name: str,
    *,
    max_concurrent: int = 2,
    limit: int | None = None,
    amd: bool = True,
    engines: Engines | None = None,
    observer: Observer | None = None,
    stop: asyncio.Event | None = None,
    clock: Clock = utc_now,
) -> RunSummary:
    """Call every account of campaign ``name`` that is due and callable now.

    ``clock`` is the dialer's idea of now (the guard's and the retries'); tests set it.
    """
    from robot.dialogue.engine import DialogSession
    from robot.telephony.asterisk import spool_dir

    if max_concurrent < 1:
        raise DunbotError("--max-concurrent must be at least 1")
    stop = stop or asyncio.Event()
    observer = observer or Observer()
    summary = RunSummary(name)
    store = await Store.open(settings.db_path)
    ari: AriClient | None = None
    deps: CallDeps | None = None
    own_engines = engines is None
    try:
        campaign = await store.require_campaign(name)
        dialing = await Dialing.open(store, campaign["id"], clock)
        if dialing.settings.mode == "predictive":
            from robot.dialer.predictive import run_predictive

            return await run_predictive(settings, name, amd=amd, limit=limit, engines=engines,
                                        observer=observer, stop=stop, clock=clock)
        pending = await select_pending(store, campaign, dialing, summary, observer, limit)
        observer.planned(len(pending))
        if not pending:
            return summary
        engines = engines or Engines(settings, campaign.get("script"))
        for lang in sorted({a.lang for a in pending}):
            engines.script_for(lang)  # a broken script fails now, before any dial
        ari = AriClient(settings.ari_base, settings.ari_user,
                        settings.ensure_ari_password(), [settings.ari_app])
        await ari.start()
        deps = CallDeps(
            settings=settings, ari=ari, asr=engines.asr, tts=engines.tts,
            prompts=engines.prompts, script_for=engines.script_for,
            session_factory=lambda script, acc, today: DialogSession(script, acc, today),
            today_for=local_today, amd=amd, spool_dir=spool_dir(settings),
            machine_message=machine_message(dialing.settings),
            live=start_hub(settings, name),
        )
        slots = asyncio.Semaphore(max_concurrent)
        store_lock = asyncio.Lock()

        async def one(account: Account) -> None:
            async with slots:
                if stop.is_set():
                    return
                await ari.connected.wait()  # never begin an attempt while Asterisk is away
                attempt_id = uuid.uuid4().hex
                async with store_lock:
                    decision = await dialing.decide(account, attempt_id)
                    if not decision.callable:
                        summary.block(decision)
                        observer.blocked(account, decision)
                        return
                    await store.begin_attempt(attempt_id, campaign["id"], account)
                observer.dialing(account, attempt_id)
                result = await Call(deps, attempt_id, account).run()
                async with store_lock:
                    await store.finish_attempt(
                        attempt_id, result=result.result, hangup_cause=result.hangup_cause,
                        amd_status=result.amd_status, answered_at=result.answered_at,
                        ended_at=result.ended_at, disposition=result.disposition,
                        duration_s=result.duration_s, turns=result.turns,
                        ptp_amount=result.ptp_amount, ptp_date=result.ptp_date,
                        stop_calling=result.stop_calling, notes=result.notes,
                        recordings=result.recordings, agent_id=result.agent,
                    )
                summary.called += 1
                summary.by_disposition[result.disposition] = (
                    summary.by_disposition.get(result.disposition, 0) + 1
                )
                log.info("account %s (%s): %s / %s", account.id, mask_phone(account.phone),
                         result.result, result.disposition)
                observer.done(account, result)

        await asyncio.gather(*(one(a) for a in pending))
        summary.stopped_early = stop.is_set()
        return summary
    finally:
        if deps is not None and isinstance(deps.live, LiveHub):
            await deps.live.aclose()  # what is queued goes out before we stop
        if ari is not None:
            await ari.close()
        if own_engines and engines is not None:
            await engines.aclose()
        await store.close()


async def select_pending(store: Store, campaign: dict[str, Any], dialing: Dialing,
                         summary: RunSummary, observer: Observer,
                         limit: int | None) -> list[Account]:
    """Close attempts an earlier run left open, then the accounts to dial in this pass
    (blocked ones are counted and reported)."""
    recovered = await store.recover_interrupted()
    if recovered:
        log.warning("marked %d attempt(s) left by an earlier run as interrupted", recovered)
    selection = await dialing.select(await ds.campaign_accounts(store, campaign["id"]))
    summary.finished, summary.waiting = selection.finished, len(selection.waiting)
    for account, decision in selection.blocked:
        summary.block(decision)
        observer.blocked(account, decision)
    pending = selection.to_dial
    return pending if limit is None else pending[:limit]


def machine_message(s: DialerSettings) -> Callable[[Account], str] | None:
    """``account -> message`` for campaigns that leave voicemail, else ``None``.

    Rendering once per language up front fails the run before any dial when the
    template or the campaign's voicemail fields are not a limited-content message.
    """
    if s.machine != "voicemail":
        return None
    from robot.dialer.voicemail import render

    assert s.business_name and s.contact_name and s.callback_number  # checked by settings
    messages = {lang: render(lang, s.business_name, s.contact_name, s.callback_number)
                for lang in ("en", "zh")}

    def message(account: Account) -> str:
        return messages[account.lang]

    return message


def install_stop_handler(stop: asyncio.Event) -> None:
    """First Ctrl-C: finish live calls, dial no more. Second: abort."""
    loop = asyncio.get_running_loop()

    def handler() -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        print("\nstopping: live calls finish, no new dials (Ctrl-C again to abort)")
        stop.set()

    try:
        loop.add_signal_handler(signal.SIGINT, handler)
        loop.add_signal_handler(signal.SIGTERM, handler)
    except (NotImplementedError, RuntimeError):
        pass


def run_campaign_cli(args: Any) -> int:
    """``dunbot campaign run NAME``: run with a live progress display."""
    from robot.cli.progress import CampaignProgress
    from robot.config import load_settings

    settings = load_settings()

    async def main() -> RunSummary:
        stop = asyncio.Event()
        install_stop_handler(stop)
        async with CampaignProgress(settings, args.name) as progress:
            return await run_campaign(
                settings, args.name, max_concurrent=args.max_concurrent, limit=args.limit,
                amd=not getattr(args, "no_amd", False), observer=progress, stop=stop,
            )

    summary = asyncio.run(main())
    if summary.called == 0:
        print(f"campaign {args.name}: nothing to call now")
    else:
        print(f"campaign {args.name}: {summary.called} call(s): "
              + ", ".join(f"{k} {v}" for k, v in sorted(summary.by_disposition.items())))
    print(f"  finished {summary.finished}, retry not due {summary.waiting}"
          + "".join(f", blocked by {k} {v}" for k, v in sorted(summary.blocked.items())))
    if summary.blocked or summary.waiting:
        print(f"  see: dunbot campaign plan {args.name}")
    return 0
