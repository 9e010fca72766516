"""Agent states of one Asterisk queue, reduced from AMI events (pure logic, no I/O).

The predictive pacer needs, at every decision, how many agents are free, talking, in
wrap-up and paused. Asterisk does not hand out those four numbers; it sends a snapshot
(the ``QueueStatus`` action's ``QueueMember`` events) and then changes
(``QueueMemberAdded/Removed/Pause/Status``, ``AgentCalled``, ``AgentConnect``,
``AgentComplete``, ``AgentRingNoAnswer``, ``AgentDump``). :class:`AgentTracker` folds
them into one record per member; :meth:`AgentTracker.counts` classifies each member at
a given instant. Wrap-up is not an Asterisk state at all - it is the queue's
``wrapuptime`` after ``AgentComplete`` (or after ``LastCall`` in a snapshot) - so it is
computed here from the clock the caller passes, which keeps the tracker testable.

Classification, in order: removed/invalid/unavailable device -> ``unavailable``;
``Paused: 1`` -> ``paused`` (a paused agent is not offered calls even while talking
out a call, but she is counted once); in a call (``InCall``, a device in use, ringing
or on hold, or an ``AgentConnect`` not yet completed) -> ``talking``; within wrap-up ->
``wrap``; otherwise ``free``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

#: Device states (AMI ``Status``) in which the member cannot take a call.
UNAVAILABLE_STATES = frozenset({4, 5})  # INVALID, UNAVAILABLE
#: Device states that mean "on a call" (INUSE, BUSY, RINGING, RINGINUSE, ONHOLD).
BUSY_STATES = frozenset({2, 3, 6, 7, 8})
_MEMBER_EVENTS = frozenset({"QueueMember", "QueueMemberAdded", "QueueMemberStatus",
                            "QueueMemberPause", "QueueMemberPenalty", "QueueMemberRinginuse"})


@dataclass(frozen=True)
class Member:
    """What the tracker knows of one queue member."""

    interface: str
    name: str
    status: int = 0
    paused: bool = False
    in_call: bool = False
    connected: bool = False  # between AgentConnect and AgentComplete
    ringing: bool = False  # between AgentCalled and connect / no answer
    last_call_end: float = 0.0  # epoch seconds; wrap-up runs from here
    wrapup_s: float | None = None  # the member's own wrapuptime (None: the queue's)
    calls_taken: int = 0


@dataclass(frozen=True)
class AgentCounts:
    """Members by state at one instant."""

    free: int = 0
    talking: int = 0
    wrap: int = 0
    paused: int = 0
    unavailable: int = 0

    @property
    def staffed(self) -> int:
        """Agents who take calls now or soon: free, talking or wrapping up."""
        return self.free + self.talking + self.wrap

    def describe(self) -> str:
        return (f"agents free {self.free}, talking {self.talking}, wrap-up {self.wrap}, "
                f"paused {self.paused}, unavailable {self.unavailable}")


class AgentTracker:
    """Folds one queue's AMI events into member records (see the module docstring)."""

    def __init__(self, queue: str, wrapup_s: float = 0.0) -> None:
        self.queue = queue
        self.wrapup_s = wrapup_s
        self.members: dict[str, Member] = {}
        #: Completed agent calls seen: (talk seconds, hold seconds).
        self.completed: list[tuple[float, float]] = []

    def reset(self, snapshot: list[Mapping[str, str]], now: float) -> None:
        """Replace everything with a ``QueueStatus`` answer (after (re)connecting)."""
        self.members = {}
        for ev in snapshot:
            self.apply(ev, now)

    def apply(self, ev: Mapping[str, str], now: float) -> None:
        """Fold one AMI event (other queues' and unrelated events are ignored)."""
        if ev.get("Queue") != self.queue:
            return
        kind = ev.get("Event", "")
        at = _float(ev.get("Timestamp"), now)
        iface = ev.get("Interface") or ev.get("Location") or ""
        if not iface:
            return
        if kind == "QueueMemberRemoved":
            self.members.pop(iface, None)
            return
        old = self.members.get(iface) or Member(iface, _name(ev, iface))
        if kind in _MEMBER_EVENTS:
            m = _from_member_event(old, ev, iface)
        elif kind == "AgentCalled":
            m = replace(old, ringing=True)
        elif kind == "AgentConnect":
            m = replace(old, ringing=False, connected=True, in_call=True)
        elif kind in ("AgentRingNoAnswer", "AgentDump"):
            m = replace(old, ringing=False)
        elif kind == "AgentComplete":
            # The call is over; the device's own state change follows in a moment
            # (QueueMemberStatus) and corrects this if the phone is still in use.
            m = replace(old, connected=False, in_call=False, ringing=False, last_call_end=at,
                        calls_taken=old.calls_taken + 1,
                        status=1 if old.status in BUSY_STATES else old.status)
            self.completed.append((_float(ev.get("TalkTime"), 0.0),
                                   _float(ev.get("HoldTime"), 0.0)))
        else:
            return
        self.members[iface] = m

    def state_of(self, m: Member, now: float) -> str:
        """``unavailable``, ``paused``, ``talking``, ``wrap`` or ``free`` at ``now``."""
        if m.status in UNAVAILABLE_STATES:
            return "unavailable"
        if m.paused:
            return "paused"
        if m.connected or m.ringing or m.in_call or m.status in BUSY_STATES:
            return "talking"
        wrap = self.wrapup_s if m.wrapup_s is None else m.wrapup_s
        if m.last_call_end and now < m.last_call_end + wrap:
            return "wrap"
        return "free"

    def counts(self, now: float) -> AgentCounts:
        tally = {"free": 0, "talking": 0, "wrap": 0, "paused": 0, "unavailable": 0}
        for m in self.members.values():
            tally[self.state_of(m, now)] += 1
        return AgentCounts(**tally)


def _from_member_event(old: Member, ev: Mapping[str, str], iface: str) -> Member:
    """A member record from a ``QueueMember*`` event (they all carry the full state)."""
    wrap = _float(ev.get("Wrapuptime"), 0.0)
    last = _float(ev.get("LastCall"), 0.0)
    in_call = ev.get("InCall", "0") == "1"
    return replace(
        old, name=_name(ev, iface), status=int(_float(ev.get("Status"), old.status)),
        paused=ev.get("Paused", "0") == "1", in_call=in_call,
        connected=old.connected and in_call,
        last_call_end=max(old.last_call_end, last),
        wrapup_s=wrap if wrap > 0 else None,  # 0 = "use the queue's"
        calls_taken=int(_float(ev.get("CallsTaken"), old.calls_taken)),
    )


def _name(ev: Mapping[str, str], iface: str) -> str:
    return ev.get("MemberName") or ev.get("Name") or iface


def _float(text: str | None, default: float) -> float:
    try:
        return float(text) if text not in (None, "") else default
    except ValueError:
        return default


_SECTION = re.compile(r"^\s*\[([^\]]+)\]")
_WRAP = re.compile(r"^\s*wrapuptime\s*=\s*(\d+)")


def queue_wrapup_s(conf_text: str, queue: str) -> float:
    """The ``wrapuptime`` of ``queue`` in a queues.conf text (0 when unset)."""
    section = None
    for line in conf_text.splitlines():
        line = line.split(";", 1)[0]
        if m := _SECTION.match(line):
            section = m.group(1).strip()
        elif section == queue and (m := _WRAP.match(line)):
            return float(m.group(1))
    return 0.0
