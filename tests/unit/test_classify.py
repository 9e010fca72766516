"""The attempt result for every dial status and hang-up cause Asterisk can report."""

from __future__ import annotations

import pytest

from robot.telephony.classify import RESULTS, classify_attempt


def result(*, answered: bool = False, dialstatus: str | None = None, cause: int | None = None,
           amd: str | None = None, lost: bool = False) -> str:
    return classify_attempt(answered=answered, dialstatus=dialstatus, hangup_cause=cause,
                            amd_status=amd, lost=lost)


@pytest.mark.parametrize(
    ("dialstatus", "expected"),
    [
        ("ANSWER", "answered"),
        ("BUSY", "busy"),
        ("NOANSWER", "no_answer"),
        ("CANCEL", "no_answer"),
        ("CONGESTION", "failed"),
        ("CHANUNAVAIL", "failed"),
        ("INVALIDARGS", "failed"),
        ("DONTCALL", "failed"),
        ("TORTURE", "failed"),
        ("busy", "busy"),  # case does not matter
    ],
)
def test_dialstatus(dialstatus: str, expected: str) -> None:
    assert result(dialstatus=dialstatus) == expected


@pytest.mark.parametrize(
    ("cause", "expected"),
    [
        (17, "busy"), (21, "busy"),
        (16, "no_answer"), (18, "no_answer"), (19, "no_answer"), (31, "no_answer"),
        (1, "failed"), (2, "failed"), (3, "failed"), (22, "failed"), (27, "failed"),
        (28, "failed"), (34, "failed"), (38, "failed"), (41, "failed"), (42, "failed"),
        (44, "failed"), (47, "failed"), (50, "failed"), (58, "failed"), (63, "failed"),
        (65, "failed"), (66, "failed"), (79, "failed"), (88, "failed"), (102, "failed"),
        (111, "failed"), (127, "failed"), (0, "failed"), (None, "failed"),
    ],
)
def test_hangup_cause_without_dialstatus(cause: int | None, expected: str) -> None:
    assert result(cause=cause) == expected


def test_dialstatus_beats_cause() -> None:
    assert result(dialstatus="BUSY", cause=16) == "busy"
    assert result(dialstatus="CHANUNAVAIL", cause=19) == "failed"
    assert result(dialstatus="NOANSWER", cause=17) == "no_answer"


@pytest.mark.parametrize(
    ("amd", "expected"),
    [("MACHINE", "machine"), ("machine", "machine"), ("HUMAN", "answered"),
     ("NOTSURE", "answered"), ("HANGUP", "answered"), (None, "answered")],
)
def test_answered_calls_by_amd(amd: str | None, expected: str) -> None:
    assert result(answered=True, cause=16, amd=amd) == expected
    assert result(dialstatus="ANSWER", cause=16, amd=amd) == expected


def test_machine_needs_an_answer() -> None:
    assert result(dialstatus="NOANSWER", amd="MACHINE") == "no_answer"


@pytest.mark.parametrize("answered", [True, False])
def test_a_lost_channel_is_interrupted_whatever_else_was_seen(answered: bool) -> None:
    assert result(answered=answered, dialstatus="ANSWER", cause=16, amd="MACHINE",
                  lost=True) == "interrupted"


def test_every_result_is_reachable_and_listed() -> None:
    seen = {
        result(lost=True), result(answered=True, amd="MACHINE"), result(answered=True),
        result(dialstatus="BUSY"), result(dialstatus="NOANSWER"), result(cause=34),
    }
    assert seen == set(RESULTS)
