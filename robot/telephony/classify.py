"""What happened to a call attempt, from what Asterisk said about it (pure logic).

The result decides the retry policy and what the bank sees, so every input Asterisk can
give maps to exactly one result, checked in this order:

=============================================  ===============  ============================
Condition                                      Result           Why
=============================================  ===============  ============================
``lost`` (channel vanished while ARI was       ``interrupted``  we do not know how it ended;
down, or Asterisk restarted)                                    retry, never count contact
answered and AMD said ``MACHINE``              ``machine``      voicemail / answering machine
answered (StasisStart came), or dialstatus     ``answered``     a person picked up (AMD
``ANSWER``                                                      HUMAN / NOTSURE / none)
dialstatus ``BUSY``                            ``busy``         SIP 486/600
dialstatus ``NOANSWER`` or ``CANCEL``          ``no_answer``    rang out / we gave up ringing
dialstatus ``CONGESTION``, ``CHANUNAVAIL``,    ``failed``       network or number trouble
``INVALIDARGS``, ``DONTCALL``, ``TORTURE``
no dialstatus: Q.850 cause 17 (user busy),     ``busy``         reachable, but refused
21 (call rejected)
cause 16 (normal clearing), 18 (no user        ``no_answer``    rang, nobody took it
responding), 19 (no answer), 31 (normal
unspecified)
cause 1, 2, 3, 22, 27, 28, 34, 38, 41, 42,     ``failed``       the network could not reach
44, 47, 50, 58, 63, 65, 66, 79, 88, 102, 111,                   the number
127, and anything else or nothing at all
=============================================  ===============  ============================

A dialstatus, when there is one, beats the hang-up cause: it is Asterisk's own summary of
the dial, whereas a cause can be rewritten by the far network (cause 16 on a call that
was rejected, for instance).
"""

from __future__ import annotations

from typing import Final

ANSWERED: Final = "answered"
BUSY: Final = "busy"
NO_ANSWER: Final = "no_answer"
FAILED: Final = "failed"
MACHINE: Final = "machine"
INTERRUPTED: Final = "interrupted"

#: Every result :func:`classify_attempt` can return.
RESULTS: Final[tuple[str, ...]] = (ANSWERED, BUSY, NO_ANSWER, FAILED, MACHINE, INTERRUPTED)

_BY_DIALSTATUS: Final[dict[str, str]] = {
    "ANSWER": ANSWERED,
    "BUSY": BUSY,
    "NOANSWER": NO_ANSWER,
    "CANCEL": NO_ANSWER,
    "CONGESTION": FAILED,
    "CHANUNAVAIL": FAILED,
    "INVALIDARGS": FAILED,
    "DONTCALL": FAILED,
    "TORTURE": FAILED,
}

_BUSY_CAUSES: Final = frozenset({17, 21})
_NO_ANSWER_CAUSES: Final = frozenset({16, 18, 19, 31})


def classify_attempt(
    *,
    answered: bool,
    dialstatus: str | None,
    hangup_cause: int | None,
    amd_status: str | None,
    lost: bool,
) -> str:
    """Return one of :data:`RESULTS` for a finished attempt (see the module table)."""
    if lost:
        return INTERRUPTED
    status = (dialstatus or "").strip().upper()
    if answered or status == "ANSWER":
        if (amd_status or "").strip().upper() == "MACHINE":
            return MACHINE
        return ANSWERED
    if status in _BY_DIALSTATUS:
        return _BY_DIALSTATUS[status]
    if hangup_cause in _BUSY_CAUSES:
        return BUSY
    if hangup_cause in _NO_ANSWER_CAUSES:
        return NO_ANSWER
    return FAILED
