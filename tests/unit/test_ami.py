"""AMI wire format and the generated manager.conf snippet (no Asterisk needed)."""

from __future__ import annotations

import asyncio

import pytest

from robot.errors import ConfigError, DunbotError
from robot.telephony.ami import AmiClient, AmiError, chan_var, format_action, parse_message
from robot.telephony.asterisk_config import ensure_ami_secret, manager_snippet

HANGUP = (
    "Event: Hangup\r\nPrivilege: call,all\r\nTimestamp: 1795882012.059420\r\n"
    "Channel: PJSIP/simtrunk-000002c6\r\nUniqueid: a7c3f4503fdc44eb88846d94940e98a5\r\n"
    "ChanVariable: DUNBOT_ATTEMPT=a7c3f4503fdc44eb88846d94940e98a5\r\n"
    "ChanVariable: DUNBOT_TRANSFER_ATTEMPT=\r\n"
    "Cause: 17\r\nCause-txt: User busy\r\nTechCause: 486\r\n\r\n"
)


def test_parse_keeps_every_channel_variable() -> None:
    msg = parse_message(HANGUP)
    assert msg["Event"] == "Hangup" and msg["Cause"] == "17"
    assert msg["Cause-txt"] == "User busy"
    assert chan_var(msg, "DUNBOT_ATTEMPT") == "a7c3f4503fdc44eb88846d94940e98a5"
    assert chan_var(msg, "DUNBOT_TRANSFER_ATTEMPT") is None  # empty = not set


def test_parse_values_with_colons_and_repeated_keys() -> None:
    msg = parse_message("Response: Success\r\nMessage: a: b\r\nOutput: one\r\nOutput: two\r\n")
    assert msg["Message"] == "a: b"
    assert msg["Output"] == "one\ntwo"


def test_format_action_repeats_list_headers() -> None:
    wire = format_action("Originate", "7", {"Channel": "PJSIP/1@t",
                                            "Variable": ["A=1", "B=2"]}).decode()
    assert wire == ("Action: Originate\r\nActionID: 7\r\nChannel: PJSIP/1@t\r\n"
                    "Variable: A=1\r\nVariable: B=2\r\n\r\n")


def test_format_action_refuses_header_injection() -> None:
    with pytest.raises(AmiError) as err:
        format_action("QueuePause", "1", {"Reason": "x\r\nAction: Logoff"})
    assert isinstance(err.value, DunbotError)


def test_manager_snippet_binds_loopback_and_permits_only_it() -> None:
    text = manager_snippet("127.0.0.1", 5038, "dunbot", "s3cret-X")
    assert "bindaddr = 127.0.0.1" in text and "port = 5038" in text
    assert "[dunbot]" in text and "secret = s3cret-X" in text
    assert "deny = 0.0.0.0/0.0.0.0" in text and "permit = 127.0.0.1/255.255.255.255" in text
    assert "system" not in text.split("write =")[1]  # no CLI commands through AMI
    with pytest.raises(ConfigError):
        manager_snippet("127.0.0.1", 5038, "dunbot", "bad secret")
    with pytest.raises(ConfigError):
        manager_snippet("127.0.0.1; x", 5038, "dunbot", "ok")


def test_ami_secret_is_generated_once_into_the_data_folder(tmp_path) -> None:
    from robot.config import Settings

    s = Settings(home=tmp_path)
    first = ensure_ami_secret(s)
    path = tmp_path / "secrets" / "ami_secret"
    assert path.read_text().strip() == first and oct(path.stat().st_mode)[-3:] == "600"
    assert ensure_ami_secret(Settings(home=tmp_path)) == first


def test_repository_holds_no_ami_secret() -> None:
    from robot.config import REPO_ROOT

    text = (REPO_ROOT / "asterisk" / "etc" / "manager.conf").read_text()
    live = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith(";")]
    assert not any(ln.strip().startswith("secret") for ln in live)
    assert '#include "dunbot_manager.conf"' in text


class FakeAmi:
    """A scripted AMI server on loopback: banner, login, one list action, one event."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.seen: list[dict[str, str]] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"Asterisk Call Manager/9.0.0\r\n")
        while True:
            try:
                raw = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:
                return
            msg = parse_message(raw.decode())
            self.seen.append(msg)
            aid = msg["ActionID"]
            if msg["Action"] == "Login":
                ok = msg.get("Secret") == self.secret
                status, text = ("Success", "ok") if ok else ("Error", "Authentication failed")
                writer.write((f"Response: {status}\r\nActionID: {aid}\r\n"
                              f"Message: {text}\r\n\r\n").encode())
            elif msg["Action"] == "QueueStatus":
                writer.write((f"Response: Success\r\nActionID: {aid}\r\n"
                              "EventList: start\r\n\r\n"
                              f"Event: QueueParams\r\nQueue: q\r\nActionID: {aid}\r\n\r\n"
                              "Event: QueueMemberPause\r\nQueue: q\r\nInterface: X\r\n\r\n"
                              "Event: QueueMember\r\nQueue: q\r\nName: A\r\n"
                              f"ActionID: {aid}\r\n\r\n"
                              f"Event: QueueStatusComplete\r\nActionID: {aid}\r\n"
                              "EventList: Complete\r\n\r\n").encode())
            else:
                writer.write(f"Response: Error\r\nActionID: {aid}\r\n"
                             "Message: nope\r\n\r\n".encode())
            await writer.drain()


def test_client_login_list_action_events_and_errors() -> None:
    async def main() -> None:
        fake = FakeAmi("right")
        server = await asyncio.start_server(fake.handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            with pytest.raises(AmiError, match="refused"):
                await AmiClient("127.0.0.1", port, "u", "wrong").start()
            client = AmiClient("127.0.0.1", port, "u", "right")
            events: list[dict[str, str]] = []
            client.on("QueueMemberPause", events.append)
            await client.start()
            listed = await client.action_list("QueueStatus", Queue="q")
            assert [m["Event"] for m in listed] == ["QueueParams", "QueueMember"]
            assert [e["Interface"] for e in events] == ["X"]  # not part of the list
            with pytest.raises(AmiError, match="nope"):
                await client.action("Bogus")
            await client.close()
        finally:
            server.close()
            await server.wait_closed()

    asyncio.run(main())


def test_unreachable_ami_names_the_address() -> None:
    async def main() -> None:
        with pytest.raises(AmiError, match="127.0.0.1:9"):
            await AmiClient("127.0.0.1", 9, "u", "s").start()

    asyncio.run(main())
