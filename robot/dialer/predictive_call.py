"""One predictive call, followed through AMI events to its stored outcome (pure logic).

A predictive call never meets the robot. The dialer originates it with AMI into the
``dunbot-predictive`` dialplan, whose channel id is the attempt id; everything that
happens is then an AMI event about that id:

* ``OriginateResponse`` - ``Failure`` with a ``Reason`` when nobody answered
  (3 no answer, 5 busy, 8 congestion, 0/1 other), ``Success`` once answered;
* ``Newstate`` with ``ChannelState: 6`` - answered (the answer instant);
* ``UserEvent: DunbotPredictive`` from the dialplan, ``Step:`` ``amd`` (with
  ``AMDStatus``), ``live`` (a person, sent to the queue), ``noagent`` (no agent within
  the wait: the message is played), ``played`` (it was played out);
* ``AgentConnect`` / ``AgentComplete`` - an agent took the call (``MemberName``) and
  when it ended (``TalkTime``);
* ``Hangup`` - the end, with the Q.850 ``Cause``.

:meth:`PredictiveCall.outcome` turns that into the stored result and disposition:
``agent`` (a person reached an agent), ``abandoned`` (a person heard the no-agent
message: counted against the abandonment cap), ``machine``, ``no_contact`` (hung up
before an agent or the message), or an unanswered result from
:func:`robot.telephony.classify.classify_attempt`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from robot.telephony.classify import classify_attempt

#: OriginateResponse ``Reason`` -> the dial status classify_attempt knows.
REASON_DIALSTATUS = {"3": "NOANSWER", "5": "BUSY", "8": "CONGESTION"}  # 0, 1: see the cause

ABANDONED = "abandoned"
AGENT = "agent"


@dataclass
class PredictiveCall:
    """The events of one attempt so far (``at_*``: seconds on the caller's clock)."""

    attempt_id: str
    account_id: str
    lang: str
    dialled_at: float
    pacing: str = ""  # the pacer's explanation of the decision that placed this call
    answered_at: float | None = None
    amd_status: str | None = None
    live_at: float | None = None
    noagent_at: float | None = None
    played: bool = False
    agent: str | None = None
    agent_at: float | None = None
    talk_s: float | None = None
    originate_reason: str | None = None
    failed_at: float | None = None  # OriginateResponse: Failure
    lost: bool = False  # gone while AMI was away: how it ended is unknown
    hangup_cause: int | None = None
    ended_at: float | None = None
    steps: list[str] = field(default_factory=list)

    def apply(self, ev: Mapping[str, str], now: float) -> None:
        """Fold one AMI event about this attempt."""
        kind = ev.get("Event", "")
        if kind == "OriginateResponse":
            if ev.get("Response", "").lower() == "success":
                self.answered_at = self.answered_at or now
            else:  # the channel's Hangup (with the cause) may still be on its way
                self.originate_reason = ev.get("Reason", "0")
                self.failed_at = now
        elif kind == "Newstate" and ev.get("ChannelState") == "6":
            self.answered_at = self.answered_at or now
        elif kind == "UserEvent" and ev.get("UserEvent") == "DunbotPredictive":
            step = ev.get("Step", "")
            self.steps.append(step)
            if step == "amd":
                self.amd_status = ev.get("AMDStatus") or None
            elif step == "live":
                self.live_at = now
            elif step == "noagent":
                self.noagent_at = now
            elif step == "played":
                self.played = True
        elif kind == "AgentConnect":
            self.agent = ev.get("MemberName") or ev.get("Interface")
            self.agent_at = now
        elif kind == "AgentComplete":
            self.talk_s = _float(ev.get("TalkTime"))
        elif kind == "Hangup":
            cause = ev.get("Cause")
            self.hangup_cause = int(cause) if cause and cause.isdigit() else None
            self.ended_at = now

    @property
    def ringing(self) -> bool:
        """Dialled, not answered, not over: the pacer's ``ringing``."""
        return self.answered_at is None and self.ended_at is None and self.failed_at is None

    @property
    def awaiting_agent(self) -> bool:
        """Answered and (possibly) a person, not yet with an agent or the message."""
        return (self.answered_at is not None and self.ended_at is None and self.agent is None
                and self.noagent_at is None and (self.amd_status or "") != "MACHINE")

    @property
    def done(self) -> bool:
        return self.ended_at is not None

    def expire(self, now: float, grace_s: float = 2.0) -> None:
        """End a failed origination whose channel never reported a hang-up."""
        if self.ended_at is None and self.failed_at is not None and now - self.failed_at > grace_s:
            self.ended_at = now

    def mark_lost(self, now: float) -> None:
        """The channel vanished while the dialer could not hear (AMI reconnected and
        Asterisk no longer has it): stored as ``interrupted``, retried like the robot's."""
        self.lost, self.ended_at = True, now

    def outcome(self) -> tuple[str, str, str]:
        """``(result, disposition, notes)`` for the store."""
        if self.lost and self.agent is None and self.noagent_at is None:
            return "interrupted", "interrupted", "; ".join(
                x for x in (self.pacing, "channel lost while AMI was disconnected") if x)
        if self.answered_at is None:
            result = classify_attempt(
                answered=False, dialstatus=REASON_DIALSTATUS.get(self.originate_reason or ""),
                hangup_cause=self.hangup_cause, amd_status=None, lost=False)
            return result, result, self.pacing
        if (self.amd_status or "") == "MACHINE":
            return "machine", "machine", self.pacing
        notes = [self.pacing] if self.pacing else []
        if self.agent is not None:
            wait = (self.agent_at or 0) - (self.live_at or self.answered_at)
            notes.append(f"agent {self.agent} answered {max(wait, 0):.1f} s after the "
                         f"person was live" + (f", talked {self.talk_s:.0f} s"
                                               if self.talk_s is not None else ""))
            return "answered", AGENT, "; ".join(notes)
        if self.noagent_at is not None:
            notes.append("no agent free within the wait: no-agent message "
                         + ("played" if self.played else "started, caller hung up"))
            return "answered", ABANDONED, "; ".join(notes)
        notes.append("hung up before an agent or the message")
        return "answered", "no_contact", "; ".join(notes)


def _float(text: str | None) -> float | None:
    try:
        return float(text) if text else None
    except ValueError:
        return None
