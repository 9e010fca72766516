"""Live events (pure parts): which findings go out when, messages, watch formatting."""

from __future__ import annotations

from pathlib import Path

from robot.cli.qa_watch import line, topics
from robot.config import Settings
from robot.events.broker import conf_text
from robot.events.live import new_findings, transcript, turn_message
from robot.qa.score import score_transcript
from robot.store.models import Turn

TURNS = [Turn("robot", "Hello.", 0.0, 2.0),
         Turn("debtor", "", 2.5, 3.0),
         Turn("debtor", "Yes, speaking.", 3.0, 3.1),
         Turn("robot", "Pay today or we will call the police and have you arrested.", 3.2, 25.0)]


def test_turn_bound_findings_go_out_once_whole_call_ones_at_the_end() -> None:
    seen: set[tuple[str, int | None]] = set()
    tr = transcript(TURNS[:1], "en-US")
    assert tr["lang"] == "en" and len(tr["turns"]) == 1
    early = new_findings(score_transcript(tr), seen, final=False)
    assert all(v.turn_index is not None for v in early)
    tr = transcript(TURNS, "en")
    assert [t["text"] for t in tr["turns"]] == [TURNS[0].text, TURNS[2].text, TURNS[3].text]
    result = score_transcript(tr)
    now = new_findings(result, seen, final=False)
    assert [(v.code, v.turn_index) for v in now] == [("threat", 2)]
    assert new_findings(result, seen, final=False) == []
    final = new_findings(result, seen, final=True)
    assert final and all(v.turn_index is None for v in final)
    assert new_findings(result, seen, final=True) == []


def test_messages_mask_the_phone_and_watch_prints_them() -> None:
    head = {"attempt": "abcdef0123", "campaign": "june", "phone": "+1555*****04"}
    msg = turn_message(head, 0, Turn("debtor", "I won't pay [now]", 1.0, 2.0, intent="refuse",
                                     emotion="negative"))  # fmt: skip
    assert msg["intent"] == "refuse" and msg["seq"] == 0
    assert line("turn", msg).startswith("abcdef01     1.0s [green]debtor[/] I won't pay \\[now]")
    v = {**head, "code": "threat", "fatal": True, "turn": 2, "deduction": 100,
         "score_so_far": 0, "evidence": "have you arrested"}  # fmt: skip
    assert "[bold red]VIOLATION threat[/] (turn 2, -100, score 0)" in line("violation", v)
    assert topics("dunbot", None, False) == ["dunbot/calls/+/#"]
    assert topics("dunbot", "abc", False) == ["dunbot/calls/abc/#"]
    assert topics("x", "abc", True) == ["x/alerts"]


def test_broker_config_listens_on_loopback_by_default(tmp_path: Path) -> None:
    text = conf_text(Settings(home=tmp_path))
    assert "listener 1883 127.0.0.1" in text and "{" not in text.split("\n#")[-1]
    assert "persistence false" in text


def test_publishing_never_waits_for_an_absent_broker(tmp_path: Path) -> None:
    """No broker at the address: messages queue up to the bound, the rest are dropped."""
    import asyncio
    import socket

    from robot.events.publish import Publisher

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]

    async def scenario() -> tuple[int, int, bool]:
        pub = Publisher(Settings(home=tmp_path, mqtt_port=port), maxsize=5).start()
        for i in range(8):
            pub.publish("dunbot/calls/x/turn", {"seq": i})
        await asyncio.sleep(0.2)  # the sender tried and failed to connect
        connected = pub.connected.is_set()
        await pub.aclose(timeout=0.5)
        return pub.queue.qsize(), pub.dropped, connected

    queued, dropped, connected = asyncio.run(scenario())
    assert (queued, dropped, connected) == (5, 3, False)


def test_a_talked_over_prompt_says_how_much_was_heard() -> None:
    head = {"attempt": "a1", "campaign": "june", "phone": "+1555*****04"}
    cut = turn_message(head, 3, Turn("robot", "A reminder.", 1.0, 2.0, heard_ms=700, prompt_ms=2500))
    assert (cut["heard_ms"], cut["prompt_ms"]) == (700, 2500)
    assert "heard_ms" not in turn_message(head, 4, Turn("robot", "Goodbye.", 3.0, 4.0))


def test_heard_turns_carry_their_level() -> None:
    head = {"attempt": "a1", "campaign": "june", "phone": "+1555*****04"}
    heard = turn_message(head, 2, Turn("agent", "Pay it today!", 5.0, 6.5, level_dbfs=-14.2))
    assert heard["level_dbfs"] == -14.2
    assert "level_dbfs" not in turn_message(head, 3, Turn("robot", "Goodbye.", 7.0, 8.0))
