"""The predictive dialer's pure parts: agent-state reducer, call outcome, dial decisions,
no-agent message checks, campaign settings.

``data/ami_predictive_call.json`` is a real AMI event stream recorded from Asterisk 22:
a predictive call answered by a person (AMD HUMAN), queued, taken by the simulated
agent ``probeA``, talked 2 s and ended."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from robot.dialer.agents import AgentCounts, AgentTracker, queue_wrapup_s
from robot.dialer.noagent import check_text, render_text, sound_name
from robot.dialer.pacedecision import decide, projected_rate
from robot.dialer.pacestats import PaceStats, blend
from robot.dialer.pacing import PredictivePacer
from robot.dialer.predictive_call import PredictiveCall
from robot.dialer.settings import DialerSettings
from robot.errors import DunbotError, InputError

EVENTS = json.loads((Path(__file__).parent / "data" / "ami_predictive_call.json").read_text())
AGENT = "Local/probeA@dunbot-sim-agent-app/n"
ATTEMPT = EVENTS[0]["Uniqueid"]
PRED = DialerSettings(mode="predictive", business_name="Acme Services",
                      callback_number="+15550109999")


def member(iface: str, **fields: str) -> dict[str, str]:
    base = {"Event": "QueueMember", "Queue": "collectors", "Name": iface, "Location": iface,
            "StateInterface": iface, "Membership": "dynamic", "Penalty": "0",
            "CallsTaken": "0", "LastCall": "0", "LastPause": "0", "LoginTime": "1795881445",
            "InCall": "0", "Status": "1", "Paused": "0", "PausedReason": "",
            "Wrapuptime": "0", "ActionID": "5"}
    return {**base, **fields}


def tracked(wrap: float = 10.0) -> AgentTracker:
    t = AgentTracker("collectors", wrap)
    t.reset([member(AGENT)], now=1795882580.0)
    return t


def at(ev: dict[str, str]) -> float:
    return float(ev.get("Timestamp", "0"))


# -- agent tracker -------------------------------------------------------------------
def test_snapshot_then_real_call_events_walk_free_talking_wrap_free() -> None:
    t = tracked()
    assert t.counts(1795882580.0) == AgentCounts(free=1)
    seen = []
    for ev in EVENTS:
        t.apply(ev, at(ev))
        if ev["Event"] in ("AgentCalled", "AgentConnect", "AgentComplete"):
            seen.append((ev["Event"], t.state_of(t.members[AGENT], at(ev))))
    assert seen == [("AgentCalled", "talking"), ("AgentConnect", "talking"),
                    ("AgentComplete", "wrap")]
    # The last event removed the member; replay without it to time the wrap-up.
    t2 = tracked()
    for ev in EVENTS[:-1]:
        t2.apply(ev, at(ev))
    complete = next(e for e in EVENTS if e["Event"] == "AgentComplete")
    end = at(complete)
    assert t2.counts(end + 9.5).wrap == 1
    assert t2.counts(end + 10.5) == AgentCounts(free=1)
    assert t2.completed == [(2.0, 0.0)]
    assert t.counts(end + 20) == AgentCounts()  # QueueMemberRemoved


def test_pause_unavailable_and_other_queues() -> None:
    t = AgentTracker("collectors", 10)
    t.reset([member("A"), member("B"), member("C", Status="5"), member("D", Paused="1")], 0)
    assert t.counts(0) == AgentCounts(free=2, paused=1, unavailable=1)
    pause = {"Event": "QueueMemberPause", "Queue": "collectors", "MemberName": "A",
             "Interface": "A", "Status": "1", "Paused": "1", "InCall": "0", "LastCall": "0",
             "Wrapuptime": "0"}
    t.apply(pause, 1)
    t.apply({**pause, "Queue": "other", "Interface": "B"}, 1)  # another queue: ignored
    assert t.counts(1) == AgentCounts(free=1, paused=2, unavailable=1)
    t.apply({**pause, "Paused": "0"}, 2)
    assert t.counts(2).free == 2


def test_snapshot_last_call_and_member_wrapuptime_give_wrap() -> None:
    t = AgentTracker("collectors", 10)
    t.reset([member("A", LastCall="100"), member("B", LastCall="100", Wrapuptime="30")], 105)
    assert t.counts(105) == AgentCounts(wrap=2)
    assert t.counts(115) == AgentCounts(free=1, wrap=1)
    assert t.counts(131) == AgentCounts(free=2)


def test_busy_device_counts_as_talking_even_without_agent_events() -> None:
    t = AgentTracker("collectors", 0)
    t.reset([member("A", Status="2"), member("B", InCall="1")], 0)
    assert t.counts(0) == AgentCounts(talking=2)


def test_queue_wrapup_read_from_queues_conf() -> None:
    from robot.config import REPO_ROOT

    text = (REPO_ROOT / "asterisk" / "etc" / "queues.conf").read_text()
    assert queue_wrapup_s(text, "collectors") == 10.0
    assert queue_wrapup_s("[x]\nwrapuptime = 4 ; s\n[y]\nwrapuptime=9\n", "x") == 4.0
    assert queue_wrapup_s("[x]\n", "x") == 0.0


# -- one call -------------------------------------------------------------------------
def replay(call: PredictiveCall, events: list[dict[str, str]]) -> PredictiveCall:
    for ev in events:
        key = ev.get("Attempt") if ev["Event"] == "UserEvent" else ev.get("Uniqueid")
        if key == call.attempt_id or ev.get("ActionID", "").endswith(call.attempt_id):
            call.apply(ev, at(ev))
    return call


def test_real_call_reaching_an_agent_is_stored_as_agent() -> None:
    call = replay(PredictiveCall(ATTEMPT, "A-1", "en", 1795882580.0, pacing="dial 1"), EVENTS)
    assert call.done and call.amd_status == "HUMAN" and call.agent == "probeA"
    result, disposition, notes = call.outcome()
    assert (result, disposition) == ("answered", "agent")
    assert notes.startswith("dial 1; agent probeA answered") and "talked 2 s" in notes


def test_no_agent_message_makes_the_call_abandoned() -> None:
    evs = [e for e in EVENTS if e["Event"] not in ("AgentCalled", "AgentConnect",
                                                    "AgentComplete")]
    noagent = {"Event": "UserEvent", "UserEvent": "DunbotPredictive", "Attempt": ATTEMPT,
               "Step": "noagent", "QueueStatus": "JOINEMPTY"}
    call = PredictiveCall(ATTEMPT, "A-1", "en", 0.0)
    replay(call, evs[:5])
    assert call.awaiting_agent and not call.ringing
    call.apply(noagent, 10.0)
    assert not call.awaiting_agent
    call.apply({**noagent, "Step": "played"}, 18.0)
    call.apply({"Event": "Hangup", "Uniqueid": ATTEMPT, "Cause": "16"}, 18.1)
    assert call.outcome()[:2] == ("answered", "abandoned")
    assert "message played" in call.outcome()[2]


@pytest.mark.parametrize("reason, cause, expected", [
    ("0", "17", "busy"),        # what Asterisk 22 sends for a SIP 486
    ("3", None, "no_answer"),   # rang out
    ("5", None, "busy"),
    ("8", None, "failed"),
    ("0", None, "failed"),
])
def test_unanswered_originations(reason: str, cause: str | None, expected: str) -> None:
    call = PredictiveCall("x", "A", "en", 0.0)
    if cause:
        call.apply({"Event": "Hangup", "Uniqueid": "x", "Cause": cause}, 1.0)
    call.apply({"Event": "OriginateResponse", "Response": "Failure", "Reason": reason}, 1.0)
    call.expire(5.0)
    assert call.done and call.outcome()[:2] == (expected, expected)


def test_failed_origination_waits_briefly_for_the_hangup_cause() -> None:
    call = PredictiveCall("x", "A", "en", 0.0)
    call.apply({"Event": "OriginateResponse", "Response": "Failure", "Reason": "0"}, 1.0)
    call.expire(1.5)
    assert not call.done and not call.ringing
    call.apply({"Event": "Hangup", "Uniqueid": "x", "Cause": "17"}, 1.6)
    assert call.done and call.outcome()[0] == "busy"


def test_machine_is_hung_up_on() -> None:
    call = PredictiveCall("x", "A", "en", 0.0)
    call.apply({"Event": "Newstate", "ChannelState": "6"}, 1.0)
    call.apply({"Event": "UserEvent", "UserEvent": "DunbotPredictive", "Step": "amd",
                "AMDStatus": "MACHINE"}, 3.0)
    assert not call.awaiting_agent
    call.apply({"Event": "Hangup", "Cause": "16"}, 3.1)
    assert call.outcome()[:2] == ("machine", "machine")


# -- dial decisions -------------------------------------------------------------------
def stats(answered: int = 0, abandoned: int = 0, rate: float = 0.3) -> PaceStats:
    return PaceStats(dials=0, answer_rate=rate, mean_answer_s=8.0, mean_talk_s=90.0,
                     window_answered=answered, window_abandoned=abandoned)


def test_decision_reads_the_live_agent_counts_and_explains() -> None:
    d = decide(AgentCounts(free=2), [], stats(), PredictivePacer(), dials_last_second=0,
               pending=10, wrap_s=10)
    assert d.n >= 2 and d.state.agents_free == 2
    assert d.reason.startswith(f"dial {d.n} (")
    assert "agents free 2, talking 0, wrap-up 0, paused 0" in d.reason


def test_no_agents_no_dial_and_pending_bounds() -> None:
    pacer = PredictivePacer()
    assert decide(AgentCounts(paused=3), [], stats(), pacer, dials_last_second=0,
                  pending=10, wrap_s=10).n == 0
    assert decide(AgentCounts(free=5), [], stats(), pacer, dials_last_second=0,
                  pending=1, wrap_s=10).n == 1


def test_answered_calls_waiting_for_an_agent_take_free_agents() -> None:
    waiting = PredictiveCall("w", "A", "en", 0.0)
    waiting.apply({"Event": "Newstate", "ChannelState": "6"}, 1.0)
    d = decide(AgentCounts(free=1), [waiting], stats(), PredictivePacer(),
               dials_last_second=0, pending=10, wrap_s=10)
    assert d.state.agents_free == 0 and "awaiting an agent 1" in d.reason


def test_calls_per_second_and_channels_bound_the_dials() -> None:
    pacer = PredictivePacer(cps_limit=3, max_channels=4)
    d = decide(AgentCounts(free=10), [], stats(rate=0.1), pacer, dials_last_second=2,
               pending=50, wrap_s=10)
    assert d.n == 1
    ringing = [PredictiveCall(str(i), "A", "en", 0.0) for i in range(3)]
    d = decide(AgentCounts(free=10), ringing, stats(rate=0.1), pacer, dials_last_second=0,
               pending=50, wrap_s=10)
    assert d.n == 1  # 4 channels, 3 ringing


def test_cap_reached_stops_dialling_ahead() -> None:
    pacer = PredictivePacer(min_sample=1)
    free_calls = dict(dials_last_second=0, pending=100, wrap_s=10)
    ahead = decide(AgentCounts(free=3, talking=5), [], stats(1000, 0), pacer, **free_calls)
    assert ahead.n > 3  # well under the cap: dials ahead of the 3 free agents
    capped = decide(AgentCounts(free=3, talking=5), [], stats(1000, 30), pacer, **free_calls)
    assert capped.n == 3  # only calls a free agent is sure to take
    # A pacer that ignores the measurement (too few samples for its controller) is
    # still held back by the cap rule.
    blind = PredictivePacer(min_sample=10**6)
    held = decide(AgentCounts(free=3, talking=5), [], stats(1000, 30), blind, **free_calls)
    assert held.n == 3 and "cap reached: no dialling ahead" in held.reason


def test_projected_rate_never_exceeds_cap_when_trimmed() -> None:
    pacer = PredictivePacer(min_sample=1, abandon_cap=0.03)
    d = decide(AgentCounts(free=1, talking=8), [], stats(40, 1), pacer, dials_last_second=0,
               pending=100, wrap_s=10)
    if d.n > 1:
        assert projected_rate(pacer, d.state, d.n) <= 0.03
    assert d.n >= 1


def test_blend_pulls_young_campaigns_to_the_prior() -> None:
    assert blend(0, 0, 0.3) == pytest.approx(0.3)
    assert blend(3, 3, 0.3) == pytest.approx((3 + 3) / 13)
    assert blend(100, 1000, 0.3) == pytest.approx(103 / 1010)


# -- the no-agent message and settings ---------------------------------------------
def test_no_agent_message_names_caller_and_number_only() -> None:
    text = render_text(PRED, "en")
    assert "Acme Services" in text and "5 5 5 0 1 0 9 9 9 9" in text
    zh = render_text(PRED, "zh")
    assert "Acme Services" in zh and "+15550109999" in zh
    assert sound_name(7, "en", text) != sound_name(7, "en", text + "!")


@pytest.mark.parametrize("text, problem", [
    ("This is {business_name} about your debt, call {callback_number}", "reveals a debt"),
    ("This is {business_name}, {contact_name}, call {callback_number}", "not allowed"),
    ("This is {business_name}.", "callback_number"),
    ("Call {callback_number}.", "business_name"),
])
def test_bad_no_agent_texts_are_refused(text: str, problem: str) -> None:
    with pytest.raises(InputError, match=problem):
        check_text(text, "test")


def test_predictive_settings_are_checked() -> None:
    with pytest.raises(DunbotError, match="business_name and callback_number"):
        DialerSettings(mode="predictive")
    with pytest.raises(InputError, match="agent_wait_s"):
        DialerSettings.from_mapping({**PRED.__dict__, "agent_wait_s": 3})
    with pytest.raises(InputError, match="abandon_cap"):
        PRED.updated(abandon_cap=1.5)
    with pytest.raises(InputError, match="trunk_cps"):
        PRED.updated(trunk_cps=0)
    with pytest.raises(InputError, match="reveals a debt"):
        PRED.updated(noagent_text={"en": "{business_name} collections: {callback_number}"})
    with pytest.raises(InputError, match="mode must be"):
        DialerSettings(mode="blaster")
    again = DialerSettings.from_json(PRED.to_json())
    assert again == PRED and again.abandon_cap == 0.03 and again.agent_wait_s == 1.0


def test_abandoned_is_retried_and_no_conversation_agent_is_final() -> None:
    from datetime import UTC, datetime

    from robot.dialer.context import guard_attempt
    from robot.dialer.retry import PastAttempt, retry_key

    t = datetime(2026, 12, 1, 15, tzinfo=UTC)
    assert retry_key(PastAttempt(t, t, "answered", "abandoned")) == "no_contact"
    assert retry_key(PastAttempt(t, t, "answered", "agent")) is None
    row = {"result": "answered", "ended_at": "2026-12-01T15:00:10.000Z",
           "started_at": "2026-12-01T15:00:00.000Z", "phone": "+15550100041"}
    assert not guard_attempt({**row, "disposition": "abandoned"}).conversation
    assert guard_attempt({**row, "disposition": "agent"}).conversation


def test_a_call_lost_while_ami_was_away_is_interrupted() -> None:
    call = PredictiveCall("x", "A", "en", 0.0, pacing="dial 1")
    call.apply({"Event": "Newstate", "ChannelState": "6"}, 1.0)
    call.mark_lost(30.0)
    assert call.done and call.outcome() == (
        "interrupted", "interrupted", "dial 1; channel lost while AMI was disconnected")
