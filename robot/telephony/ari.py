"""Asyncio client for the Asterisk REST Interface: REST calls plus the events WebSocket.

Why a client of our own rather than a generic ARI library: a collection robot must never
lose track of a live call and never dial twice. So this client

* keeps the events WebSocket up forever, reconnecting with exponential backoff (with
  jitter, so several robots do not hammer a restarting Asterisk in step);
* after a reconnect, asks Asterisk which channels still exist and tells each tracked call
  whose channel vanished meanwhile with a synthetic ``ChannelLost`` event, because the
  real ``ChannelDestroyed`` was sent while nobody listened;
* delivers events in order per channel through one queue per channel id, which may be
  created before the channel exists, so the first events of an originate are never
  missed;
* makes originate idempotent: the caller chooses the channel id, and a retried POST that
  Asterisk refuses because the id already exists counts as done.

REST errors are typed (:class:`~robot.errors.AriNotFound`, :class:`~robot.errors.AriError`,
:class:`~robot.errors.AsteriskNotRunning`) so call control can tell "gone" from "broken".
"""

from __future__ import annotations

import asyncio
import inspect
import json as jsonlib
import logging
import random
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import aiohttp

from robot.errors import AriError, AriNotFound, AsteriskNotRunning, TelephonyError

log = logging.getLogger(__name__)

Event = dict[str, Any]
Handler = Callable[[Event], Awaitable[None] | None]
ReconnectCallback = Callable[[], Awaitable[None] | None]

#: Keys of an ARI event whose value is a Channel object the event concerns.
_CHANNEL_KEYS = ("channel", "caller", "peer", "forwarded", "replace_channel")
#: Keys whose value holds a ``target_uri`` such as ``channel:<id>`` (playbacks, recordings).
_TARGET_KEYS = ("playback", "recording")


def event_channel_ids(event: Event) -> list[str]:
    """Return the ids of every channel an event concerns, first mention first, no repeats.

    A ``Dial`` event names both the caller and the peer; each of their handlers needs it.
    """
    ids: list[str] = []
    for key in _CHANNEL_KEYS:
        obj = event.get(key)
        if isinstance(obj, dict) and isinstance(obj.get("id"), str):
            ids.append(obj["id"])
    for key in _TARGET_KEYS:
        obj = event.get(key)
        if isinstance(obj, dict):
            uri = obj.get("target_uri", "")
            if isinstance(uri, str) and uri.startswith("channel:"):
                ids.append(uri.removeprefix("channel:"))
    return list(dict.fromkeys(ids))


def backoff(
    first: float, cap: float, *, jitter: float = 0.25, rng: random.Random | None = None
) -> Iterator[float]:
    """Delays between reconnection tries: doubling from ``first`` up to ``cap``, jittered.

    The jitter (plus or minus ``jitter`` of each delay) keeps several robots from
    reconnecting in lock-step to an Asterisk that has just restarted.
    """
    rand = rng or random.Random()
    delay = first
    while True:
        yield delay * rand.uniform(1 - jitter, 1 + jitter)
        delay = min(delay * 2, cap)


