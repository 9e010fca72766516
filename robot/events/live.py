"""Live turns and QA findings of robot calls, as MQTT messages (topics: docs/mqtt.md).

After every turn the call's transcript so far is scored with the same rules as
``dunbot qa score``; findings tied to a turn (a threat, a disclosure to a third party,
an ignored stop request) are published at once, those about the whole call (a notice
never given) when the call ends, since before that they may still come. Building the
messages is pure (``turn_message``, ``new_findings``...); ``LiveHub``/``LiveCall`` only
glue them to a call and a :class:`~robot.events.publish.Publisher`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from robot.config import Settings
from robot.events.publish import Publisher
from robot.logs import mask_phone
from robot.qa.score import QaResult, Violation, score_transcript
from robot.qa.transcript import stored_turns
from robot.store.models import Account, Turn

Key = tuple[str, int | None]


def qa_lang(lang: str) -> str:
    return "zh" if lang.lower().startswith("zh") else "en"


def transcript(turns: Iterable[Turn], lang: str) -> dict[str, Any]:
    """The scorer's input from stored-style turns (empty no-input turns left out)."""
    return {"lang": qa_lang(lang), "turns": stored_turns(turns)}


def new_findings(result: QaResult, seen: set[Key], final: bool) -> list[Violation]:
    """Violations not published yet; whole-call ones (no turn) only when ``final``.

    ``seen`` is updated. A finding is identified by its code and turn.
    """
    out = []
    for v in result.violations:
        key = (v.code, v.turn_index)
        if key in seen or (v.turn_index is None and not final):
            continue
        seen.add(key)
        out.append(v)
    return out


def base(attempt: str, campaign: str, account: Account) -> dict[str, Any]:
    return {"attempt": attempt, "campaign": campaign, "account": account.id,
            "phone": mask_phone(account.phone), "lang": account.lang}  # fmt: skip


def turn_message(head: dict[str, Any], seq: int, turn: Turn) -> dict[str, Any]:
    msg = {**head, "seq": seq, "speaker": turn.speaker, "start": turn.start_s,
           "end": turn.end_s, "text": turn.text, "at": time.time()}  # fmt: skip
    if turn.speaker == "debtor":
        msg.update(intent=turn.intent, emotion=turn.emotion)
    if turn.level_dbfs is not None:
        msg.update(level_dbfs=turn.level_dbfs)
    if turn.heard_ms is not None:  # talked over: the borrower heard only this much
        msg.update(heard_ms=turn.heard_ms, prompt_ms=turn.prompt_ms)
    return msg


def violation_message(head: dict[str, Any], v: Violation, turns: list[dict[str, Any]],
                      score: int) -> dict[str, Any]:  # fmt: skip
    """``turn`` is the index into the scored transcript (as ``dunbot qa score`` gives it)."""
    spoken = turns[v.turn_index] if v.turn_index is not None else None
    return {**head, "code": v.code, "severity": v.severity, "fatal": v.fatal,
            "deduction": v.deduction, "turn": v.turn_index, "evidence": v.evidence,
            "turn_end": spoken["end"] if spoken else None, "score_so_far": score,
            "at": time.time()}  # fmt: skip


class LiveCall:
    """One call's live events; ``turn`` after each turn, ``end`` once at the end."""

    def __init__(self, hub: LiveHub, attempt: str, account: Account) -> None:
        self.hub = hub
        self.account = account
        self.head = base(attempt, hub.campaign, account)
        self.topic = f"{hub.settings.mqtt_prefix}/calls/{attempt}"
        self.turns: list[Turn] = []
        self.seen: set[Key] = set()

    def turn(self, turn: Turn) -> None:
        self.turns.append(turn)
        self.hub.pub.publish(f"{self.topic}/turn", turn_message(self.head, len(self.turns) - 1,
                                                                turn))  # fmt: skip
        self._findings(final=False)

    def _findings(self, final: bool) -> QaResult | None:
        tr = transcript(self.turns, self.account.lang)
        if not tr["turns"]:
            return None
        result = score_transcript(tr)
        for v in new_findings(result, self.seen, final):
            msg = violation_message(self.head, v, tr["turns"], result.score)
            self.hub.pub.publish(f"{self.topic}/violation", msg)
            if v.fatal:
                self.hub.pub.publish(f"{self.hub.settings.mqtt_prefix}/alerts", msg)
        return result

    def end(self, result: str | None, disposition: str | None) -> None:
        qa = self._findings(final=True)
        self.hub.pub.publish(f"{self.topic}/end", {
            **self.head, "result": result, "disposition": disposition, "turns": len(self.turns),
            "score": qa.score if qa else None, "alert": qa.alert if qa else False,
            "codes": sorted(qa.codes()) if qa else [], "at": time.time()})  # fmt: skip


class NoLive:
    """Stands in for :class:`LiveCall` when live events are off."""

    def turn(self, turn: Turn) -> None:
        pass

    def end(self, result: str | None, disposition: str | None) -> None:
        pass


class LiveHub:
    """The live events of one campaign run (one publisher shared by its calls)."""

    def __init__(self, settings: Settings, campaign: str) -> None:
        self.settings = settings
        self.campaign = campaign
        self.pub = Publisher(settings).start()

    def call(self, attempt: str, account: Account) -> LiveCall:
        return LiveCall(self, attempt, account)

    async def aclose(self) -> None:
        await self.pub.aclose()


def start_hub(settings: Settings, campaign: str) -> LiveHub | None:
    """A hub when live events are on (setting ``mqtt_enabled``), else None."""
    return LiveHub(settings, campaign) if settings.mqtt_enabled else None
