"""AriClient against a small real HTTP/WebSocket server shaped like ARI on 127.0.0.1."""

from __future__ import annotations

import asyncio
import random
import socket
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from robot.errors import AriError, AriNotFound, AsteriskNotRunning
from robot.telephony.ari import AriClient, backoff, event_channel_ids

USER, PASSWORD = "dunbot", "s3cret"


class FakeAri:
    """Just enough of ARI: channels, the events WebSocket, basic auth, failure switches."""

    def __init__(self) -> None:
        self.channels: dict[str, dict[str, Any]] = {}
        self.sockets: list[web.WebSocketResponse] = []
        self.ws_attempts = 0
        self.refuse_ws = 0  # answer this many WebSocket attempts with 503
        self.drop_next_originate_reply = False
        self.originate_posts = 0
        self.apps_seen: list[str] = []
        self.app = web.Application(middlewares=[self._auth])
        self.app.router.add_get("/ari/events", self.events)
        self.app.router.add_get("/ari/channels", self.list_channels)
        self.app.router.add_post("/ari/channels/{id}", self.originate)
        self.app.router.add_get("/ari/channels/{id}", self.get_channel)
        self.app.router.add_delete("/ari/channels/{id}", self.delete_channel)
        self.app.router.add_get("/ari/asterisk/info", self.broken)

    @web.middleware
    async def _auth(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if request.headers.get("Authorization") != aiohttp.encode_basic_auth(USER, PASSWORD):
            return web.json_response({"message": "Authentication required"}, status=401)
        return await handler(request)

    async def events(self, request: web.Request) -> web.StreamResponse:
        self.ws_attempts += 1
        self.apps_seen.append(request.query.get("app", ""))
        if self.refuse_ws > 0:
            self.refuse_ws -= 1
            return web.Response(status=503, text="not yet")
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sockets.append(ws)
        async for _ in ws:
            pass
        return ws

    async def send(self, *events: dict[str, Any]) -> None:
        for event in events:
            await self.sockets[-1].send_json(event)

    async def list_channels(self, request: web.Request) -> web.Response:
        return web.json_response(list(self.channels.values()))

    async def originate(self, request: web.Request) -> web.StreamResponse:
        self.originate_posts += 1
        cid = request.match_info["id"]
        if cid in self.channels:
            return web.json_response(
                {"message": "Channel with given unique ID already exists"}, status=409
            )
        body = await request.json()
        self.channels[cid] = {"id": cid, "state": "Down", "name": f"PJSIP/{cid}",
                              "variables": body.get("variables", {}),
                              "endpoint": request.query["endpoint"]}
        if self.drop_next_originate_reply:
            self.drop_next_originate_reply = False
            assert request.transport is not None
            request.transport.abort()  # the dial happened, but its answer is lost
        return web.json_response(self.channels[cid])

    async def get_channel(self, request: web.Request) -> web.Response:
        cid = request.match_info["id"]
        if cid not in self.channels:
            return web.json_response({"message": "Channel not found"}, status=404)
        return web.json_response(self.channels[cid])

    async def delete_channel(self, request: web.Request) -> web.Response:
        cid = request.match_info["id"]
        if self.channels.pop(cid, None) is None:
            return web.json_response({"message": "Channel not found"}, status=404)
        return web.Response(status=204)

    async def broken(self, request: web.Request) -> web.Response:
        return web.json_response({"message": "Internal Server Error"}, status=500)


@pytest.fixture
async def ari() -> AsyncIterator[tuple[FakeAri, str]]:
    fake = FakeAri()
    runner = web.AppRunner(fake.app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield fake, f"http://127.0.0.1:{port}"
    await runner.cleanup()


def client_for(url: str, **kw: Any) -> AriClient:
    kw.setdefault("backoff_min", 0.01)
    kw.setdefault("backoff_max", 0.05)
    kw.setdefault("connect_timeout", 5.0)
    return AriClient(url, USER, PASSWORD, ["dunbot", "dunbot-debtor"], **kw)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def wait_for(predicate: Any, timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.005)


# -- REST -------------------------------------------------------------------------------
async def test_rest_errors_are_typed(ari: tuple[FakeAri, str]) -> None:
    fake, url = ari
    client = client_for(url)
    try:
        with pytest.raises(AriNotFound) as nf:
            await client.get_channel("nope")
        assert nf.value.status == 404 and "GET /channels/nope" in str(nf.value)
        with pytest.raises(AriError) as err:
            await client.asterisk_info()
        assert err.value.status == 500 and not isinstance(err.value, AriNotFound)
        await client.hangup("nope", reason="busy")  # already gone: not an error
    finally:
        await client.close()


async def test_wrong_password_is_an_ari_error(ari: tuple[FakeAri, str]) -> None:
    _, url = ari
    client = AriClient(url, USER, "wrong", ["dunbot"])
    try:
        with pytest.raises(AriError) as err:
            await client.list_channels()
        assert err.value.status == 401
    finally:
        await client.close()


async def test_refused_connection_means_asterisk_not_running() -> None:
    client = client_for(f"http://127.0.0.1:{free_port()}", connect_timeout=0.3)
    with pytest.raises(AsteriskNotRunning):
        await client.list_channels()
    with pytest.raises(AsteriskNotRunning, match="did not connect"):
        await client.start()
    assert not client.connected.is_set()


async def test_originate_sends_everything_and_never_dials_twice(ari: tuple[FakeAri, str]) -> None:
    fake, url = ari
    client = client_for(url)
    try:
        fake.drop_next_originate_reply = True
        channel = await client.originate(
            "PJSIP/100@simtrunk", channel_id="att-1", context="dunbot-outbound",
            extension="s", priority=1, variables={"DUNBOT_ATTEMPT": "att-1", "DUNBOT_AMD": "0"},
        )
        assert channel["id"] == "att-1"
        assert fake.originate_posts == 2  # the lost reply was retried ...
        assert list(fake.channels) == ["att-1"]  # ... but only one channel was dialled
        assert fake.channels["att-1"]["variables"] == {"DUNBOT_ATTEMPT": "att-1", "DUNBOT_AMD": "0"}
        assert fake.channels["att-1"]["endpoint"] == "PJSIP/100@simtrunk"
    finally:
        await client.close()


# -- events -----------------------------------------------------------------------------
def test_event_channel_ids_covers_every_channel_an_event_names() -> None:
    dial = {"type": "Dial", "caller": {"id": "a"}, "peer": {"id": "b"}, "dialstatus": ""}
    assert event_channel_ids(dial) == ["a", "b"]
    playback = {"type": "PlaybackFinished", "playback": {"target_uri": "channel:c"}}
    assert event_channel_ids(playback) == ["c"]
    assert event_channel_ids({"type": "ChannelVarset", "variable": "X"}) == []
    assert event_channel_ids({"type": "X", "channel": {"id": "a"}, "peer": {"id": "a"}}) == ["a"]


async def test_events_reach_each_channel_in_order(ari: tuple[FakeAri, str]) -> None:
    fake, url = ari
    client = client_for(url)
    try:
        qa = client.channel_events("a")  # before the channel exists
        qb = client.channel_events("b")
        await client.start()
        assert fake.apps_seen == ["dunbot,dunbot-debtor"]
        for i in range(50):
            await fake.send({"type": "ChannelVarset", "n": i, "channel": {"id": "a" if i % 2 else "b"}})
        await fake.send({"type": "Dial", "caller": {"id": "a"}, "peer": {"id": "b"}},
                        {"type": "StasisStart", "channel": {"id": "untracked"}})
        await wait_for(lambda: qa.qsize() == 26 and qb.qsize() == 26)
        got_a = [qa.get_nowait() for _ in range(26)]
        got_b = [qb.get_nowait() for _ in range(26)]
        assert [e["n"] for e in got_a[:-1]] == list(range(1, 50, 2))
        assert [e["n"] for e in got_b[:-1]] == list(range(0, 50, 2))
        assert got_a[-1]["type"] == got_b[-1]["type"] == "Dial"
        client.release("a")
        await fake.send({"type": "ChannelVarset", "channel": {"id": "a"}})
        assert client.channel_events("a").empty()
    finally:
        await client.close()


async def test_global_handlers_run_in_order_before_channel_queues(ari: tuple[FakeAri, str]) -> None:
    fake, url = ari
    client = client_for(url)
    seen: list[str] = []
    queues: dict[str, asyncio.Queue[dict[str, Any]]] = {}

    async def on_start(event: dict[str, Any]) -> None:
        await asyncio.sleep(0.01)  # awaited: the next event waits for it
        cid = event["channel"]["id"]
        seen.append(f"start {cid}")
        queues[cid] = client.channel_events(cid)

    client.on("StasisStart", on_start)
    client.on("StasisStart", lambda e: seen.append(f"second {e['channel']['id']}"))
    client.on("StasisEnd", lambda e: seen.append(f"end {e['channel']['id']}"))
    try:
        await client.start()
        await fake.send({"type": "StasisStart", "channel": {"id": "in-1"}, "args": ["100"]},
                        {"type": "StasisEnd", "channel": {"id": "in-1"}})
        await wait_for(lambda: len(seen) == 3)
        assert seen == ["start in-1", "second in-1", "end in-1"]
        assert [queues["in-1"].get_nowait()["type"] for _ in range(2)] == ["StasisStart", "StasisEnd"]
    finally:
        await client.close()


# -- reconnect --------------------------------------------------------------------------
def test_backoff_doubles_to_the_cap_with_bounded_jitter() -> None:
    delays = backoff(0.2, 5.0, rng=random.Random(7))
    nominal = [0.2, 0.4, 0.8, 1.6, 3.2, 5.0, 5.0, 5.0]
    got = [next(delays) for _ in nominal]
    for d, n in zip(got, nominal):
        assert 0.75 * n <= d <= 1.25 * n
    assert len(set(got[-3:])) == 3  # jittered, not lock-step


async def test_start_keeps_trying_until_asterisk_answers(ari: tuple[FakeAri, str]) -> None:
    fake, url = ari
    fake.refuse_ws = 3
    client = client_for(url)
    try:
        await client.start()
        assert client.connected.is_set()
        assert fake.ws_attempts == 4
    finally:
        await client.close()


async def test_reconnect_resyncs_and_reports_lost_channels(ari: tuple[FakeAri, str]) -> None:
    fake, url = ari
    client = client_for(url)
    reconnected = asyncio.Event()
    order: list[str] = []
    try:
        q_gone = client.channel_events("gone")
        q_alive = client.channel_events("alive")
        q_later = client.channel_events("later")  # tracked, never existed yet: not lost
        client.on_reconnect(lambda: (order.append(f"callback {q_gone.qsize()}"), reconnected.set()))
        await client.start()
        await client.originate("PJSIP/1@simtrunk", channel_id="gone", app="dunbot")
        await client.originate("PJSIP/2@simtrunk", channel_id="alive", app="dunbot")
        await fake.send({"type": "StasisStart", "channel": {"id": "alive"}})
        await wait_for(lambda: q_alive.qsize() == 1)
        q_alive.get_nowait()

        fake.refuse_ws = 2  # Asterisk restarting: the next tries fail
        del fake.channels["gone"]  # ... and this call died meanwhile
        await fake.sockets[-1].close()
        await wait_for(lambda: not client.connected.is_set())
        await asyncio.wait_for(reconnected.wait(), 5)

        assert client.connected.is_set() and fake.ws_attempts == 4
        assert q_gone.get_nowait() == {"type": "ChannelLost", "channel": {"id": "gone"}}
        assert order == ["callback 1"]  # ChannelLost is queued before the callback runs
        assert q_alive.empty() and q_later.empty()
        # Still delivering after the reconnect:
        await fake.send({"type": "ChannelHangupRequest", "channel": {"id": "alive"}})
        await wait_for(lambda: q_alive.qsize() == 1)
    finally:
        await client.close()


async def test_a_destroyed_channel_is_not_reported_lost(ari: tuple[FakeAri, str]) -> None:
    fake, url = ari
    client = client_for(url)
    reconnected = asyncio.Event()
    client.on_reconnect(reconnected.set)
    try:
        q = client.channel_events("c")
        await client.start()
        await client.originate("PJSIP/1@simtrunk", channel_id="c", app="dunbot")
        del fake.channels["c"]
        await fake.send({"type": "ChannelDestroyed", "channel": {"id": "c"}, "cause": 16})
        await wait_for(lambda: q.qsize() == 1)
        await fake.sockets[-1].close()
        await asyncio.wait_for(reconnected.wait(), 5)
        assert q.get_nowait()["type"] == "ChannelDestroyed"
        assert q.empty()
    finally:
        await client.close()