def _param(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


class AriClient:
    """One connection to Asterisk's ARI for a set of Stasis applications."""

    def __init__(
        self,
        base_url: str,
        user: str,
        password: str,
        apps: list[str],
        *,
        connect_timeout: float = 10.0,
        request_timeout: float = 10.0,
        backoff_min: float = 0.2,
        backoff_max: float = 5.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.apps = list(apps)
        self.connected = asyncio.Event()
        self.connect_timeout = connect_timeout
        self.backoff_min, self.backoff_max = backoff_min, backoff_max
        self._auth_header = {"Authorization": aiohttp.encode_basic_auth(user, password)}
        self._timeout = aiohttp.ClientTimeout(total=request_timeout)
        self._session: aiohttp.ClientSession | None = None
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._last_error: BaseException | None = None
        self._queues: dict[str, asyncio.Queue[Event]] = {}
        #: Tracked channels known to exist: only those can be "lost".
        self._alive: set[str] = set()
        #: Tracked channels that ever had an event (so an originate of them went through).
        self._seen: set[str] = set()
        self._handlers: dict[str, list[Handler]] = {}
        self._reconnect_callbacks: list[ReconnectCallback] = []
        #: How many times the events WebSocket has connected (1 after start()).
        self.connections = 0

    # -- lifecycle -------------------------------------------------------------------
    @property
    def http(self) -> aiohttp.ClientSession:
        """The shared HTTP session (also used for media WebSockets)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(headers=self._auth_header, timeout=self._timeout)
        return self._session

    async def start(self) -> None:
        """Connect the events WebSocket; raise AsteriskNotRunning if it cannot in time."""
        if self._task is None:
            self._closing = False
            self._task = asyncio.create_task(self._run(), name="ari-events")
        try:
            await asyncio.wait_for(self.connected.wait(), self.connect_timeout)
        except TimeoutError:
            err = self._last_error
            await self.close()
            raise AsteriskNotRunning(
                f"ARI events WebSocket at {self.base_url} did not connect within "
                f"{self.connect_timeout:g} s ({err or 'no answer'})"
            ) from None

    async def close(self) -> None:
        self._closing = True
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass
            self._task = None
        self.connected.clear()
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> AriClient:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- events ----------------------------------------------------------------------
    def channel_events(self, channel_id: str) -> asyncio.Queue[Event]:
        """The in-order event queue of one channel, created on first use.

        Ask for it *before* originating so no event of the new channel is missed.
        """
        queue = self._queues.get(channel_id)
        if queue is None:
            queue = self._queues[channel_id] = asyncio.Queue()
        return queue

    def release(self, channel_id: str) -> None:
        """Stop tracking a channel (its call is over); later events for it are dropped."""
        self._queues.pop(channel_id, None)
        self._alive.discard(channel_id)
        self._seen.discard(channel_id)

    def on(self, event_type: str, callback: Handler) -> None:
        """Call ``callback(event)`` for every event of that type, in order, awaited.

        Handlers run on the events reader: keep them short (spawn a task for real work).
        They run before the event is put on the channel queues, so a ``StasisStart``
        handler that calls :meth:`channel_events` also receives that ``StasisStart``.
        """
        self._handlers.setdefault(event_type, []).append(callback)

    def on_reconnect(self, callback: ReconnectCallback) -> None:
        """Call ``callback()`` after each re-connection, once ``ChannelLost`` went out."""
        self._reconnect_callbacks.append(callback)

    async def dispatch(self, event: Event) -> None:
        """Deliver one event: global handlers first, then each concerned channel's queue."""
        for handler in list(self._handlers.get(event.get("type", ""), ())):
            try:
                result = handler(event)
                if inspect.isawaitable(result):
                    await result
            except Exception:
                log.exception("ARI handler for %s failed", event.get("type"))
        gone = event.get("type") == "ChannelDestroyed"
        for cid in event_channel_ids(event):
            queue = self._queues.get(cid)
            if queue is None:
                continue
            self._seen.add(cid)
            if gone and cid == event.get("channel", {}).get("id"):
                self._alive.discard(cid)
            else:
                self._alive.add(cid)
            queue.put_nowait(event)

    def mark_alive(self, channel_id: str) -> None:
        """Record that a tracked channel exists (so its disappearance can be reported)."""
        if channel_id in self._queues:
            self._alive.add(channel_id)

    async def _resync(self) -> None:
        """Report tracked channels that vanished while the events WebSocket was down."""
        channels = await self.list_channels()
        existing = {c.get("id") for c in channels}
        for cid in sorted(self._alive - existing):
            self._alive.discard(cid)
            queue = self._queues.get(cid)
            if queue is not None:
                log.warning("channel %s vanished while ARI was disconnected", cid)
                queue.put_nowait({"type": "ChannelLost", "channel": {"id": cid}})

    def _events_url(self) -> str:
        ws_base = "ws" + self.base_url.removeprefix("http")
        return f"{ws_base}/ari/events?app={','.join(self.apps)}&subscribeAll=false"

    async def _run(self) -> None:
        delays = backoff(self.backoff_min, self.backoff_max)
        while not self._closing:
            try:
                async with self.http.ws_connect(
                    self._events_url(), heartbeat=20.0, timeout=aiohttp.ClientWSTimeout(ws_close=2.0)
                ) as ws:
                    self.connections += 1
                    if self.connections > 1:
                        await self._after_reconnect()
                    self.connected.set()
                    delays = backoff(self.backoff_min, self.backoff_max)
                    async for msg in ws:
                        if msg.type is aiohttp.WSMsgType.TEXT:
                            try:
                                event = jsonlib.loads(msg.data)
                            except ValueError:
                                log.warning("ARI sent a non-JSON event: %.200s", msg.data)
                                continue
                            await self.dispatch(event)
                        elif msg.type in (aiohttp.WSMsgType.ERROR, aiohttp.WSMsgType.CLOSED):
                            break
                if not self._closing:
                    log.warning("ARI events WebSocket closed; reconnecting")
            except asyncio.CancelledError:
                raise
            except (aiohttp.ClientError, OSError, TelephonyError, TimeoutError) as exc:
                self._last_error = exc
                log.debug("ARI events WebSocket: %s", exc)
            self.connected.clear()
            if self._closing:
                break
            await asyncio.sleep(next(delays))

    async def _after_reconnect(self) -> None:
        await self._resync()
        for callback in list(self._reconnect_callbacks):
            try:
                result = callback()
                if inspect.isawaitable(result):
                    await result
            except Exception:
                log.exception("ARI reconnect callback failed")

    # -- REST ------------------------------------------------------------------------
    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
    ) -> Any:
        """Call ``/ari<path>``; return the decoded JSON body (None when there is none)."""
        clean = {k: _param(v) for k, v in (params or {}).items() if v is not None}
        url = f"{self.base_url}/ari{path}"
        try:
            async with self.http.request(method, url, params=clean, json=json) as resp:
                body = await resp.text()
                if resp.status == 404:
                    raise AriNotFound(method, path, resp.status, body)
                if resp.status >= 400:
                    raise AriError(method, path, resp.status, body)
                if not body:
                    return None
                if resp.content_type == "application/json":
                    return jsonlib.loads(body)
                return body
        except aiohttp.ClientConnectorError as exc:
            raise AsteriskNotRunning(f"ARI at {self.base_url} refused the connection: {exc}") from None
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise TelephonyError(f"ARI {method} {path} failed: {exc!r}") from exc

    async def originate(
        self,
        endpoint: str,
        *,
        channel_id: str,
        context: str | None = None,
        extension: str | None = None,
        priority: int | None = None,
        app: str | None = None,
        app_args: list[str] | str | None = None,
        variables: dict[str, str] | None = None,
        timeout: int = 30,
        caller_id: str | None = None,
        retries: int = 2,
    ) -> dict[str, Any]:
        """Dial ``endpoint`` as channel ``channel_id``, at most once whatever happens.

        A POST whose answer was lost is retried with the same id; if Asterisk then says the
        id already exists, the first POST went through and we never dial a second time.
        """
        params = {
            "endpoint": endpoint,
            "context": context,
            "extension": extension,
            "priority": priority,
            "app": app,
            "appArgs": app_args,
            "timeout": timeout,
            "callerId": caller_id,
        }
        body = {"variables": {k: str(v) for k, v in (variables or {}).items()}}
        path = f"/channels/{channel_id}"
        for attempt in range(retries + 1):
            try:
                channel = await self.request("POST", path, params=params, json=body)
                self.mark_alive(channel_id)
                return channel
            except AriError as exc:
                if exc.status in (400, 409) and "exist" in exc.body.lower():
                    log.info("originate %s was already done by an earlier try", channel_id)
                    self.mark_alive(channel_id)
                    try:
                        return await self.get_channel(channel_id)
                    except AriNotFound:
                        return {"id": channel_id}
                raise
            except AsteriskNotRunning:
                raise
            except TelephonyError:
                if attempt == retries:
                    raise
                await asyncio.sleep(self.backoff_min * (attempt + 1))
                if channel_id in self._seen:
                    # Events came for it: the lost POST went through. Its channel may
                    # even be gone already, and Asterisk would accept the id again.
                    log.info("originate %s went through (its events arrived)", channel_id)
                    return {"id": channel_id}
        raise AssertionError("unreachable")

    async def answer(self, channel_id: str) -> None:
        await self.request("POST", f"/channels/{channel_id}/answer")

    async def ring(self, channel_id: str) -> None:
        await self.request("POST", f"/channels/{channel_id}/ring")

    async def hangup(self, channel_id: str, reason: str = "normal") -> None:
        """Hang up; a channel that is already gone is not an error (hangups race)."""
        try:
            await self.request("DELETE", f"/channels/{channel_id}", params={"reason": reason})
        except AriNotFound:
            pass

    async def create_bridge(self, type: str = "mixing", bridge_id: str | None = None) -> dict[str, Any]:
        path = f"/bridges/{bridge_id}" if bridge_id else "/bridges"
        return await self.request("POST", path, params={"type": type})

    async def add_channel(self, bridge_id: str, channel_id: str) -> None:
        await self.request("POST", f"/bridges/{bridge_id}/addChannel", params={"channel": channel_id})

    async def destroy_bridge(self, bridge_id: str) -> None:
        try:
            await self.request("DELETE", f"/bridges/{bridge_id}")
        except AriNotFound:
            pass

    async def external_media(
        self,
        *,
        app: str,
        channel_id: str | None = None,
        format: str = "slin16",
        transport: str = "websocket",
        external_host: str = "INCOMING",
        encapsulation: str = "none",
        connection_type: str = "server",
        direction: str | None = None,
        variables: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Create an ExternalMedia channel; the reply's ``channelvars`` say how to reach it."""
        params = {
            "app": app,
            "channelId": channel_id,
            "external_host": external_host,
            "format": format,
            "transport": transport,
            "encapsulation": encapsulation,
            "connection_type": connection_type,
            "direction": direction,
        }
        body = {"variables": variables} if variables else None
        return await self.request("POST", "/channels/externalMedia", params=params, json=body)

    async def get_channel(self, channel_id: str) -> dict[str, Any]:
        return await self.request("GET", f"/channels/{channel_id}")

    async def list_channels(self) -> list[dict[str, Any]]:
        return await self.request("GET", "/channels") or []

    async def get_var(self, channel_id: str, name: str) -> str | None:
        """A channel variable's value; None when it is not set (AriNotFound: no channel)."""
        try:
            reply = await self.request("GET", f"/channels/{channel_id}/variable", params={"variable": name})
        except AriNotFound as exc:
            if "variable" in exc.body.lower():
                return None
            raise
        return str((reply or {}).get("value", ""))

    async def asterisk_info(self) -> dict[str, Any]:
        return await self.request("GET", "/asterisk/info")
