"""Live call events through a real Mosquitto, started by the project's own code.

A robot call goes through the real Asterisk with a script that has a threatening line
in it (what a careless script edit could do); while the call runs, a subscriber and
``dunbot qa watch --json`` receive every turn and the threat as it happens. The test
checks the received turns against the stored ones, the finding, the alert and the call's
end message. It prints the delay from the end of each utterance to its arrival.

A second call asks for a person and is transferred to a queue whose (simulated) human
agent threatens the borrower aloud: the agent's words, recognised from the snooped
call after the transfer, are published, stored and caught as a threat the same way.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from robot.cases.csvload import load_csv_file
from robot.config import REPO_ROOT, Settings
from robot.dialer.runner import Engines, run_campaign
from robot.events import broker
from robot.events.subscribe import messages
from robot.sim.agents import AgentSimulator
from robot.sim.debtor import DebtorSimulator
from robot.sim.scenarios import load_scenarios
from robot.store.db import Store

pytestmark = pytest.mark.e2e

SAMPLE = REPO_ROOT / "campaigns" / "sample"
CAMPAIGN = "e2e-live"
PHONE = "+15550100004"  # the refusal scenario: "Yes, speaking." / "I won't pay." / ...
CALM = "I understand. Paying soon avoids late fees."
THREAT = "If you do not pay today we will have you arrested."


@pytest.fixture(scope="module")
def mqtt_settings(e2e_settings: Settings,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:  # fmt: skip
    """Our own broker on a port of our own, started and stopped by robot.events.broker,
    and a store of our own (the session's has called these debtors already, and the
    calling rules would rightly not call them again)."""
    s = dataclasses.replace(e2e_settings, home=tmp_path_factory.mktemp("live-home"),
                            mqtt_port=18800 + os.getpid() % 150)  # fmt: skip
    assert not broker.answers(s), f"port {s.mqtt_port} is taken"
    print(broker.up(s), file=sys.stderr)
    yield s
    print(broker.down(s), file=sys.stderr)
    assert not broker.answers(s)


@dataclasses.dataclass
class Live:
    received: list[tuple[str, dict[str, Any], float]]
    watch_lines: list[dict[str, Any]]
    attempt: dict[str, Any]
    turns: list[Any]
    outcome: dict[str, Any] | None = None
    recordings: list[Any] = dataclasses.field(default_factory=list)


async def _run(s: Settings, clock: Callable[[], datetime], script: Path | None, *,
               campaign: str = CAMPAIGN, phone: str = PHONE, scenarios: Path | None = None,
               agent_lines: list[str | tuple[str, float]] | None = None) -> Live:
    rows = (SAMPLE / "accounts.csv").read_text(encoding="utf-8").splitlines()
    folder = (script or scenarios or SAMPLE).parent
    accounts = folder / f"{campaign}.csv"
    accounts.write_text("\n".join([rows[0]] + [r for r in rows if phone in r]) + "\n")
    async with await Store.open(s.db_path) as store:
        await load_csv_file(store, accounts, campaign)
    received: list[tuple[str, dict[str, Any], float]] = []
    ready = asyncio.Event()

    async def listen() -> None:
        async for topic, msg in messages(s, [f"{s.mqtt_prefix}/#"], ready):
            received.append((topic, msg, time.time()))

    env = {**os.environ, "DUNBOT_HOME": str(s.home), "DUNBOT_MQTT_PORT": str(s.mqtt_port)}
    watch = subprocess.Popen([sys.executable, "-m", "robot", "qa", "watch", "--json",
                              "--campaign", campaign], stdout=subprocess.PIPE, text=True,
                             env=env, cwd=REPO_ROOT)  # fmt: skip
    listener = asyncio.create_task(listen())
    await asyncio.wait_for(ready.wait(), 10)
    engines = Engines(s, str(script) if script else None)
    sim = DebtorSimulator(s, load_scenarios(scenarios or SAMPLE / "scenarios.yaml"),
                          engines.tts, engines.prompts)  # fmt: skip
    agents = (AgentSimulator(s, ["ann"], answer_delay_s=1.0, lines=agent_lines,
                             tts=engines.tts, prompts=engines.prompts)  # fmt: skip
              if agent_lines else None)
    await sim.warm_up()
    await sim.start()
    if agents is not None:
        await agents.start()
    try:
        await run_campaign(s, campaign, max_concurrent=1, engines=engines, clock=clock)
    finally:
        if agents is not None:
            await agents.stop()
        await sim.stop()
        await engines.aclose()
    await asyncio.sleep(1.0)
    listener.cancel()
    watch.terminate()
    out, _ = watch.communicate(timeout=10)
    async with await Store.open(s.db_path) as store:
        camp = await store.require_campaign(campaign)
        [attempt] = await store.attempts(camp["id"])
        turns = await store.turns(attempt["id"])
        outcome = await store.outcome(attempt["id"])
        recordings = await store.recordings(attempt["id"])
    return Live(received, [json.loads(x) for x in out.splitlines() if x.strip()], attempt, turns,
                outcome, recordings)


@pytest.fixture(scope="module")
def live(mqtt_settings: Settings, daytime: Callable[..., Any],
         tmp_path_factory: pytest.TempPathFactory) -> Live:  # fmt: skip
    folder = tmp_path_factory.mktemp("live")
    text = (REPO_ROOT / "robot" / "dialogs" / "m0_reminder_en.yaml").read_text(encoding="utf-8")
    assert CALM in text
    script = folder / "careless_en.yaml"
    script.write_text(text.replace(CALM, f"I understand. {THREAT}"), encoding="utf-8")
    return asyncio.run(_run(mqtt_settings, daytime("America/New_York"), script))


def _of(live: Live, kind: str) -> list[tuple[dict[str, Any], float]]:
    aid = live.attempt["id"]
    return [(m, t) for topic, m, t in live.received if topic.endswith(f"/{kind}")
            and m.get("attempt") == aid]  # fmt: skip


def test_every_stored_turn_was_published_live(live: Live) -> None:
    assert live.attempt["result"] == "answered", live.attempt
    turns = _of(live, "turn")
    assert [(m["speaker"], m["text"]) for m, _ in turns] == [(t.speaker, t.text) for t in live.turns]
    assert [m["seq"] for m, _ in turns] == list(range(len(live.turns)))
    first = turns[0][0]
    assert first["campaign"] == CAMPAIGN and first["phone"] != PHONE and PHONE[-2:] in first["phone"]
    answered = datetime.fromisoformat(live.attempt["answered_at"]).timestamp()
    delays = sorted(t - (answered + m["end"]) for m, t in turns)
    print(f"\nutterance end -> received: {len(delays)} turns, median {delays[len(delays) // 2]:.2f} s,"
          f" max {delays[-1]:.2f} s", file=sys.stderr)


def test_the_threat_is_caught_while_the_call_is_on(live: Live) -> None:
    [(v, received_at)] = [(m, t) for m, t in _of(live, "violation") if m["code"] == "threat"]
    assert v["fatal"] and v["score_so_far"] == 0 and "arrested" in v["evidence"]
    spoken = [t for t in live.turns if t.text.strip()]
    assert THREAT in spoken[v["turn"]].text and spoken[v["turn"]].speaker == "robot"
    ended = datetime.fromisoformat(live.attempt["ended_at"]).timestamp()
    assert received_at < ended, "the alert should arrive before the call ends"
    alerts = [m for topic, m, _ in live.received if topic.endswith("/alerts")]
    assert [a["code"] for a in alerts] == ["threat"]


def test_call_end_message_and_qa_watch(live: Live) -> None:
    [(end, _)] = _of(live, "end")
    assert (end["result"], end["disposition"]) == ("answered", "refused")
    assert end["score"] == 0 and end["alert"] and "threat" in end["codes"]
    assert end["turns"] == len(live.turns)
    watched = [m for m in live.watch_lines if m.get("attempt") == live.attempt["id"]]
    assert any(m["topic"].endswith("/violation") and m["code"] == "threat" for m in watched)
    assert sum(m["topic"].endswith("/turn") for m in watched) == len(live.turns)


# -- a transferred call: the human agent's words are inspected live too -----------------
XFER_CAMPAIGN = "e2e-live-transfer"
XFER_PHONE = "+15550100002"  # a sample account; its scenario is replaced below
# (line, gain in dB): three said at one level, then one 12 dB louder (a raised voice)
AGENT_LINES = [("Hi Brian, this is Mark with Acme Bank, agent ID 4410.", -6.0),
               ("Listen, if you do not pay today, we will have you arrested.", -6.0),
               ("I can see the payment is three weeks late.", -6.0),
               ("Are you even listening to me? Pay it today!", 6.0)]


@pytest.fixture(scope="module")
def transferred(mqtt_settings: Settings, daytime: Callable[..., Any],
                tmp_path_factory: pytest.TempPathFactory) -> Live:  # fmt: skip
    folder = tmp_path_factory.mktemp("live-xfer")
    scen = folder / "scenarios.yaml"
    # The debtor asks for a person; the third reply answers whoever speaks next (the
    # robot's transfer line), heard by the snoop while the call waits in the queue.
    scen.write_text(json.dumps({"defaults": {"lang": "en", "turn_silence_ms": 1500}, "scenarios": {
        XFER_PHONE: {"name": "wants_a_person", "greeting": "Hello?",
                     "replies": ["Yes, speaking.", "I want to speak to an agent.",
                                 "Okay, I will hold for the agent."]}}}), encoding="utf-8")
    return asyncio.run(_run(mqtt_settings, daytime("America/New_York"), None,
                            campaign=XFER_CAMPAIGN, phone=XFER_PHONE, scenarios=scen,
                            agent_lines=AGENT_LINES))  # fmt: skip


def test_transferred_call_keeps_its_transcript(transferred: Live) -> None:
    live = transferred
    assert live.attempt["result"] == "answered", live.attempt
    assert live.outcome and live.outcome["disposition"] == "transfer"
    assert "agent ann" in (live.outcome["notes"] or ""), live.outcome
    for t in live.turns:
        print(f"{t.speaker:7s} {t.start_s:6.2f}-{t.end_s:6.2f} {t.text}", file=sys.stderr)
    speakers = [t.speaker for t in live.turns]
    first_agent = speakers.index("agent")
    assert "robot" in speakers[:first_agent] and "robot" not in speakers[first_agent:]
    agent = [t for t in live.turns if t.speaker == "agent"]
    said = " ".join(t.text for t in agent).lower()
    assert "arrested" in said and "mark" in said and "bank" in said, agent
    robot_done = max(t.end_s for t in live.turns if t.speaker == "robot")
    after = [t for t in live.turns if t.speaker == "debtor" and t.start_s > robot_done]
    assert any("hold" in t.text.lower() for t in after), live.turns  # heard by the snoop
    assert [t.start_s for t in live.turns] == sorted(t.start_s for t in live.turns)
    # The recording runs on through the agent's part of the call.
    mix = next(r for r in live.recordings if r.kind == "mix")
    assert mix.duration_s >= agent[-1].end_s - 2, (mix.duration_s, agent[-1])


def test_agents_threat_is_caught_live(transferred: Live) -> None:
    live = transferred
    turns = _of(live, "turn")
    assert [(m["speaker"], m["text"]) for m, _ in turns if m["speaker"] == "agent"] == [
        (t.speaker, t.text) for t in live.turns if t.speaker == "agent"]
    answered = datetime.fromisoformat(live.attempt["answered_at"]).timestamp()
    robot_end = max(m["end"] for m, _ in turns if m["speaker"] == "robot")
    delays = [f"{m['speaker']} {t - (answered + m['end']):.2f} s" for m, t in turns
              if m["start"] > robot_end]  # fmt: skip
    print(f"\nafter the transfer, utterance end -> received: {', '.join(delays)}", file=sys.stderr)
    [(v, received_at)] = [(m, t) for m, t in _of(live, "violation") if m["code"] == "threat"]
    assert v["fatal"] and "arrested" in v["evidence"].lower()
    ended = datetime.fromisoformat(live.attempt["ended_at"]).timestamp()
    assert received_at < ended, "the alert should arrive while the agent is still on the call"
    [(end, end_at)] = _of(live, "end")
    assert end["disposition"] == "transfer" and "threat" in end["codes"] and end["score"] == 0
    assert end["turns"] == len(live.turns) and end_at >= received_at


def test_agent_raising_their_voice_is_judged_live(transferred: Live) -> None:
    """Every agent and borrower turn heard after the transfer carries its loudness, so
    the shouting rule judges the agent while the call goes on, as it judges recordings."""
    live = transferred
    agent = [t for t in live.turns if t.speaker == "agent"]
    assert agent and all(t.level_dbfs is not None for t in agent), agent
    assert all(t.level_dbfs is not None for t in live.turns if t.speaker == "debtor")
    assert all(t.level_dbfs is None for t in live.turns if t.speaker == "robot")
    levels = ", ".join(f"{t.level_dbfs:.1f}" for t in agent)
    print(f"\nagent turn levels (dBFS): {levels}", file=sys.stderr)
    loud = max(agent, key=lambda t: t.level_dbfs or -200.0)
    assert "listening" in loud.text.lower(), agent  # the line said 12 dB louder
    published = {m["text"]: m.get("level_dbfs") for m, _ in _of(live, "turn")}
    assert published[loud.text] == loud.level_dbfs
    shouts = [m for m, _ in _of(live, "violation") if m["code"] == "shouting"]
    assert len(shouts) == 1 and "listening" in shouts[0]["evidence"].lower(), shouts
    [(end, _)] = _of(live, "end")
    assert "shouting" in end["codes"]


def test_qa_run_attributes_the_transferred_call_to_the_agent(transferred: Live,
                                                             mqtt_settings: Settings) -> None:  # fmt: skip
    """``dunbot qa run`` scores the whole stored call and files it under the agent who
    took it, so the by-agent report and the agent's appeal rights follow the words."""
    env = {**os.environ, "DUNBOT_HOME": str(mqtt_settings.home)}
    day = transferred.attempt["started_at"][:10]
    run = subprocess.run([sys.executable, "-m", "robot", "qa", "run", "--since", day],
                         env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert run.returncode == 0, run.stderr
    show = subprocess.run([sys.executable, "-m", "robot", "qa", "show", transferred.attempt["id"]],
                          env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)  # fmt: skip
    assert show.returncode == 0, show.stderr
    shown = json.loads(show.stdout)
    assert shown["agent_id"] == "ann" and shown["score"] == 0, shown
    threat = [f for f in shown["findings"] if f["code"] == "threat"]
    assert threat and "arrested" in threat[0]["evidence"].lower(), shown["findings"]
    assert threat[0]["about"] == "ann"  # the agent's words; the robot's part stays the robot's
    assert all(f["about"] == "robot" for f in shown["findings"]
               if f["turn_index"] is not None and f["turn_index"] < 4)
