"""MediaSession against a local server speaking chan_websocket's protocol (and ARI's)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import WSMsgType, web

from robot.errors import TelephonyError
from robot.telephony import media as media_mod
from robot.telephony.ari import AriClient
from robot.telephony.media import ControlMessage, MediaSession


class FakeAsterisk:
    """ExternalMedia creation, the events WebSocket and one chan_websocket media socket."""

    def __init__(self) -> None:
        self.json_mode = False
        self.auto_complete = True
        self.xoff_after: int | None = None  # bytes received before sending MEDIA_XOFF
        self.texts: list[str] = []
        self.received = 0
        self.chunks: list[int] = []
        self.media_ws: web.WebSocketResponse | None = None
        self.events_ws: web.WebSocketResponse | None = None
        self.channel_id = ""
        self.hung_up: list[str] = []
        self.app = web.Application()
        self.app.router.add_get("/ari/events", self.events)
        self.app.router.add_post("/ari/channels/externalMedia", self.external_media)
        self.app.router.add_delete("/ari/channels/{id}", self.hangup)
        self.app.router.add_get("/media/{conn}", self.media)

    async def events(self, request: web.Request) -> web.StreamResponse:
        ws = self.events_ws = web.WebSocketResponse()
        await ws.prepare(request)
        async for _ in ws:
            pass
        return ws

    async def external_media(self, request: web.Request) -> web.Response:
        assert request.query["external_host"] == "INCOMING"
        assert request.query["transport"] == "websocket" and request.query["format"] == "slin16"
        self.channel_id = request.query["channelId"]
        return web.json_response({
            "id": self.channel_id, "name": "WebSocket/INCOMING/0x1", "state": "Down",
            "channelvars": {"MEDIA_WEBSOCKET_CONNECTION_ID": "conn-1",
                            "MEDIA_WEBSOCKET_OPTIMAL_FRAME_SIZE": "640"},
        })

    async def hangup(self, request: web.Request) -> web.Response:
        self.hung_up.append(request.match_info["id"])
        if self.media_ws is not None:
            await self.media_ws.close()
        return web.Response(status=204)

    async def event(self, name: str, arg: str | None = None) -> None:
        assert self.media_ws is not None
        if self.json_mode:
            msg: dict[str, Any] = {"event": name}
            if arg:
                msg["correlation_id"] = arg
            await self.media_ws.send_str(json.dumps(msg))
        else:
            await self.media_ws.send_str(f"{name} {arg}" if arg else name)

    async def media(self, request: web.Request) -> web.StreamResponse:
        assert request.match_info["conn"] == "conn-1"
        ws = self.media_ws = web.WebSocketResponse()
        await ws.prepare(request)
        if self.json_mode:
            await ws.send_str(json.dumps({"event": "MEDIA_START", "format": "slin16",
                                          "optimal_frame_size": 640, "ptime": 20}))
        else:
            await ws.send_str("MEDIA_START connection_id:conn-1 channel:WebSocket/INCOMING/0x1 "
                              f"channel_id:{self.channel_id} format:slin16 optimal_frame_size:640 ptime:20")
        assert self.events_ws is not None
        await self.events_ws.send_json({"type": "StasisStart", "channel": {"id": self.channel_id}})
        async for msg in ws:
            if msg.type is WSMsgType.BINARY:
                self.received += len(msg.data)
                self.chunks.append(len(msg.data))
                if self.xoff_after is not None and self.received >= self.xoff_after:
                    self.xoff_after = None
                    await self.event("MEDIA_XOFF")
            elif msg.type is WSMsgType.TEXT:
                self.texts.append(msg.data)
                parsed = ControlMessage.parse(msg.data)
                if parsed.name == "STOP_MEDIA_BUFFERING" and self.auto_complete:
                    await self.event("MEDIA_BUFFERING_COMPLETED", parsed.arg)
        return ws


@pytest.fixture
async def fake() -> AsyncIterator[tuple[FakeAsterisk, AriClient]]:
    server = FakeAsterisk()
    runner = web.AppRunner(server.app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    client = AriClient(f"http://127.0.0.1:{port}", "u", "p", ["dunbot"])
    await client.start()
    yield server, client
    await client.close()
    await runner.cleanup()


async def until(predicate: Any, timeout: float = 3.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.005)


def test_control_messages_parse_in_both_formats() -> None:
    start = ControlMessage.parse("MEDIA_START connection_id:c1 format:slin16 optimal_frame_size:640")
    assert start.name == "MEDIA_START" and start.fields["optimal_frame_size"] == "640"
    assert ControlMessage.parse("MEDIA_BUFFERING_COMPLETED p7").arg == "p7"
    assert ControlMessage.parse("MEDIA_XOFF").arg is None
    done = ControlMessage.parse('{"event": "MEDIA_MARK_PROCESSED", "correlation_id": "m2"}')
    assert (done.name, done.arg) == ("MEDIA_MARK_PROCESSED", "m2")


async def test_play_buffers_the_audio_and_completes_on_asterisks_word(fake: Any) -> None:
    server, client = fake
    session = await MediaSession.create(client, "dunbot")
    await session.connect()  # already connected by create(): a no-op
    pcm = b"\x01\x00" * 16000 * 3 + b"\x02\x00" * 5  # 3 s and an odd tail
    playback = await session.play(pcm)
    assert await asyncio.wait_for(playback.done, 3) is True
    assert playback.played_ms == playback.duration_ms == 3000
    assert server.texts == ["START_MEDIA_BUFFERING", f"STOP_MEDIA_BUFFERING {playback.correlation_id}"]
    assert server.received == len(pcm)
    assert all(n <= 65500 for n in server.chunks)
    assert all(n % 640 == 0 for n in server.chunks[:-1])
    await session.close()
    assert server.hung_up == [session.channel_id]


async def test_commands_follow_the_json_format_of_media_start(fake: Any) -> None:
    server, client = fake
    server.json_mode = True
    session = await MediaSession.create(client, "dunbot")
    playback = await session.play(b"\x00" * 6400)
    assert await asyncio.wait_for(playback.done, 3) is True
    assert [json.loads(t) for t in server.texts] == [
        {"command": "START_MEDIA_BUFFERING"},
        {"command": "STOP_MEDIA_BUFFERING", "correlation_id": playback.correlation_id},
    ]
    await session.close()


async def test_sending_pauses_between_xoff_and_xon(fake: Any) -> None:
    server, client = fake
    session = await MediaSession.create(client, "dunbot")
    await server.event("MEDIA_XOFF")
    await until(lambda: session.held)
    playback = await session.play(b"\x00" * 640 * 200)  # 4 s
    await until(lambda: server.texts == ["START_MEDIA_BUFFERING"])
    await asyncio.sleep(0.1)
    assert server.received == 0 and not playback.done.done()  # held back by XOFF
    await server.event("MEDIA_XON")
    assert await asyncio.wait_for(playback.done, 3) is True
    assert server.received == 640 * 200 and not session.held
    await session.close()


async def test_flush_interrupts_and_tells_how_much_was_played(fake: Any) -> None:
    server, client = fake
    server.auto_complete = False
    session = await MediaSession.create(client, "dunbot")
    first = await session.play(b"\x00" * 32000 * 5)  # 5 s
    queued = await session.play(b"\x00" * 32000)
    await until(lambda: any(t.startswith("STOP") for t in server.texts))
    played = await session.flush()
    assert await first.done is False and await queued.done is False
    assert 0 <= played < 5000 and first.played_ms == played
    assert queued.played_ms == 0
    await until(lambda: server.texts[-1] == "FLUSH_MEDIA")
    await session.close()


async def test_playback_ends_by_the_clock_if_asterisk_stays_silent(
    fake: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    server, client = fake
    server.auto_complete = False
    monkeypatch.setattr(media_mod, "CLOCK_GRACE_S", 0.05)
    session = await MediaSession.create(client, "dunbot")
    playback = await session.play(b"\x00" * 3200)  # 100 ms
    assert await asyncio.wait_for(playback.done, 3) is True
    await session.close()


async def test_read_reframes_audio_and_reports_the_end(fake: Any) -> None:
    server, client = fake
    session = await MediaSession.create(client, "dunbot")
    assert await session.read(0.05) is None  # silence: no frames at all
    await server.media_ws.send_bytes(bytes(range(200)) * 5)  # 1000 bytes
    await server.media_ws.send_bytes(b"\x07" * 280)
    first = await session.read(1)
    second = await session.read(1)
    assert first == (bytes(range(200)) * 5)[:640]
    assert second == (bytes(range(200)) * 5)[640:] + b"\x07" * 280
    await server.media_ws.close()
    await until(session.closed.is_set)
    with pytest.raises(TelephonyError):
        await session.read(0.05)
    await session.close()
