"""From what the store knows to what the guard and the retries read (pure).

One place decides how stored attempts become guard ``Attempt`` records (what counts as
connected, as a conversation), how stop requests, the do-not-call list, consent records
and the call list's ``attorney_represented`` / ``cease_requested`` / ``state`` columns
become ``Flags``, and how a campaign's attempts become the retry history.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, time
from typing import Any

from robot.dialer.besttime import HourStats
from robot.dialer.guard import BORROWER, Attempt, DialContext, Flags
from robot.dialer.profile import Window
from robot.dialer.retry import PastAttempt
from robot.dialer.settings import truthy

#: Dispositions of an answered call in which no conversation about the debt with the
#: borrower took place (``abandoned``: a predictive call that only heard the no-agent
#: message, which names the caller and a number and nothing else).
NO_CONVERSATION = frozenset({"no_contact", "wrong_number", "third_party", "failed",
                             "abandoned"})


def parse_utc(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def guard_attempt(row: Mapping[str, Any]) -> Attempt:
    """A stored attempt as the guard sees it.

    An unfinished or interrupted attempt may have rung the phone: it is counted as an
    unanswered attempt (never as excluded busy/failed), the conservative reading.
    """
    result = row["result"] if row["ended_at"] else None
    disposition = row["disposition"]
    if result in (None, "interrupted"):
        result = "no_answer"
    connected = result in ("answered", "machine")
    if result == "machine" and disposition == "voicemail_left":
        result = "voicemail"
    conversation = result == "answered" and (disposition or "no_contact") not in NO_CONVERSATION
    at = parse_utc(row["started_at"])
    assert at is not None
    return Attempt(at=at, phone=row["phone"], result=result, connected=connected,
                   conversation=conversation, kind=BORROWER)


def is_contact(result: str | None, disposition: str | None) -> bool:
    """A person came to the phone and spoke with the robot (for best-time statistics)."""
    return result == "answered" and (disposition or "no_contact") not in ("no_contact", "failed")


def past_attempts(rows: Iterable[Mapping[str, Any]], campaign_id: int) -> list[PastAttempt]:
    out = []
    for r in rows:
        if r["campaign_id"] != campaign_id:
            continue
        at = parse_utc(r["started_at"])
        assert at is not None
        out.append(PastAttempt(at, parse_utc(r["ended_at"]), r["result"], r["disposition"]))
    return out


def account_extra(extra: Any) -> dict[str, Any]:
    if isinstance(extra, dict):
        return extra
    if not extra or extra == "{}":
        return {}
    return json.loads(extra)


def windows(pairs: Iterable[tuple[str, str]]) -> tuple[Window, ...]:
    out = []
    for a, b in pairs:
        out.append(Window(time.fromisoformat(a), time.fromisoformat(b)))
    return tuple(sorted(out, key=lambda w: (w.start, w.end)))


def dial_context(*, now: datetime, phone: str, timezone: str, extra: Any,
                 attempt_rows: Iterable[Mapping[str, Any]], stop_requested: bool,
                 on_dnc: bool, consents: Iterable[tuple[str, str]],
                 campaign_window: Window | None, since: datetime,
                 compliance: str | None = None) -> DialContext:
    """The guard's question for one account's number at ``now``.

    ``compliance`` is the case's compliance state (``cease``, ``attorney``, ``dnc``,
    ``deceased`` ...) when the case lifecycle recorded one.
    """
    ex = account_extra(extra)
    history = tuple(guard_attempt(r) for r in attempt_rows
                    if (parse_utc(r["started_at"]) or now) >= since)
    flags = Flags(
        stop_requested=stop_requested,
        do_not_call=on_dnc or compliance in ("dnc", "deceased"),
        attorney_represented=truthy(ex.get("attorney_represented")) or compliance == "attorney",
        cease_requested=truthy(ex.get("cease_requested")) or compliance == "cease",
        consent_windows=windows(consents),
    )
    state = str(ex.get("state") or "").strip().upper() or None
    return DialContext(now=now, timezone=timezone, phone=phone, kind=BORROWER,
                       history=history, flags=flags, campaign_window=campaign_window,
                       state=state)


def hour_records(rows: Iterable[Mapping[str, Any]], tz: str) -> HourStats:
    from robot.dialer.besttime import hour_stats

    return hour_stats(((parse_utc(r["started_at"]), is_contact(r["result"], r["disposition"]))
                       for r in rows if r["result"] and r["result"] != "interrupted"), tz)
